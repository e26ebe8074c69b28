/**
 * The sampling screens' logic on a real archive: the population a query selects, the draw
 * (equal to a re-performance with node:crypto's SHA-256 alone and to `tickmark sample` on
 * the same archive file, for every receipt, a filter, and strata), a larger draw keeping
 * the earlier items and their results, the automated attribute, the evaluation and what
 * may be concluded, the default seed, the firm table's confidences, the CSV.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeCedar } from '../../../cli/cedar-node.ts';
import { engineOptions } from '../../../cli/engine-options.ts';
import { main } from '../../../cli/main.ts';
import { memorySource } from '../../../shared/archive/memory.ts';
import type { RecordRead, VerifyReport } from '../../../shared/engine/types.ts';
import { verifyArchive } from '../../../shared/engine/verify.ts';
import { makeDemoArchive } from '../../../shared/producer/demo.ts';
import { zipFiles } from '../../../shared/producer/zip.ts';
import { evaluateSample } from '../../../shared/sampling/attribute.ts';
import { ReceiptSchema, validate } from '../../../shared/format/schema.ts';
import type { SampleItemRow } from '../../store/db.ts';
import type { Sample, SampleAttribute, SampleStratum } from '../../store/samples.ts';
import { ColumnBuilder } from '../../workers/receipt-columns.ts';
import {
  buildReceiptTable,
  localRow,
  receiptIdOf,
  transactionRows,
  txnOf,
  type ReceiptTable,
} from '../../workers/receipt-table.ts';
import { controlById } from './controls.ts';
import { drawSample, type DrawResult } from './draw.ts';
import { conclusionProblem, evaluate, itemState } from './evaluation.ts';
import { checkFirmTable, DEFAULT_FIRM_TABLE, firmTableFrom, zeroDeviationConfidence } from './firm-table.ts';
import { attributesFor, automatedResult, CONTROL_CHECKS, extendItems, itemRows, strataOf } from './items.ts';
import { populationRows } from './population.ts';
import { cliCommand, completenessOf, completenessWarnings, methodText } from './record.ts';
import { populationCsv, sampleCsv } from './sample-csv.ts';
import { defaultSeed } from './seed.ts';

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

let dir: string;
let zip: string;
let table: ReceiptTable;
let report: VerifyReport;
/** Every stored line, parsed where it can be: what a re-performer reads from the archive alone. */
let lines: { hash: string; id: string | null; ledger: string; agent?: string; action?: string }[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickmark-sampling-'));
  const demo = await makeDemoArchive({
    cedar: nodeCedar,
    receipts: 1600,
    seed: 'sampling-ui',
    receiptsPerSegment: 250,
  });
  // Two lines that are not receipts: in the population (each has a hash), in no agent or
  // action stratum. The second is JSON with an agent and an action but not a valid receipt:
  // app and command line alike leave it out of strata (one rule: the verifier's schema).
  const path = 'ledgers/gw-eu-1/000002.jsonl';
  const segment = new TextDecoder().decode(demo.files.get(path));
  const lookalike = JSON.stringify({
    agent: { id: 'support-07' },
    id: 'rc_lookalike',
    request: { action: { id: 'db.read' } },
  });
  demo.files.set(path, new TextEncoder().encode(segment.replace('\n', `\nnot a receipt\n${lookalike}\n`)));
  zip = join(dir, 'demo.zip');
  await writeFile(zip, zipFiles(demo.files));
  lines = [];
  for (const ledger of ['gw-eu-1', 'gw-us-1'])
    for (const p of [...demo.files.keys()]
      .filter((k) => k.startsWith(`ledgers/${ledger}/`) && /\d{6}\.jsonl$/.test(k))
      .sort())
      for (const line of new TextDecoder().decode(demo.files.get(p)).split('\n').filter(Boolean)) {
        let parsed: { id?: string; agent?: { id: string }; request?: { action: { id: string } } } = {};
        try {
          parsed = JSON.parse(line) as typeof parsed;
        } catch {
          // not a receipt
        }
        // Only a valid receipt has an id, an agent and an action (as the verifier reads it).
        const valid = validate(ReceiptSchema, parsed).ok;
        lines.push({
          hash: `sha256:${sha(line)}`,
          id: valid ? (parsed.id ?? null) : null,
          ledger,
          agent: valid ? parsed.agent?.id : undefined,
          action: valid ? parsed.request?.action.id : undefined,
        });
      }

  const records: RecordRead[] = [];
  report = await verifyArchive(memorySource(demo.files, 'demo.zip'), {
    ...engineOptions(),
    trustedRoots: [demo.rootPublicKey],
    onRecord: (r) => void records.push(r),
  });
  const builder = new ColumnBuilder();
  for (const r of records) builder.add(r);
  builder.flush();
  const { blocks, dictionaries, rowsByLedger } = builder.finish();
  table = buildReceiptTable(blocks, dictionaries, rowsByLedger, report.findings);
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

/** FORMAT.md §9 by hand, with node:crypto. */
function reperform(seed: string, size: number, population: typeof lines) {
  return population
    .map((l) => ({ ...l, score: sha(`${seed}\n${l.hash}`) }))
    .sort((a, b) => (a.score < b.score ? -1 : a.score > b.score ? 1 : a.hash < b.hash ? -1 : 1))
    .slice(0, size);
}

interface CliSample {
  population: number;
  items: { receipt: string | null; hash: string; score: string }[];
  strata?: { stratum: string; seed: string; population: number; items: { hash: string; score: string }[] }[];
}

async function cli(...args: string[]): Promise<CliSample> {
  let stdout = '';
  let stderr = '';
  const code = await main(['sample', zip, ...args, '--json'], {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
  });
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout) as CliSample;
}

