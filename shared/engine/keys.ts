/**
 * The key set (FORMAT.md §3): certified keys, revocations, and trust anchored outside
 * the archive. Builds a {@link Keyring} that answers "may key k sign as role r at time t?"
 * and reports what is wrong with keys.json itself.
 */
import { fromHex, utf8 } from '../format/bytes.ts';
import { canonicalize, signedText, signedTextOfCanonicalLine } from '../format/canonical.ts';
import type { SignatureVerifier } from '../format/ed25519.ts';
import { questionRecorder, type RememberingVerifier, type SignedTriple } from '../format/remembering-verifier.ts';
import type { AsyncSignatureVerifier } from '../format/webcrypto-ed25519.ts';
import { KEYS_PATH, kidOf } from '../format/layout.ts';
import {
  KeyEntrySchema,
  KeySetSchema,
  RevocationSchema,
  validate,
  type KeyEntry,
  type Role,
} from '../format/schema.ts';
import { instantOf, type Instant } from '../format/time.ts';
import { finding, type Finding } from './findings.ts';
import type { KeyUse, Keyring } from './types.ts';

// The layout and the key id are the format's (shared/format/layout.ts), shared with the producer.
export { KEYS_PATH, kidOf };

/** One key of keys.json as the keyring judged it. */
export interface KeyRecord {
  readonly entry: KeyEntry;
  readonly publicKey: Uint8Array;
  readonly notBefore: Instant;
  readonly notAfter: Instant;
  readonly isRoot: boolean;
  /** Why the key cannot be used at all, or null. */
  readonly unusable: { code: 'KEY_CERT_INVALID' | 'KEY_UNKNOWN'; message: string } | null;
  readonly anchored: boolean;
}

/**
 * The keyring as built, as data: each key's record and the earliest valid revocation of each
 * revoked key. A pool worker is given it (structured clone) and checks keys as the engine's
 * thread does, without reading keys.json or its signatures again ({@link keyringOf}).
 */
export interface KeyringData {
  readonly records: ReadonlyMap<string, KeyRecord>;
  readonly revokedAt: ReadonlyMap<string, { readonly at: Instant; readonly text: string }>;
}

export interface KeySetResult {
  readonly keyring: Keyring;
  /** What {@link keyring} reads, for another thread's {@link keyringOf}. */
  readonly data: KeyringData;
  readonly findings: Finding[];
  /** Every root in the archive is pinned by the caller, and there is at least one. */
  readonly allRootsTrusted: boolean;
  readonly roots: readonly { kid: string; publicKey: string; trusted: boolean }[];
}

/**
 * Checks keys.json and builds the keyring.
 * @param value parsed keys.json, or undefined when it is missing or unreadable
 * @param trustedRoots root public keys (hex) the caller pins
 */
