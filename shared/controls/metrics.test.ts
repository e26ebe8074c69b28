/**
 * Control metrics: the population each control is tested over, counted receipt by receipt,
 * and its exceptions from the findings, per month; the same in a worker pool as in one pass.
 * Expected values are computed here from the receipts with plain filters, not with the
 * collector's bits.
 */
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { nodeCedar } from '../../cli/cedar-node.ts';
import { verifyPath } from '../../cli/commands/verify.ts';
import { nodeCryptoSigner } from '../../cli/commands/demo.ts';
import { INTEGRITY_CODES, finding, sortFindings, type Finding, type IntegrityCode } from '../engine/findings.ts';
import { hashOf } from '../format/hash.ts';
import { makeDemoArchive } from '../producer/demo.ts';
import { zipFiles } from '../producer/zip.ts';
import {
  APPROVER_KEY,
  buildLedger,
  resolveBundle,
  runChecks,
  testArchive,
  testBundleBody,
  type FixtureRecord,
  type ReceiptSpec,
  PAYMENT,
} from './fixtures.test-helper.ts';
import { controlChecks } from './index.ts';
import { CONTROL_IDS, type ControlId } from './library.ts';
import { createMetricsCollector, type ControlMetric, type ControlMetricsReport } from './metrics.ts';
import { runCheckInSegments, splitAt } from './parallel.test-helper.ts';

const withSlo = resolveBundle(testBundleBody({ version: 1, slo: { p99_latency_ms: 1000 } }));
const noSlo = resolveBundle(testBundleBody({ version: 2, slo: {}, approval_required: [] }));
const BUNDLES = [withSlo, noSlo];
const archive = testArchive(BUNDLES);
const ALICE = hashOf('subject alice');

const payment = PAYMENT;
const share = (recipient: string): ReceiptSpec => ({
  agent: { id: 'crm-01', role: 'data_processor', tier: 2 },
  request: {
    principal: { type: 'Agent', id: 'crm-01' },
    action: { type: 'Action', id: 'data.share' },
    resource: { type: 'Recipient', id: recipient },
  },
  entities: [
    { uid: { type: 'Agent', id: 'crm-01' }, attrs: { role: 'data_processor', tier: 2 }, parents: [] },
    { uid: { type: 'Recipient', id: recipient }, attrs: { approved: true }, parents: [] },
  ],
  data: { tier: 2, personal: ['email'], subjects: [ALICE], recipient },
  decision: { policies: ['share-approved'] },
});
const deniedExport: ReceiptSpec = {
  request: { action: { type: 'Action', id: 'db.export' } },
  decision: { effect: 'deny', policies: ['no-export'] },
  exec: { status: 'blocked' },
};
const at = (ts: string, spec: ReceiptSpec = {}): ReceiptSpec => ({ ...spec, ts });
const txn = (id: string, step: number, end: 'commit' | 'abort' | null): ReceiptSpec['txn'] => ({ id, step, end });

