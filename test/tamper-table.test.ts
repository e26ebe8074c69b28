/**
 * One case per integrity code of FORMAT.md §7: each tampering, made as a forger would
 * (re-signing and re-chaining what the forger could), must give its code, and nothing
 * outside the codes that follow from the same change.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { memorySource } from '../shared/archive/memory.ts';
import { memoryBytes } from '../shared/archive/blob.ts';
import { type FindingCode } from '../shared/engine/findings.ts';
import { ARCHIVE_INTEGRITY_CODES } from '../shared/codes.ts';
import { verifyArchive, verifyZipBytes, type EngineOptions } from '../shared/engine/verify.ts';
import type { VerifyReport } from '../shared/engine/types.ts';
import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { canonicalize, signedText } from '../shared/format/canonical.ts';
import { hashOf } from '../shared/format/hash.ts';
import { makeCleanArchive } from '../shared/producer/demo.ts';
import { certifiedKeyEntry } from '../shared/producer/keyset.ts';
import { signBundle } from '../shared/producer/policy.ts';
import { keyFromSeed, kidOf } from '../shared/producer/keys.ts';
import { fromHex } from '../shared/format/bytes.ts';
import { engineOptions } from '../cli/engine-options.ts';
import { verifyBothWays } from './support/pieces.ts';
import {
  json,
  keys,
  receiptsOf,
  segmentsOf,
  resignManifest,
  rewriteLedger,
  SEED,
  setJson,
  setText,
  sign,
  text,
  type Files,
} from './support/tamper.ts';
import { nodeCedar } from '../cli/cedar-node.ts';

const LEDGER = 'gw-eu-1';
let base: Files;
let rootPublicKey: string;

beforeAll(async () => {
  const archive = await makeCleanArchive({
    cedar: nodeCedar,
    receipts: 240,
    seed: SEED,
    receiptsPerSegment: 60,
    checkpointEvery: 20,
  });
  base = archive.files;
  rootPublicKey = archive.rootPublicKey;
});

/**
 * Verifies unsplit and split into pieces of 1 byte (as the command line's pool
 * splits files, every line end a split): both must give the same report,
 * whatever the tampering. Returns the unsplit one.
 */
async function verify(files: Files, options: Partial<EngineOptions> = {}): Promise<VerifyReport> {
  const full = { ...engineOptions(), trustedRoots: [rootPublicKey], ...options };
  if (options.segmentRunner || options.onRecord)
    return verifyArchive(memorySource(files, 'tampered', options.limits), full);
  const { whole, pieces } = await verifyBothWays(() => memorySource(files, 'tampered', options.limits), full, 1);
  expect(pieces).toEqual(whole);
  return whole;
}

const at = (n: number) => (rows: { path: string; receipt: Record<string, unknown> }[]) =>
  rows[n] as { path: string; receipt: Record<string, unknown> };
const keysJson = (files: Files) =>
  json(files, 'keys.json') as { keys: Record<string, unknown>[]; revocations: unknown[] };
const validity = { notBefore: '2026-01-01T00:00:00.000Z', notAfter: '2027-01-01T00:00:00.000Z' };

interface Case {
  readonly code: FindingCode;
  readonly how: string;
  /** Changes the archive (a copy); may return engine options. */
  readonly tamper: (files: Files) => Partial<EngineOptions> | void;
  /** Codes that may follow from the same change. */
  readonly also?: readonly FindingCode[];
}

/** Re-signs one receipt (index n of the ledger) with `key`, re-linking the chain. */
const signReceiptWith = (
  files: Files,
  n: number,
  key: typeof keys.root,
  edit: (r: Record<string, unknown>) => Record<string, unknown> = (r) => r,
) =>
  rewriteLedger(
    files,
    LEDGER,
    (rows) => rows.map((row, i) => (i === n ? { ...row, receipt: edit(row.receipt) } : row)),
    { signer: (_r, i) => (i === n ? key : keys.gate(LEDGER)) },
  );

