/**
 * The whole-archive verifier (shared/engine/verify.ts) phase by phase, on small archives
 * built in the test (verify-archive.test-helper.ts: real keys, one bundle, one ledger, a
 * manifest signed over the files): the entries admitted or refused, the manifest and
 * keys.json, bundles, ledgers with their checkpoints (and the checkpoints' signatures asked
 * ahead of an asynchronous verifier), the remaining entries and attachments, the manifest
 * comparison and the summary. Each case compares the exact findings, checks, ledger
 * summaries and counts, so a rule that is dropped or reworded fails here.
 */
import { describe, expect, it } from 'vitest';
import { memoryBytes } from '../archive/blob.ts';
import {
  ArchiveUnreadableError,
  DEFAULT_LIMITS,
  LimitExceededError,
  type ArchiveSource,
  type RawEntry,
} from '../archive/source.ts';
import { nobleStrictVerifier, type SignatureVerifier } from '../format/ed25519.ts';
import type { AsyncSignatureVerifier } from '../format/webcrypto-ed25519.ts';
import { buildKeyring } from './keys.ts';
import { concatBytes, toHex, utf8 } from '../format/bytes.ts';
import { hashOf } from '../format/hash.ts';
import { FORMAT_ID } from '../format/layout.ts';
import type { Finding } from './findings.ts';
import type {
  CheckStatus,
  ControlCheck,
  ControlCheckFactory,
  KeptFile,
  LedgerSummary,
  Progress,
  VerifyReport,
} from './types.ts';
import { segmentChecker } from './segment-worker.ts';
import type { SegmentRunner } from './segment-task.ts';
import { memorySpillStore } from './spill.ts';
import { verifyArchive, verifyZipBytes, type EngineOptions, type RunnerSetup } from './verify.ts';
import {
  archiveFiles,
  ATTACHMENT,
  ATTACHMENT_HEX,
  BUNDLE,
  BUNDLE_PATH,
  bundleOf,
  checkpointLine,
  cpPath,
  entrySource,
  joinLines,
  KEYS_TEXT,
  manifestText,
  MANIFEST_INFO,
  receiptLines,
  sealed,
  segPath,
  source,
  specsOf,
  TRUSTED,
  GATE,
  type Files,
} from './verify-archive.test-helper.ts';

const GATE_KID = GATE.kid;
const SEG1 = segPath('L', 1);
const CP = cpPath('L');
const ATT = `attachments/${ATTACHMENT_HEX}`;

const options = (over: Partial<EngineOptions> = {}): EngineOptions => ({ trustedRoots: TRUSTED, ...over });

const VERIFIED = 'Every receipt is signed, chained without a break and sealed by a checkpoint.';
const T = (s: number) => `2026-04-02T00:00:${String(s).padStart(2, '0')}.000Z`;

/** The summary of ledger L read whole: `n` receipts in `segments`, sealed at `n`. */
const ledgerL = (n: number, segments = [SEG1], over: Partial<LedgerSummary> = {}): LedgerSummary => ({
  ledger: 'L',
  receipts: n,
  segments,
  firstSeq: 1,
  lastSeq: n,
  sealedSeq: n,
  checkpoints: 1,
  state: 'verified',
  stateReason: VERIFIED,
  claimed: { from: T(1), to: T(n) },
  proven: { from: T(1), to: T(n) },
  ...over,
});

const BUNDLE_SUMMARY = {
  path: BUNDLE_PATH,
  hash: BUNDLE.hash,
  id: 'agents-test',
  version: 1,
  effectiveFrom: '2026-04-01T00:00:00.000Z',
  effectiveUntil: null,
  signatureValid: true,
  policyIds: ['no-export', 'payments', 'search', 'share-approved', 'tier-read'],
};

const CEDAR_NOT_CHECKED: CheckStatus = {
  check: 'Policy text parses (Cedar)',
  status: 'not checked',
  reason: 'no Cedar engine was given to this run',
};
const SEGMENTS_HERE: CheckStatus = { check: 'Segments checked by this thread', status: 'ran' };
const MANIFEST_RAN: CheckStatus = { check: 'Manifest lists every file with its hash', status: 'ran' };
const KEYS_RAN: CheckStatus = { check: 'Signatures, keys and trust anchors', status: 'ran' };
const CHAINS_RAN: CheckStatus = { check: 'Hash chains and checkpoints', status: 'ran' };
const CONTROLS_NOT_CHECKED: CheckStatus = {
  check: 'Decision re-evaluation and control checks',
  status: 'not checked',
  reason: 'no control checks were given to this run',
};
const CHECKS: CheckStatus[] = [
  CEDAR_NOT_CHECKED,
  SEGMENTS_HERE,
  MANIFEST_RAN,
  KEYS_RAN,
  CHAINS_RAN,
  CONTROLS_NOT_CHECKED,
];

const ARCHIVE_INFO = {
  archive_id: MANIFEST_INFO.archive_id,
  organization: MANIFEST_INFO.organization,
  created_at: MANIFEST_INFO.created_at,
  period: { ...MANIFEST_INFO.period },
  producer: { ...MANIFEST_INFO.producer },
};

/** The report of a valid archive of `n` receipts in one segment, with `changes`. */
const validReport = (n: number, changes: Partial<VerifyReport> = {}): VerifyReport => ({
  format: FORMAT_ID,
  source: 'case.zip',
  archive: ARCHIVE_INFO,
  findings: [],
  ledgers: [ledgerL(n)],
  bundles: [BUNDLE_SUMMARY],
  checks: CHECKS,
  summary: { receipts: n, ledgers: 1, bundles: 1, integrity_findings: 0, control_findings: 0, trusted: true },
  ...changes,
});

const summaryOf = (
  receipts: number,
  integrity: number,
  over: Partial<VerifyReport['summary']> = {},
): VerifyReport['summary'] => ({
  receipts,
  ledgers: 1,
  bundles: 1,
  integrity_findings: integrity,
  control_findings: 0,
  trusted: true,
  ...over,
});

const f = (
  code: Finding['code'],
  severity: Finding['severity'],
  message: string,
  location: Partial<Finding> = {},
): Finding => ({ code, severity, message, ...location });

describe('verifyArchive: a valid archive', () => {
  it('gives the whole report: archive info, ledger, bundle, every check, the summary', async () => {
    expect(await verifyArchive(source(sealed(archiveFiles(3))), options())).toStrictEqual(validReport(3));
  });

  it('reports progress phase by phase, with the ledger data’s declared bytes (checkpoints, then segments) and receipts done', async () => {
    const files = sealed(archiveFiles(4, { perSegment: 2 }));
    const cp = (files.get(CP) as Uint8Array).length;
    const total = cp + (files.get(SEG1) as Uint8Array).length + (files.get(segPath('L', 2)) as Uint8Array).length;
    const first = cp + (files.get(SEG1) as Uint8Array).length;
    const seen: Progress[] = [];
    const report = await verifyArchive(source(files), options({ onProgress: (p) => seen.push(p) }));
    expect(report.ledgers).toStrictEqual([ledgerL(4, [SEG1, segPath('L', 2)])]);
    // Without an asynchronous verifier the checkpoints are judged as they are first read: all
    // of them are counted, read and judged, from the first report after their file.
    const cps = new TextDecoder().decode(files.get(CP)).split('\n').filter(Boolean).length;
    const before = new Set<Progress['phase']>(['listing', 'manifest', 'keys', 'policies', 'checkpoints']);
    const p = (phase: Progress['phase'], bytesDone: number, receiptsDone: number, bytesTotal = total) => ({
      phase,
      bytesDone,
      bytesTotal,
      receiptsDone,
      checkpointsDone: before.has(phase) ? 0 : cps,
      checkpointsTotal: before.has(phase) ? 0 : cps,
    });
    expect(cps).toBeGreaterThan(0);
    expect(seen).toStrictEqual([
      p('listing', 0, 0, 0),
      p('manifest', 0, 0),
      p('keys', 0, 0),
      p('policies', 0, 0),
      p('checkpoints', 0, 0),
      p('ledgers', cp, 0),
      p('ledgers', first, 2),
      p('ledgers', total, 4),
      p('controls', total, 4),
      p('done', total, 4),
    ]);
  });

  it('a large checkpoints file moves the progress as it is read, every MiB, and counts as its declared size', async () => {
    const files = archiveFiles(2);
    // 12,000 lines that are no checkpoints: 2.4 MB read before any segment.
    files.set(CP, utf8(joinLines(Array.from({ length: 12_000 }, (_, i) => `${i}`.padEnd(199, 'x')))));
    const sealedFiles = sealed(files);
    const cp = (sealedFiles.get(CP) as Uint8Array).length;
    const seen: Progress[] = [];
    await verifyArchive(source(sealedFiles), options({ onProgress: (p) => seen.push(p) }));
    const reading = seen.filter((p) => p.phase === 'checkpoints').map((p) => p.bytesDone);
    expect(reading).toStrictEqual([0, 1 << 20, 2 << 20]);
    expect(seen.find((p) => p.phase === 'ledgers')?.bytesDone).toBe(cp);
    // One that fails part-way counts as its declared size all the same: the total is reached.
    const failing: Progress[] = [];
    const specs = specsOf(sealedFiles).map((x) =>
      x.name === CP ? { ...x, fails: new ArchiveUnreadableError('bad CRC-32'), failAfter: 1000 } : x,
    );
    await verifyArchive(entrySource(specs), options({ onProgress: (p) => failing.push(p) }));
    expect(failing.find((p) => p.phase === 'ledgers')?.bytesDone).toBe(cp);
    expect(failing.at(-1)).toMatchObject({ phase: 'done', bytesDone: failing.at(-1)?.bytesTotal });
  });

  it('reads manifest.json and keys.json whole from a reader that reuses one buffer for every chunk', async () => {
    const files = sealed(archiveFiles(2));
    const reused = (name: string) => name === 'manifest.json' || name === 'keys.json';
    const specs = specsOf(files).map((x) => (reused(x.name) ? { ...x, chunk: 7, reuse: true } : x));
    expect(await verifyArchive(entrySource(specs), options())).toStrictEqual(
      await verifyArchive(entrySource(specsOf(files)), options()),
    );
    expect((await verifyArchive(entrySource(specs), options())).findings).toStrictEqual([]);
  });

  it('hands every file but the segments to onFile once, whole, with its size and hash', async () => {
    const files = archiveFiles(2);
    files.set('notes/readme.txt', utf8('hashed, not kept'));
    sealed(files);
    const kept: KeptFile[] = [];
    // The attachment comes in 4-byte chunks of one buffer the reader reuses: what is kept is a copy.
    const specs = specsOf(files).map((x) => (x.name === ATT ? { ...x, chunk: 4, reuse: true } : x));
    const report = await verifyArchive(entrySource(specs), options({ onFile: (file) => kept.push(file) }));
    expect(report.findings).toStrictEqual([]);
    const keptFile = (path: string, kind: KeptFile['kind']): KeptFile => {
      const bytes = files.get(path) as Uint8Array;
      return { path, kind, size: bytes.length, sha256: hashOf(bytes), bytes };
    };
    expect(kept).toStrictEqual([
      keptFile('manifest.json', 'manifest'),
      keptFile('keys.json', 'keys'),
      keptFile(BUNDLE_PATH, 'bundle'),
      keptFile(CP, 'checkpoints'),
      keptFile(ATT, 'attachment'),
    ]);
  });

  it('reads a ZIP of the same files to the same report, and one that is not a ZIP as ARCHIVE_UNREADABLE', async () => {
    const { zipFiles } = await import('../producer/zip.ts');
    const files = sealed(archiveFiles(2));
    expect(await verifyZipBytes(memoryBytes(zipFiles(files)), 'case.zip', options())).toStrictEqual(validReport(2));
    const report = await verifyZipBytes(memoryBytes(utf8('not a zip')), 'x.zip', options());
    expect(report).toStrictEqual({
      format: FORMAT_ID,
      source: 'x.zip',
      archive: null,
      findings: [
        f('ARCHIVE_UNREADABLE', 'critical', '"x.zip" is not a readable ZIP archive: File format is not recognized'),
      ],
      ledgers: [],
      bundles: [],
      checks: [{ check: 'everything', status: 'not checked', reason: 'the archive could not be read' }],
      summary: { receipts: 0, ledgers: 0, bundles: 0, integrity_findings: 1, control_findings: 0, trusted: false },
    });
  });

  it('reads a ZIP with the caller’s inflate, closes its bytes, and throws what is not a reading failure', async () => {
    const { zipFiles } = await import('../producer/zip.ts');
    const { nodeInflate } = await import('../../cli/node-zip.ts');
    const zip = zipFiles(sealed(archiveFiles(1)));
    let inflated = 0;
    let closed = 0;
    const inflate: NonNullable<EngineOptions['inflate']> = (bytes, stored, signal) => {
      inflated++;
      return (nodeInflate as NonNullable<EngineOptions['inflate']>)(bytes, stored, signal);
    };
    const bytes = { ...memoryBytes(zip), close: async () => void closed++ };
    expect(await verifyZipBytes(bytes, 'case.zip', options({ inflate }))).toStrictEqual(validReport(1));
    expect([inflated > 0, closed]).toStrictEqual([true, 1]);
    // Misuse (no bytes at all) is thrown, not reported.
    await expect(verifyZipBytes(null as never, 'case.zip', options())).rejects.toThrow(TypeError);
  });

  it('a listing that fails is ARCHIVE_UNREADABLE with its message; the source is not read', async () => {
    const src = entrySource([]);
    src.entries = async () => {
      throw new ArchiveUnreadableError('the central directory is cut short');
    };
    const seen: Progress[] = [];
    const report = await verifyArchive(src, options({ onProgress: (p) => seen.push(p) }));
    expect(report).toStrictEqual({
      format: FORMAT_ID,
      source: 'case.zip',
      archive: null,
      findings: [f('ARCHIVE_UNREADABLE', 'critical', 'the central directory is cut short')],
      ledgers: [],
      bundles: [],
      checks: [{ check: 'everything', status: 'not checked', reason: 'the archive could not be read' }],
      summary: { receipts: 0, ledgers: 0, bundles: 0, integrity_findings: 1, control_findings: 0, trusted: false },
    });
    expect(seen).toStrictEqual([
      { phase: 'listing', bytesDone: 0, bytesTotal: 0, receiptsDone: 0, checkpointsDone: 0, checkpointsTotal: 0 },
    ]);
  });

  it('an archive whose root is not trusted is not trusted, and says nothing else', async () => {
    const report = await verifyArchive(source(sealed(archiveFiles(1))), { trustedRoots: [] });
    expect(report.summary).toStrictEqual(summaryOf(1, 1, { trusted: false }));
    expect(report.findings.map((x) => x.code)).toStrictEqual(['KEY_UNTRUSTED_ROOT']);
  });
});