async function app(query: string, seed: string, size: number, stratify: 'ledger' | 'agent' | 'action' | null = null) {
  const population = populationRows(table, query);
  if (!population.ok) throw new Error(population.message);
  const drawn = await drawSample(table, population.rows, { seed, size, stratify }, { slice: 300 });
  if (!drawn.ok) throw new Error(drawn.message);
  return drawn;
}

describe('the draw equals plain SHA-256 and tickmark sample', () => {
  it('every receipt, size 25', async () => {
    const seed = 'checkpoints gw-eu-1#800=sha256:00 gw-us-1#800=sha256:11';
    const drawn = await app('', seed, 25);
    expect(lines.length).toBe(1602);
    expect(drawn.population).toBe(lines.length);
    const expected = reperform(seed, 25, lines);
    expect(drawn.items.map((i) => [i.hash, i.score, i.receiptId])).toEqual(
      expected.map((l) => [l.hash, l.score, l.id ?? '']),
    );
    const out = await cli('--seed', seed, '--size', '25');
    expect(out.population).toBe(drawn.population);
    expect(out.items.map((i) => [i.hash, i.score, i.receipt ?? ''])).toEqual(
      drawn.items.map((i) => [i.hash, i.score, i.receiptId]),
    );
  });

  it('a saved filter by ledger and action, as the command line filters', async () => {
    const drawn = await app('ledger=gw-us-1&action=db.read', 'q3', 12);
    const population = lines.filter((l) => l.ledger === 'gw-us-1' && l.action === 'db.read');
    expect(drawn.population).toBe(population.length);
    expect(drawn.items.map((i) => i.hash)).toEqual(reperform('q3', 12, population).map((l) => l.hash));
    const out = await cli('--seed', 'q3', '--size', '12', '--ledger', 'gw-us-1', '--action', 'db.read');
    expect(out.population).toBe(population.length);
    expect(out.items.map((i) => i.hash)).toEqual(drawn.items.map((i) => i.hash));
    for (const item of drawn.items) {
      expect(item.ledger).toBe('gw-us-1');
      expect(Number.isInteger(item.seq)).toBe(true);
    }
  });

  it('stratified by action: each stratum with seed/stratum; the line that is no receipt is in none', async () => {
    const drawn = await app('', 'strata', 3, 'action');
    expect(drawn.leftOut).toBe(2);
    const out = await cli('--seed', 'strata', '--size', '3', '--stratify', 'action');
    expect(out.population).toBe(drawn.population);
    expect(drawn.strata.map((s) => [s.name, s.seed, s.population, s.items.map((i) => i.hash)])).toEqual(
      (out.strata ?? []).map((s) => [s.stratum, s.seed, s.population, s.items.map((i) => i.hash)]),
    );
    for (const s of drawn.strata) {
      const population = lines.filter((l) => l.action === s.name);
      expect(s.items.map((i) => i.hash)).toEqual(reperform(`strata/${s.name}`, 3, population).map((l) => l.hash));
    }
    expect(drawn.items.map((i) => i.hash)).toEqual(drawn.strata.flatMap((s) => s.items.map((i) => i.hash)));
  });

  it('stratified by ledger equals the command line too', async () => {
    const drawn = await app('action=kb.search', 'L', 4, 'ledger');
    const out = await cli('--seed', 'L', '--size', '4', '--stratify', 'ledger', '--action', 'kb.search');
    expect(drawn.strata.map((s) => s.items.map((i) => i.hash))).toEqual(
      (out.strata ?? []).map((s) => s.items.map((i) => i.hash)),
    );
  });

  it('WebCrypto’s SHA-256 and shared scoreOf give the same draw (plain and stratified)', async () => {
    const all = populationRows(table, '');
    if (!all.ok) throw new Error(all.message);
    expect(globalThis.crypto?.subtle).toBeDefined();
    for (const stratify of [null, 'agent'] as const) {
      const input = { seed: 'same ü', size: 7, stratify };
      const web = await drawSample(table, all.rows, input, { slice: 333, sha256: 'webcrypto' });
      const shared = await drawSample(table, all.rows, input, { slice: 333, sha256: 'shared' });
      expect(web.ok && shared.ok).toBe(true);
      expect(web).toEqual(shared);
    }
  });

  it('a larger sample keeps the earlier picks in order', async () => {
    const small = await app('', 'grow', 10);
    const large = await app('', 'grow', 40);
    expect(large.items.slice(0, 10)).toEqual(small.items);
  });

  it('refuses with a sentence: empty population, too large, a stratum too small, a bad seed', async () => {
    const none = populationRows(table, 'agent=nobody');
    expect(none.ok && none.rows.length).toBe(0);
    const empty = await drawSample(table, new Uint32Array(0), { seed: 's', size: 1, stratify: null });
    expect(!empty.ok && empty.message).toMatch(/population is empty/);
    const all = populationRows(table, '');
    if (!all.ok) throw new Error('population');
    const big = await drawSample(table, all.rows, { seed: 's', size: 5000, stratify: null });
    expect(!big.ok && big.message).toMatch(/more than the population \(1,?602 receipts\)/);
    const strata = await drawSample(table, all.rows, { seed: 's', size: 200, stratify: 'action' });
    expect(!strata.ok && strata.message).toMatch(/more than the population of action \S+ \(\d+ receipts\)/);
    for (const seed of ['', '  ', ' x'])
      expect((await drawSample(table, all.rows, { seed, size: 1, stratify: null })).ok).toBe(false);
    expect((await drawSample(table, all.rows, { seed: 's', size: 0, stratify: null })).ok).toBe(false);
  });

  it('a filter by a finding code selects the receipts the explorer lists', () => {
    const rows = populationRows(table, 'code=DECISION_MISMATCH');
    if (!rows.ok) throw new Error(rows.message);
    const expected = new Set(
      report.findings.filter((f) => f.code === 'DECISION_MISMATCH').map((f) => `${f.ledger}#${f.seq}`),
    );
    expect(rows.rows.length).toBeGreaterThan(0);
    expect(rows.rows.length).toBe(expected.size);
  });

  it('an import without line hashes cannot be sampled, and says so', () => {
    const older = { ...table, missing: ['hash'] } as unknown as ReceiptTable;
    const result = populationRows(older, '');
    expect(!result.ok && result.message).toMatch(/line hash.*import the archive again/);
  });
});

