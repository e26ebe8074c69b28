/**
 * The app's workpaper draft on a real archive, against the command line: its
 * `verification.summary` is exactly `tickmark verify --json`'s, and the sections built from
 * the verification (archive identity, trust anchors, verification, scope) are the same as
 * `tickmark workpaper build` puts in its predicate for the same file. Then what the app adds:
 * a conclusion for every control, a sample with its items' hashes and its evaluation, the
 * receipts added from reconstructions, what blocks signing, the export names.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineOptions } from '../../../cli/engine-options.ts';
import { nodeCedar } from '../../../cli/cedar-node.ts';
import { main } from '../../../cli/main.ts';
import { CONTROL_LIBRARY } from '../../../shared/controls/library.ts';
import { memorySource } from '../../../shared/archive/memory.ts';
import type { VerifyReport } from '../../../shared/engine/types.ts';
import { verifyArchive } from '../../../shared/engine/verify.ts';
import { makeDemoArchive } from '../../../shared/producer/demo.ts';
import { zipFiles } from '../../../shared/producer/zip.ts';
import { evaluateSample } from '../../../shared/sampling/attribute.ts';
import type { DsseEnvelope } from '../../../shared/workpaper/dsse.ts';
import type { SampleItemRow } from '../../store/db.ts';
import type { Sample } from '../../store/samples.ts';
import { signedPredicate } from '../../store/workpapers.ts';
import { buildDraft, exportNames, sampleRecord, signingBlocker, TOOL, type DraftSource } from './draft.ts';

const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
type Obj = Record<string, unknown>;

let dir: string;
let zip: string;
let root: string;
let source: DraftSource;

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (t) => void (out += t), stderr: (t) => void (err += t) });
  return { code, out, err };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickmark-wp-draft-'));
  const demo = await makeDemoArchive({ cedar: nodeCedar, receipts: 400, seed: 'workpaper-draft' });
  root = demo.rootPublicKey;
  const bytes = zipFiles(demo.files);
  zip = join(dir, 'demo.zip');
  await writeFile(zip, bytes);
  const report: VerifyReport = await verifyArchive(memorySource(demo.files, 'demo.zip'), {
    ...engineOptions(),
    trustedRoots: [root],
  });
  const { findings: _findings, ...stored } = report;
  source = {
    archive: {
      id: 'a1',
      engagementId: 'e1',
      name: 'demo.zip',
      size: bytes.length,
      status: 'complete',
      startedAt: '2026-11-30T09:00:00.000Z',
      trustedRoots: [root],
      report: stored,
      origin: 'file',
      fileSha256: sha(bytes),
    },
    engagement: {
      id: 'e1',
      name: 'FY26 SOC 2',
      client: 'Example Corp',
      periodFrom: '2026-01-01',
      periodTo: '2026-06-30',
      createdAt: '2026-11-01T00:00:00.000Z',
      updatedAt: '2026-11-01T00:00:00.000Z',
    },
    report,
    manifestSha256: sha(demo.files.get('manifest.json') as Uint8Array),
    refs: [
      {
        engagementId: 'e1',
        archiveId: 'a1',
        receiptId: 'rc_1',
        ledger: 'gw-eu-1',
        seq: 12,
        hash: `sha256:${'ab'.repeat(32)}`,
        addedAt: '2026-11-30T10:00:00.000Z',
        note: 'the planted mismatch',
      },
    ],
    samples: [],
    controlTests: [
      {
        engagementId: 'e1',
        controlId: 'decisions-follow-policy',
        attributes: [],
        conclusion: 'effective',
        note: 'No exception in 25 items.',
        updatedAt: '2026-11-30T11:00:00.000Z',
      },
    ],
    workpaper: undefined,
  };
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the app draft against the command line', () => {
  it('carries exactly the summary of tickmark verify --json', async () => {
    const verify = await run(['verify', zip, '--trust-root', root, '--json']);
    expect(verify.err).toBe('');
    const cli = JSON.parse(verify.out) as { summary: unknown };
    const draft = buildDraft(source, { createdAt: '2026-12-01T00:00:00.000Z', preparer: 'A. Auditor' });
    expect((draft.verification as Obj).summary).toEqual(cli.summary);
  });

  it('has the same archive identity, trust anchors, verification and scope as tickmark workpaper build', async () => {
    const key = join(dir, 'a.pem');
    expect((await run(['keygen', key])).code).toBe(0);
    const out = join(dir, 'wp.jsonl');
    const built = await run([
      'workpaper',
      'build',
      zip,
      '--trust-root',
      root,
      '--key',
      key,
      '--preparer',
      'A. Auditor',
      '--out',
      out,
    ]);
    expect(built.err).toBe('');
    expect(built.code).toBe(0);
    const envelope = JSON.parse((await readFile(out, 'utf8')).split('\n')[0] as string) as DsseEnvelope;
    const cli = signedPredicate(envelope) as Obj;
    const app = buildDraft(source, { createdAt: cli.created_at as string, preparer: 'A. Auditor' });
    for (const section of ['format', 'tool', 'archive', 'trust_anchors', 'verification', 'scope'])
      expect(app[section], section).toEqual(cli[section]);
    expect(TOOL.name).toBe('tickmark');
  });
});

describe('what the app adds', () => {
  const draft = () => buildDraft(source, { createdAt: '2026-12-01T00:00:00.000Z', preparer: 'A. Auditor' });

  it('a conclusion for every control of the library, "Not concluded" where none is recorded', () => {
    const conclusions = draft().conclusions as { control: string; conclusion: string; note: string }[];
    expect(conclusions).toHaveLength(CONTROL_LIBRARY.length);
    const decided = conclusions.find((c) => c.control.endsWith('(decisions-follow-policy)'));
    expect(decided).toMatchObject({ conclusion: 'Operating effectively', note: 'No exception in 25 items.' });
    expect(conclusions.filter((c) => c.conclusion === 'Not concluded')).toHaveLength(CONTROL_LIBRARY.length - 1);
  });

  it('the receipts added from reconstructions, and the engagement', () => {
    const d = draft();
    expect(d.reconstructions).toEqual([
      {
        receipt: 'rc_1',
        ledger: 'gw-eu-1',
        seq: 12,
        hash: `sha256:${'ab'.repeat(32)}`,
        note: 'the planted mismatch',
        added_at: '2026-11-30T10:00:00.000Z',
      },
    ]);
    expect(d.engagement).toEqual({
      name: 'FY26 SOC 2',
      client: 'Example Corp',
      period: { from: '2026-01-01', to: '2026-06-30' },
    });
  });

  it('a sample with each item’s hash and results, evaluated as the sampling screen evaluates it', () => {
    const sample = {
      id: 3,
      archiveId: 'a1',
      engagementId: 'e1',
      controlId: 'decisions-follow-policy',
      name: 'Q2 decisions',
      seed: 'seed-1',
      size: 3,
      createdAt: '2026-11-30T12:00:00.000Z',
      details: {
        kind: 'attribute-sample',
        controlTitle: 'Agent actions follow the policy',
        population: {
          source: 'all',
          filterId: null,
          filterName: null,
          query: '',
          count: 400,
          leftOut: 0,
          archiveReceipts: 400,
        },
        completeness: { archiveName: 'demo.zip' },
        sizing: {
          confidence: '95',
          tolerable: '10',
          expected: '0',
          statisticalSize: 29,
          expectedDeviations: 0,
          basis: 'auditor',
          firmRow: null,
        },
        stratify: null,
        strata: [{ name: '', seed: 'seed-1', population: 400, first: 0, count: 3 }],
        method: 'FORMAT.md §9',
        attributes: [{ id: 'reconstructed', text: 'Reconstruction agrees', kind: 'manual' }],
        sizeChanges: [],
        conclusion: { value: 'does-not-support', note: 'one deviation', at: '2026-11-30T13:00:00.000Z', basis: '' },
      },
    } as unknown as Sample;
    const item = (index: number, result: 'pass' | 'fail'): SampleItemRow => ({
      sampleId: 3,
      index,
      receiptId: `rc_${index}`,
      ledger: 'gw-eu-1',
      seq: index + 1,
      hash: `sha256:${String(index).repeat(64)}`,
      score: 'ff',
      results: { reconstructed: result },
      note: '',
    });
    const record = sampleRecord(sample, [item(0, 'pass'), item(1, 'fail'), item(2, 'pass')]);
    expect(record.items.map((i) => i.hash)).toEqual([0, 1, 2].map((i) => `sha256:${String(i).repeat(64)}`));
    const expected = evaluateSample(3, 1, '95', '10');
    expect(record.evaluation).toEqual({
      deviations: 1,
      confidence: '95',
      tolerable_rate: '10',
      upper_deviation_limit: expected.upperLimit,
      within_tolerable: expected.withinTolerable,
    });
    expect(record.control).toBe(
      `${CONTROL_LIBRARY.find((c) => c.id === 'decisions-follow-policy')?.title} (decisions-follow-policy)`,
    );
    const conclusions = buildDraft({ ...source, samples: [{ sample, items: [] }] }, { createdAt: '', preparer: '' })
      .conclusions as { control: string; note: string }[];
    expect(conclusions.find((c) => c.control.endsWith('(decisions-follow-policy)'))?.note).toBe(
      'No exception in 25 items. Samples: sample "Q2 decisions" does not support reliance on the control.',
    );
  });

  it('no signature without the archive file’s and the manifest’s hashes', () => {
    expect(signingBlocker(source)).toBeNull();
    const { fileSha256: _gone, ...older } = source.archive;
    expect(signingBlocker({ ...source, archive: older })).toMatch(/archive file’s SHA-256 is not known/);
    expect(signingBlocker({ ...source, manifestSha256: undefined })).toMatch(/manifest’s SHA-256 is not known/);
    expect(signingBlocker({ ...source, manifestSha256: null })).toBeNull();
  });

  it('names the exported files after the archive', () => {
    expect(exportNames('demo.zip')).toEqual({ envelope: 'demo-workpaper.jsonl', pdf: 'demo-workpaper.pdf' });
    expect(exportNames('Q3 evidence.ZIP').pdf).toBe('Q3 evidence-workpaper.pdf');
    expect(exportNames('.zip').pdf).toBe('archive-workpaper.pdf');
  });
});