describe('phase 1: entries admitted or refused', () => {
  const sealedSpecs = () => specsOf(sealed(archiveFiles(2)));

  it('skips directories, and refuses an unsafe or undecodable name with the entry named in the detail', async () => {
    const report = await verifyArchive(
      entrySource([
        { name: 'attachments/', isDirectory: true },
        ...sealedSpecs(),
        { name: '../escape.json', bytes: utf8('{}') },
        { name: 'odd\uFFFD.json', invalidName: 'its name is not valid UTF-8', bytes: utf8('{}') },
      ]),
      options(),
    );
    expect(report).toStrictEqual(
      validReport(2, {
        findings: [
          f('ENTRY_UNSAFE_PATH', 'critical', 'Entry "../escape.json" was refused: the name contains a ".." segment.', {
            detail: { entry: '../escape.json' },
          }),
          f('ENTRY_UNSAFE_PATH', 'critical', 'Entry "odd\uFFFD.json" was refused: its name is not valid UTF-8.', {
            detail: { entry: 'odd\uFFFD.json' },
          }),
        ],
        summary: summaryOf(2, 2),
      }),
    );
  });

  it('reads only the first copy of a name', async () => {
    const specs = sealedSpecs();
    const report = await verifyArchive(entrySource([...specs, { name: ATT, bytes: utf8('a forged copy') }]), options());
    expect(report).toStrictEqual(
      validReport(2, {
        findings: [
          f(
            'ENTRY_UNSAFE_PATH',
            'critical',
            `Entry ${ATT} appears more than once; only the first copy is read, so this copy was not checked.`,
            { path: ATT },
          ),
        ],
        summary: summaryOf(2, 1),
      }),
    );
  });

  it('refuses an entry it cannot read, and the manifest comparison leaves it out', async () => {
    const specs = sealedSpecs().map((s) => (s.name === ATT ? { ...s, unsupported: 'encrypted' } : s));
    const report = await verifyArchive(entrySource(specs), options());
    expect(report).toStrictEqual(
      validReport(2, {
        findings: [f('ARCHIVE_UNREADABLE', 'critical', `Entry ${ATT} cannot be read: it is encrypted.`, { path: ATT })],
        checks: [
          CEDAR_NOT_CHECKED,
          SEGMENTS_HERE,
          {
            check: 'Manifest lists every file with its hash (1 entry that could not be read: not compared)',
            status: 'ran',
          },
          KEYS_RAN,
          CHAINS_RAN,
          CONTROLS_NOT_CHECKED,
        ],
        summary: summaryOf(2, 1),
      }),
    );
  });

  it('reads at most maxEntries entries besides manifest.json and keys.json, wherever those come', async () => {
    const files = sealed(archiveFiles(2));
    const order = ['keys.json', BUNDLE_PATH, SEG1, CP, ATT, 'manifest.json'];
    const specs = order.map((name) => ({ name, bytes: files.get(name) as Uint8Array }));
    const report = await verifyArchive(entrySource(specs), options({ limits: { maxEntries: 2 } }));
    const cap = f(
      'ENTRY_TOO_LARGE',
      'high',
      'The archive has more than 2 entries (the limit); 2 of them were not read.',
      { detail: { limit: 'maxEntries', notRead: 2 } },
    );
    // The checkpoints file is refused unread: its ledger is told (the cap's finding), so no
    // receipt is called unsealed, and the ledger is not "intact" (it read as unsealed before).
    expect(report.findings).toStrictEqual([cap]);
    expect(report.checks).toStrictEqual([
      CEDAR_NOT_CHECKED,
      SEGMENTS_HERE,
      {
        check: 'Manifest lists every file with its hash (2 entries that could not be read: not compared)',
        status: 'ran',
      },
      KEYS_RAN,
      CHAINS_RAN,
      CONTROLS_NOT_CHECKED,
    ]);
    expect(report.ledgers).toStrictEqual([
      ledgerL(2, [SEG1], {
        sealedSeq: null,
        checkpoints: 0,
        state: 'tampered',
        stateReason: '1 integrity finding in this ledger (ENTRY_TOO_LARGE).',
        proven: null,
      }),
    ]);
    expect(report.summary).toStrictEqual(summaryOf(2, 1));
  });

  it('a checkpoints file that cannot be read at all (unsupported): its ledger is told, and tampered by the finding', async () => {
    const files = sealed(archiveFiles(2));
    const report = await verifyArchive(entrySource(refuse(files, CP)), options());
    expect(codes(report)).toStrictEqual(['ARCHIVE_UNREADABLE']);
    expect(report.ledgers.map((l) => [l.state, l.stateReason, l.sealedSeq])).toStrictEqual([
      ['tampered', '1 integrity finding in this ledger (ARCHIVE_UNREADABLE).', null],
    ]);
  });

  it('a segment over the cap is a span its ledger could not read, with the cap finding', async () => {
    const files = sealed(archiveFiles(4, { perSegment: 2 }));
    const order = ['keys.json', 'manifest.json', BUNDLE_PATH, CP, SEG1, ATT, segPath('L', 2)];
    const specs = order.map((name) => ({ name, bytes: files.get(name) as Uint8Array }));
    const report = await verifyArchive(entrySource(specs), options({ limits: { maxEntries: 4 } }));
    const cap = f(
      'ENTRY_TOO_LARGE',
      'high',
      'The archive has more than 4 entries (the limit); 1 of them were not read.',
      {
        detail: { limit: 'maxEntries', notRead: 1 },
      },
    );
    expect(report.findings).toStrictEqual([
      cap,
      f(
        'CHAIN_UNSEALED',
        'warning',
        'Receipts 1 to 2 come after the last valid checkpoint (there is none): they are not yet sealed, so the ledger is not proven complete past that point.',
        { path: CP, ledger: 'L', seq: 1 },
      ),
    ]);
    expect(report.ledgers).toStrictEqual([
      ledgerL(2, [SEG1], {
        sealedSeq: null,
        state: 'tampered',
        stateReason: '1 integrity finding in this ledger (ENTRY_TOO_LARGE).',
        proven: null,
      }),
    ]);
  });

  it('at exactly maxEntries entries reads them all', async () => {
    const report = await verifyArchive(source(sealed(archiveFiles(2))), options({ limits: { maxEntries: 4 } }));
    expect(report).toStrictEqual(validReport(2));
  });
});

const codes = (r: VerifyReport) => r.findings.map((x) => x.code);
const checkNamed = (r: VerifyReport, prefix: string) => r.checks.filter((c) => c.check.startsWith(prefix));
const MANIFEST_CHECK = 'Manifest lists every file with its hash';
const KEYS_CHECK = 'Signatures, keys and trust anchors';
const ENCRYPTED = 'encrypted';
const refuse = (files: Files, path: string) =>
  specsOf(files).map((s) => (s.name === path ? { ...s, unsupported: ENCRYPTED } : s));
const failRead = (files: Files, path: string, error: Error) =>
  specsOf(files).map((s) => (s.name === path ? { ...s, fails: error } : s));

