/**
 * One case per integrity code of FORMAT.md §7: each tampering, made as a forger would
 * (re-signing and re-chaining what the forger could), must give its code, and nothing
 * outside the codes that follow from the same change.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { memorySource } from '../shared/archive/memory.ts';
import { memoryBytes } from '../shared/archive/blob.ts';
import { INTEGRITY_CODES, type FindingCode } from '../shared/engine/findings.ts';
import { verifyArchive, verifyZipBytes, type EngineOptions } from '../shared/engine/verify.ts';
import type { VerifyReport } from '../shared/engine/types.ts';
import { canonicalize } from '../shared/format/canonical.ts';
import { hashOf } from '../shared/format/hash.ts';
import { makeCleanArchive } from '../shared/producer/demo.ts';
import { certifiedKeyEntry } from '../shared/producer/keyset.ts';
import { signBundle } from '../shared/producer/policy.ts';
import { keyFromSeed } from '../shared/producer/keys.ts';
import { engineOptions } from '../cli/engine-options.ts';
import {
  json,
  keys,
  receiptsOf,
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

async function verify(files: Files, options: Partial<EngineOptions> = {}): Promise<VerifyReport> {
  return verifyArchive(memorySource(files, 'tampered', options.limits), {
    ...engineOptions(),
    trustedRoots: [rootPublicKey],
    ...options,
  });
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
    expect(INTEGRITY_CODES.filter((code) => !covered.has(code))).toEqual([]);
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