const cases: Case[] = [
  {
    code: 'ENTRY_UNSAFE_PATH',
    how: 'an entry named ../escape',
    tamper: (f) => void setText(f, '../escape.json', '{}'),
  },
  {
    code: 'ENTRY_TOO_LARGE',
    how: 'a segment over the per-entry limit',
    tamper: () => ({ limits: { maxEntryBytes: 20_000 } }),
    also: [
      'FILE_HASH_MISMATCH',
      'CHAIN_TRUNCATED',
      'CHAIN_GAP',
      'CHECKPOINT_MISMATCH',
      'TXN_INCOMPLETE',
      'TXN_STEP_GAP',
      'RECORD_MALFORMED',
    ],
  },
  {
    code: 'FORMAT_UNSUPPORTED',
    how: 'the manifest declares another format',
    tamper: (f) =>
      setJson(f, 'manifest.json', sign({ ...json(f, 'manifest.json'), format: 'tickmark.evidence.v2' }, keys.archive)),
  },
  { code: 'MANIFEST_MISSING', how: 'manifest.json removed', tamper: (f) => void f.delete('manifest.json') },
  {
    code: 'MANIFEST_SIGNATURE_INVALID',
    how: 'organization changed in the signed manifest',
    tamper: (f) => setJson(f, 'manifest.json', { ...json(f, 'manifest.json'), organization: 'Someone Else Ltd' }),
  },
  {
    code: 'FILE_MISSING',
    how: 'a listed attachment removed',
    tamper: (f) => void f.delete([...f.keys()].find((p) => p.startsWith('attachments/')) as string),
  },
  {
    code: 'FILE_HASH_MISMATCH',
    how: 'a listed file changed after signing',
    tamper: (f) => {
      setText(f, 'notes.txt', 'v1');
      resignManifest(f);
      setText(f, 'notes.txt', 'v2');
    },
  },
  {
    code: 'FILE_UNLISTED',
    how: 'a file added after signing',
    tamper: (f) => void setText(f, 'notes.txt', 'added later'),
  },
  { code: 'KEY_UNTRUSTED_ROOT', how: 'the root is not pinned', tamper: () => ({ trustedRoots: [] }) },
  {
    code: 'KEY_ID_MISMATCH',
    how: 'a certified key listed under another kid',
    tamper: (f) => {
      const ks = keysJson(f);
      const other = keyFromSeed('other-key');
      ks.keys.push(certifiedKeyEntry({ ...other, kid: keys.stranger.kid }, ['gate'], validity, keys.root));
      setJson(f, 'keys.json', ks);
      resignManifest(f);
    },
  },
  {
    code: 'KEY_UNKNOWN',
    how: 'a receipt signed by a key not in keys.json',
    tamper: (f) => signReceiptWith(f, 30, keys.stranger),
  },
  {
    code: 'KEY_CERT_INVALID',
    how: "a key whose certificate is not the root's signature",
    tamper: (f) => {
      const ks = keysJson(f);
      const entry = certifiedKeyEntry(keyFromSeed('badly-certified'), ['gate'], validity, keyFromSeed('not-the-root'));
      ks.keys.push({ ...entry, cert: { kid: keys.root.kid, sig: (entry.cert as { sig: string }).sig } });
      setJson(f, 'keys.json', ks);
      resignManifest(f);
    },
  },
  {
    code: 'KEY_ROLE_MISMATCH',
    how: 'a receipt signed by the policy key',
    tamper: (f) => signReceiptWith(f, 30, keys.policy),
  },
  {
    code: 'KEY_NOT_VALID_AT',
    how: 'a receipt signed by a key valid only in 2025',
    tamper: (f) => {
      const expired = keyFromSeed('expired-gate');
      const ks = keysJson(f);
      ks.keys.push(
        certifiedKeyEntry(
          expired,
          ['gate'],
          { notBefore: '2025-01-01T00:00:00.000Z', notAfter: '2025-12-31T00:00:00.000Z' },
          keys.root,
        ),
      );
      setJson(f, 'keys.json', ks);
      signReceiptWith(f, 30, expired);
    },
  },
  {
    code: 'KEY_REVOKED',
    how: 'a receipt signed by the gate key revoked in March',
    tamper: (f) => signReceiptWith(f, 30, keys.retired),
  },
  {
    code: 'RECORD_MALFORMED',
    how: 'a receipt missing its agent',
    tamper: (f) => signReceiptWith(f, 30, keys.gate(LEDGER), ({ agent: _a, ...r }) => r),
    also: ['TXN_STEP_GAP', 'TXN_INCOMPLETE'],
  },
  {
    code: 'RECORD_NONCANONICAL',
    how: 'a receipt stored with a space after a colon',
    tamper: (f) =>
      rewriteLedger(f, LEDGER, (r) => r, {
        serialize: (r, i) => (i === 30 ? canonicalize(r).replace('"v":1', '"v": 1') : canonicalize(r)),
      }),
  },
  {
    code: 'SIGNATURE_INVALID',
    how: 'a latency changed, chain re-linked, not re-signed',
    tamper: (f) =>
      rewriteLedger(
        f,
        LEDGER,
        (rows) =>
          rows.map((row, i) =>
            i === 30
              ? { ...row, receipt: { ...row.receipt, exec: { ...(row.receipt.exec as object), latency_ms: 1 } } }
              : row,
          ),
        { signer: (_r, i) => (i === 30 ? null : keys.gate(LEDGER)) },
      ),
  },
  {
    code: 'SIGNATURE_INVALID',
    how: 'a "__proto__" member added to a signed receipt (the schema would drop it)',
    tamper: (f) =>
      rewriteLedger(f, LEDGER, (r) => r, {
        signer: (_r, i) => (i === 30 ? null : keys.gate(LEDGER)),
        serialize: (r, i) =>
          i === 30 ? canonicalize(r).replace('{"agent"', '{"__proto__":{"x":1},"agent"') : canonicalize(r),
      }),
  },
  {
    code: 'CHAIN_BROKEN',
    how: "a receipt's prev pointing elsewhere, re-signed",
    tamper: (f) =>
      rewriteLedger(f, LEDGER, (rows) => rows, {
        relink: true,
        signer: () => keys.gate(LEDGER),
        serialize: (r, i) => canonicalize(i === 30 ? sign({ ...r, prev: hashOf('elsewhere') }, keys.gate(LEDGER)) : r),
      }),
    also: ['CHECKPOINT_MISMATCH'],
  },
  {
    code: 'CHAIN_GAP',
    how: 'receipt 31 removed, the rest re-linked',
    tamper: (f) => rewriteLedger(f, LEDGER, (rows) => rows.filter((_, i) => i !== 30)),
    also: ['TXN_STEP_GAP', 'TXN_INCOMPLETE'],
  },
  {
    code: 'CHAIN_DUPLICATE_SEQ',
    how: 'a second receipt with seq 31 (a fork)',
    tamper: (f) =>
      rewriteLedger(f, LEDGER, (rows) => [
        ...rows.slice(0, 31),
        { ...at(30)(rows), receipt: { ...at(30)(rows).receipt, id: 'rc_forked' } },
        ...rows.slice(31),
      ]),
    also: ['TXN_STEP_GAP', 'NONDETERMINISTIC_OUTPUT'],
  },
  {
    code: 'RECEIPT_ID_DUPLICATE',
    how: 'receipt 31 reuses the id of receipt 30',
    tamper: (f) =>
      rewriteLedger(f, LEDGER, (rows) =>
        rows.map((row, i) => (i === 30 ? { ...row, receipt: { ...row.receipt, id: at(29)(rows).receipt.id } } : row)),
      ),
  },
  {
    code: 'TIME_REGRESSION',
    how: 'receipt 31 dated before receipt 30',
    tamper: (f) =>
      rewriteLedger(f, LEDGER, (rows) =>
        rows.map((row, i) =>
          i === 30
            ? {
                ...row,
                receipt: {
                  ...row.receipt,
                  ts: new Date(Date.parse(at(29)(rows).receipt.ts as string) - 1000).toISOString(),
                },
              }
            : row,
        ),
      ),
  },
  {
    code: 'CHECKPOINT_INVALID',
    how: 'a checkpoint whose signature does not verify',
    tamper: (f) => {
      const path = `ledgers/${LEDGER}/checkpoints.jsonl`;
      const lines = text(f, path)
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      lines[1] = { ...lines[1], sig: (lines[0] as { sig: string }).sig };
      setText(f, path, lines.map((l) => canonicalize(l) + '\n').join(''));
      resignManifest(f);
    },
  },
  {
    code: 'CHECKPOINT_MISMATCH',
    how: 'a checkpoint sealing another head, re-signed',
    tamper: (f) => {
      const path = `ledgers/${LEDGER}/checkpoints.jsonl`;
      const lines = text(f, path)
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      lines[1] = sign({ ...lines[1], head: hashOf('another head') }, keys.gate(LEDGER));
      setText(f, path, lines.map((l) => canonicalize(l) + '\n').join(''));
      resignManifest(f);
    },
  },
  {
    code: 'CHAIN_TRUNCATED',
    how: 'the last 5 receipts removed, checkpoints kept',
    tamper: (f) => rewriteLedger(f, LEDGER, (rows) => rows.slice(0, -5)),
    also: ['TXN_INCOMPLETE'],
  },
  {
    code: 'CHAIN_UNSEALED',
    how: 'the sealing checkpoint removed',
    tamper: (f) => {
      const path = `ledgers/${LEDGER}/checkpoints.jsonl`;
      setText(
        f,
        path,
        text(f, path)
          .split('\n')
          .filter(Boolean)
          .slice(0, -1)
          .map((l) => l + '\n')
          .join(''),
      );
      resignManifest(f);
    },
  },
  {
    code: 'POLICY_SIGNATURE_INVALID',
    how: 'bundle v2 signed by the archive key instead of a policy key',
    tamper: (f) => {
      const path = 'policies/agents-prod-v2.json';
      const file = json(f, path) as { bundle: Record<string, unknown>; signatures: unknown[] };
      setJson(f, path, {
        bundle: file.bundle,
        signatures: [
          { kid: keys.policy.kid, sig: signBundle(file.bundle as never, [keys.archive]).file.signatures[0]?.sig },
        ],
      });
      resignManifest(f);
    },
  },
  {
    code: 'POLICY_INVALID',
    how: 'a signed bundle whose Cedar text does not parse',
    tamper: (f) => {
      const v1 = (json(f, 'policies/agents-prod-v1.json') as { bundle: Record<string, unknown> }).bundle;
      const broken = signBundle(
        {
          ...v1,
          id: 'staging',
          supersedes: null,
          cedar: { policies: { broken: 'permit(principal, action,' } },
        } as never,
        [keys.policy],
      );
      setText(f, 'policies/staging-v1.json', broken.text);
      resignManifest(f);
    },
  },
  {
    code: 'POLICY_LINEAGE_BROKEN',
    how: "a v3 that supersedes a hash other than v2's",
    tamper: (f) => {
      const v2 = (json(f, 'policies/agents-prod-v2.json') as { bundle: Record<string, unknown> }).bundle;
      const v3 = signBundle(
        { ...v2, version: 3, effective_from: '2026-12-01T00:00:00.000Z', supersedes: hashOf('not v2') } as never,
        [keys.policy],
      );
      setText(f, 'policies/agents-prod-v3.json', v3.text);
      resignManifest(f);
    },
  },
  {
    code: 'POLICY_UNKNOWN',
    how: 'a receipt decided under a bundle not in the archive',
    tamper: (f) =>
      signReceiptWith(f, 30, keys.gate(LEDGER), (r) => ({
        ...r,
        decision: { ...(r.decision as object), bundle: hashOf('missing bundle') },
      })),
  },
  {
    code: 'POLICY_NOT_IN_EFFECT',
    how: 'a June receipt decided under v1 (ended 15 May)',
    tamper: (f) => {
      const rows = receiptsOf(f, LEDGER);
      const june = rows.findIndex((row) => (row.receipt.ts as string) > '2026-06-01');
      const v1 = hashOf(canonicalize((json(f, 'policies/agents-prod-v1.json') as { bundle: unknown }).bundle));
      signReceiptWith(f, june, keys.gate(LEDGER), (r) => ({
        ...r,
        decision: { ...(r.decision as object), bundle: v1 },
      }));
    },
    also: ['DECISION_MISMATCH'],
  },
  {
    code: 'ATTACHMENT_HASH_MISMATCH',
    how: 'an attachment changed, manifest re-signed',
    tamper: (f) => {
      setText(f, [...f.keys()].find((p) => p.startsWith('attachments/')) as string, 'changed content');
      resignManifest(f);
    },
  },
];