describe('items, automated attribute, extension', () => {
  const control = controlById('decisions-follow-policy');
  if (!control) throw new Error('control');
  const attributes = attributesFor(control, control.attributes);

  it('the engine attribute fails where the receipt has the code, passes elsewhere, is not checked without controls', async () => {
    const rows = populationRows(table, 'code=DECISION_MISMATCH');
    if (!rows.ok) throw new Error(rows.message);
    const row = rows.rows[0] as number;
    const id = (await app('code=DECISION_MISMATCH', 's', 1)).items[0]?.receiptId ?? '';
    const engine = attributes[0] as SampleAttribute;
    expect(automatedResult(table, row, id, engine, report.checks)).toEqual({
      checked: true,
      result: 'fail',
      codes: ['DECISION_MISMATCH'],
    });
    const other = automatedResult(table, row, id, { codes: ['SLO_BREACH'] }, report.checks);
    expect(other).toMatchObject({ checked: true, result: 'pass' });
    const notRun = report.checks.map((c) =>
      c.check === CONTROL_CHECKS ? { ...c, status: 'not checked' as const, reason: 'no controls' } : c,
    );
    expect(automatedResult(table, row, id, engine, notRun)).toMatchObject({
      checked: false,
      why: expect.stringMatching(/did not run.*no controls/),
    });
    expect(automatedResult(table, row, '', engine, report.checks)).toMatchObject({ checked: false });
  });

  it('a control over transactions looks at every receipt of the transaction; integrity codes at the line', async () => {
    const txnControl = controlById('transactions-complete');
    const integrity = controlById('evidence-integrity');
    if (!txnControl || !integrity) throw new Error('control');
    const [engine] = attributesFor(txnControl, []);
    expect(engine?.scope).toBe('transaction');
    const findingRows = [...table.rowFindings.entries()]
      .filter(([, list]) => list.some((i) => txnControl.codes.includes(table.findings[i]?.code as never)))
      .map(([r]) => r);
    expect(findingRows.length).toBeGreaterThan(0);
    const r = findingRows[0] as number;
    const txn = txnOf(table, r);
    const others = transactionRows(table, localRow(table, r).ledger, txn).filter((x) => x !== r);
    expect(others.length).toBeGreaterThan(0);
    for (const other of others)
      expect(
        automatedResult(table, other, receiptIdOf(table, other), engine as SampleAttribute, report.checks),
      ).toMatchObject({
        checked: true,
        result: 'fail',
      });
    // The line that is not a receipt: no control saw it, but its integrity findings are on it.
    const all = populationRows(table, '');
    if (!all.ok) throw new Error(all.message);
    const bad = [...all.rows].find((x) => receiptIdOf(table, x) === '') as number;
    const [integrityAttribute] = attributesFor(integrity, []);
    expect(automatedResult(table, bad, '', integrityAttribute as SampleAttribute, report.checks)).toMatchObject({
      checked: true,
      result: 'fail',
    });
  });

  it('item rows: the engine result filled, manual ones empty; the line that is no receipt not checked', async () => {
    const drawn = await app('', 'rows', 1602);
    const items = itemRows(table, drawn.items, attributes, report.checks);
    expect(items.map((i) => i.index)).toEqual(items.map((_, k) => k));
    const bad = items.filter((i) => i.receiptId === '');
    expect(bad).toHaveLength(2);
    for (const b of bad)
      expect(b.results).toEqual({ engine: null, 'policy-approved-change': null, 'policy-reflects-intent': null });
    const failing = items.filter((i) => i.results.engine === 'fail');
    expect(failing.length).toBe(
      new Set(report.findings.filter((f) => f.code === 'DECISION_MISMATCH').map((f) => `${f.ledger}#${f.seq}`)).size,
    );
    expect(items.filter((i) => i.results.engine === 'pass').length).toBe(1602 - 2 - failing.length);
  });

  it('a larger draw keeps the earlier items with their results and notes, per stratum', async () => {
    const small = await app('', 'ext', 3, 'ledger');
    const old = itemRows(table, small.items, attributes, report.checks).map((i) => ({
      ...i,
      sampleId: 1,
      results: { ...i.results, 'policy-approved-change': 'pass' as const },
      note: `seen ${i.index}`,
    }));
    const large = await app('', 'ext', 5, 'ledger');
    const fresh = itemRows(table, large.items, attributes, report.checks);
    const extended = extendItems(old, strataOf(small.strata), fresh, strataOf(large.strata), attributes);
    if (!extended.ok) throw new Error(extended.message);
    expect(extended.kept).toBe(6);
    // Stratum 1 is items 0-4, stratum 2 items 5-9; each keeps its first three.
    expect(extended.items.map((i) => i.note)).toEqual([
      'seen 0',
      'seen 1',
      'seen 2',
      '',
      '',
      'seen 3',
      'seen 4',
      'seen 5',
      '',
      '',
    ]);
    expect(extended.items[6]?.results['policy-approved-change']).toBe('pass');
    expect(extended.items[8]?.results['policy-approved-change']).toBeNull();

    const otherSeed = itemRows(table, (await app('', 'not-ext', 5, 'ledger')).items, attributes, report.checks);
    const refused = extendItems(old, strataOf(small.strata), otherSeed, strataOf(large.strata), attributes);
    expect(!refused.ok && refused.message).toMatch(/population has changed/);
  });
});

