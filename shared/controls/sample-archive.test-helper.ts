/**
 * Reads an evidence archive's ZIP bytes into what the control checks consume, for tests
 * and benchmarks on the independent producer's samples, before the engine exists to do
 * it. It trusts what the engine would verify (signatures, certificates, chain): its job
 * is only to hand the checks the same receipts and bundles the engine would.
 */
import { unzipSync } from 'fflate';
import type { ArchiveContext, KeyUse, Keyring, ResolvedBundle } from '../engine/types.ts';
import { decodeUtf8Strict, fromHex } from '../format/bytes.ts';
import { parseCanonical } from '../format/canonical.ts';
import { nobleStrictVerifier } from '../format/ed25519.ts';
import { hashOf } from '../format/hash.ts';
import { KEYS_PATH, SEGMENT_PATH } from '../format/layout.ts';
import {
  KeyEntrySchema,
  PolicyFileSchema,
  ReceiptSchema,
  RevocationSchema,
  validate,
  type KeyEntry,
  type Role,
} from '../format/schema.ts';
import { parseTime } from '../format/time.ts';
import { resolveBundle, type FixtureRecord } from './fixtures.test-helper.ts';

export interface SampleArchive {
  readonly archive: ArchiveContext;
  readonly bundles: readonly ResolvedBundle[];
  /** Schema-valid receipts, ledger by ledger, in segment and line order. */
  readonly records: readonly FixtureRecord[];
  /** Lines that did not parse or were not schema-valid (the engine's findings). */
  readonly rejected: number;
}

/** @throws Error when the ZIP or its keys.json cannot be read at all (a broken sample). */
export function loadSampleArchive(zip: Uint8Array): SampleArchive {
  const entries = unzipSync(zip);
  const text = (name: string): string => {
    const bytes = entries[name];
    const decoded = bytes ? decodeUtf8Strict(bytes) : null;
    if (decoded === null) throw new Error(`sample archive: ${name} is missing or not UTF-8`);
    return decoded;
  };
  const names = Object.keys(entries).sort();

  const bundles: ResolvedBundle[] = [];
  for (const path of names.filter((n) => /^policies\/[^/]+\.json$/.test(n))) {
    const file = validate(PolicyFileSchema, JSON.parse(text(path)));
    if (!file.ok) continue;
    bundles.push(resolveBundle(file.value.bundle, path));
  }
  const bundlesByHash = new Map(bundles.map((b) => [b.hash, b]));

  const records: FixtureRecord[] = [];
  let rejected = 0;
  for (const path of names.filter((n) => SEGMENT_PATH.test(n))) {
    const ledger = path.split('/')[1] ?? '';
    text(path)
      .split('\n')
      .forEach((line, index) => {
        if (line === '') return;
        const parsed = parseCanonical(line);
        const checked = parsed.ok ? validate(ReceiptSchema, parsed.value) : null;
        if (!checked?.ok) return void rejected++;
        const receipt = checked.value;
        records.push({
          receipt,
          line,
          context: {
            path,
            line: index + 1,
            ledger,
            hash: hashOf(line),
            bundle: bundlesByHash.get(receipt.decision.bundle),
          },
        });
      });
  }

  const keySet = JSON.parse(text(KEYS_PATH)) as { keys?: unknown[]; revocations?: unknown[] };
  const archive: ArchiveContext = {
    bundlesByHash,
    keyring: sampleKeyring(keySet.keys ?? [], keySet.revocations ?? []),
    verifier: nobleStrictVerifier,
  };
  return { archive, bundles, records, rejected };
}

/** Role and validity checks as FORMAT.md §3 states them; certificates are not verified. */
function sampleKeyring(rawKeys: readonly unknown[], rawRevocations: readonly unknown[]): Keyring {
  const keys = new Map<string, KeyEntry>();
  for (const raw of rawKeys) {
    const key = validate(KeyEntrySchema, raw);
    if (key.ok) keys.set(key.value.kid, key.value);
  }
  const revokedAt = new Map<string, number>();
  for (const raw of rawRevocations) {
    const revocation = validate(RevocationSchema, raw);
    if (revocation.ok) revokedAt.set(revocation.value.kid, parseTime(revocation.value.revoked_at) ?? 0);
  }
  return {
    check(kid: string, role: Role, atText: string): KeyUse {
      const atMs = parseTime(atText) ?? Number.NaN;
      const key = keys.get(kid);
      if (!key) return { ok: false, code: 'KEY_UNKNOWN', message: `key ${kid} is not in keys.json` };
      if (!key.roles.includes(role))
        return { ok: false, code: 'KEY_ROLE_MISMATCH', message: `key ${kid} lacks the ${role} role` };
      const from = parseTime(key.not_before) ?? Infinity;
      const until = parseTime(key.not_after) ?? -Infinity;
      if (!(atMs >= from && atMs <= until))
        return { ok: false, code: 'KEY_NOT_VALID_AT', message: `key ${kid} is not valid at that time` };
      const revoked = revokedAt.get(kid);
      if (revoked !== undefined && atMs >= revoked)
        return { ok: false, code: 'KEY_REVOKED', message: `key ${kid} is revoked` };
      return { ok: true, publicKey: fromHex(key.public_key), anchored: true };
    },
  };
}