describe('tamper table: every integrity code', () => {
  it('the untampered archive gives no finding at all', async () => {
    const report = await verify(new Map(base));
    expect(report.findings).toEqual([]);
    expect(report.summary.trusted).toBe(true);
  });

  it('covers every integrity code of FORMAT.md §7', () => {
    const covered = new Set<string>([...cases.map((c) => c.code), 'ARCHIVE_UNREADABLE']);
    expect(ARCHIVE_INTEGRITY_CODES.filter((code) => !covered.has(code))).toEqual([]);
  });

  it.each(cases)('$code: $how', async (c) => {
    const files = new Map(base);
    const options = c.tamper(files) ?? {};
    const report = await verify(files, options);
    const codes = new Set(report.findings.map((f) => f.code));
    expect([...codes], report.findings.map((f) => `${f.code}: ${f.message}`).join('\n')).toContain(c.code);
    const allowed = new Set<string>([c.code, ...(c.also ?? [])]);
    expect(
      [...codes].filter((code) => !allowed.has(code)),
      'unexpected codes',
    ).toEqual([]);
  });

  it('ARCHIVE_UNREADABLE: bytes that are not a ZIP', async () => {
    const report = await verifyZipBytes(memoryBytes(new TextEncoder().encode('PK but not really')), 'x.zip', {
      trustedRoots: [rootPublicKey],
    });
    expect(report.findings.map((f) => f.code)).toEqual(['ARCHIVE_UNREADABLE']);
  });
});