describe('phase 2: manifest and keys', () => {
  it("verifies keys.json's signatures (and the checkpoints') with the ahead verifier, none of them one by one", async () => {
    const kind = (message: Uint8Array) => {
      const text = new TextDecoder().decode(message);
      return text.includes('"public_key"') ? 'key' : text.includes('"head"') ? 'checkpoint' : 'other';
    };
    const asked = { ahead: [] as string[], oneByOne: [] as string[] };
    const verifier: SignatureVerifier = {
      name: 'one by one',
      verify: (s, m, k) => (asked.oneByOne.push(kind(m)), nobleStrictVerifier.verify(s, m, k)),
    };
    const aheadVerifier: AsyncSignatureVerifier = {
      name: 'ahead',
      verifyAsync: async (s, m, k) => (asked.ahead.push(kind(m)), nobleStrictVerifier.verify(s, m, k)),
    };
    const report = await verifyArchive(source(sealed(archiveFiles(3))), options({ verifier, aheadVerifier }));
    expect(report).toStrictEqual(validReport(3));
    // keys.json's three certificates, then the checkpoints; the receipts and the manifest one by one.
    expect(asked.ahead.filter((k) => k === 'key')).toHaveLength(3);
    expect(asked.ahead.filter((k) => k === 'checkpoint').length).toBeGreaterThan(0);
    expect(asked.oneByOne.filter((k) => k !== 'other')).toStrictEqual([]);
  });

  it('no manifest: MANIFEST_MISSING, no archive info, not compared, not trusted', async () => {
    const report = await verifyArchive(source(archiveFiles(2)), options());
    expect(report).toStrictEqual(
      validReport(2, {
        archive: null,
        findings: [
          f(
            'MANIFEST_MISSING',
            'critical',
            'The archive has no manifest.json, so nothing proves which files it should hold.',
          ),
        ],
        checks: [
          CEDAR_NOT_CHECKED,
          SEGMENTS_HERE,
          { check: MANIFEST_CHECK, status: 'not checked', reason: 'there is no readable manifest' },
          KEYS_RAN,
          CHAINS_RAN,
          CONTROLS_NOT_CHECKED,
        ],
        summary: summaryOf(2, 1, { trusted: false }),
      }),
    );
  });

  it('a manifest that is not JSON, or not a manifest, is not compared, each with its reason', async () => {
    const notJson = archiveFiles(1);
    notJson.set('manifest.json', utf8('not json'));
    const a = await verifyArchive(source(notJson), options());
    expect(checkNamed(a, MANIFEST_CHECK)).toStrictEqual([
      { check: MANIFEST_CHECK, status: 'not checked', reason: 'there is no readable manifest' },
    ]);
    expect(a.findings).toStrictEqual([
      f(
        'RECORD_MALFORMED',
        'critical',
        `Line is not valid JSON (Unexpected token 'o', "not json" is not valid JSON).`,
        {
          path: 'manifest.json',
          line: 1,
        },
      ),
    ]);
    const notManifest = archiveFiles(1);
    notManifest.set('manifest.json', utf8('{}'));
    const b = await verifyArchive(source(notManifest), options());
    expect(checkNamed(b, MANIFEST_CHECK)).toStrictEqual([
      { check: MANIFEST_CHECK, status: 'not checked', reason: 'the manifest is malformed' },
    ]);
    expect(b.archive).toBe(null);
    expect(codes(b)).toStrictEqual(['FORMAT_UNSUPPORTED', 'RECORD_MALFORMED']);
  });

  it('a refused manifest is not missing: its refusal is the reason it was not compared', async () => {
    const report = await verifyArchive(entrySource(refuse(sealed(archiveFiles(1)), 'manifest.json')), options());
    expect(report.findings).toStrictEqual([
      f('ARCHIVE_UNREADABLE', 'critical', `Entry manifest.json cannot be read: it is ${ENCRYPTED}.`, {
        path: 'manifest.json',
      }),
    ]);
    expect(checkNamed(report, MANIFEST_CHECK)).toStrictEqual([
      { check: MANIFEST_CHECK, status: 'not checked', reason: `manifest.json was not read: it is ${ENCRYPTED}` },
    ]);
  });

  it('a manifest whose read fails gives the reader finding and is not compared', async () => {
    const files = sealed(archiveFiles(1));
    const report = await verifyArchive(
      entrySource(failRead(files, 'manifest.json', new ArchiveUnreadableError('bad CRC-32'))),
      options(),
    );
    expect(report.findings).toStrictEqual([
      f('ARCHIVE_UNREADABLE', 'critical', 'bad CRC-32', { path: 'manifest.json' }),
    ]);
    expect(checkNamed(report, MANIFEST_CHECK)).toStrictEqual([
      { check: MANIFEST_CHECK, status: 'not checked', reason: 'manifest.json could not be read' },
    ]);
  });

  it('a manifest whose read fails says so, and only of the manifest: a missing keys.json stays missing', async () => {
    const files = sealed(archiveFiles(1));
    files.delete('keys.json');
    const report = await verifyArchive(
      entrySource(failRead(files, 'manifest.json', new ArchiveUnreadableError('bad CRC-32'))),
      options(),
    );
    expect(checkNamed(report, MANIFEST_CHECK)).toStrictEqual([
      { check: MANIFEST_CHECK, status: 'not checked', reason: 'manifest.json could not be read' },
    ]);
    expect(checkNamed(report, KEYS_CHECK)).toStrictEqual([
      {
        check: KEYS_CHECK,
        status: 'not checked',
        reason: 'there is no readable keys.json, so no signature could be checked',
      },
    ]);
  });

  it('no keys.json: FILE_MISSING, and signatures are not checked', async () => {
    const files = archiveFiles(1);
    files.delete('keys.json');
    const report = await verifyArchive(source(sealed(files)), options());
    expect(report.findings.filter((x) => x.code === 'FILE_MISSING')).toStrictEqual([
      f('FILE_MISSING', 'critical', 'The archive has no keys.json, so no signature in it can be checked.', {
        path: 'keys.json',
      }),
    ]);
    expect(codes(report)).toStrictEqual([
      'KEY_UNKNOWN',
      'FILE_MISSING',
      'KEY_UNKNOWN',
      'POLICY_SIGNATURE_INVALID',
      'KEY_UNKNOWN',
      'CHAIN_UNSEALED',
      'KEY_UNKNOWN',
    ]);
    expect(checkNamed(report, KEYS_CHECK)).toStrictEqual([
      {
        check: KEYS_CHECK,
        status: 'not checked',
        reason: 'there is no readable keys.json, so no signature could be checked',
      },
    ]);
  });

  it('a refused keys.json is not missing, and one whose read fails could not be read', async () => {
    const files = sealed(archiveFiles(1));
    const refused = await verifyArchive(entrySource(refuse(files, 'keys.json')), options());
    expect(refused.findings.filter((x) => x.path === 'keys.json')).toStrictEqual([
      f('ARCHIVE_UNREADABLE', 'critical', `Entry keys.json cannot be read: it is ${ENCRYPTED}.`, { path: 'keys.json' }),
    ]);
    expect(codes(refused)).toStrictEqual([
      'KEY_UNKNOWN',
      'ARCHIVE_UNREADABLE',
      'KEY_UNKNOWN',
      'POLICY_SIGNATURE_INVALID',
      'KEY_UNKNOWN',
      'CHAIN_UNSEALED',
      'KEY_UNKNOWN',
    ]);
    expect(checkNamed(refused, KEYS_CHECK)).toStrictEqual([
      { check: KEYS_CHECK, status: 'not checked', reason: `keys.json was not read: it is ${ENCRYPTED}` },
    ]);
    const failed = await verifyArchive(
      entrySource(failRead(files, 'keys.json', new ArchiveUnreadableError('bad CRC-32'))),
      options(),
    );
    expect(codes(failed)).toStrictEqual([
      'KEY_UNKNOWN',
      'ARCHIVE_UNREADABLE',
      'KEY_UNKNOWN',
      'POLICY_SIGNATURE_INVALID',
      'KEY_UNKNOWN',
      'CHAIN_UNSEALED',
      'KEY_UNKNOWN',
    ]);
    expect(checkNamed(failed, KEYS_CHECK)).toStrictEqual([
      { check: KEYS_CHECK, status: 'not checked', reason: 'keys.json could not be read' },
    ]);
  });
});

/** A Cedar stand-in that accepts any text and records the bundles it was given. */
const parserSeeing = (seen: string[]) => (hash: string) => {
  seen.push(hash);
  return { ok: true as const };
};
const CEDAR_RAN: CheckStatus = { check: 'Policy text parses (Cedar)', status: 'ran' };