/** Two ledgers over April, May and July 2026 (no June), one receipt per case. */
function fixture(): FixtureRecord[] {
  const a = buildLedger(
    'A',
    withSlo,
    [
      at('2026-04-03T10:00:00Z', { ...payment, approveWith: APPROVER_KEY }),
      // APPROVAL_MISSING: required, allowed, none.
      at('2026-04-04T10:00:00Z', payment),
      // APPROVAL_INVALID on a read, which needs no approval: outside the population.
      at('2026-04-05T10:00:00Z', { approveWith: APPROVER_KEY, tamperApproval: true }),
      // Under the bundle without approval_required nor SLO: allowed payments.release not in the population.
      at('2026-04-06T10:00:00Z', { ...payment, decision: { ...payment.decision, bundle: noSlo.hash } }),
      at('2026-04-30T23:59:59.999999Z', deniedExport),
      // DENIED_BUT_EXECUTED.
      at('2026-05-01T00:00:00Z', { ...deniedExport, exec: { status: 'ok' } }),
      // TIER_VIOLATION.
      at('2026-05-02T00:00:00Z', { data: { tier: 1 } }),
      // DECISION_MISMATCH: recorded as decided by `search`, Cedar says `tier-read`.
      at('2026-05-02T12:00:00Z', { decision: { policies: ['search'] } }),
      at('2026-05-03T00:00:00Z', share('crm.example.com')),
      // RECIPIENT_UNAPPROVED.
      at('2026-05-04T00:00:00Z', share('pastebin.example.org')),
      // Blocked: not a disclosure, not in the population.
      at('2026-05-05T00:00:00Z', { ...share('pastebin.example.org'), exec: { status: 'blocked' } }),
      // Slower than withSlo's 1000 ms.
      at('2026-07-01T00:00:00Z', { exec: { latency_ms: 5000 } }),
    ],
    BUNDLES,
  );
  const b = buildLedger(
    'B',
    withSlo,
    [
      at('2026-04-10T00:00:00Z', { txn: txn('t1', 1, null) }),
      // TXN_STEP_GAP (step 2 missing) and, never ended, TXN_INCOMPLETE: one transaction.
      at('2026-05-10T00:00:00Z', { txn: txn('t1', 3, null) }),
      at('2026-05-11T00:00:00Z', { txn: txn('t2', 1, null), io: { input: hashOf('same'), output: hashOf('one') } }),
      // NONDETERMINISTIC_OUTPUT.
      at('2026-05-12T00:00:00Z', { txn: txn('t2', 2, 'commit'), io: { input: hashOf('same'), output: hashOf('two') } }),
      at('2026-07-02T00:00:00Z', { txn: txn('t3', 1, 'commit'), exec: { status: 'error' } }),
    ],
    BUNDLES,
  );
  return [...a, ...b];
}

async function metricsOf(records: readonly FixtureRecord[], extra: readonly Finding[] = []) {
  const findings = [...(await runChecks(controlChecks(nodeCedar), archive, records)), ...extra];
  const collector = createMetricsCollector();
  for (const { receipt, context } of records) collector.visit(receipt, context);
  expect(collector.finish()).toEqual([]);
  return { report: collector.metrics(findings), findings };
}

const MONTHS = ['2026-04', '2026-05', '2026-07'];
/** How many of `records` fall in each month of the fixture. */
const monthly = (records: readonly FixtureRecord[]) =>
  MONTHS.map((m) => records.filter((r) => r.receipt.ts.startsWith(m)).length);

const control = (report: ControlMetricsReport, id: ControlId): ControlMetric => {
  const found = report.controls.find((c) => c.id === id);
  if (!found) throw new Error(`no metric for ${id}`);
  return found;
};

/** Population and exceptions per month, by month name (months without either left out). */
function byMonth(report: ControlMetricsReport, id: ControlId): Record<string, [number, number]> {
  const metric = control(report, id);
  const out: Record<string, [number, number]> = {};
  report.months.forEach((month, i) => {
    const p = metric.byMonth.population[i] ?? 0;
    const e = metric.byMonth.exceptions[i] ?? 0;
    if (p > 0 || e > 0) out[month] = [p, e];
  });
  return out;
}

