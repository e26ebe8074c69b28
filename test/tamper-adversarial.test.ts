/**
 * The tamper table, continued: classes of attack found by adversarial testing on archives
 * we did not make (issue 9). Each must be a finding (exit 1), never a pass, a hang or a
 * crash, and the rest of the archive is still verified. Findings are asserted exactly
 * (code and place), so that a check removed or a sentence gone false fails here.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { memorySource } from '../shared/archive/memory.ts';
import { memoryBytes } from '../shared/archive/blob.ts';
import { verifyArchive, verifyZipBytes, type EngineOptions } from '../shared/engine/verify.ts';
import type { VerifyReport } from '../shared/engine/types.ts';
import { canonicalize } from '../shared/format/canonical.ts';
import { makeCleanArchive } from '../shared/producer/demo.ts';
import { signBundle } from '../shared/producer/policy.ts';
import { engineOptions } from '../cli/engine-options.ts';
import { verifyBothWays } from './support/pieces.ts';
import { nodeCedar } from '../cli/cedar-node.ts';
import { exitStatus, verifyPath } from '../cli/commands/verify.ts';
import { withHiddenCopy, withLyingSize, withMethod, withUnicodePathAlias, zipOf } from './support/container-attacks.ts';
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
import { forgeUnderSmallOrderKey, SMALL_ORDER_POINTS } from './support/small-order.ts';
import { certifiedKeyEntry, revocation } from '../shared/producer/keyset.ts';
import { fromHex, toHex } from '../shared/format/bytes.ts';
import { kidOf } from '../shared/format/layout.ts';

const LEDGER = 'gw-eu-1';
const OTHER = 'gw-us-1';
const SEGMENT_1 = `ledgers/${LEDGER}/000001.jsonl`;
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

const copy = (): Files => new Map([...base].map(([k, v]) => [k, v.slice()]));

/**
 * Verifies unsplit and split into pieces of 700 bytes (as the command line's pool
 * splits files, a few receipts a piece): both must give the same report,
 * whatever the tampering. Returns the unsplit one.
 */
async function verifyFiles(files: Files, options: Partial<EngineOptions> = {}): Promise<VerifyReport> {
  const full = { ...engineOptions(), trustedRoots: [rootPublicKey], ...options };
  if (options.segmentRunner || options.onRecord)
    return verifyArchive(memorySource(files, 'adversarial', options.limits), full);
  const { whole, pieces } = await verifyBothWays(() => memorySource(files, 'adversarial', options.limits), full, 700);
  expect(pieces).toEqual(whole);
  return whole;
}

async function verifyZip(zip: Uint8Array): Promise<VerifyReport> {
  return verifyZipBytes(memoryBytes(zip), 'adversarial.zip', { ...engineOptions(), trustedRoots: [rootPublicKey] });
}

const codes = (report: VerifyReport) => [...new Set(report.findings.map((f) => f.code))].sort();
const placed = (report: VerifyReport) =>
  report.findings
    .filter((f) => f.code !== 'CHAIN_UNSEALED')
    .map((f) => ({ code: f.code, path: f.path, line: f.line, seq: f.seq }));
const stateOf = (report: VerifyReport, ledger: string) => report.ledgers.find((l) => l.ledger === ledger)?.state;