/** Where a finding is, as the report gives it: exactly these members, for an exact comparison. */
interface Placed {
  readonly code: string;
  readonly path?: string;
  readonly line?: number;
  readonly seq?: number;
}
const placed = (report: VerifyReport): Placed[] =>
  report.findings
    .map((f) => ({
      code: f.code,
      ...(f.path !== undefined && { path: f.path }),
      ...(f.line !== undefined && { line: f.line }),
      ...(f.seq !== undefined && { seq: f.seq }),
    }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

const CHECKPOINTS = `ledgers/${LEDGER}/checkpoints.jsonl`;
const SEGMENT_1 = `ledgers/${LEDGER}/000001.jsonl`;
const SEGMENT_2 = `ledgers/${LEDGER}/000002.jsonl`;
const linesOf = (f: Files, path: string) => text(f, path).split('\n').filter(Boolean);
const setLines = (f: Files, path: string, lines: readonly string[]) =>
  setText(f, path, lines.map((l) => l + '\n').join(''));

/**
 * Public keys that are not canonical encodings (FORMAT.md §1: y ≥ p, or x = 0 with the sign
 * bit set), each of a point of small order, so that R = identity, S = 0 satisfies the
 * cofactorless equation for any message: OpenSSL and BoringSSL accept such a signature
 * unless the key's encoding (or its order) is checked first.
 */
const NON_CANONICAL_KEYS = [
  { key: 'ee' + 'ff'.repeat(30) + '7f', why: 'y = p + 1 (the identity)' },
  { key: 'ee' + 'ff'.repeat(31), why: 'y = p + 1 with the sign bit set' },
  { key: '01' + '00'.repeat(30) + '80', why: 'y = 1 with the sign bit set (x = 0: "negative zero")' },
  { key: 'ec' + 'ff'.repeat(31), why: 'y = p - 1 with the sign bit set (x = 0)' },
  { key: 'ed' + 'ff'.repeat(31), why: 'y = p with the sign bit set' },
];
const IDENTITY_R_ZERO_S = '01' + '00'.repeat(63);

interface ExactCase {
  readonly how: string;
  readonly tamper: (files: Files) => void;
  /** Every finding of the report, with its location. */
  readonly expected: readonly Placed[];
}

const exactCases: ExactCase[] = [
  {
    how: 'a cut at a segment join: the first two receipts of segment 2 deleted, only the manifest re-signed',
    tamper: (f) => {
      setLines(f, SEGMENT_2, linesOf(f, SEGMENT_2).slice(2));
      resignManifest(f);
    },
    // Receipt 61 was step 2 of a transaction that goes on at 63: a control finding follows.
    // Not re-linked: 63's prev is the hash of 62, not of 60 stored before it (FORMAT.md §7).
    expected: [
      { code: 'CHAIN_BROKEN', path: SEGMENT_2, line: 1, seq: 63 },
      { code: 'CHAIN_GAP', path: SEGMENT_2, line: 1, seq: 63 },
      { code: 'TXN_STEP_GAP', path: SEGMENT_2, line: 1, seq: 63 },
    ],
  },
  {
    how: 'a cut at a segment join, re-linked and re-sealed with the gate key: seq 61 removed',
    tamper: (f) => rewriteLedger(f, LEDGER, (rows) => rows.filter((_, i) => i !== 60)),
    expected: [
      { code: 'CHAIN_GAP', path: SEGMENT_2, line: 1, seq: 62 },
      { code: 'TXN_STEP_GAP', path: SEGMENT_2, line: 2, seq: 63 },
    ],
  },
  {
    how: "segment 2's first receipt links to another line than segment 1's last, re-signed and re-sealed",
    tamper: (f) =>
      rewriteLedger(f, LEDGER, (rows) => rows, {
        serialize: (r, i) =>
          canonicalize(i === 60 ? sign({ ...r, prev: hashOf('not receipt 60') }, keys.gate(LEDGER)) : r),
      }),
    expected: [{ code: 'CHAIN_BROKEN', path: SEGMENT_2, line: 1, seq: 61 }],
  },
  {
    how: 'a chain that starts midway: segment 1 and the checkpoints over it removed, manifest re-signed',
    tamper: (f) => {
      f.delete(SEGMENT_1);
      setLines(
        f,
        CHECKPOINTS,
        linesOf(f, CHECKPOINTS).filter((l) => (JSON.parse(l) as { seq: number }).seq > 60),
      );
      resignManifest(f);
    },
    // Two transactions that began in segment 1 now begin at step 2: control findings follow.
    expected: [
      { code: 'CHAIN_GAP', path: SEGMENT_2, line: 1, seq: 61 },
      { code: 'TXN_STEP_GAP', path: SEGMENT_2, line: 1, seq: 61 },
      { code: 'TXN_STEP_GAP', path: SEGMENT_2, line: 4, seq: 64 },
    ],
  },
  {
    how: "seq 1's prev names a predecessor instead of all zeros, re-signed, re-linked and re-sealed",
    tamper: (f) =>
      rewriteLedger(f, LEDGER, (rows) => rows, {
        serialize: (r, i) =>
          canonicalize(i === 0 ? sign({ ...r, prev: hashOf('a receipt before the first') }, keys.gate(LEDGER)) : r),
      }),
    expected: [{ code: 'CHAIN_BROKEN', path: SEGMENT_1, line: 1, seq: 1 }],
  },
  {
    how: 'checkpoints stored out of order (seq 60 before seq 40), each validly signed',
    tamper: (f) => {
      const [a, b, c, ...rest] = linesOf(f, CHECKPOINTS) as [string, string, string, ...string[]];
      setLines(f, CHECKPOINTS, [a, c, b, ...rest]);
      resignManifest(f);
    },
    expected: [{ code: 'CHECKPOINT_INVALID', path: CHECKPOINTS, line: 3 }],
  },
  {
    how: 'the same checkpoint stored twice',
    tamper: (f) => {
      const [a, b, ...rest] = linesOf(f, CHECKPOINTS) as [string, string, ...string[]];
      setLines(f, CHECKPOINTS, [a, b, b, ...rest]);
      resignManifest(f);
    },
    expected: [{ code: 'CHECKPOINT_INVALID', path: CHECKPOINTS, line: 3 }],
  },
  {
    how: 'a checkpoint naming another ledger, with the right head and a valid gate signature',
    tamper: (f) => {
      const lines = linesOf(f, CHECKPOINTS);
      lines[1] = canonicalize(sign({ ...JSON.parse(lines[1] as string), ledger: 'gw-us-1' }, keys.gate(LEDGER)));
      setLines(f, CHECKPOINTS, lines);
      resignManifest(f);
    },
    expected: [{ code: 'CHECKPOINT_INVALID', path: CHECKPOINTS, line: 2 }],
  },
  {
    how: "a checkpoint copied from the other ledger's checkpoints (its own gate key)",
    tamper: (f) => {
      const lines = linesOf(f, CHECKPOINTS);
      lines[1] = linesOf(f, 'ledgers/gw-us-1/checkpoints.jsonl')[1] as string;
      setLines(f, CHECKPOINTS, lines);
      resignManifest(f);
    },
    expected: [{ code: 'CHECKPOINT_INVALID', path: CHECKPOINTS, line: 2 }],
  },
  ...NON_CANONICAL_KEYS.map(({ key, why }): ExactCase => ({
    how: `a gate key in keys.json encoded non-canonically (${why}), certified by the root, and receipt 31 "signed" by it with R = identity, S = 0`,
    tamper: (f) => {
      const kid = kidOf(fromHex(key));
      const ks = keysJson(f);
      ks.keys.push(
        certifiedKeyEntry({ secretKey: new Uint8Array(32), publicKey: key, kid }, ['gate'], validity, keys.root),
      );
      setJson(f, 'keys.json', ks);
      signReceiptWithout(f, 30, (r) => forgedUnder(key, { ...r, kid }));
    },
    expected: [{ code: 'SIGNATURE_INVALID', path: SEGMENT_1, line: 31, seq: 31 }],
  })),
];

/**
 * `receipt` with the signature R = identity, S = 0 under the small-order `publicKey`, its id
 * varied until OpenSSL (node:crypto, no strict checks in front) accepts it: for points of
 * order 2 or 4 the equation holds for a quarter to a half of messages. So the case shows what
 * the encoding check stops, and cannot pass because the native verifier refused anyway.
 */
function forgedUnder(publicKey: string, receipt: Record<string, unknown>): Record<string, unknown> {
  const key = createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(publicKey, 'hex')]),
    format: 'der',
    type: 'spki',
  });
  for (let n = 0; n < 64; n++) {
    const candidate = { ...receipt, id: `${receipt.id as string}${n === 0 ? '' : `-${n}`}`, sig: IDENTITY_R_ZERO_S };
    if (cryptoVerify(null, Buffer.from(signedText(candidate)), key, Buffer.from(IDENTITY_R_ZERO_S, 'hex')))
      return candidate;
  }
  throw new Error(`OpenSSL accepts no forged signature under ${publicKey}: the case would prove nothing`);
}

