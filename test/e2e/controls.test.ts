/**
 * The control library and the control metrics on the built-in demo. Expected figures are
 * counted here, in Node, from the demo archive's receipts and from `tickmark verify --json`
 * (the CLI's findings), apart from the workbench: the numbers on screen must equal them,
 * month by month. A count's link lands on exactly the receipts it counts; an edited manual
 * attribute survives a reload; months outside the engagement's examination period and
 * months without population are marked; an archive stored without metrics says so.
 */
import { readFileSync } from 'node:fs';
import { strFromU8, unzipSync } from 'fflate';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { nodeCedar } from '../../cli/cedar-node.ts';
import { runVerify, verifyPath } from '../../cli/commands/verify.ts';
import { controlChecks } from '../../shared/controls/index.ts';
import { createMetricsCollector, type ControlMetricsReport } from '../../shared/controls/metrics.ts';
import type { Finding } from '../../shared/engine/findings.ts';
import { bigArchive } from './big-archive.ts';
import {
  archiveIdOf,
  demoJson,
  demoZip,
  dropArchiveField,
  openDemo,
  openWorkbench,
  screenshot,
  screenshotElement,
  seriousViolations,
  startImport,
  type Workbench,
} from './browser.ts';

interface DemoReceipt {
  readonly ledger: string;
  readonly seq: number;
  readonly id: string;
  readonly ts: string;
  readonly txn: { readonly id: string };
  readonly request: { readonly action: { readonly id: string } };
  readonly decision: { readonly effect: 'allow' | 'deny'; readonly bundle: string };
  readonly exec: { readonly status: string; readonly latency_ms: number };
  readonly data: { readonly personal: readonly string[]; readonly recipient: string | null };
}

interface Bundle {
  readonly approval_required?: readonly string[];
  readonly slo?: { readonly p99_latency_ms?: number };
}

/** The demo's receipts and bundles, read from the zip here. */
function readDemo(): { receipts: DemoReceipt[]; bundles: Map<string, Bundle> } {
  const files = unzipSync(readFileSync(demoZip));
  const receipts: DemoReceipt[] = [];
  const bundles = new Map<string, Bundle>();
  for (const [name, bytes] of Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (/^ledgers\/[^/]+\/\d{6}\.jsonl$/.test(name))
      for (const line of strFromU8(bytes).split('\n')) if (line !== '') receipts.push(JSON.parse(line) as DemoReceipt);
  }
  for (const path of Object.keys(files).filter((p) => p.startsWith('policies/')))
    bundles.set(path, (JSON.parse(strFromU8(files[path] as Uint8Array)) as { bundle: Bundle }).bundle);
  return { receipts, bundles };
}

/** `tickmark verify --json` on the demo, as the command line runs it. */
async function cliFindings(root: string): Promise<Finding[]> {
  let out = '';
  const code = await runVerify([demoZip, '--trust-root', root, '--json'], {
    stdout: (s) => void (out += s),
    stderr: () => undefined,
  });
  expect(code).toBe(1);
  return (JSON.parse(out) as { findings: Finding[] }).findings;
}

const MONTHS = ['2026-04', '2026-05', '2026-06'];
const BIG_RECEIPTS = 30_000;
const PERIOD = { from: '2026-05-01', to: '2026-09-30' };
const TREND = ['2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09'];

const section = (page: Page, id: string) => page.locator(`[data-testid="control-section"][data-control="${id}"]`);
const countOf = async (locator: Locator) => Number(await locator.getAttribute('data-count'));
const textOf = async (locator: Locator) => ((await locator.textContent()) ?? '').trim();