describe('phase 3: bundles and the controls', () => {
  it('gives listed, signed text to Cedar and says so; the bundle summary has its end', async () => {
    const until = bundleOf({ effective_until: '2026-12-31T00:00:00.000Z' });
    const files = archiveFiles(1);
    files.set(BUNDLE_PATH, utf8(until.text));
    // The receipts name the bundle without an end; this one is another bundle.
    const seen: string[] = [];
    const report = await verifyArchive(source(sealed(files)), options({ policyParser: parserSeeing(seen) }));
    expect(seen).toStrictEqual([until.hash]);
    expect(report.bundles).toStrictEqual([
      { ...BUNDLE_SUMMARY, hash: until.hash, effectiveUntil: '2026-12-31T00:00:00.000Z' },
    ]);
    expect(report.checks).toStrictEqual([CEDAR_RAN, ...CHECKS.slice(1)]);
  });

  it('keeps text that is unlisted, or not the listed bytes, from Cedar, with a check saying why', async () => {
    const files = archiveFiles(1);
    const other = bundleOf({ id: 'agents-other' });
    files.set('policies/other.json', utf8(other.text));
    files.set('policies/third.json', utf8(bundleOf({ id: 'agents-third' }).text));
    const bytes = files.get(BUNDLE_PATH) as Uint8Array;
    const listed = [...files]
      .filter(([p]) => p !== 'policies/other.json')
      .map(([path, b]) => ({ bytes: b.length, path, sha256: hashOf(b) }))
      .map((e) => (e.path === BUNDLE_PATH ? { ...e, bytes: bytes.length + 1 } : e))
      .map((e) => (e.path === 'policies/third.json' ? { ...e, sha256: hashOf('other bytes') } : e))
      .sort((a, b) => (a.path < b.path ? -1 : 1));
    files.set('manifest.json', utf8(manifestText(files, undefined, listed)));
    const seen: string[] = [];
    const report = await verifyArchive(source(files), options({ policyParser: parserSeeing(seen) }));
    expect(seen).toStrictEqual([]);
    expect(report.checks.filter((c) => c.check.startsWith('Policy text'))).toStrictEqual([
      CEDAR_RAN,
      {
        check: `Policy text parses (Cedar), and decisions under it are re-evaluated: ${BUNDLE_PATH}`,
        status: 'not checked',
        reason: 'its bytes are not those the manifest lists; its text is not given to Cedar',
      },
      {
        check: 'Policy text parses (Cedar), and decisions under it are re-evaluated: policies/other.json',
        status: 'not checked',
        reason: 'it is not listed in the manifest; its text is not given to Cedar',
      },
      {
        check: 'Policy text parses (Cedar), and decisions under it are re-evaluated: policies/third.json',
        status: 'not checked',
        reason: 'its bytes are not those the manifest lists; its text is not given to Cedar',
      },
    ]);
    expect(codes(report)).toStrictEqual(['FILE_HASH_MISMATCH', 'FILE_UNLISTED', 'FILE_HASH_MISMATCH']);
  });

  it('the same bundle at two paths is POLICY_LINEAGE_BROKEN for the later path, which is not kept', async () => {
    const files = archiveFiles(1);
    files.set('policies/a-copy.json', utf8(BUNDLE.text));
    const report = await verifyArchive(source(sealed(files)), options());
    expect(report.findings).toStrictEqual([
      f('POLICY_LINEAGE_BROKEN', 'high', `${BUNDLE_PATH} holds the same bundle as policies/a-copy.json.`, {
        path: BUNDLE_PATH,
      }),
    ]);
    expect(report.bundles).toStrictEqual([{ ...BUNDLE_SUMMARY, path: 'policies/a-copy.json' }]);
    expect(report.summary).toStrictEqual(summaryOf(1, 1));
  });

  it('a bundle file that is not JSON, or not a bundle, is no bundle; other files near policies/ are not read as bundles', async () => {
    const files = archiveFiles(1);
    files.set('policies/broken.json', utf8('{'));
    files.set('policies/empty.json', utf8('{}'));
    files.set('policies/notes.txt', utf8('{'));
    files.set('policies/a.json.bak', utf8('{'));
    files.set('policies/sub/x.json', utf8('{'));
    files.set('notes/policies/a.json', utf8('{'));
    const report = await verifyArchive(source(sealed(files)), options());
    expect(report.findings).toStrictEqual([
      f(
        'RECORD_MALFORMED',
        'critical',
        "Line is not valid JSON (Expected property name or '}' in JSON at position 1).",
        { path: 'policies/broken.json', line: 1 },
      ),
      f(
        'RECORD_MALFORMED',
        'critical',
        'policies/empty.json is not a policy bundle: field "bundle": Invalid input: expected object, received undefined; field "signatures": Invalid input: expected array, received undefined.',
        { path: 'policies/empty.json' },
      ),
    ]);
    expect(report.bundles).toStrictEqual([BUNDLE_SUMMARY]);
  });

  it('lists a bundle’s policy ids in order even when its file is not canonical', async () => {
    const files = archiveFiles(1);
    const body = BUNDLE.file.bundle;
    const reversed = Object.fromEntries(Object.entries(body.cedar.policies).reverse());
    const text = JSON.stringify({ ...BUNDLE.file, bundle: { ...body, cedar: { policies: reversed } } });
    files.set(BUNDLE_PATH, utf8(text));
    const report = await verifyArchive(source(sealed(files)), options());
    expect(codes(report)).toStrictEqual(['RECORD_NONCANONICAL']);
    expect(report.bundles).toStrictEqual([BUNDLE_SUMMARY]);
  });

  it('gives controls the spill store only from spillMinBytes of ledger data on', async () => {
    const files = sealed(archiveFiles(2));
    const store = memorySpillStore();
    const given: unknown[] = [];
    const control: ControlCheckFactory = (context) => {
      given.push(context.spill);
      return { id: 'stub', name: 'stub', visit: () => undefined, finish: () => [] } satisfies ControlCheck;
    };
    const ledgerBytes = (files.get(SEG1) as Uint8Array).length;
    const small = await verifyArchive(
      source(files),
      options({ controls: [control], spill: store, spillMinBytes: ledgerBytes + 1 }),
    );
    const large = await verifyArchive(
      source(files),
      options({ controls: [control], spill: store, spillMinBytes: ledgerBytes }),
    );
    expect(given).toStrictEqual([undefined, store]);
    expect(large).toStrictEqual(small);
  });

  it('builds each control with the archive context, runs it, and reports its findings apart', async () => {
    const files = sealed(archiveFiles(2));
    const contexts: unknown[] = [];
    const visited: [string, string, number][] = [];
    const bulk = { name: 'bulk stub', verifyAsync: async () => true };
    const control: ControlCheckFactory = (context) => {
      contexts.push(context);
      return {
        id: 'stub',
        name: 'stub',
        visit: (receipt, at) => void visited.push([receipt.id, at.path, at.line]),
        finish: () => [f('TIER_VIOLATION', 'high', 'a control finding', { path: SEG1, line: 2 })],
      } satisfies ControlCheck;
    };
    const verifier = { name: 'noble', verify: nobleStrictVerifier.verify };
    const report = await verifyArchive(source(files), options({ controls: [control], verifier, bulkVerifier: bulk }));
    expect(contexts).toHaveLength(1);
    const context = contexts[0] as Record<string, unknown>;
    expect(Object.keys(context).sort()).toStrictEqual(['bulkVerifier', 'bundlesByHash', 'keyring', 'verifier']);
    expect([...(context.bundlesByHash as Map<string, unknown>).keys()]).toStrictEqual([BUNDLE.hash]);
    expect(context.verifier).toBe(verifier);
    expect(context.bulkVerifier).toBe(bulk);
    expect(visited).toStrictEqual([
      ['rc_L_1', SEG1, 1],
      ['rc_L_2', SEG1, 2],
    ]);
    expect(report.findings).toStrictEqual([f('TIER_VIOLATION', 'high', 'a control finding', { path: SEG1, line: 2 })]);
    expect(report.checks).toStrictEqual([
      CEDAR_NOT_CHECKED,
      SEGMENTS_HERE,
      { check: 'Receipt signatures verified with bulk stub', status: 'ran' },
      MANIFEST_RAN,
      KEYS_RAN,
      CHAINS_RAN,
      { check: 'Decision re-evaluation and control checks', status: 'ran' },
    ]);
    expect(report.summary).toStrictEqual(summaryOf(2, 0, { control_findings: 1 }));
  });
});

describe('phase 5: the remaining entries and attachments', () => {
  it('an attachment not named by its hash, or whose bytes changed, is ATTACHMENT_HASH_MISMATCH', async () => {
    const files = archiveFiles(1);
    files.set('attachments/not-a-hash', utf8('x'));
    files.set(`attachments/${'0'.repeat(64)}`, ATTACHMENT);
    files.set(`attachments/${'A'.repeat(64)}`, ATTACHMENT);
    files.set('notes/readme.txt', utf8('read and hashed, nothing else'));
    const report = await verifyArchive(source(sealed(files)), options());
    expect(report.findings).toStrictEqual([
      f(
        'ATTACHMENT_HASH_MISMATCH',
        'critical',
        `Attachment content hashes to ${hashOf(ATTACHMENT)}, not to its name: it was changed.`,
        {
          path: `attachments/${'0'.repeat(64)}`,
        },
      ),
      f(
        'ATTACHMENT_HASH_MISMATCH',
        'critical',
        `Attachment name ${'A'.repeat(64)} is not a SHA-256 (64 lowercase hex digits).`,
        {
          path: `attachments/${'A'.repeat(64)}`,
        },
      ),
      f(
        'ATTACHMENT_HASH_MISMATCH',
        'critical',
        'Attachment name not-a-hash is not a SHA-256 (64 lowercase hex digits).',
        {
          path: 'attachments/not-a-hash',
        },
      ),
    ]);
    expect(report.checks).toStrictEqual(CHECKS);
  });

  it('an attachment whose read fails is only the reader finding, and is not compared', async () => {
    const files = sealed(archiveFiles(1));
    const report = await verifyArchive(
      entrySource(failRead(files, ATT, new LimitExceededError('maxEntryBytes', 5, 'it is too big'))),
      options(),
    );
    expect(report.findings).toStrictEqual([
      f('ENTRY_TOO_LARGE', 'high', `${ATT} was not read past 5: it is too big.`, {
        path: ATT,
        detail: { limit: 'maxEntryBytes' },
      }),
    ]);
    expect(checkNamed(report, MANIFEST_CHECK)).toStrictEqual([
      { check: `${MANIFEST_CHECK} (1 entry that could not be read: not compared)`, status: 'ran' },
    ]);
  });

  it('an abort by the reader is thrown, and so is any reader error once the run is aborted', async () => {
    const files = sealed(archiveFiles(1));
    const oops = Object.assign(new Error('stopped'), { name: 'AbortError' });
    await expect(verifyArchive(entrySource(failRead(files, ATT, oops)), options())).rejects.toBe(oops);
    const controller = new AbortController();
    const reason = new ArchiveUnreadableError('cancelled');
    const src = entrySource(failRead(files, ATT, reason));
    const read = src.read.bind(src);
    src.read = (entry, signal) => {
      if (entry.name === ATT) controller.abort();
      return read(entry, signal);
    };
    await expect(verifyArchive(src, options({ signal: controller.signal }))).rejects.toBe(reason);
  });
});

const ledgerCheckpointLines = (ledger: string, n: number) => {
  const lines = receiptLines(ledger, n);
  return { lines, cp: `${checkpointLine(ledger, n, lines.at(-1) as string)}\n` };
};

/** Adds `ledger` to `files`: `n` receipts in one segment, sealed by one checkpoint. */
const addOneSegmentLedger = (files: Files, ledger: string, n: number) => {
  const { lines, cp } = ledgerCheckpointLines(ledger, n);
  files.set(segPath(ledger, 1), utf8(joinLines(lines)));
  files.set(cpPath(ledger), utf8(cp));
};