describe('control metrics', () => {
  it('counts each control’s population and exceptions per month, from receipts and findings', async () => {
    const records = fixture();
    const { report, findings } = await metricsOf(records);
    expect(new Set(findings.map((f) => f.code))).toEqual(
      new Set([
        'APPROVAL_MISSING',
        'APPROVAL_INVALID',
        'DENIED_BUT_EXECUTED',
        'TIER_VIOLATION',
        'DECISION_MISMATCH',
        'RECIPIENT_UNAPPROVED',
        'TXN_STEP_GAP',
        'TXN_INCOMPLETE',
        'NONDETERMINISTIC_OUTPUT',
        'SLO_BREACH',
      ]),
    );
    expect(report.months).toEqual(MONTHS);
    expect(report.receipts).toBe(records.length);
    expect(report.controls.map((c) => c.id)).toEqual([...CONTROL_IDS]);

    const approval = control(report, 'approval-of-elevated-actions');
    expect([approval.population, approval.exceptions]).toEqual([2, 1]);
    expect(byMonth(report, 'approval-of-elevated-actions')).toEqual({ '2026-04': [2, 1] });
    // The forged approval on a read is counted, but apart from the rate.
    expect(approval.codes).toEqual([
      {
        code: 'APPROVAL_MISSING',
        findings: 1,
        inPopulation: 1,
        byMonth: [1, 0, 0],
        outside: 0,
        notAtReceipt: 0,
        warnings: 0,
      },
      {
        code: 'APPROVAL_INVALID',
        findings: 1,
        inPopulation: 0,
        byMonth: [0, 0, 0],
        outside: 1,
        notAtReceipt: 0,
        warnings: 0,
      },
    ]);
    // One bundle does not require approval for payments.release: no explorer filter selects the population.
    expect(approval.explorer.parts).toBeNull();
    expect(approval.exceptionsFilter).toBeNull();

    const allowed = records.filter((r) => r.receipt.decision.effect === 'allow');
    const denied = records.filter((r) => r.receipt.decision.effect === 'deny');
    const ok = records.filter((r) => r.receipt.exec.status === 'ok');
    expect(byMonth(report, 'denied-actions-blocked')).toEqual({ '2026-04': [1, 0], '2026-05': [1, 1] });
    expect(control(report, 'denied-actions-blocked').population).toBe(denied.length);
    expect(control(report, 'denied-actions-blocked').exceptionsFilter).toEqual({ code: 'DENIED_BUT_EXECUTED' });
    expect(control(report, 'data-tier-segregation').population).toBe(allowed.length);
    expect(control(report, 'data-tier-segregation').exceptions).toBe(1);
    expect(control(report, 'data-tier-segregation').explorer).toEqual({
      parts: [{ filter: { effect: 'allow' }, total: allowed.length, byMonth: monthly(allowed) }],
    });
    expect(control(report, 'deterministic-outputs').population).toBe(ok.length);
    expect(control(report, 'deterministic-outputs').byMonth).toEqual({
      population: monthly(ok),
      exceptions: [0, 1, 0],
    });

    // Sent personal data to a named recipient and ran: two; one unapproved. The blocked one
    // also has personal data and a recipient, so `personal=any&status=ok` is exact here.
    const recipient = control(report, 'personal-data-approved-recipients');
    expect([recipient.population, recipient.exceptions]).toEqual([2, 1]);
    expect(recipient.explorer).toEqual({
      parts: [{ filter: { personal: 'any', status: 'ok' }, total: 2, byMonth: [0, 2, 0] }],
    });

    // Three transactions of B, and every receipt of A is a transaction of its own.
    const transactions = control(report, 'transactions-complete');
    const distinct = new Set(records.map((r) => `${r.context.ledger} ${r.receipt.txn.id}`));
    expect(transactions.population).toBe(distinct.size);
    expect(transactions.unit).toBe('transactions');
    // t1 has a gap and never ends: one transaction, in the month of its first step (April).
    expect(transactions.exceptions).toBe(1);
    expect(transactions.byMonth.exceptions).toEqual([1, 0, 0]);
    expect(transactions.codes.map((c) => [c.code, c.findings, c.inPopulation])).toEqual([
      ['TXN_INCOMPLETE', 1, 1],
      ['TXN_STEP_GAP', 1, 1],
    ]);
    expect(transactions.explorer.parts).toBeNull();

    // Latency: receipts under the bundle with an objective; the one at 5,000 ms is slower.
    const slo = control(report, 'latency-within-slo');
    const underSlo = records.filter((r) => r.context.bundle === withSlo);
    expect([slo.population, slo.exceptions, slo.exceptionsAre]).toEqual([underSlo.length, 1, 'slower-receipts']);
    expect(slo.byMonth).toEqual({ population: monthly(underSlo), exceptions: [0, 0, 1] });
    // 1 of 16 slower is more than 1%: the bundle's p99 breaches its objective, a finding about no receipt.
    expect(slo.codes).toEqual([
      {
        code: 'SLO_BREACH',
        findings: 1,
        inPopulation: 0,
        byMonth: [0, 0, 0],
        outside: 0,
        notAtReceipt: 1,
        warnings: 0,
      },
    ]);
    expect(slo.explorer.parts).toBeNull();
    expect(slo.exceptionsFilter).toBeNull();

    // Every receipt re-evaluated (both bundles' policies are usable); one mismatch.
    const decisions = control(report, 'decisions-follow-policy');
    expect([decisions.population, decisions.exceptions]).toEqual([records.length, 1]);
    expect(decisions.explorer.parts?.[0]?.filter).toEqual({});

    const integrity = control(report, 'evidence-integrity');
    expect([integrity.population, integrity.exceptions]).toEqual([records.length, 0]);
    expect(integrity.exceptionsFilter).toEqual({ category: 'integrity' });
  });

  it('a receipt with two findings of one control counts once; findings at no receipt are counted apart', async () => {
    const records = fixture();
    const r = records[2] as FixtureRecord;
    const where = { path: r.context.path, line: r.context.line, ledger: r.context.ledger, seq: r.receipt.seq };
    const extra = [
      finding('SIGNATURE_INVALID', 'bad signature', where),
      finding('RECORD_NONCANONICAL', 'not canonical', where),
      // Placed by ledger and seq, as the explorer places it (a checkpoint's line is no receipt's).
      finding('CHECKPOINT_MISMATCH', 'does not match', {
        path: 'ledgers/A/checkpoints.jsonl',
        line: 1,
        ledger: 'A',
        seq: r.receipt.seq,
      }),
      // A line of a segment that is not a readable receipt: never placed at another receipt by seq.
      finding('RECORD_MALFORMED', 'not JSON', { path: r.context.path, line: 999, ledger: 'A', seq: 1 }),
      finding('MANIFEST_MISSING', 'no manifest'),
    ];
    const { report } = await metricsOf(records, extra);
    const integrity = control(report, 'evidence-integrity');
    expect(integrity.exceptions).toBe(1);
    expect(integrity.byMonth.exceptions).toEqual([1, 0, 0]);
    expect(integrity.exceptionsFilter).toEqual({ category: 'integrity' });
    expect(integrity.codes.map((c) => [c.code, c.findings, c.inPopulation, c.notAtReceipt])).toEqual(
      [
        ['MANIFEST_MISSING', 1, 0, 1],
        ['RECORD_MALFORMED', 1, 0, 1],
        ['SIGNATURE_INVALID', 1, 1, 0],
        ['CHECKPOINT_MISMATCH', 1, 1, 0],
        ['RECORD_NONCANONICAL', 1, 1, 0],
      ].sort((a, b) => INTEGRITY_CODES.indexOf(a[0] as IntegrityCode) - INTEGRITY_CODES.indexOf(b[0] as IntegrityCode)),
    );
  });

  it('a warning at a receipt (an unsealed tail) is a note, not an exception', async () => {
    const records = fixture();
    const r = records.at(-1) as FixtureRecord;
    const where = { path: r.context.path, line: r.context.line, ledger: r.context.ledger, seq: r.receipt.seq };
    const { report } = await metricsOf(records, [finding('CHAIN_UNSEALED', 'not sealed', where)]);
    const integrity = control(report, 'evidence-integrity');
    expect(integrity.exceptions).toBe(0);
    expect(integrity.codes.map((c) => [c.code, c.findings, c.inPopulation, c.warnings])).toEqual([
      ['CHAIN_UNSEALED', 1, 0, 1],
    ]);
    // The explorer's category filter would list that receipt too.
    expect(integrity.exceptionsFilter).toBeNull();
  });

  it('receipts under a bundle whose policies do not parse leave the decision population', async () => {
    const records = fixture();
    const unparsable = finding('POLICY_INVALID', 'does not parse', { path: noSlo.path }, { bundle: noSlo.hash });
    const { report } = await metricsOf(records, [unparsable]);
    const underNoSlo = records.filter((r) => r.context.bundle === noSlo).length;
    expect(underNoSlo).toBe(1);
    const decisions = control(report, 'decisions-follow-policy');
    expect(decisions.population).toBe(records.length - underNoSlo);
    expect(decisions.explorer.parts).toBeNull();
  });

  it('the demo: approval population and exceptions equal plain counts over the receipts', async () => {
    const demo = await makeDemoArchive({
      cedar: nodeCedar,
      receipts: 600,
      receiptsPerSegment: 100,
      sign: nodeCryptoSigner(),
    });
    const dir = mkdtempSync(join(tmpdir(), 'tickmark-metrics-'));
    const zip = join(dir, 'demo.zip');
    writeFileSync(zip, zipFiles(demo.files));
    const run = async (workers: number) => {
      const collector = createMetricsCollector();
      const report = await verifyPath(
        zip,
        {
          trustedRoots: [demo.rootPublicKey],
          controls: [...controlChecks(nodeCedar), () => collector],
          segmentRunnerMinBytes: 0,
        },
        { workers },
      );
      return { report, metrics: collector.metrics(report.findings) };
    };
    const [one, pool] = await Promise.all([run(1), run(3)]);
    expect(one.report.checks.map((c) => c.check)).toContain('Segments checked by this thread');
    expect(pool.report.checks.map((c) => c.check).some((c) => /pool of 3 worker/.test(c))).toBe(true);
    expect(pool.metrics).toEqual(one.metrics);

    // Plain counts over the stored receipts and the report's findings.
    const decoder = new TextDecoder();
    const receipts = [...demo.files.entries()]
      .filter(([path]) => /^ledgers\/[^/]+\/\d{6}\.jsonl$/.test(path))
      .flatMap(([, bytes]) => decoder.decode(bytes).split('\n').filter(Boolean))
      .map(
        (line) =>
          JSON.parse(line) as {
            id: string;
            ts: string;
            decision: { effect: string };
            request: { action: { id: string } };
          },
      );
    const required = receipts.filter(
      (r) => r.decision.effect === 'allow' && r.request.action.id === 'payments.release',
    );
    const approvalFindings = one.report.findings.filter((f) => f.code.startsWith('APPROVAL_'));
    const approval = control(one.metrics, 'approval-of-elevated-actions');
    expect(approval.population).toBe(required.length);
    expect(approval.exceptions).toBe(new Set(approvalFindings.map((f) => f.receipt)).size);
    expect(approval.exceptions).toBeGreaterThan(0);
    expect(approval.explorer).toEqual({
      parts: [
        {
          filter: { effect: 'allow', action: 'payments.release' },
          total: required.length,
          byMonth: one.metrics.months.map((m) => required.filter((r) => r.ts.startsWith(m)).length),
        },
      ],
    });
    expect(one.metrics.receipts).toBe(receipts.length);
    // Every planted control failure is an exception of its control.
    for (const planted of demo.plantedFailures) {
      const owner = one.metrics.controls.find((c) => c.codes.some((k) => k.code === planted.code));
      expect([planted.code, (owner?.exceptions ?? 0) > 0]).toEqual([planted.code, true]);
    }
  }, 120_000);

  it('any split into segments gives the metrics of one pass', async () => {
    const pool = fixture();
    const findings = sortFindings(await runChecks(controlChecks(nodeCedar), archive, pool));
    const reference = createMetricsCollector();
    for (const { receipt, context } of pool) reference.visit(receipt, context);
    const expected = reference.metrics(findings);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: pool.length + 2 }), { maxLength: 8 }), async (cuts) => {
        const { folded } = await runCheckInSegments(createMetricsCollector, splitAt(pool, cuts));
        expect(folded?.metrics(findings)).toEqual(expected);
      }),
      { numRuns: 30 },
    );
  });

  it('a receipt projects to under 200 bytes', () => {
    const [plain] = buildLedger('gw-eu-1', withSlo, [{ txn: txn('tx_0f3a9c2e71d4b85a', 1, 'commit') }], BUNDLES);
    if (!plain) throw new Error('fixture did not build');
    const size = serialize(createMetricsCollector().project?.(plain.receipt, plain.context)).length;
    console.info(`metrics projection: ${size} bytes`);
    expect(size).toBeLessThan(200);
  });
});