describe('tampered containers are findings, never a pass or a hang', () => {
  it.each([
    ['bzip2', 12, 6],
    ['LZMA', 14, 0],
    ['Zstandard', 93, 6],
  ] as const)('a segment compressed with %s is refused by name; the rest is verified', async (name, method, level) => {
    const report = await verifyZip(withMethod(copy(), SEGMENT_1, method, level));
    expect(placed(report)).toEqual([{ code: 'ARCHIVE_UNREADABLE', path: SEGMENT_1, line: undefined, seq: undefined }]);
    expect(report.findings[0]?.message).toContain(`method ${method} (${name})`);
    expect(exitStatus(report)).toBe(1);
    expect(stateOf(report, LEDGER)).toBe('tampered');
    expect(stateOf(report, OTHER)).toBe('verified');
    // never "missing": it is there, refused
    expect(report.checks.find((c) => c.check.startsWith('Manifest lists'))?.check).toContain('not compared');
  });

  it.each([
    ['larger', 100, 0],
    ['smaller', -100, 0],
    ['larger', 100, 6],
    ['smaller', -100, 6],
  ] as const)(
    'a central directory that declares a %s size (%s bytes, level %s) is ARCHIVE_UNREADABLE',
    async (_what, delta, level) => {
      const report = await verifyZip(withLyingSize(copy(), SEGMENT_1, delta, level));
      expect(placed(report)).toEqual([
        { code: 'ARCHIVE_UNREADABLE', path: SEGMENT_1, line: undefined, seq: undefined },
      ]);
      expect(report.findings[0]?.message).toMatch(/cannot be read: .*(disagree|declares)/);
      expect(stateOf(report, OTHER)).toBe('verified');
    },
  );

  it.each([
    ['DOS attributes', 'dos'],
    ['Unix mode bits', 'unix'],
  ] as const)('%s that call a named file a directory do not hide its second copy', async (_how, attributes) => {
    const zip = withHiddenCopy(copy(), SEGMENT_1, attributes);
    const report = await verifyZip(zip);
    expect(codes(report)).toContain('ENTRY_UNSAFE_PATH');
    const dup = report.findings.find((f) => f.code === 'ENTRY_UNSAFE_PATH');
    expect(dup).toMatchObject({ path: SEGMENT_1 });
    expect(dup?.message).toContain('appears more than once');
    expect(exitStatus(report)).toBe(1);
  });

  it('a forged copy whose Unicode Path extra field names a segment: refused under its stored name, the segment itself verified', async () => {
    const report = await verifyZip(withUnicodePathAlias(copy(), SEGMENT_1));
    const decoy = SEGMENT_1.replace(/.$/, 'X');
    expect(placed(report)).toEqual([{ code: 'ENTRY_UNSAFE_PATH', path: undefined, line: undefined, seq: undefined }]);
    expect(report.findings[0]?.message).toBe(
      `Entry ${JSON.stringify(decoy)} was refused: its Info-ZIP Unicode Path extra field names it ${JSON.stringify(SEGMENT_1)}, not its stored name, so ZIP readers disagree on which file it is.`,
    );
    expect(stateOf(report, LEDGER)).toBe('verified');
    expect(exitStatus(report)).toBe(1);
  });

  it('an entry name that is not UTF-8 in a directory archive is refused, not a crash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickmark-adv-'));
    for (const [path, bytes] of copy()) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), bytes);
    }
    writeFileSync(Buffer.concat([Buffer.from(join(dir, 'attachments') + '/bad'), Buffer.from([0xff, 0xfe])]), 'x');
    const report = await verifyPath(dir, { trustedRoots: [rootPublicKey] }, { workers: 1 });
    expect(placed(report)).toEqual([{ code: 'ENTRY_UNSAFE_PATH', path: undefined, line: undefined, seq: undefined }]);
    expect(report.findings[0]?.message).toContain('not valid UTF-8');
    expect(exitStatus(report)).toBe(1);
  });
});