describe('phase 4: ledgers', () => {
  it('reads ledgers in name order and each one’s segments in name order; other files under ledgers/ are malformed', async () => {
    const files = archiveFiles(0);
    const l = ledgerCheckpointLines('L', 4);
    files.set(segPath('L', 2), utf8(joinLines(l.lines.slice(2))));
    files.set(segPath('L', 1), utf8(joinLines(l.lines.slice(0, 2))));
    files.set(CP, utf8(l.cp));
    addOneSegmentLedger(files, 'B', 1);
    files.set('ledgers/L/notes.txt', utf8('not a segment'));
    const report = await verifyArchive(source(sealed(files)), options());
    expect(report.ledgers).toStrictEqual([
      ledgerL(1, [segPath('B', 1)], { ledger: 'B' }),
      ledgerL(4, [SEG1, segPath('L', 2)]),
    ]);
    expect(report.findings).toStrictEqual([
      f(
        'RECORD_MALFORMED',
        'critical',
        'ledgers/L/notes.txt is not a ledger segment (ledgers/<ledger>/<six digits>.jsonl) or checkpoints file; it was not read as receipts.',
        { path: 'ledgers/L/notes.txt' },
      ),
    ]);
    expect(report.summary).toStrictEqual(summaryOf(5, 1, { ledgers: 2 }));
  });

  it('a refused file under ledgers/ is only its refusal; a ledger of checkpoints only is still a ledger', async () => {
    const files = archiveFiles(0);
    const l = ledgerCheckpointLines('L', 1);
    files.set(CP, utf8(l.cp));
    files.set('ledgers/L/notes.txt', utf8('x'));
    const report = await verifyArchive(entrySource(refuse(sealed(files), 'ledgers/L/notes.txt')), options());
    expect(report.findings.filter((x) => x.path === 'ledgers/L/notes.txt')).toStrictEqual([
      f('ARCHIVE_UNREADABLE', 'critical', `Entry ledgers/L/notes.txt cannot be read: it is ${ENCRYPTED}.`, {
        path: 'ledgers/L/notes.txt',
      }),
    ]);
    expect(report.ledgers.map((x) => [x.ledger, x.receipts, x.segments, x.checkpoints])).toStrictEqual([
      ['L', 0, [], 1],
    ]);
  });

  it('a refused segment is a span that could not be read, merged in its place', async () => {
    const files = archiveFiles(6, { perSegment: 2 });
    const report = await verifyArchive(entrySource(refuse(sealed(files), segPath('L', 2))), options());
    expect(report.findings).toStrictEqual([
      f('ARCHIVE_UNREADABLE', 'critical', `Entry ${segPath('L', 2)} cannot be read: it is ${ENCRYPTED}.`, {
        path: segPath('L', 2),
      }),
    ]);
    expect(report.ledgers).toStrictEqual([
      ledgerL(6, [SEG1, segPath('L', 3)], {
        receipts: 4,
        state: 'tampered',
        stateReason: '1 integrity finding in this ledger (ARCHIVE_UNREADABLE).',
        proven: null,
      }),
    ]);
    expect(report.summary).toStrictEqual(summaryOf(4, 1));
  });

  it('refused segments at the end of a ledger are merged before the next ledger begins', async () => {
    const files = archiveFiles(4, { perSegment: 2 });
    addOneSegmentLedger(files, 'M', 1);
    const ledgerUnreadable: string[] = [];
    const control: ControlCheckFactory = () => ({
      id: 'txn',
      name: 'txn',
      parallel: 'stateless',
      visit: () => undefined,
      finish: () => [],
      ledgerUnreadable: (ledger) => void ledgerUnreadable.push(ledger),
    });
    const report = await verifyArchive(
      entrySource(refuse(sealed(files), segPath('L', 2))),
      options({ controls: [control] }),
    );
    expect(ledgerUnreadable).toStrictEqual(['L']);
    expect(report.findings).toStrictEqual([
      f('ARCHIVE_UNREADABLE', 'critical', `Entry ${segPath('L', 2)} cannot be read: it is ${ENCRYPTED}.`, {
        path: segPath('L', 2),
      }),
      f(
        'CHAIN_UNSEALED',
        'warning',
        'Receipts 1 to 2 come after the last valid checkpoint (there is none): they are not yet sealed, so the ledger is not proven complete past that point.',
        { path: CP, seq: 1, ledger: 'L' },
      ),
    ]);
    expect(report.ledgers).toStrictEqual([
      ledgerL(2, [SEG1], {
        sealedSeq: null,
        state: 'tampered',
        stateReason: '1 integrity finding in this ledger (ARCHIVE_UNREADABLE).',
        proven: null,
      }),
      ledgerL(1, [segPath('M', 1)], { ledger: 'M' }),
    ]);
    expect(report.checks).toStrictEqual([
      CEDAR_NOT_CHECKED,
      {
        check: 'Transactions complete (TXN_STEP_GAP gaps, TXN_INCOMPLETE) in L',
        status: 'not checked',
        reason: 'part of the ledger could not be read, and the lines not read may hold the missing steps',
      },
      SEGMENTS_HERE,
      { check: `${MANIFEST_CHECK} (1 entry that could not be read: not compared)`, status: 'ran' },
      KEYS_RAN,
      CHAINS_RAN,
      { check: 'Decision re-evaluation and control checks', status: 'ran' },
    ]);
  });

  it('tells the controls of a ledger’s unread span before the next ledger’s projections are folded', async () => {
    const files = archiveFiles(4, { perSegment: 2 });
    addOneSegmentLedger(files, 'M', 1);
    const events: string[] = [];
    const control: ControlCheckFactory = () => ({
      id: 'folding',
      name: 'folding',
      parallel: 'projected',
      visit: () => undefined,
      project: (receipt) => `${receipt.ledger} ${receipt.seq}`,
      visitProjection: (p) => void events.push(`fold ${p as string}`),
      finish: () => [],
      ledgerUnreadable: (ledger) => void events.push(`unreadable ${ledger}`),
    });
    await verifyArchive(entrySource(refuse(sealed(files), segPath('L', 2))), options({ controls: [control] }));
    expect(events).toStrictEqual(['fold L 1', 'fold L 2', 'unreadable L', 'fold M 1']);
  });

  it('a refused last segment is merged after the segments before it, however many', async () => {
    const files = archiveFiles(6, { perSegment: 2 });
    const lines = receiptLines('L', 6);
    files.set(CP, utf8(`${checkpointLine('L', 4, lines[3] as string)}\n`));
    const events: string[] = [];
    const control: ControlCheckFactory = () => ({
      id: 'folding',
      name: 'folding',
      parallel: 'projected',
      visit: () => undefined,
      project: (receipt) => receipt.seq,
      visitProjection: (seq) => void events.push(`fold ${seq as number}`),
      finish: () => [],
      ledgerUnreadable: (ledger) => void events.push(`unreadable ${ledger}`),
    });
    const report = await verifyArchive(
      entrySource(refuse(sealed(files), segPath('L', 3))),
      options({ controls: [control] }),
    );
    expect(events).toStrictEqual(['fold 1', 'fold 2', 'fold 3', 'fold 4', 'unreadable L']);
    expect(report.ledgers).toStrictEqual([
      ledgerL(4, [SEG1, segPath('L', 2)], {
        state: 'tampered',
        stateReason: '1 integrity finding in this ledger (ARCHIVE_UNREADABLE).',
        proven: null,
      }),
    ]);
  });

  it.each([
    ['at the end of a line', 0],
    // The bytes it stopped inside are no line: no RECORD_MALFORMED for them.
    ['inside the next line', 10],
  ])(
    'a segment whose read fails part-way, %s, is a span: the lines before are checked, the next segment is not linked to the last one',
    async (_where, into) => {
      const files = sealed(archiveFiles(4, { perSegment: 2 }));
      const firstLine = utf8(`${receiptLines('L', 1)[0]}\n`).length;
      const specs = specsOf(files).map((x) =>
        x.name === SEG1 ? { ...x, fails: new ArchiveUnreadableError('bad CRC-32'), failAfter: firstLine + into } : x,
      );
      const report = await verifyArchive(entrySource(specs), options());
      expect(report.findings).toStrictEqual([
        f('ARCHIVE_UNREADABLE', 'critical', 'bad CRC-32', { path: SEG1, ledger: 'L' }),
      ]);
      expect(report.ledgers).toStrictEqual([
        ledgerL(4, [SEG1, segPath('L', 2)], {
          receipts: 3,
          state: 'tampered',
          stateReason: '1 integrity finding in this ledger (ARCHIVE_UNREADABLE).',
          proven: null,
        }),
      ]);
    },
  );

  it('a checkpoints file whose read fails part-way keeps the lines read, and the ledger is told', async () => {
    const files = sealed(archiveFiles(2));
    const report = await verifyArchive(
      entrySource(failRead(files, CP, new ArchiveUnreadableError('bad CRC-32'))),
      options(),
    );
    expect(report.findings).toStrictEqual([f('ARCHIVE_UNREADABLE', 'critical', 'bad CRC-32', { path: CP })]);
    expect(report.ledgers).toStrictEqual([
      ledgerL(2, [SEG1], {
        state: 'tampered',
        stateReason: '1 integrity finding in this ledger (ARCHIVE_UNREADABLE).',
      }),
    ]);
  });
});