describe('evaluation', () => {
  const attributes: SampleAttribute[] = [
    { id: 'engine', text: 'e', kind: 'automated', codes: ['X'] },
    { id: 'm', text: 'm', kind: 'manual' },
  ];
  const one: SampleStratum[] = [{ name: '', seed: 's', population: 1000, first: 0, count: 59 }];
  type Result = 'pass' | 'fail' | 'not-applicable' | null;
  const items = (results: Result[][]): Pick<SampleItemRow, 'index' | 'results'>[] =>
    results.map(([engine, m], index) => ({ index, results: { engine: engine ?? null, m: m ?? null } }));

  it('item states', () => {
    expect(itemState({ engine: 'fail', m: null }, attributes)).toBe('deviation');
    expect(itemState({ engine: 'pass', m: null }, attributes)).toBe('untested');
    expect(itemState({ engine: 'pass' }, attributes)).toBe('untested');
    expect(itemState({ engine: 'not-applicable', m: 'not-applicable' }, attributes)).toBe('not-applicable');
    expect(itemState({ engine: 'pass', m: 'not-applicable' }, attributes)).toBe('not-applicable');
    expect(itemState({ engine: 'not-applicable', m: 'pass' }, attributes)).toBe('no-deviation');
    expect(itemState({ engine: 'fail', m: 'not-applicable' }, attributes)).toBe('deviation');
    const engineOnly = attributes.slice(0, 1);
    expect(itemState({ engine: 'not-applicable' }, engineOnly)).toBe('not-applicable');
    expect(itemState({ engine: 'pass' }, engineOnly)).toBe('no-deviation');
  });

  it('59 items, no deviation, at 95% and 5%: supports reliance, with evaluateSample’s limit', () => {
    const e = evaluate(items(Array.from({ length: 59 }, () => ['pass', 'pass'])), one, attributes, '95', '5');
    expect(e.outcome).toBe('supports');
    expect(e.strata[0]?.evaluation).toEqual(evaluateSample(59, 0, '95', '5'));
    expect(e.sentence).toContain(`${evaluateSample(59, 0, '95', '5').upperLimit}%`);
    expect(conclusionProblem('supports', e)).toBeNull();
    expect(conclusionProblem('does-not-support', e)).toBeNull();
  });

  it('58 items tested: incomplete; one deviation among 59 does not support at 5%', () => {
    const partial = items([...Array.from({ length: 58 }, (): Result[] => ['pass', 'pass']), ['pass', null]]);
    const e = evaluate(partial, one, attributes, '95', '5');
    expect(e.outcome).toBe('incomplete');
    expect(e.untested).toBe(1);
    expect(conclusionProblem('supports', e)).toMatch(/every item is tested/);
    expect(conclusionProblem('does-not-support', e)).toMatch(/nothing found so far/);
    const failing = items([
      ['fail', null],
      ['pass', null],
      ...Array.from({ length: 57 }, () => ['pass', 'pass'] as ['pass', 'pass']),
    ]);
    const f = evaluate(failing, one, attributes, '95', '5');
    // A failed attribute makes the item a deviation whatever the others show.
    expect(f.deviations).toBe(1);
    expect(f.untested).toBe(1);
    // One deviation in 59 already exceeds 5% whatever the untested item shows.
    expect(f.outcome).toBe('does-not-support');
    expect(f.strata[0]?.alreadyExceeds).toBe(true);
    expect(conclusionProblem('supports', f)).toMatch(/does not support/);
  });

  it('a sample too small to support reliance says so before any item is tested', () => {
    const small: SampleStratum[] = [{ name: '', seed: 's', population: 1000, first: 0, count: 3 }];
    const e = evaluate(
      items([
        ['pass', null],
        ['pass', null],
        ['pass', null],
      ]),
      small,
      attributes,
      '95',
      '5',
    );
    expect(e.outcome).toBe('does-not-support');
    expect(e.sentence).toMatch(/3 items cannot bring .* even with no deviation/);
  });

  it('not applicable items are left out of the evaluated size', () => {
    const list = items([
      ['not-applicable', 'not-applicable'],
      ...Array.from({ length: 58 }, () => ['pass', 'pass'] as ['pass', 'pass']),
    ]);
    const e = evaluate(list, one, attributes, '95', '5');
    expect(e.strata[0]?.evaluated).toBe(58);
    expect(e.strata[0]?.evaluation).toEqual(evaluateSample(58, 0, '95', '5'));
    // 58 items at 95% confidence do not reach 5%: 59 is the smallest size.
    expect(e.outcome).toBe('does-not-support');
  });

  it('stratified: every stratum must support; the basis changes with the results', () => {
    const two: SampleStratum[] = [
      { name: 'a', seed: 's/a', population: 100, first: 0, count: 29 },
      { name: 'b', seed: 's/b', population: 100, first: 29, count: 29 },
    ];
    const pass = Array.from({ length: 58 }, () => ['pass', 'pass'] as ['pass' | 'fail', 'pass']);
    const good = evaluate(items(pass), two, attributes, '95', '10');
    expect(good.outcome).toBe('supports');
    expect(good.sentence).toMatch(/in stratum a.*in stratum b/);
    pass[40] = ['fail', 'pass'];
    const bad = evaluate(items(pass), two, attributes, '95', '10');
    expect(bad.outcome).toBe('does-not-support');
    expect(bad.sentence).toMatch(/in stratum b/);
    expect(bad.basis).not.toBe(good.basis);
  });
});