describe('content anyone can add without a key never crashes the run', () => {
  it('an unsigned bundle with deeply nested Cedar is not given to Cedar; decisions under signed ones still are', async () => {
    const files = copy();
    const deep = '('.repeat(5_000) + 'true' + ')'.repeat(5_000);
    setJson(files, 'policies/zz-unsigned.json', {
      bundle: {
        ...(json(files, [...files.keys()].find((p) => p.startsWith('policies/')) as string).bundle as object),
        id: 'intruder',
        version: 1,
        supersedes: null,
        cedar: { policies: { deep: `permit(principal, action, resource) when { ${deep} };` } },
      },
      signatures: [],
    });
    resignManifest(files);
    const report = await verifyFiles(files);
    expect(placed(report)).toEqual([
      { code: 'POLICY_SIGNATURE_INVALID', path: 'policies/zz-unsigned.json', line: undefined, seq: undefined },
    ]);
    expect(report.checks).toContainEqual(
      expect.objectContaining({ status: 'not checked', check: expect.stringContaining('policies/zz-unsigned.json') }),
    );
    expect(report.checks.find((c) => c.check === 'Decision re-evaluation and control checks')?.status).toBe('ran');
  });

  it('a signed bundle nested past the bound is POLICY_INVALID, named, without calling Cedar', async () => {
    const files = copy();
    const some = [...files.keys()].find((p) => p.startsWith('policies/')) as string;
    const body = (json(files, some) as { bundle: Record<string, unknown> }).bundle;
    const deep = '('.repeat(200) + 'true' + ')'.repeat(200);
    const bundle = {
      ...body,
      id: 'deep-test',
      version: 1,
      supersedes: null,
      cedar: { policies: { deep: `forbid(principal, action, resource) when { ${deep} };` } },
    };
    setJson(files, 'policies/deep-test-v1.json', signBundle(bundle as never, [keys.policy]).file);
    resignManifest(files);
    const report = await verifyFiles(files);
    expect(placed(report), report.findings.map((f) => f.message).join('\n')).toEqual([
      { code: 'POLICY_INVALID', path: 'policies/deep-test-v1.json', line: undefined, seq: undefined },
    ]);
    expect(report.findings[0]?.message).toMatch(/policy "deep" does not parse as Cedar: it nests 201 levels deep/);
  });

  it('a receipt nested thousands deep is RECORD_MALFORMED at its line, the same with and without the pool', async () => {
    const files = copy();
    const lines = text(files, SEGMENT_1).split('\n');
    const original = JSON.parse(lines[4] as string) as Record<string, unknown>;
    lines[4] = canonicalize({ ...original, request: { ...(original.request as object), context: { x: 1 } } }).replace(
      '{"x":1}',
      '['.repeat(5_000) + ']'.repeat(5_000),
    );
    setText(files, SEGMENT_1, lines.join('\n'));
    resignManifest(files);
    const dir = mkdtempSync(join(tmpdir(), 'tickmark-adv-'));
    const zipPath = join(dir, 'deep.zip');
    writeFileSync(zipPath, zipOf(files));
    const single = await verifyPath(zipPath, { trustedRoots: [rootPublicKey] }, { workers: 1 });
    const pooled = await verifyPath(
      zipPath,
      { trustedRoots: [rootPublicKey], segmentRunnerMinBytes: 0 },
      { workers: 2 },
    );
    const malformed = single.findings.find((f) => f.code === 'RECORD_MALFORMED');
    expect(malformed).toMatchObject({ path: SEGMENT_1, line: 5 });
    expect(malformed?.message).toContain('nested more than 64 levels');
    expect(pooled.findings).toEqual(single.findings);
    expect(pooled.checks.some((c) => /pool of 2/.test(c.check))).toBe(true);
  });

  it('an unlisted segment of 150,000 empty lines: a finding for each, and the run goes on', async () => {
    const files = copy();
    setText(files, `ledgers/${LEDGER}/000099.jsonl`, '\n'.repeat(150_000));
    const report = await verifyFiles(files);
    const empty = report.findings.filter(
      (f) => f.code === 'RECORD_MALFORMED' && f.path === `ledgers/${LEDGER}/000099.jsonl`,
    );
    expect(empty).toHaveLength(150_000);
    expect(report.findings.filter((f) => f.code === 'FILE_UNLISTED')).toHaveLength(1);
    expect(stateOf(report, OTHER)).toBe('verified');
  });

  it('a fraction or exponent in signed content is RECORD_MALFORMED, though canonical and signed', async () => {
    for (const [value, shown] of [
      [1.5, '1.5'],
      [1e21, '1e+21'],
      [-2, '-2'],
    ] as const) {
      const files = copy();
      rewriteLedger(files, LEDGER, (rows) =>
        rows.map((row, i) =>
          i === 7
            ? {
                ...row,
                receipt: {
                  ...row.receipt,
                  request: { ...(row.receipt.request as object), context: { amount: value } },
                },
              }
            : row,
        ),
      );
      const report = await verifyFiles(files);
      const malformed = report.findings.filter((f) => f.code === 'RECORD_MALFORMED');
      expect(malformed.map((f) => [f.path, f.line])).toEqual([[SEGMENT_1, 8]]);
      expect(malformed[0]?.message).toContain(`holds the number ${shown} at request.context.amount`);
      expect(exitStatus(report)).toBe(1);
    }
  });
});