describe('phase 4: checkpoints verified ahead by an asynchronous verifier', () => {
  /** A bulk verifier that says true, counting the checkpoint signatures in flight at once. */
  const countingBulk = () => {
    const state = { asked: 0, inFlight: 0, most: 0 };
    const bulk = {
      name: 'counting bulk',
      state,
      verifyAsync: async (_s: Uint8Array, message: Uint8Array) => {
        const checkpoint = new TextDecoder().decode(message).includes('"head"');
        if (checkpoint) {
          state.asked++;
          state.inFlight++;
          state.most = Math.max(state.most, state.inFlight);
        }
        await Promise.resolve();
        if (checkpoint) state.inFlight--;
        return true;
      },
    };
    return bulk;
  };

  it('asks 512 lines at a time and answers each checkpoint from them (signatures the reference would refuse)', async () => {
    const files = archiveFiles(2);
    const lines = receiptLines('L', 2);
    const fake = (seq: number) =>
      `{"head":"${hashOf(lines[seq - 1] ?? `seq ${seq}`)}","kid":"${GATE_KID}","ledger":"L","seq":${seq},"sig":"${'ab'.repeat(64)}","ts":"2026-04-02T00:00:0${Math.min(seq, 9)}Z"}`;
    const cps = [fake(1), 'not json', ...Array.from({ length: 512 }, (_, i) => fake(i + 2))];
    files.set(CP, utf8(joinLines(cps)));
    const bulk = countingBulk();
    // The checkpoints come in 1000-byte chunks of one buffer the reader reuses: lines held
    // for a batch must be copies.
    const specs = specsOf(sealed(files)).map((x) => (x.name === CP ? { ...x, chunk: 1000, reuse: true } : x));
    const report = await verifyArchive(entrySource(specs), options({ bulkVerifier: bulk }));
    // A batch is 512 lines: the first holds the line that is not JSON, so 511 are asked at once.
    expect(bulk.state).toStrictEqual({ asked: 513, inFlight: 0, most: 511 });
    // Every checkpoint's signature was taken as the bulk verifier answered (the reference
    // refuses these made-up ones): seq 2 seals the ledger, seqs 3 to 513 are past its end.
    expect(report.ledgers[0]?.sealedSeq).toBe(2);
    expect(report.ledgers[0]?.checkpoints).toBe(514);
    const byCode = new Map<string, number>();
    for (const c of codes(report)) byCode.set(c, (byCode.get(c) ?? 0) + 1);
    expect([...byCode]).toStrictEqual([
      ['RECORD_MALFORMED', 1],
      ['CHAIN_TRUNCATED', 511],
    ]);
  });

  it('reports the checkpoints judged as progress, as their own phase once the last receipt is checked', async () => {
    const files = archiveFiles(2);
    const lines = receiptLines('L', 2);
    const fake = (seq: number) =>
      `{"head":"${hashOf(lines[seq - 1] ?? `seq ${seq}`)}","kid":"${GATE_KID}","ledger":"L","seq":${seq},"sig":"${'ab'.repeat(64)}","ts":"2026-04-02T00:00:0${Math.min(seq, 9)}Z"}`;
    files.set(CP, utf8(joinLines(Array.from({ length: 1100 }, (_, i) => fake(i + 1)))));
    // Each checkpoint's answer comes a task later: the segment is checked long before the last.
    const slow = {
      name: 'slow bulk',
      verifyAsync: (_s: Uint8Array, message: Uint8Array) =>
        new Promise<boolean>((resolve) =>
          new TextDecoder().decode(message).includes('"head"') ? setTimeout(() => resolve(true)) : resolve(true),
        ),
    };
    const seen: Progress[] = [];
    await verifyArchive(source(sealed(files)), options({ bulkVerifier: slow, onProgress: (p) => seen.push(p) }));
    const moves = seen
      .map((p) => `${p.phase} ${p.receiptsDone} ${p.checkpointsDone}/${p.checkpointsTotal}`)
      .filter((m, i, all) => m !== all[i - 1]);
    expect(moves).toStrictEqual([
      'listing 0 0/0',
      'manifest 0 0/0',
      'keys 0 0/0',
      'policies 0 0/0',
      'checkpoints 0 0/0',
      'ledgers 0 0/1100',
      'ledgers 2 0/1100',
      // Judged after the last receipt: the phase says so, and the count moves a batch at a time.
      'checkpoints 2 0/1100',
      'checkpoints 2 512/1100',
      'checkpoints 2 1024/1100',
      'checkpoints 2 1100/1100',
      'controls 2 1100/1100',
      'done 2 1100/1100',
    ]);
  });

  it('judges them while the segments are checked, none held back, in the order read', async () => {
    const files = archiveFiles(2);
    const lines = receiptLines('L', 2);
    const n = 135_000;
    const fake = (seq: number) =>
      `{"head":"${hashOf(lines[seq - 1] ?? `seq ${seq}`)}","kid":"${GATE_KID}","ledger":"L","seq":${seq},"sig":"${'ab'.repeat(64)}","ts":"2026-04-02T00:00:0${Math.min(seq, 9)}Z"}`;
    // Seq 7 comes again after seq 135,000: it does not increase, so the lines are judged in order.
    files.set(CP, utf8(joinLines([...Array.from({ length: n }, (_, i) => fake(i + 1)), fake(7)])));
    const bulk = countingBulk();
    const src = source(sealed(files));
    let askedBeforeSegments = -1;
    let reads = 0;
    const report = await verifyArchive(
      {
        ...src,
        read: (entry, signal) => {
          if (entry.name === SEG1) askedBeforeSegments = bulk.state.asked;
          if (entry.name === CP) reads++;
          return src.read(entry, signal);
        },
      },
      options({ bulkVerifier: bulk }),
    );
    expect(bulk.state).toStrictEqual({ asked: n + 1, inFlight: 0, most: 512 });
    // Read once for the seqs, once to judge: the segments begin before more than a batch or
    // two is judged, whatever the number of checkpoints, and no line is held between the reads.
    expect(reads).toBe(2);
    expect(askedBeforeSegments).toBeGreaterThanOrEqual(0);
    expect(askedBeforeSegments).toBeLessThanOrEqual(2 * 512);
    expect(report.ledgers[0]?.sealedSeq).toBe(2);
    expect(report.ledgers[0]?.checkpoints).toBe(n + 1);
    const byCode = new Map<string, number>();
    for (const c of codes(report)) byCode.set(c, (byCode.get(c) ?? 0) + 1);
    expect([...byCode]).toStrictEqual([
      ['CHAIN_TRUNCATED', n - 2],
      ['CHECKPOINT_INVALID', 1],
    ]);
    expect(report.findings.find((x) => x.code === 'CHECKPOINT_INVALID')?.line).toBe(n + 1);
  });

  /** The archive of 3 receipts whose checkpoints file reads as `second` the second time it is read. */
  const changingCheckpoints = (second: (first: Uint8Array) => AsyncIterable<Uint8Array>) => {
    const src = source(sealed(archiveFiles(3)));
    let reads = 0;
    return {
      ...src,
      read: (entry: RawEntry, signal?: AbortSignal): AsyncIterable<Uint8Array> => {
        if (entry.name !== CP || reads++ === 0) return src.read(entry, signal);
        return (async function* () {
          const chunks: Uint8Array[] = [];
          for await (const chunk of src.read(entry, signal)) chunks.push(chunk.slice());
          yield* second(concatBytes(chunks));
        })();
      },
    };
  };
  const changed = (why: string) =>
    f('ARCHIVE_UNREADABLE', 'critical', `${CP} could not be verified: ${why}.`, { path: CP });
  const tamperedL = ledgerL(3, [SEG1], {
    state: 'tampered',
    stateReason: '1 integrity finding in this ledger (ARCHIVE_UNREADABLE).',
  });

  it('a checkpoints file that reads differently the second time is reported, and its ledger is not verified', async () => {
    // The same length, one hex digit of the signature changed.
    const alter = (first: Uint8Array) => {
      const bytes = first.slice();
      const at = new TextDecoder().decode(bytes).indexOf('"sig":"') + 7;
      bytes[at] = bytes[at] === 0x61 ? 0x62 : 0x61;
      return bytes;
    };
    const report = await verifyArchive(
      changingCheckpoints(async function* (first) {
        yield alter(first);
      }),
      options({ bulkVerifier: countingBulk() }),
    );
    const first = sealed(archiveFiles(3)).get(CP) as Uint8Array;
    expect(report.findings).toStrictEqual([
      changed(
        `the second read hashed to ${hashOf(alter(first))} (1 lines), the first to ${hashOf(first)} (1 lines): it changed while it was being verified`,
      ),
    ]);
    expect(report.ledgers).toStrictEqual([tamperedL]);
  });

  it.each([
    [
      'ends early',
      async function* () {},
      'the second read ended after 0 lines, where the first gave 1: it changed while it was being verified',
    ],
    [
      'fails',
      async function* () {
        throw new ArchiveUnreadableError('bad CRC-32');
      },
      'it could not be read a second time past line 0 (bad CRC-32), where the first read gave 1 lines',
    ],
  ])(
    'a checkpoints file whose second read %s is reported; no checkpoint seals the ledger',
    async (_how, second, why) => {
      const report = await verifyArchive(changingCheckpoints(second), options({ bulkVerifier: countingBulk() }));
      expect(report.findings).toStrictEqual([
        changed(why),
        f(
          'CHAIN_UNSEALED',
          'warning',
          'Receipts 1 to 3 come after the last valid checkpoint (there is none): they are not yet sealed, so the ledger is not proven complete past that point.',
          { ledger: 'L', path: CP, seq: 1 },
        ),
      ]);
      expect(report.ledgers).toStrictEqual([{ ...tamperedL, sealedSeq: null, proven: null, checkpoints: 0 }]);
    },
  );
});