describe('firm table', () => {
  it('the confidence of n items with no deviation, exact and truncated', () => {
    expect(zeroDeviationConfidence(1, '5')).toBe('5');
    expect(zeroDeviationConfidence(2, '50')).toBe('75');
    // 1 − 0.95^59 = 0.95151…; 1 − 0.9^29 = 0.95289…
    expect(zeroDeviationConfidence(59, '5')).toBe('95.15');
    expect(zeroDeviationConfidence(29, '10')).toBe('95.28');
    expect(zeroDeviationConfidence(59, '5', 10)).toBe(String(Math.trunc((1 - 0.95 ** 59) * 1e12) / 1e10));
    // Truncated, never rounded up: 1 − 0.9^3 = 0.271 exactly; 1 − 0.99^1 = 1%.
    expect(zeroDeviationConfidence(3, '10')).toBe('27.1');
    expect(zeroDeviationConfidence(1, '1', 0)).toBe('1');
    expect(zeroDeviationConfidence(2, '33.3', 1)).toBe('55.5');
    expect(() => zeroDeviationConfidence(0, '5')).toThrow(/at least 1/);
    expect(() => zeroDeviationConfidence(5, '0')).toThrow(/above 0/);
    expect(() => zeroDeviationConfidence(5, 'x')).toThrow(/percentage/);
  });

  it('the default rows, and an edited table checked', () => {
    expect(DEFAULT_FIRM_TABLE.map((r) => `${r.frequency} ${r.min}-${r.max}`)).toEqual([
      'Annual 1-1',
      'Quarterly 2-2',
      'Monthly 2-5',
      'Weekly 5-15',
      'Daily 20-40',
      'Many times a day 25-60',
    ]);
    expect(checkFirmTable([...DEFAULT_FIRM_TABLE]).ok).toBe(true);
    expect(checkFirmTable([{ frequency: ' ', min: 1, max: 1 }])).toMatchObject({ ok: false, row: 0 });
    expect(checkFirmTable([{ frequency: 'x', min: 3, max: 2 }])).toMatchObject({
      ok: false,
      message: expect.stringMatching(/smallest size is larger/),
    });
    expect(checkFirmTable([{ frequency: 'x', min: 1.5, max: 2 }])).toMatchObject({ ok: false });
    expect(checkFirmTable([{ frequency: 'x', min: 1, max: 1001 }])).toMatchObject({ ok: false });
    expect(
      checkFirmTable([
        { frequency: 'Daily', min: 1, max: 2 },
        { frequency: 'daily', min: 1, max: 2 },
      ]),
    ).toMatchObject({ ok: false, row: 1 });
    expect(checkFirmTable([])).toMatchObject({ ok: false });
    expect(firmTableFrom([{ frequency: 'Hourly', min: 30, max: 50 }])).toEqual([
      { frequency: 'Hourly', min: 30, max: 50 },
    ]);
    expect(firmTableFrom('nonsense')).toBe(DEFAULT_FIRM_TABLE);
    expect(firmTableFrom([{ frequency: 'x' }])).toBe(DEFAULT_FIRM_TABLE);
  });
});