describe('control library and control metrics', () => {
  let wb: Workbench;
  let archiveId = '';
  const { receipts, bundles } = readDemo();
  let findings: Finding[] = [];
  /** Distinct receipts with a finding of one of `codes`, optionally only those `inPopulation`. */
  const withFindings = (codes: readonly string[], inPopulation: (r: DemoReceipt) => boolean = () => true) => {
    const ids = new Set(findings.filter((f) => codes.includes(f.code)).map((f) => `${f.ledger} ${f.seq}`));
    return receipts.filter((r) => ids.has(`${r.ledger} ${r.seq}`) && inPopulation(r));
  };
  const monthly = (list: readonly DemoReceipt[]) => MONTHS.map((m) => list.filter((r) => r.ts.startsWith(m)).length);

  // Both demo bundles require approval for payments.release (checked below) and set a 2,000 ms objective.
  const approvalActions = new Set([...bundles.values()].flatMap((b) => b.approval_required ?? []));
  const slos = new Set([...bundles.values()].map((b) => b.slo?.p99_latency_ms));
  const approvalPopulation = receipts.filter(
    (r) => r.decision.effect === 'allow' && approvalActions.has(r.request.action.id),
  );

  beforeAll(async () => {
    const root = (JSON.parse(readFileSync(demoJson, 'utf8')) as { rootPublicKey: string }).rootPublicKey;
    findings = await cliFindings(root);
    expect([...bundles.values()].map((b) => b.approval_required)).toEqual([['payments.release'], ['payments.release']]);
    expect([...slos]).toEqual([2000]);
    wb = await openWorkbench(inject('baseUrl'));
    const { page } = wb;
    // An engagement whose period starts after the demo's first month and ends after its last.
    await page.getByTestId('new-engagement').click();
    const form = page.getByTestId('engagement-form');
    await form.getByTestId('engagement-name').fill('Demo Corp SOC 2 Type II');
    await form.getByTestId('engagement-periodFrom').fill(PERIOD.from);
    await form.getByTestId('engagement-periodTo').fill(PERIOD.to);
    await form.getByTestId('engagement-periodTo').press('Enter');
    await page.getByTestId('engagement-form').waitFor({ state: 'detached' });
    archiveId = await openDemo(page);
  });
  afterAll(async () => {
    await wb?.close();
  });

  it('the library: approval of elevated actions shows the population and exceptions counted from the receipts and the CLI', async () => {
    const { page } = wb;
    await page.getByTestId('nav-controls').click();
    await page.getByTestId('controls-page').waitFor();
    expect(page.url()).toMatch(new RegExp(`#/archive/${archiveId}/controls$`));
    expect(await page.getByTestId('controls-evidence-warning').count()).toBe(0);
    const approval = section(page, 'approval-of-elevated-actions');
    const exceptions = withFindings(['APPROVAL_MISSING', 'APPROVAL_INVALID'], (r) => approvalPopulation.includes(r));
    expect(approvalPopulation.length).toBeGreaterThan(50);
    expect(exceptions.length).toBe(1);
    expect(await countOf(approval.getByTestId('control-population'))).toBe(approvalPopulation.length);
    expect(await textOf(approval.getByTestId('control-population'))).toBe(
      approvalPopulation.length.toLocaleString('en-US'),
    );
    expect(await countOf(approval.getByTestId('control-exceptions'))).toBe(exceptions.length);
    const passed = approvalPopulation.length - exceptions.length;
    // Computed apart from the app's exact rounding: two decimals, not 100%.
    const rate = `${((passed / approvalPopulation.length) * 100).toFixed(2)}%`;
    expect(rate).not.toBe('100.00%');
    expect(await textOf(approval.getByTestId('control-result'))).toBe(
      `${passed} of ${approvalPopulation.length} validly approved, ${rate}`,
    );
    expect(await textOf(approval.getByTestId('control-codes'))).toContain('APPROVAL_MISSING');
    // Month by month, in the table behind the chart.
    await approval.locator('summary').click();
    const expected = monthly(approvalPopulation);
    for (const [i, month] of MONTHS.entries()) {
      const row = approval.locator(`[data-testid="month-table"] tr[data-month="${month}"]`);
      expect([month, await countOf(row.getByTestId('month-population'))]).toEqual([month, expected[i]]);
      expect([month, await countOf(row.getByTestId('month-exceptions'))]).toEqual([
        month,
        exceptions.filter((r) => r.ts.startsWith(month)).length,
      ]);
    }
    await screenshotElement(approval, 'controls-approval');
    expect(wb.errors).toEqual([]);
  });

  it('every control’s population and exceptions equal plain counts over the receipts and the CLI’s findings', async () => {
    const { page } = wb;
    const ok = (r: DemoReceipt) => r.exec.status === 'ok';
    const txnKeys = new Set(receipts.map((r) => `${r.ledger} ${r.txn.id}`));
    const txnExceptions = new Set(
      findings
        .filter((f) => f.code === 'TXN_INCOMPLETE' || f.code === 'TXN_STEP_GAP')
        .map((f) => `${f.ledger} ${(f.detail as { transaction: string }).transaction}`),
    );
    const recipient = (r: DemoReceipt) => r.data.personal.length > 0 && r.data.recipient !== null && ok(r);
    const cases: [string, number, number][] = [
      ['decisions-follow-policy', receipts.length, withFindings(['DECISION_MISMATCH']).length],
      [
        'denied-actions-blocked',
        receipts.filter((r) => r.decision.effect === 'deny').length,
        withFindings(['DENIED_BUT_EXECUTED']).length,
      ],
      [
        'data-tier-segregation',
        receipts.filter((r) => r.decision.effect === 'allow').length,
        withFindings(['TIER_VIOLATION']).length,
      ],
      [
        'personal-data-approved-recipients',
        receipts.filter(recipient).length,
        withFindings(['RECIPIENT_UNAPPROVED']).length,
      ],
      ['transactions-complete', txnKeys.size, txnExceptions.size],
      ['deterministic-outputs', receipts.filter(ok).length, withFindings(['NONDETERMINISTIC_OUTPUT']).length],
      ['latency-within-slo', receipts.length, receipts.filter((r) => r.exec.latency_ms > 2000).length],
      ['evidence-integrity', receipts.length, 0],
    ];
    for (const [id, population, exceptionCount] of cases) {
      const s = section(page, id);
      expect([id, await countOf(s.getByTestId('control-population'))]).toEqual([id, population]);
      expect([id, await countOf(s.getByTestId('control-exceptions'))]).toEqual([id, exceptionCount]);
      // The demo plants one failure of each control code (two for transactions: a gap and an open end).
      if (id !== 'latency-within-slo' && id !== 'evidence-integrity')
        expect([id, exceptionCount]).toEqual([id, id === 'transactions-complete' ? 2 : 1]);
    }
    // The latency objective is judged on the 99th percentile: no SLO_BREACH in the demo.
    expect(findings.some((f) => f.code === 'SLO_BREACH')).toBe(false);
    expect(await textOf(section(page, 'latency-within-slo').getByTestId('slo-verdict'))).toMatch(/^No SLO_BREACH/);
    // Transactions are not explorer rows: the page says so rather than linking a wrong list.
    const txn = section(page, 'transactions-complete');
    expect(await txn.getByTestId('control-population').evaluate((e) => e.tagName)).toBe('SPAN');
    expect(await textOf(txn.getByTestId('figure-notes'))).toContain('not expressible as a receipts-explorer filter');
    await screenshot(page, 'controls-demo');
    expect(await seriousViolations(page)).toEqual([]);
    expect(wb.errors).toEqual([]);
  });

  it('months outside the examination period and months without population are marked, never 0%', async () => {
    const { page } = wb;
    const approval = section(page, 'approval-of-elevated-actions');
    const table = approval.getByTestId('month-table');
    expect(
      await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-month'))),
    ).toEqual(TREND);
    expect(await textOf(table.locator('tr[data-month="2026-04"] td').first())).toBe('outside');
    expect(await textOf(table.locator('tr[data-month="2026-05"] td').first())).toBe('in');
    expect(await textOf(table.locator('tr[data-month="2026-08"]').getByTestId('month-rate'))).toBe('no population');
    const chart = approval.getByTestId('trend-chart');
    expect(await chart.locator('rect.trend-outside').count()).toBe(1);
    expect(await chart.locator('g[data-state="no-population"]').count()).toBe(3);
    expect(await chart.locator('g[data-month="2026-08"] title').textContent()).toBe(
      '2026-08: no population, in the examination period.',
    );
    const desc = (await chart.locator('desc').textContent()) ?? '';
    expect(desc).toContain('2026-04:');
    expect(desc).toContain('outside the examination period');
    await screenshotElement(chart, 'controls-trend-chart');
    expect(wb.errors).toEqual([]);
  });

  it('a population link and an exceptions link land on exactly the receipts counted', async () => {
    const { page } = wb;
    const approval = section(page, 'approval-of-elevated-actions');
    await approval.getByTestId('control-population').click();
    await page.getByTestId('receipts-page').waitFor();
    const query = Object.fromEntries(new URLSearchParams(new URL(page.url()).hash.split('?')[1]));
    expect(query).toEqual({ from: '2026-04-01', to: '2026-06-30', action: 'payments.release', effect: 'allow' });
    await expect
      .poll(() => page.getByTestId('receipt-result-count').getAttribute('data-rows'))
      .toBe(String(approvalPopulation.length));
    await page.goBack();
    await page.getByTestId('controls-page').waitFor();

    const tier = section(page, 'data-tier-segregation');
    const violating = withFindings(['TIER_VIOLATION']);
    await tier.getByTestId('control-exceptions').click();
    await page.getByTestId('receipts-page').waitFor();
    expect(new URLSearchParams(new URL(page.url()).hash.split('?')[1]).get('code')).toBe('TIER_VIOLATION');
    await expect.poll(() => page.getByTestId('receipt-result-count').getAttribute('data-rows')).toBe('1');
    expect(violating.length).toBe(1);
    const cells = await page.getByTestId('receipt-row').first().locator('[role="gridcell"]').allTextContents();
    expect(cells.slice(0, 2)).toEqual([violating[0]?.ledger, String(violating[0]?.seq)]);
    await page.goBack();
    await page.getByTestId('controls-page').waitFor();
    expect(wb.errors).toEqual([]);
  });

  it('editing the manual test attributes: a refusal says why; a save survives a reload', async () => {
    const { page } = wb;
    const approval = section(page, 'approval-of-elevated-actions');
    const test = approval.getByTestId('control-test');
    expect(await textOf(test.getByTestId('control-test-saved'))).toMatch(/^not yet/);
    await test.getByTestId('control-test-edit').click();
    const inputs = test.getByTestId('attribute-input');
    expect(await inputs.count()).toBe(3);
    await inputs.nth(0).fill('Approver is one of the two payment approvers on the signed authority list.');
    await test.getByTestId('attribute-add').click();
    await test.getByTestId('control-test-save').click();
    expect(await textOf(test.getByTestId('control-test-message'))).toBe(
      'Attribute 4 is empty: write what is tested, or remove it.',
    );
    await inputs.nth(3).fill('Approval timestamp precedes the payment release.');
    await test.getByTestId('conclusion-select').selectOption('effective-with-exceptions');
    await test.getByTestId('note-input').fill('One exception (APPROVAL_MISSING), reported to management.');
    await screenshotElement(approval, 'controls-attributes-editing');
    expect(await seriousViolations(page)).toEqual([]);
    await test.getByTestId('control-test-save').click();
    await test.getByTestId('attribute-list').waitFor();
    await page.reload();
    await page.getByTestId('controls-page').waitFor();
    const after = section(page, 'approval-of-elevated-actions').getByTestId('control-test');
    await after.getByTestId('attribute-list').waitFor();
    expect(await after.getByTestId('attribute-list').locator('li').allTextContents()).toEqual([
      'Approver is one of the two payment approvers on the signed authority list.',
      'The approval traces to a request in the client’s approval workflow (ticket or change record) made before the action.',
      'The bundle’s approval_required list covers every action management designates as elevated.',
      'Approval timestamp precedes the payment release.',
    ]);
    expect(await textOf(after.getByTestId('control-conclusion'))).toBe('Operating effectively, exceptions noted');
    expect(await textOf(after.getByTestId('control-note'))).toBe(
      'One exception (APPROVAL_MISSING), reported to management.',
    );
    expect(await textOf(after.getByTestId('control-test-saved'))).toMatch(/^for Demo Corp SOC 2 Type II, \d{4}-/);
    // Another control still shows the library's defaults.
    expect(await textOf(section(page, 'denied-actions-blocked').getByTestId('control-test-saved'))).toMatch(/^not yet/);
    expect(wb.errors).toEqual([]);
  });

  it('the metrics page: per control, population, exceptions and rate, each count linked to its receipts', async () => {
    const { page } = wb;
    await page.getByTestId('to-metrics').click();
    await page.getByTestId('metrics-page').waitFor();
    // The header's Controls link stands for both pages.
    expect(await page.getByTestId('nav-controls').getAttribute('aria-current')).toBe('page');
    const row = page.locator('[data-testid="metrics-row"][data-control="approval-of-elevated-actions"]');
    expect(await countOf(row.getByTestId('row-population'))).toBe(approvalPopulation.length);
    expect(await countOf(row.getByTestId('row-exceptions'))).toBe(1);
    expect(await page.getByTestId('metrics-row').count()).toBe(9);
    const denied = page.locator('[data-testid="metric-section"][data-control="denied-actions-blocked"]');
    const deny = receipts.filter((r) => r.decision.effect === 'deny');
    for (const [i, month] of MONTHS.entries()) {
      const cell = denied.locator(`tr[data-month="${month}"]`).getByTestId('month-population');
      expect([month, await countOf(cell)]).toEqual([month, monthly(deny)[i]]);
    }
    await screenshot(page, 'metrics-demo');
    expect(await seriousViolations(page)).toEqual([]);
    // A month's population link is the month's receipts of that population.
    await denied.locator('tr[data-month="2026-05"]').getByTestId('month-population').click();
    await page.getByTestId('receipts-page').waitFor();
    const query = Object.fromEntries(new URLSearchParams(new URL(page.url()).hash.split('?')[1]));
    expect(query).toEqual({ from: '2026-05-01', to: '2026-05-31', effect: 'deny' });
    await expect
      .poll(() => page.getByTestId('receipt-result-count').getAttribute('data-rows'))
      .toBe(String(monthly(deny)[1]));
    await page.goBack();
    await page.getByTestId('metrics-page').waitFor();
    expect(wb.errors).toEqual([]);
  });

  it('the header: each place one link on one line at 1280 and 1440 px; the archive’s in a bar of their own, in two groups', async () => {
    const { page } = wb;
    await page.getByTestId('to-controls').click();
    await page.getByTestId('controls-page').waitFor();
    const bar = (selector: string) =>
      page.locator(selector).evaluate((nav) => ({
        overflows: nav.scrollWidth > nav.clientWidth,
        links: [...nav.querySelectorAll('a')].map((a) => {
          const box = a.getBoundingClientRect();
          return { id: a.dataset.testid, top: box.top, height: box.height, current: a.getAttribute('aria-current') };
        }),
      }));
    try {
      for (const [width, height] of [
        [1280, 800],
        [1440, 900],
      ] as const) {
        await page.setViewportSize({ width, height });
        const main = await bar('header nav[aria-label="Main"]');
        const archive = await bar('[data-testid="archive-nav"]');
        expect(main.links.map((l) => l.id)).toEqual(['nav-start', 'nav-trust', 'nav-verify-workpaper']);
        expect(archive.links.map((l) => l.id)).toEqual([
          'nav-dashboard',
          'nav-receipts',
          'nav-privacy',
          'nav-controls',
          'nav-bundles',
          'nav-samples',
          'nav-workpaper',
        ]);
        for (const { links, overflows } of [main, archive]) {
          // One row, and no label broken over two lines (it would make its link taller).
          expect(overflows, `${width} px`).toBe(false);
          expect(new Set(links.map((l) => l.top)).size, `${width} px`).toBe(1);
          expect(new Set(links.map((l) => l.height)).size, `${width} px`).toBe(1);
        }
        expect(archive.links.filter((l) => l.current === 'page').map((l) => l.id)).toEqual(['nav-controls']);
        expect(await page.getByRole('group', { name: 'Engagement work' }).getByRole('link').count()).toBe(4);
        await screenshotElement(page.locator('header.app-header'), `header-${width}`);
      }
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 });
    }
    expect(await seriousViolations(page)).toEqual([]);
    // Back where the tests after this one start: the metrics page.
    await page.getByTestId('to-metrics').click();
    await page.getByTestId('metrics-page').waitFor();
  });

  it('an archive stored without metrics says so on both pages and shows no figure', async () => {
    const { page } = wb;
    await dropArchiveField(page, archiveId, 'metrics');
    await page.reload();
    await page.getByTestId('metrics-page').waitFor();
    expect(await textOf(page.getByTestId('metrics-missing'))).toBe(
      'No control metrics were computed when this archive was imported; import it again.',
    );
    expect(await page.getByTestId('metrics-summary').count()).toBe(0);
    expect(await page.getByTestId('metric-section').count()).toBe(0);
    await screenshot(page, 'metrics-missing');
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByTestId('nav-controls').click();
    await page.getByTestId('controls-page').waitFor();
    await page.getByTestId('metrics-missing').waitFor();
    expect(await page.getByTestId('control-figures').count()).toBe(0);
    expect(await page.getByTestId('trend-chart').count()).toBe(0);
    expect(await page.getByTestId('control-no-metrics').count()).toBe(9);
    // The library and the manual attributes are still there.
    expect(await page.getByTestId('control-section').count()).toBe(9);
    expect(await page.getByTestId('control-test').count()).toBe(9);
    expect(wb.errors).toEqual([]);
  });

  it(
    `${BIG_RECEIPTS.toLocaleString('en-US')} receipts checked by the app's pool of segment workers: the metrics one thread makes in Node`,
    { timeout: 360_000 },
    async () => {
      const { page } = wb;
      const archive = await bigArchive(BIG_RECEIPTS);
      // One thread in Node (no pool), with every control check, while the browser imports with its pool.
      const reference = (async () => {
        const collector = createMetricsCollector();
        const report = await verifyPath(
          archive.path,
          { trustedRoots: [], controls: [...controlChecks(nodeCedar), () => collector] },
          { workers: 1 },
        );
        expect(report.checks.map((c) => c.check)).toContain('Segments checked by this thread');
        return collector.metrics(report.findings);
      })();
      // Served as the app serves itself (COOP + COEP): the segment workers share Cedar's decisions
      // through a SharedArrayBuffer (segment-pool.ts), and the metrics must still be the same.
      expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
      await page.getByTestId('nav-start').click();
      await startImport(page, archive.path);
      await page.getByTestId('dashboard').waitFor({ timeout: 300_000 });
      const id = archiveIdOf(page);
      const stored = await page.evaluate(async (archiveId) => {
        const database = await new Promise<IDBDatabase>((resolve, reject) => {
          const request = indexedDB.open('tickmark');
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
        const row = await new Promise<Record<string, unknown>>((resolve, reject) => {
          const request = database.transaction('archives').objectStore('archives').get(archiveId);
          request.onsuccess = () => resolve(request.result as Record<string, unknown>);
          request.onerror = () => reject(request.error);
        });
        database.close();
        return { metrics: row.metrics, checks: (row.report as { checks: { check: string }[] }).checks };
      }, id);
      expect(stored.checks.some((c) => /^Segments checked by a pool of \d+ Web Workers?/.test(c.check))).toBe(true);
      const expected: ControlMetricsReport = await reference;
      expect(expected.receipts).toBe(BIG_RECEIPTS);
      expect(stored.metrics).toEqual(expected);
      await page.getByTestId('nav-controls').click();
      await page.getByTestId('to-metrics').click();
      await page.getByTestId('metrics-page').waitFor();
      // The root is not pinned: the warning comes first.
      await page.getByTestId('controls-evidence-warning').waitFor();
      const row = page.locator('[data-testid="metrics-row"][data-control="evidence-integrity"]');
      expect(await countOf(row.getByTestId('row-population'))).toBe(BIG_RECEIPTS);
      await screenshot(page, 'metrics-big-pool');
      expect(wb.errors).toEqual([]);
    },
  );
});