describe('phase 4: a segment runner (worker pool)', () => {
  interface PoolLog {
    setups: RunnerSetup[];
    tasks: string[];
    closed: number;
  }
  /** A pool of one checker in this thread (segment-worker.ts), logging what it is given. */
  const pool =
    (src: ArchiveSource, log: PoolLog, takesPieces: boolean, controlFactories: ControlCheckFactory[] = []) =>
    async (setup: RunnerSetup): Promise<SegmentRunner> => {
      log.setups.push(setup);
      const check = await segmentChecker(src, setup, { verifier: nobleStrictVerifier, controlFactories });
      return {
        name: 'a test pool',
        concurrency: 2,
        takesPieces,
        run: (task) => {
          log.tasks.push(task.piece ? `${task.path}@${task.piece.firstLine}` : task.path);
          return check(task);
        },
        close: async () => void log.closed++,
      };
    };
  const newLog = (): PoolLog => ({ setups: [], tasks: [], closed: 0 });
  const POOL_RAN: CheckStatus = { check: 'Segments checked by a test pool', status: 'ran' };
  const withPool = (report: VerifyReport, check: CheckStatus = POOL_RAN) =>
    report.checks.map((c) => (c.check === SEGMENTS_HERE.check ? check : c));

  it('a runner that takes whole files gets the next one only while its ledger holds less than the pacing window', async () => {
    const files = archiveFiles(12, { perSegment: 2 });
    const lines = receiptLines('L', 12);
    const cp = (seq: number) =>
      `{"head":"${hashOf(lines[seq - 1] as string)}","kid":"${GATE_KID}","ledger":"L","seq":${seq},"sig":"${'ab'.repeat(64)}","ts":"2026-04-02T00:00:0${Math.min(seq, 9)}Z"}`;
    // A checkpoint for every receipt: each receipt's hash is kept until its checkpoint is judged.
    files.set(CP, utf8(joinLines(Array.from({ length: 12 }, (_, i) => cp(i + 1)))));
    const src = source(sealed(files));
    const log = newLog();
    let dispatchedAtRelease = -1;
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    // The checkpoints' answers come 200 ms after the first is asked: the segments meanwhile.
    const held = {
      name: 'held bulk',
      verifyAsync: async (_s: Uint8Array, message: Uint8Array) => {
        if (!new TextDecoder().decode(message).includes('"head"')) return true;
        if (dispatchedAtRelease < 0) {
          dispatchedAtRelease = 0;
          setTimeout(() => {
            dispatchedAtRelease = log.tasks.length;
            release();
          }, 200);
        }
        await released;
        return true;
      },
    };
    const report = await verifyArchive(
      src,
      options({
        segmentRunner: pool(src, log, false),
        segmentRunnerMinBytes: 0,
        bulkVerifier: held,
        pacingWindow: 0,
      }),
    );
    // Four files are in flight at once (two per worker), and a fifth is taken while the first is
    // awaited; once the first is merged its ledger holds two hashes no judged checkpoint asked
    // for, over the window: the sixth waited for the judging.
    expect(dispatchedAtRelease).toBe(5);
    expect(log.tasks).toHaveLength(6);
    expect(report.ledgers[0]).toMatchObject({ state: 'verified', receipts: 12, checkpoints: 12, sealedSeq: 12 });
  });

  it('starts at exactly segmentRunnerMinBytes of segments, with the run’s setup, and closes it', async () => {
    const files = sealed(archiveFiles(4, { perSegment: 2 }));
    const bytes = (files.get(SEG1) as Uint8Array).length + (files.get(segPath('L', 2)) as Uint8Array).length;
    const src = source(files);
    const log = newLog();
    /** When the host was told to warm its workers: before the manifest was read, before the runner was asked for. */
    const order: string[] = [];
    const report = await verifyArchive(
      { ...src, read: (entry, signal) => (order.push(`read ${entry.name}`), src.read(entry, signal)) },
      options({
        segmentRunner: (setup) => (order.push('runner'), pool(src, log, false)(setup)),
        warmSegmentRunner: () => void order.push('warm'),
        segmentRunnerMinBytes: bytes,
        limits: { maxLineBytes: 5000 },
      }),
    );
    expect(order.slice(0, 2)).toStrictEqual(['warm', 'read manifest.json']);
    expect(order.filter((o) => o === 'warm' || o === 'runner')).toStrictEqual(['warm', 'runner']);
    const expected = validReport(4, { ledgers: [ledgerL(4, [SEG1, segPath('L', 2)])] });
    expect(report).toStrictEqual({ ...expected, checks: withPool(expected) });
    expect(log.tasks).toStrictEqual([SEG1, segPath('L', 2)]);
    expect(log.closed).toBe(1);
    expect(log.setups).toHaveLength(1);
    const setup = log.setups[0] as RunnerSetup;
    expect(setup.keys).toStrictEqual(JSON.parse(KEYS_TEXT));
    // The keyring as this thread built it (the workers check keys with it).
    expect(setup.keyring).toStrictEqual(buildKeyring(JSON.parse(KEYS_TEXT), TRUSTED, nobleStrictVerifier).data);
    expect(setup.trustedRoots).toStrictEqual(TRUSTED);
    expect(setup.bundles.map((b) => [b.path, b.hash])).toStrictEqual([[BUNDLE_PATH, BUNDLE.hash]]);
    expect(setup.limits).toStrictEqual({ ...DEFAULT_LIMITS, maxLineBytes: 5000 });
    expect(setup.controlIds).toStrictEqual([]);
  });

  it('with an asynchronous verifier, checks segments while the checkpoints are judged, and sends their seqs as runs', async () => {
    const files = archiveFiles(4, { perSegment: 2 });
    const lines = receiptLines('L', 4);
    // A checkpoint for every receipt, as a producer may write them.
    files.set(CP, utf8(joinLines(lines.map((line, i) => checkpointLine('L', i + 1, line)))));
    const src = source(sealed(files));
    const log = newLog();
    const runs: (readonly number[])[] = [];
    const logged = pool(src, log, true);
    // Each checkpoint's answer waits until a segment task has started (at most 2 s): judging
    // every checkpoint before any segment, as this engine once did, would wait the 2 s. (The
    // root's certificates are answered at once: the keyring is built before any segment.)
    let started: () => void = () => undefined;
    const taskStarted = new Promise<void>((resolve) => (started = resolve));
    let waited = false;
    const bulk = {
      name: 'waits for a segment',
      verifyAsync: async (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => {
        if (TRUSTED.includes(toHex(publicKey))) return nobleStrictVerifier.verify(signature, message, publicKey);
        await Promise.race([
          taskStarted,
          new Promise<void>((resolve) => setTimeout(() => ((waited = true), resolve()), 2000)),
        ]);
        return nobleStrictVerifier.verify(signature, message, publicKey);
      },
    };
    const report = await verifyArchive(
      src,
      options({
        bulkVerifier: bulk,
        segmentRunnerMinBytes: 0,
        segmentRunner: async (setup) => {
          const runner = await logged(setup);
          return {
            ...runner,
            run: (task) => {
              runs.push(task.checkpointRuns);
              started();
              return runner.run(task);
            },
          };
        },
      }),
    );
    expect(waited).toBe(false);
    expect(runs).toStrictEqual([
      [1, 1, 4],
      [1, 1, 4],
    ]);
    expect(report.findings).toStrictEqual([]);
    expect(report.ledgers[0]).toMatchObject({ receipts: 4, sealedSeq: 4, checkpoints: 4, state: 'verified' });
  });

  it('is not started below segmentRunnerMinBytes (16 MiB by default), nor without a segment', async () => {
    const files = sealed(archiveFiles(2));
    const bytes = (files.get(SEG1) as Uint8Array).length;
    const log = newLog();
    const src = source(files);
    let warmed = 0;
    const warmSegmentRunner = () => void warmed++;
    for (const min of [bytes + 1, undefined]) {
      const report = await verifyArchive(
        src,
        options({ segmentRunner: pool(src, log, false), warmSegmentRunner, segmentRunnerMinBytes: min }),
      );
      expect(report).toStrictEqual(validReport(2));
    }
    const none = sealed(archiveFiles(0));
    const empty = await verifyArchive(
      source(none),
      options({ segmentRunner: pool(source(none), log, false), warmSegmentRunner, segmentRunnerMinBytes: 0 }),
    );
    expect(checkNamed(empty, 'Segments')).toStrictEqual([SEGMENTS_HERE]);
    expect(log).toStrictEqual(newLog());
    // Nor are its workers warmed.
    expect(warmed).toBe(0);
  });

  it('is started only when every control can run split (stateless, or projected with both halves)', async () => {
    const control =
      (id: string, extra: Partial<ControlCheck>): ControlCheckFactory =>
      () => ({ id, name: id, visit: () => undefined, finish: () => [], ...extra });
    const stateless = control('a', { parallel: 'stateless' });
    const projected = control('b', { parallel: 'projected', project: () => null, visitProjection: () => undefined });
    const halfProjected = control('c', { parallel: 'projected', project: () => null });
    const noFold = control('d', { parallel: 'projected', visitProjection: () => undefined });
    const oneThread = control('e', {});
    const unmarked = control('f', { project: () => null, visitProjection: () => undefined });
    const files = sealed(archiveFiles(2));
    const started: string[][] = [];
    for (const controls of [
      [stateless, projected],
      [stateless, halfProjected],
      [noFold],
      [projected, oneThread],
      [unmarked],
    ]) {
      const log = newLog();
      const src = source(files);
      await verifyArchive(
        src,
        options({ controls, segmentRunner: pool(src, log, false, controls), segmentRunnerMinBytes: 0 }),
      );
      started.push(log.setups.map((s) => s.controlIds.join(',')));
    }
    expect(started).toStrictEqual([['a,b'], [], [], [], []]);
  });

  it('with a pool, receipt signatures are the pool’s to verify: no check names the bulk verifier', async () => {
    const files = sealed(archiveFiles(2));
    const src = source(files);
    const bulk = { name: 'bulk', verifyAsync: async () => true };
    const report = await verifyArchive(
      src,
      options({ segmentRunner: pool(src, newLog(), false), segmentRunnerMinBytes: 0, bulkVerifier: bulk }),
    );
    expect(report.checks).toStrictEqual(withPool(validReport(2)));
  });

  it('a whole file with a bad line, read to its end, is not a span', async () => {
    const files = archiveFiles(0);
    const lines = receiptLines('L', 3);
    files.set(SEG1, utf8(joinLines([lines[0] as string, 'not json', lines[2] as string])));
    files.set(CP, utf8(`${checkpointLine('L', 3, lines[2] as string)}\n`));
    const src = source(sealed(files));
    const here = await verifyArchive(src, options());
    const pooled = await verifyArchive(
      src,
      options({ segmentRunner: pool(src, newLog(), false), segmentRunnerMinBytes: 0 }),
    );
    expect(pooled).toStrictEqual({ ...here, checks: withPool(here) });
    expect(codes(here)).toStrictEqual(['RECORD_MALFORMED', 'CHAIN_BROKEN']);
    expect(here.ledgers.map((x) => x.stateReason)).toStrictEqual([
      '2 integrity findings in this ledger (RECORD_MALFORMED, CHAIN_BROKEN).',
    ]);
  });

  it('a piece that ends on a bad line, with more of its file after it, gives the same report as the whole file', async () => {
    const files = archiveFiles(0);
    const lines = receiptLines('L', 3);
    files.set(SEG1, utf8(joinLines([lines[0] as string, 'not json', lines[2] as string])));
    files.set(CP, utf8(`${checkpointLine('L', 3, lines[2] as string)}\n`));
    const src = source(sealed(files));
    const here = await verifyArchive(src, options());
    const log = newLog();
    const split = await verifyArchive(
      src,
      options({ segmentRunner: pool(src, log, true), segmentRunnerMinBytes: 0, pieceBytes: 1 }),
    );
    expect(log.tasks).toStrictEqual([`${SEG1}@1`, `${SEG1}@2`, `${SEG1}@3`]);
    expect(split).toStrictEqual({ ...here, checks: withPool(here) });
  });

  /** The report of `files` checked whole in this thread, and split into pieces of one line each. */
  const bothWays = async (files: Files) => {
    const src = source(sealed(files));
    const here = await verifyArchive(src, options());
    const log = newLog();
    const split = await verifyArchive(
      src,
      options({ segmentRunner: pool(src, log, true), segmentRunnerMinBytes: 0, pieceBytes: 1 }),
    );
    return { here, split, tasks: log.tasks };
  };

  it('a whole file of unreadable lines is a span of unknown content, split or not', async () => {
    const files = archiveFiles(0);
    const lines = receiptLines('L', 3);
    files.set(SEG1, utf8(joinLines(lines.slice(0, 2))));
    files.set(segPath('L', 2), utf8(joinLines(['not json'])));
    files.set(segPath('L', 3), utf8(joinLines(lines.slice(2))));
    files.set(CP, utf8(`${checkpointLine('L', 3, lines[2] as string)}\n`));
    const { here, split, tasks } = await bothWays(files);
    expect(tasks).toStrictEqual([`${SEG1}@1`, `${SEG1}@2`, `${segPath('L', 2)}@1`, `${segPath('L', 3)}@1`]);
    expect(split).toStrictEqual({ ...here, checks: withPool(here) });
    expect(codes(here)).toStrictEqual(['RECORD_MALFORMED']);
  });

  // A bug this file found (fixed in ledger.ts): when the last piece of a file held only
  // unreadable lines, the merge took it for a whole file of them (a span), so the next
  // segment's link to the unreadable line was not judged and the unsplit check's CHAIN_BROKEN lost.
  it('a file’s last piece holding only a bad line: the split report is the whole file’s', async () => {
    const files = archiveFiles(0);
    const lines = receiptLines('L', 3);
    files.set(SEG1, utf8(joinLines([lines[0] as string, lines[1] as string, 'not json'])));
    files.set(segPath('L', 2), utf8(joinLines([lines[2] as string])));
    files.set(CP, utf8(`${checkpointLine('L', 3, lines[2] as string)}\n`));
    const { here, split } = await bothWays(files);
    expect(codes(here)).toStrictEqual(['RECORD_MALFORMED', 'CHAIN_BROKEN']);
    expect(split).toStrictEqual({ ...here, checks: withPool(here) });
  });

  // The other end: a file whose first piece holds only a bad line, with the file's receipts
  // after it. That piece carries the bad line's hash on (its file continues), so the next
  // receipt's link to it is judged, as when the file is checked whole.
  it('a file’s first piece holding only a bad line: the split report is the whole file’s', async () => {
    const files = archiveFiles(0);
    const lines = receiptLines('L', 3);
    files.set(SEG1, utf8(joinLines([lines[0] as string, lines[1] as string])));
    files.set(segPath('L', 2), utf8(joinLines(['not json', lines[2] as string])));
    files.set(CP, utf8(`${checkpointLine('L', 3, lines[2] as string)}\n`));
    const { here, split, tasks } = await bothWays(files);
    expect(tasks).toStrictEqual([`${SEG1}@1`, `${SEG1}@2`, `${segPath('L', 2)}@1`, `${segPath('L', 2)}@2`]);
    expect(codes(here)).toStrictEqual(['RECORD_MALFORMED', 'CHAIN_BROKEN']);
    expect(split).toStrictEqual({ ...here, checks: withPool(here) });
  });

  it('splits into pieces of 4 MiB by default, the first file into pieces from 256 KiB up', async () => {
    const files = archiveFiles(0);
    const line = 'x'.repeat(3 * 1024 * 1024 - 1);
    const seg2 = segPath('L', 2);
    files.set(SEG1, utf8(joinLines([line, line, line])));
    files.set(seg2, utf8(joinLines([line, line, line])));
    const src = source(sealed(files));
    const log = newLog();
    await verifyArchive(
      src,
      options({
        segmentRunner: pool(src, log, true),
        segmentRunnerMinBytes: 0,
        limits: { maxLineBytes: 4 * 1024 * 1024 },
      }),
    );
    // The first file: each 3 MiB line passes its piece's target (256 KiB, 512 KiB, 1 MiB).
    // The next: a piece ends at the first line end past 4 MiB.
    expect(log.tasks).toStrictEqual([`${SEG1}@1`, `${SEG1}@2`, `${SEG1}@3`, `${seg2}@1`, `${seg2}@3`]);
  });

  it('the first file ramps from firstPieceBytes, doubling, up to pieceBytes', async () => {
    const files = archiveFiles(0);
    const seg2 = segPath('L', 2);
    files.set(SEG1, utf8(joinLines(Array.from({ length: 12 }, () => 'x'.repeat(99)))));
    files.set(seg2, utf8(joinLines(Array.from({ length: 12 }, () => 'x'.repeat(99)))));
    const src = source(sealed(files));
    const log = newLog();
    await verifyArchive(
      src,
      options({ segmentRunner: pool(src, log, true), segmentRunnerMinBytes: 0, pieceBytes: 400, firstPieceBytes: 100 }),
    );
    // 100-byte lines: pieces of 1, 2, 4, 4, 1 lines in the first file; of 4 in the next.
    expect(log.tasks).toStrictEqual([
      `${SEG1}@1`,
      `${SEG1}@2`,
      `${SEG1}@4`,
      `${SEG1}@8`,
      `${SEG1}@12`,
      `${seg2}@1`,
      `${seg2}@5`,
      `${seg2}@9`,
    ]);
  });

  it('a pool that cannot start leaves the segments to this thread, saying why', async () => {
    const files = sealed(archiveFiles(2));
    const failing = (thrown: unknown) => async () => {
      throw thrown;
    };
    const a = await verifyArchive(
      source(files),
      options({ segmentRunner: failing(new Error('no threads')), segmentRunnerMinBytes: 0 }),
    );
    const why = (w: string): CheckStatus => ({
      check: `Segments checked by this thread (the worker pool could not start: ${w})`,
      status: 'ran',
    });
    expect(a).toStrictEqual({ ...validReport(2), checks: withPool(validReport(2), why('no threads')) });
    const b = await verifyArchive(
      source(files),
      options({ segmentRunner: failing('refused'), segmentRunnerMinBytes: 0 }),
    );
    expect(checkNamed(b, 'Segments')).toStrictEqual([why('refused')]);
    const controller = new AbortController();
    const reason = new Error('cancelled');
    const aborting = async () => {
      controller.abort(reason);
      throw new Error('stopped');
    };
    await expect(
      verifyArchive(
        source(files),
        options({ segmentRunner: aborting, segmentRunnerMinBytes: 0, signal: controller.signal }),
      ),
    ).rejects.toBe(reason);
  });

  it('a runner that takes pieces gets each file split, read and hashed here, and gives the same report', async () => {
    const files = sealed(archiveFiles(4, { perSegment: 2 }));
    const src = source(files);
    const log = newLog();
    const seen: Progress[] = [];
    const report = await verifyArchive(
      src,
      options({
        segmentRunner: pool(src, log, true),
        segmentRunnerMinBytes: 0,
        pieceBytes: 0,
        onProgress: (p) => seen.push(p),
      }),
    );
    const expected = validReport(4, { ledgers: [ledgerL(4, [SEG1, segPath('L', 2)])] });
    expect(report).toStrictEqual({ ...expected, checks: withPool(expected) });
    // A piece bound of 0 is taken as 1 byte: every line is a piece.
    expect(log.tasks).toStrictEqual([`${SEG1}@1`, `${SEG1}@2`, `${segPath('L', 2)}@1`, `${segPath('L', 2)}@2`]);
    const line = (n: number) => (utf8(receiptLines('L', 4)[n - 1] as string).length as number) + 1;
    // The checkpoints file is read first: its bytes are counted before the segments'.
    const cp = (files.get(CP) as Uint8Array).length;
    expect(seen.filter((p) => p.phase === 'ledgers').map((p) => [p.bytesDone, p.receiptsDone])).toStrictEqual([
      [cp, 0],
      [cp + line(1), 1],
      [cp + line(1) + line(2), 2],
      [cp + line(1) + line(2) + line(3), 3],
      [cp + line(1) + line(2) + line(3) + line(4), 4],
    ]);
  });

  it.each([
    ['split into pieces', true, [`${SEG1}@1`, `${segPath('L', 2)}@1`]],
    ['checked whole by a runner', false, [SEG1, segPath('L', 2)]],
  ])('a file that fails part-way, %s, gives the reader finding for its ledger', async (_how, pieces, tasks) => {
    const files = sealed(archiveFiles(4, { perSegment: 2 }));
    const src = entrySource(failRead(files, SEG1, new ArchiveUnreadableError('bad CRC-32')));
    const log = newLog();
    const report = await verifyArchive(
      src,
      options({ segmentRunner: pool(src, log, pieces), segmentRunnerMinBytes: 0 }),
    );
    expect(report.findings).toStrictEqual([
      f('ARCHIVE_UNREADABLE', 'critical', 'bad CRC-32', { path: SEG1, ledger: 'L' }),
    ]);
    // The one reader finding is counted once in the ledger's reason, though it is among the
    // segment's findings and told again as a file finding (it was counted twice before).
    expect(report.ledgers).toStrictEqual([
      ledgerL(4, [SEG1, segPath('L', 2)], {
        state: 'tampered',
        stateReason: '1 integrity finding in this ledger (ARCHIVE_UNREADABLE).',
        proven: null,
      }),
    ]);
    expect(report.summary).toStrictEqual(summaryOf(4, 1));
    expect(log.tasks).toStrictEqual(tasks);
    // A reader that stops (an abort) is the caller's stop, not a finding.
    const stopped = Object.assign(new Error('stopped'), { name: 'AbortError' });
    const src2 = entrySource(failRead(files, SEG1, stopped));
    await expect(
      verifyArchive(src2, options({ segmentRunner: pool(src2, newLog(), pieces), segmentRunnerMinBytes: 0 })),
    ).rejects.toBe(stopped);
    // Failing inside the second line: the first is checked, the one it stopped inside is no line.
    const firstLine = utf8(`${receiptLines('L', 1)[0]}\n`).length;
    const cut = specsOf(files).map((x) =>
      x.name === SEG1 ? { ...x, fails: new ArchiveUnreadableError('bad CRC-32'), failAfter: firstLine + 10 } : x,
    );
    const src3 = entrySource(cut);
    const inside = await verifyArchive(
      src3,
      options({ segmentRunner: pool(src3, newLog(), pieces), segmentRunnerMinBytes: 0 }),
    );
    expect(inside.findings).toStrictEqual([
      f('ARCHIVE_UNREADABLE', 'critical', 'bad CRC-32', { path: SEG1, ledger: 'L' }),
    ]);
    expect(inside.summary).toStrictEqual(summaryOf(3, 1));
  });
});

describe('phase 6 and 7: the manifest comparison and the summary', () => {
  it('a segment or checkpoints file not as listed is a finding for its ledger too', async () => {
    const files = sealed(archiveFiles(2));
    const listed = JSON.parse(new TextDecoder().decode(files.get('manifest.json'))).files as {
      path: string;
      sha256: string;
      bytes: number;
    }[];
    const other = hashOf('other');
    const wrong = listed.map((e) => ([SEG1, CP, ATT].includes(e.path) ? { ...e, sha256: other } : e));
    files.set('manifest.json', utf8(manifestText(files, undefined, wrong)));
    const report = await verifyArchive(source(files), options());
    const changed = (path: string) =>
      f(
        'FILE_HASH_MISMATCH',
        'critical',
        `${path} has hash ${hashOf(files.get(path) as Uint8Array)} where the manifest says ${other}: the file was changed after the manifest was signed.`,
        { path },
      );
    expect(report.findings).toStrictEqual([changed(SEG1), changed(CP), changed(ATT)]);
    // The attachment's finding is not the ledger's.
    expect(report.ledgers).toStrictEqual([
      ledgerL(2, [SEG1], {
        state: 'tampered',
        stateReason: '2 integrity findings in this ledger (FILE_HASH_MISMATCH).',
        proven: null,
      }),
    ]);
  });

  it('says transactions were not checked only for ledgers partly read, when a control cares, naming each', async () => {
    const caring: ControlCheckFactory = () => ({
      id: 'caring',
      name: 'caring',
      visit: () => undefined,
      finish: () => [],
      ledgerUnreadable: () => undefined,
    });
    const indifferent: ControlCheckFactory = () => ({
      id: 'other',
      name: 'other',
      visit: () => undefined,
      finish: () => [],
    });
    const TXN = 'Transactions complete (TXN_STEP_GAP gaps, TXN_INCOMPLETE) in';
    const clean = await verifyArchive(source(sealed(archiveFiles(2))), options({ controls: [caring] }));
    expect(checkNamed(clean, TXN)).toStrictEqual([]);
    const files = archiveFiles(2);
    addOneSegmentLedger(files, 'M', 1);
    const specs = refuse(sealed(files), SEG1).map((x) =>
      x.name === segPath('M', 1) ? { ...x, unsupported: ENCRYPTED } : x,
    );
    const none = await verifyArchive(entrySource(specs), options({ controls: [indifferent] }));
    expect(checkNamed(none, TXN)).toStrictEqual([]);
    const both = await verifyArchive(entrySource(specs), options({ controls: [indifferent, caring] }));
    expect(checkNamed(both, TXN)).toStrictEqual([
      {
        check: `${TXN} L, M`,
        status: 'not checked',
        reason: 'part of the ledger could not be read, and the lines not read may hold the missing steps',
      },
    ]);
  });

  it('a listed segment of a ledger the archive does not have is FILE_MISSING', async () => {
    const files = sealed(archiveFiles(1));
    const listed = JSON.parse(new TextDecoder().decode(files.get('manifest.json'))).files as Record<string, unknown>[];
    const ghost = { bytes: 10, path: segPath('Z', 1), sha256: hashOf('ghost') };
    files.set('manifest.json', utf8(manifestText(files, undefined, [...listed, ghost])));
    const report = await verifyArchive(source(files), options());
    expect(codes(report)).toStrictEqual(['FILE_MISSING']);
    expect(report.findings[0]?.path).toBe(segPath('Z', 1));
    expect(report.ledgers).toStrictEqual([ledgerL(1)]);
  });

  it('counts the entries not compared in the check: one entry, two entries', async () => {
    const files = sealed(archiveFiles(1));
    files.set('attachments/b', utf8('b'));
    files.set('attachments/c', utf8('c'));
    sealed(files);
    const one = await verifyArchive(entrySource(refuse(files, 'attachments/b')), options());
    expect(checkNamed(one, MANIFEST_CHECK)).toStrictEqual([
      { check: `${MANIFEST_CHECK} (1 entry that could not be read: not compared)`, status: 'ran' },
    ]);
    const specs = refuse(files, 'attachments/b').map((x) =>
      x.name === 'attachments/c' ? { ...x, unsupported: ENCRYPTED } : x,
    );
    const two = await verifyArchive(entrySource(specs), options());
    expect(checkNamed(two, MANIFEST_CHECK)).toStrictEqual([
      { check: `${MANIFEST_CHECK} (2 entries that could not be read: not compared)`, status: 'ran' },
    ]);
  });
});