export function buildKeyring(
  value: unknown,
  trustedRoots: readonly string[],
  verifier: SignatureVerifier,
): KeySetResult {
  const findings: Finding[] = [];
  const at = { path: KEYS_PATH };
  const pinned = new Set(trustedRoots.map((k) => k.toLowerCase()));
  const records = new Map<string, KeyRecord>();
  /** Earliest valid revocation of each key: its instant and its text. */
  const revokedAt = new Map<string, { at: Instant; text: string }>();

  const shape = value === undefined ? null : validate(KeySetSchema, value);
  if (shape && !shape.ok)
    findings.push(finding('RECORD_MALFORMED', `keys.json is not a key set: ${shape.message}.`, at));
  const set = shape?.ok ? shape.value : { keys: [], revocations: [] };

  // Pass 1: entries, key ids and roots.
  const entries: KeyEntry[] = [];
  const kids = new Set<string>();
  /** Each entry as stored: certificates sign these bytes, not the schema's output. */
  const stored = new Map<KeyEntry, Record<string, unknown>>();
  set.keys.forEach((raw, index) => {
    const checked = validate(KeyEntrySchema, raw);
    if (!checked.ok) {
      findings.push(finding('RECORD_MALFORMED', `keys[${index}] is not a valid key entry: ${checked.message}.`, at));
      return;
    }
    const entry = checked.value;
    if (kids.has(entry.kid)) {
      findings.push(
        finding('RECORD_MALFORMED', `keys[${index}] repeats key id ${entry.kid}; each key may appear once.`, at),
      );
      return;
    }
    entries.push(entry);
    kids.add(entry.kid);
    stored.set(entry, raw as Record<string, unknown>);
  });
  const rootKids = new Set<string>();
  for (const entry of entries) {
    const publicKey = fromHex(entry.public_key);
    const actualKid = kidOf(publicKey);
    const isRoot = entry.roles.includes('root') && entry.cert === undefined;
    let unusable: KeyRecord['unusable'] = null;
    if (actualKid !== entry.kid) {
      findings.push(
        finding(
          'KEY_ID_MISMATCH',
          `Key ${entry.kid} has a public key whose key id is ${actualKid}; the entry cannot be used.`,
          at,
          { kid: entry.kid, expected: actualKid },
        ),
      );
      unusable = {
        code: 'KEY_UNKNOWN',
        message: `key ${entry.kid} is listed with a public key that does not match its key id`,
      };
    }
    const trusted = isRoot && pinned.has(entry.public_key);
    if (isRoot && !unusable) {
      rootKids.add(entry.kid);
      if (!trusted) {
        findings.push(
          finding(
            'KEY_UNTRUSTED_ROOT',
            `Root key ${entry.kid} (public key ${entry.public_key}) is not in your trust store; nothing it certifies is anchored until you pin it.`,
            at,
            { kid: entry.kid, public_key: entry.public_key },
          ),
        );
      }
    }
    records.set(entry.kid, {
      entry,
      publicKey,
      notBefore: instantOf(entry.not_before) as Instant,
      notAfter: instantOf(entry.not_after) as Instant,
      isRoot,
      unusable,
      anchored: trusted,
    });
  }

  // Pass 2: certificates of non-root keys.
  for (const [kid, record] of records) {
    if (record.isRoot || record.unusable) continue;
    const cert = record.entry.cert;
    let problem: string | null = null;
    let root: KeyRecord | undefined;
    if (!cert) problem = `key ${kid} has no certificate and is not a root`;
    else if (!(root = records.get(cert.kid)) || !rootKids.has(cert.kid))
      problem = `key ${kid} is certified by ${cert.kid}, which is not a root key of this archive`;
    else {
      if (
        !verifier.verify(
          fromHex(cert.sig),
          utf8(signedText(stored.get(record.entry) as Record<string, unknown>, 'cert')),
          root.publicKey,
        )
      )
        problem = `the certificate of key ${kid} is not a valid signature by root ${cert.kid}`;
    }
    if (problem) {
      findings.push(
        finding('KEY_CERT_INVALID', `${capitalize(problem)}; its signatures cannot be relied on.`, at, { kid }),
      );
      records.set(kid, { ...record, unusable: { code: 'KEY_CERT_INVALID', message: problem } });
    } else {
      records.set(kid, { ...record, anchored: root?.anchored ?? false });
    }
  }

  // Revocations: only a valid root signature revokes.
  set.revocations.forEach((raw, index) => {
    const checked = validate(RevocationSchema, raw);
    if (!checked.ok) {
      findings.push(
        finding('RECORD_MALFORMED', `revocations[${index}] is not a valid revocation: ${checked.message}.`, at),
      );
      return;
    }
    const r = checked.value;
    const by = records.get(r.by);
    const message = utf8(canonicalize({ kid: r.kid, reason: r.reason, revoked_at: r.revoked_at }));
    if (!by || !rootKids.has(r.by) || !verifier.verify(fromHex(r.sig), message, by.publicKey)) {
      findings.push(
        finding(
          'KEY_CERT_INVALID',
          `revocations[${index}] of key ${r.kid} is not validly signed by a root key of this archive, so it is ignored.`,
          at,
          { kid: r.kid },
        ),
      );
      return;
    }
    const revoked = instantOf(r.revoked_at) as Instant;
    const earlier = revokedAt.get(r.kid);
    if (!earlier || revoked < earlier.at) revokedAt.set(r.kid, { at: revoked, text: r.revoked_at });
  });

  const roots = [...records.values()]
    .filter((r) => r.isRoot)
    .map((r) => ({ kid: r.entry.kid, publicKey: r.entry.public_key, trusted: r.anchored }));
  const data: KeyringData = { records, revokedAt };
  return {
    keyring: keyringOf(data),
    data,
    findings,
    allRootsTrusted: roots.length > 0 && roots.every((r) => r.trusted),
    roots,
  };
}