/** Receipt n given fields by `edit` (its own kid and sig among them), the rest re-signed and re-linked. */
function signReceiptWithout(f: Files, n: number, edit: (r: Record<string, unknown>) => Record<string, unknown>) {
  rewriteLedger(f, LEDGER, (rows) => rows, {
    signer: (_r, i) => (i === n ? null : keys.gate(LEDGER)),
    serialize: (r, i) => canonicalize(i === n ? edit(r) : r),
  });
}

describe('tamper table: where the chain, the checkpoints and key encodings are the only witness', () => {
  it('the base ledger has two segments of 60 and checkpoints every 20 (what the cases below cut)', () => {
    expect(segmentsOf(base, LEDGER)).toEqual([SEGMENT_1, SEGMENT_2]);
    expect(linesOf(base, SEGMENT_1)).toHaveLength(60);
    expect(linesOf(base, CHECKPOINTS).map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual([
      20, 40, 60, 80, 100, 120,
    ]);
  });

  it.each(exactCases)('$how', async (c) => {
    const files = new Map(base);
    c.tamper(files);
    const report = await verify(files);
    expect(placed(report), report.findings.map((f) => `${f.code}: ${f.message}`).join('\n')).toEqual(
      [...c.expected].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );
    expect(report.ledgers.find((l) => l.ledger === LEDGER)?.state).toBe('tampered');
  });
});