describe('time, keys and order: every sentence true', () => {
  it('a time regression of 0.8 ms is seen', async () => {
    const files = copy();
    const t = receiptsOf(files, LEDGER)[10]?.receipt.ts as string; // …:ss.mmmZ
    const within = (digit: string) => `${t.slice(0, 23)}${digit}Z`; // the same millisecond, 0.1 ms steps
    rewriteLedger(files, LEDGER, (all) =>
      all.map((row, i) =>
        i === 10 || i === 11 ? { ...row, receipt: { ...row.receipt, ts: within(i === 10 ? '8' : '0') } } : row,
      ),
    );
    const report = await verifyFiles(files);
    expect(placed(report)).toEqual([{ code: 'TIME_REGRESSION', path: SEGMENT_1, line: 12, seq: 12 }]);
  });

  it('a receipt 0.8 ms before its key is revoked is not called revoked; 0.8 ms after, it is', async () => {
    for (const receiptFirst of [true, false]) {
      const files = copy();
      const rows = receiptsOf(files, LEDGER);
      const last = rows.length - 1;
      const ts = rows[last]?.receipt.ts as string;
      const receiptTs = `${ts.slice(0, 23)}5Z`;
      const revokedAt = `${ts.slice(0, 23)}${receiptFirst ? '58' : '42'}Z`;
      rewriteLedger(files, LEDGER, (all) =>
        all.map((row, i) => (i === last ? { ...row, receipt: { ...row.receipt, ts: receiptTs } } : row)),
      );
      const ks = json(files, 'keys.json') as { keys: unknown[]; revocations: unknown[] };
      ks.revocations = [...ks.revocations, revocation(keys.gate(LEDGER).kid, 'test', revokedAt, keys.root)];
      setJson(files, 'keys.json', ks);
      resignManifest(files);
      const report = await verifyFiles(files);
      const revoked = report.findings.filter((f) => f.code === 'KEY_REVOKED' && f.path?.startsWith('ledgers/'));
      expect(
        revoked.map((f) => f.seq),
        `revocation ${receiptFirst ? 'after' : 'before'} the receipt`,
      ).toEqual(receiptFirst ? [] : [last + 1]);
    }
  });

  it('two adjacent receipts stored in swapped order are a broken chain, not gaps, a fork or a repeated step', async () => {
    const files = copy();
    const lines = text(files, SEGMENT_1).split('\n');
    [lines[41], lines[42]] = [lines[42] as string, lines[41] as string];
    setText(files, SEGMENT_1, lines.join('\n'));
    resignManifest(files);
    const report = await verifyFiles(files);
    expect(codes(report).filter((c) => c !== 'CHAIN_UNSEALED')).toEqual(['CHAIN_BROKEN']);
    const broken = report.findings.filter((f) => f.code === 'CHAIN_BROKEN');
    expect(broken.map((f) => [f.line, f.seq])).toEqual([
      [42, 43],
      [43, 42],
      [44, 44],
    ]);
    expect(broken[1]?.message).toContain('Seq 43 is stored before seq 42');
  });

  it('a certified gate key that is a small-order point verifies nothing, whatever the equation says', async () => {
    const files = copy();
    const identity = SMALL_ORDER_POINTS[0] as string;
    const smallOrderKey = { publicKey: identity, kid: kidOf(fromHex(identity)), secretKey: new Uint8Array(32) };
    const ks = json(files, 'keys.json') as { keys: unknown[]; revocations: unknown[] };
    ks.keys.push(
      certifiedKeyEntry(
        smallOrderKey,
        ['gate'],
        { notBefore: '2026-01-01T00:00:00.000Z', notAfter: '2027-01-01T00:00:00.000Z' },
        keys.root,
      ),
    );
    setJson(files, 'keys.json', ks);
    // Every receipt of the ledger "signed" under the identity point with a signature that
    // satisfies the cofactorless equation, chained and sealed as a forger would.
    rewriteLedger(
      files,
      LEDGER,
      (rows) => rows.map((row) => ({ ...row, receipt: { ...row.receipt, kid: smallOrderKey.kid } })),
      {
        signer: () => null,
        serialize: (r) => {
          const { sig: _old, ...body } = r;
          const sig = forgeUnderSmallOrderKey(identity, new TextEncoder().encode(canonicalize(body)));
          return canonicalize({ ...body, sig: toHex(sig) });
        },
      },
    );
    const count = receiptsOf(files, LEDGER).length;
    const report = await verifyFiles(files);
    expect(codes(report).filter((c) => c !== 'CHAIN_UNSEALED')).toEqual(['SIGNATURE_INVALID']);
    expect(report.findings.filter((f) => f.code === 'SIGNATURE_INVALID')).toHaveLength(count);
    expect(stateOf(report, LEDGER)).toBe('tampered');
    expect(stateOf(report, OTHER)).toBe('verified');
  });
});

describe('refused entries are never called absent', () => {
  it('entries past the entry cap: manifest.json and keys.json are still read, and nothing is called missing', async () => {
    const files = copy();
    for (let i = 0; i < 30; i++) setText(files, `attachments/${String(i).padStart(64, '0')}`, `x${i}`);
    resignManifest(files);
    const report = await verifyFiles(files, { limits: { maxEntries: 10 } });
    const found = codes(report);
    expect(found).toContain('ENTRY_TOO_LARGE');
    expect(found).not.toContain('MANIFEST_MISSING');
    expect(found).not.toContain('FILE_MISSING');
    expect(report.findings.some((f) => /no keys\.json|no manifest/.test(f.message))).toBe(false);
  });

  it('a manifest that lists itself is RECORD_MALFORMED, not "no such file"', async () => {
    const files = copy();
    const manifest = json(files, 'manifest.json') as { files: unknown[] };
    manifest.files = [...manifest.files, { bytes: 1, path: 'manifest.json', sha256: `sha256:${'0'.repeat(64)}` }];
    setJson(files, 'manifest.json', sign(manifest as Record<string, unknown>, keys.archive));
    const report = await verifyFiles(files);
    expect(placed(report)).toEqual([
      { code: 'RECORD_MALFORMED', path: 'manifest.json', line: undefined, seq: undefined },
    ]);
    expect(report.findings[0]?.message).toContain('lists manifest.json itself');
  });
});