/** The keyring that answers from `data` ({@link buildKeyring}'s, or a copy of it). */
export function keyringOf({ records, revokedAt }: KeyringData): Keyring {
  return {
    check(kid: string, role: Role, atText: string): KeyUse {
      const record = records.get(kid);
      const at = instantOf(atText);
      if (!record) return { ok: false, code: 'KEY_UNKNOWN', message: `key ${kid} is not in keys.json` };
      if (record.unusable) return { ok: false, code: record.unusable.code, message: record.unusable.message };
      if (!record.entry.roles.includes(role)) {
        return {
          ok: false,
          code: 'KEY_ROLE_MISMATCH',
          message: `key ${kid} has roles ${record.entry.roles.join(', ')} but this object needs the ${role} role`,
        };
      }
      if (at === null || !(at >= record.notBefore && at <= record.notAfter)) {
        return {
          ok: false,
          code: 'KEY_NOT_VALID_AT',
          message: `key ${kid} is valid from ${record.entry.not_before} to ${record.entry.not_after}, not at ${atText}`,
        };
      }
      const revoked = revokedAt.get(kid);
      if (revoked !== undefined && at >= revoked.at) {
        return {
          ok: false,
          code: 'KEY_REVOKED',
          message: `key ${kid} was revoked at ${revoked.text}, not after this signature's time ${atText}`,
        };
      }
      return { ok: true, publicKey: record.publicKey, anchored: record.anchored };
    },
  };
}

/**
 * {@link buildKeyring} with keys.json's signatures (its certificates and revocations) verified
 * all at once ahead of it with `bulk`, where the host has one (WebCrypto: native, where the
 * synchronous reference is pure JavaScript, about a millisecond a signature; an archive may
 * certify a key or two for each of hundreds of ledgers). A first pass lists them, answering each
 * "valid"; their answers are remembered in `verifier`. When every one is valid, that pass built
 * the key set; else the build asks `verifier` (which computes itself any answer it lacks: when
 * `bulk` fails, every one). So `bulk` changes how fast, never what is built.
 */
export async function buildKeyringAhead(
  value: unknown,
  trustedRoots: readonly string[],
  verifier: RememberingVerifier,
  bulk: AsyncSignatureVerifier | null | undefined,
): Promise<KeySetResult> {
  if (bulk) {
    const asked: SignedTriple[] = [];
    const listed = buildKeyring(value, trustedRoots, questionRecorder(asked));
    const answers = await verifier.answerAhead(bulk, asked).catch(() => null);
    // Every made-up answer was the real one: the listing pass asked what a build with the real
    // answers asks, and built what it builds (with 500 ledgers, building it again made the
    // bundles screen's longest task about 60 ms longer).
    if (answers?.every((answer) => answer === true)) return listed;
  }
  return buildKeyring(value, trustedRoots, verifier);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Verifies `object.sig` over `C(object without sig)` with a key already checked by the keyring.
 * @param stored how the object was read (`readStoredLine`): when its line was checked to be
 *   canonical, the signed bytes are cut out of it rather than serialized again.
 */
export function verifySigned(
  object: Readonly<Record<string, unknown>>,
  publicKey: Uint8Array,
  verifier: SignatureVerifier,
  stored?: StoredForm,
): boolean {
  const parts = signedParts(object, stored);
  return parts !== null && verifier.verify(parts.signature, parts.message, publicKey);
}

/** What reading an object's line established about its text (see `readStoredLine`). */
export interface StoredForm {
  /** The line, when it is its own canonical form. */
  readonly canonicalText?: string;
  /** `C(object without its top-level sig)`, when the read already cut it out of the line. */
  readonly withoutSig?: string;
  /** Its UTF-8 bytes, when the read cut them from the line's bytes (with `withoutSig` only). */
  readonly withoutSigBytes?: Uint8Array;
}

const SIGNATURE_HEX = /^[0-9a-f]{128}$/;

/** The signature and the signed bytes of an object, or null when its `sig` is not 128 hex digits. */
export function signedParts(
  object: Readonly<Record<string, unknown>>,
  stored?: StoredForm,
): { signature: Uint8Array; message: Uint8Array } | null {
  const sig = object.sig;
  if (typeof sig !== 'string' || !SIGNATURE_HEX.test(sig)) return null;
  if (stored?.withoutSig !== undefined && stored.withoutSigBytes !== undefined)
    return { signature: fromHex(sig), message: stored.withoutSigBytes };
  const signed =
    stored?.withoutSig ??
    (stored?.canonicalText !== undefined ? signedTextOfCanonicalLine(stored.canonicalText, object) : null) ??
    signedText(object);
  return { signature: fromHex(sig), message: utf8(signed) };
}