describe('seed, completeness, method, CSV', () => {
  it('the default seed binds the verified checkpoint heads; says which ledgers it cannot bind', () => {
    const files = [
      {
        path: 'ledgers/a/checkpoints.jsonl',
        text: `{"head":"sha256:${'1'.repeat(64)}","ledger":"a","seq":10}\n{"head":"sha256:${'2'.repeat(64)}","ledger":"a","seq":20}\n`,
      },
      { path: 'ledgers/c/checkpoints.jsonl', text: 'nonsense\n' },
    ];
    const seed = defaultSeed(
      [
        { ledger: 'b', sealedSeq: null },
        { ledger: 'a', sealedSeq: 20 },
        { ledger: 'c', sealedSeq: 5 },
        { ledger: 'd', sealedSeq: 5 },
      ],
      files,
    );
    expect(seed.seed).toBe(`checkpoints a#20=sha256:${'2'.repeat(64)}`);
    expect(seed.unbound.map((u) => [u.ledger, u.why])).toEqual([
      ['b', 'no checkpoint of it was verified'],
      ['c', 'its checkpoint at seq 5 could not be read back'],
      ['d', 'its checkpoints file was not kept by this import'],
    ]);
    expect(defaultSeed([{ ledger: 'a', sealedSeq: null }], []).seed).toBeNull();
  });

  it('completeness evidence from the report; warnings when a ledger is not verified', () => {
    const evidence = completenessOf('demo.zip', report, { periodFrom: '2026-01-01', periodTo: '2026-12-31' });
    expect(evidence.ledgers.map((l) => l.ledger)).toEqual(['gw-eu-1', 'gw-us-1']);
    expect(evidence.coverage.sentence).toMatch(/Engagement period 2026-01-01 – 2026-12-31/);
    const warnings = completenessWarnings(evidence);
    // The added line broke gw-eu-1's chain and the manifest: the sample says so.
    expect(warnings.some((w) => w.startsWith('Ledger gw-eu-1 is'))).toBe(true);
    const clean = completenessWarnings({
      ...evidence,
      ledgers: evidence.ledgers.map((l) => ({ ...l, state: 'verified' as const })),
      checks: evidence.checks.map((c) => ({ check: c.check, status: 'ran' as const })),
    });
    expect(warnings.some((w) => w.startsWith('Not checked: '))).toBe(true);
    expect(clean).toEqual([]);
    expect(completenessOf('x', report, null).coverage.tone).toBe('not-set');
  });

  it('the method names the rule and the command that re-performs it, quoted for a shell', () => {
    expect(cliCommand('demo.zip', "it's", 25, null, 'ledger=gw-us-1&action=db.read')).toBe(
      `tickmark sample demo.zip --seed 'it'\\''s' --size 25 --ledger gw-us-1 --action db.read --json`,
    );
    expect(cliCommand('demo.zip', 's', 5, 'agent', '')).toBe(
      'tickmark sample demo.zip --seed s --size 5 --stratify agent --json',
    );
    expect(cliCommand('demo.zip', 's', 5, null, 'tier=2')).toBeNull();
    expect(methodText('s', 5, null, 'tier=2', 'demo.zip')).toMatch(/population export/);
    expect(methodText('s', 5, 'action', '', 'demo.zip')).toMatch(/seed \+ "\/" \+ the action/);
  });

  it('the CSV holds every item with its results, and the population every receipt', async () => {
    const control = controlById('decisions-follow-policy');
    if (!control) throw new Error('control');
    const attributes = attributesFor(control, [{ id: 'm', text: '=HYPERLINK("x")' }]);
    const drawn = (await app('', 'csv', 3)) as Extract<DrawResult, { ok: true }>;
    const items = itemRows(table, drawn.items, attributes, report.checks).map((i, k) => ({
      ...i,
      sampleId: 7,
      results: { ...i.results, m: k === 0 ? ('fail' as const) : null },
      note: k === 1 ? 'looked, "fine"\nsecond line' : '',
    }));
    const sample = {
      id: 7,
      seed: 'csv',
      details: { attributes, stratify: null, strata: strataOf(drawn.strata) },
    } as unknown as Sample;
    const text = sampleCsv(sample, items);
    const records = text.split('\r\n');
    expect(records[0]).toBe(
      `item,seed,ledger,seq,receipt id,hash,score,[engine] No ${control.codes.join(' or ')} finding on this receipt (engine),"'=HYPERLINK(""x"")",result,note`,
    );
    expect(records[1]).toContain(`1,csv,${drawn.items[0]?.ledger},`);
    expect(records[1]).toContain(`${drawn.items[0]?.hash},${drawn.items[0]?.score},pass,fail,deviation,`);
    expect(text).toContain('"looked, ""fine""\nsecond line"');
    expect(records.at(-1)).toBe('');

    const all = populationRows(table, 'ledger=gw-us-1');
    if (!all.ok) throw new Error(all.message);
    const population = populationCsv(table, all.rows, null).split('\r\n');
    expect(population.length).toBe(all.rows.length + 2);
    expect(population[0]).toBe('ledger,seq,receipt id,hash');
    expect(new Set(population.slice(1, -1).map((r) => r.split(',')[3]))).toEqual(
      new Set(lines.filter((l) => l.ledger === 'gw-us-1').map((l) => l.hash)),
    );
  });
});
