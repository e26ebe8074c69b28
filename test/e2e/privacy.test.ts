/**
 * The privacy report screen against `tickmark privacy` on the same archives: the report the
 * app stored is the CLI's, value for value, whether the app checked the segments in its own
 * thread (the demo) or in its pool of segment workers (30,000 receipts); the screen shows
 * the same rows and counts, the CLI's warning first when the evidence is not sound, links
 * each row to its receipts, exports the rows shown as CSV, and says when an archive has
 * no report rather than showing an empty table.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { nodeCedar } from '../../cli/cedar-node.ts';
import { runPrivacy } from '../../cli/commands/privacy.ts';
import { verifyPath } from '../../cli/commands/verify.ts';
import { nodeCryptoSigner } from '../../cli/commands/demo.ts';
import {
  UNIDENTIFIED_SUBJECT,
  UNSPECIFIED_CATEGORY,
  createPrivacyCollector,
  type PrivacyEntry,
  type PrivacyReport,
} from '../../shared/controls/privacy.ts';
import { makeDemoArchive } from '../../shared/producer/demo.ts';
import { zipFiles } from '../../shared/producer/zip.ts';
import { SEED, rewriteLedger } from '../support/tamper.ts';
import { bigArchive } from './big-archive.ts';
import {
  archiveIdOf,
  demoJson,
  demoZip,
  dropArchiveField,
  importArchive,
  openDemo,
  openWorkbench,
  screenshot,
  screenshotElement,
  seriousViolations,
  startImport,
  type Workbench,
} from './browser.ts';

const BIG_RECEIPTS = 30_000;

interface CliPrivacy extends PrivacyReport {
  readonly evidence: { readonly trusted: boolean; readonly integrity_findings: number };
}

/** `tickmark privacy <zip> [--trust-root r] [--json]`, as the command line runs it. */
async function cliPrivacy(zip: string, roots: string[], json: boolean): Promise<string> {
  let out = '';
  const args = [zip, ...roots.flatMap((r) => ['--trust-root', r]), ...(json ? ['--json'] : [])];
  const code = await runPrivacy(args, { stdout: (s) => void (out += s), stderr: () => undefined });
  expect(code).toBe(0);
  return out;
}

async function cliReport(
  zip: string,
  roots: string[],
): Promise<{ report: PrivacyReport; evidence: CliPrivacy['evidence'] }> {
  const { evidence, ...report } = JSON.parse(await cliPrivacy(zip, roots, true)) as CliPrivacy;
  return { report, evidence };
}

/** The archive row as IndexedDB holds it (read straight from the store, not through the app). */
async function storedArchive(
  page: Page,
  id: string,
): Promise<{ privacy?: PrivacyReport; checks: { check: string; status: string }[]; summary: unknown }> {
  return page.evaluate(async (archiveId) => {
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
    const report = row.report as { checks: { check: string; status: string }[]; summary: unknown };
    return { privacy: row.privacy as PrivacyReport | undefined, checks: report.checks, summary: report.summary };
  }, id);
}

const counts = (record: Readonly<Record<string, number>>) =>
  Object.entries(record)
    .map(([name, n]) => `${name} ×${n}`)
    .join(', ');

/** Narrows the table to one subject and checks its row for `entry` against the CLI's values. */
async function expectRow(page: Page, entry: PrivacyEntry): Promise<void> {
  const filter = entry.subject === UNIDENTIFIED_SUBJECT ? `${entry.subject} ${entry.category}` : entry.subject;
  await page.getByTestId('privacy-filter').fill(filter);
  const row = page.locator(
    `[data-testid="privacy-row"][data-subject="${entry.subject}"][data-category="${entry.category}"]`,
  );
  await row.waitFor();
  const text = async (id: string) => ((await row.getByTestId(id).textContent()) ?? '').trim();
  expect(await text('privacy-row-link')).toBe(entry.receipts.toLocaleString('en-US'));
  expect(await text('privacy-row-ok')).toBe(String(entry.outcomes.ok));
  expect(await text('privacy-row-error')).toBe(String(entry.outcomes.error));
  expect(await text('privacy-row-blocked')).toBe(String(entry.outcomes.blocked));
  expect(await text('privacy-row-agents')).toBe(counts(entry.agents));
  expect(await text('privacy-row-recipients')).toBe(counts(entry.recipients) || 'none');
  expect(await text('privacy-row-undeclared')).toBe(String(entry.undeclared));
}

/** The bytes the page hands the browser host to save, caught where it makes the download. */
async function catchSavedFiles(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __saved?: Blob[] };
    if (w.__saved) return;
    w.__saved = [];
    const original = URL.createObjectURL.bind(URL);
    URL.createObjectURL = (blob: Blob | MediaSource) => {
      if (blob instanceof Blob) w.__saved?.push(blob);
      return original(blob);
    };
  });
}

async function lastSavedText(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const saved = (window as unknown as { __saved: Blob[] }).__saved;
    return (saved.at(-1) as Blob).text();
  });
}

/** RFC 4180 records (CRLF between records, no CR or LF inside a field here). */
function csvRecords(text: string): string[][] {
  expect(text.endsWith('\r\n')).toBe(true);
  return text
    .slice(0, -2)
    .split('\r\n')
    .map((line) => [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)].slice(0, -1).map((m) => m[1] as string))
    .map((fields) => fields.map((f) => (f.startsWith('"') ? f.slice(1, -1).replace(/""/g, '"') : f)));
}

describe('privacy report screen', () => {
  let wb: Workbench;
  let demoRoot: string;
  let demo: { report: PrivacyReport; evidence: CliPrivacy['evidence'] };
  let edgesZip: string;
  beforeAll(async () => {
    demoRoot = (JSON.parse(readFileSync(demoJson, 'utf8')) as { rootPublicKey: string }).rootPublicKey;
    demo = await cliReport(demoZip, [demoRoot]);
    // A demo whose receipts reach the report's edges: a category its bundle does not
    // declare, personal data without a subject, a subject without a category.
    const edges = await makeDemoArchive({ cedar: nodeCedar, receipts: 300, seed: SEED, sign: nodeCryptoSigner() });
    rewriteLedger(edges.files, 'gw-eu-1', (rows) => {
      const personal = rows.filter((r) => {
        const data = r.receipt.data as { personal: string[]; subjects: string[] };
        return data.personal.length > 0 && data.subjects.length > 0;
      });
      const edit = (index: number, change: (data: Record<string, unknown>) => Record<string, unknown>) => {
        const row = personal[index];
        if (!row) throw new Error('the demo has too few receipts with personal data');
        row.receipt = { ...row.receipt, data: change(row.receipt.data as Record<string, unknown>) };
      };
      edit(0, (d) => ({ ...d, personal: [...(d.personal as string[]), 'health'] }));
      edit(1, (d) => ({ ...d, personal: ['health'] }));
      edit(2, (d) => ({ ...d, subjects: [] }));
      edit(3, (d) => ({ ...d, personal: [] }));
      return rows;
    });
    edgesZip = join(mkdtempSync(join(tmpdir(), 'tickmark-privacy-')), 'privacy-edges.zip');
    writeFileSync(edgesZip, zipFiles(edges.files));
    wb = await openWorkbench(inject('baseUrl'));
  });
  afterAll(async () => {
    await wb?.close();
  });

  it('the demo: the stored report is the CLI’s, and the rows on screen show its values', async () => {
    const { page } = wb;
    expect(demo.evidence).toEqual({ trusted: true, integrity_findings: 0 });
    expect(demo.report.entries.length).toBeGreaterThan(100);
    const id = await openDemo(page);
    expect((await storedArchive(page, id)).privacy).toEqual(demo.report);

    await page.getByTestId('nav-privacy').click();
    await page.getByTestId('privacy-page').waitFor();
    expect(page.url()).toMatch(new RegExp(`#/archive/${id}/privacy$`));
    expect(await page.getByTestId('privacy-evidence-warning').count()).toBe(0);
    expect(await page.getByTestId('privacy-receipts').innerText()).toBe(demo.report.receipts.toLocaleString('en-US'));
    expect(await page.getByTestId('privacy-subjects').innerText()).toBe(String(demo.report.subjects));
    expect(await page.getByTestId('privacy-entries').innerText()).toBe(String(demo.report.entries.length));
    expect(await page.getByTestId('privacy-result-count').getAttribute('data-rows')).toBe(
      String(demo.report.entries.length),
    );
    // Virtualized: a few dozen rows in the page, not hundreds.
    expect(await page.getByTestId('privacy-row').count()).toBeLessThan(80);
    await screenshot(page, 'privacy-demo');
    expect(await seriousViolations(page)).toEqual([]);

    const busiest = [...demo.report.entries].sort((a, b) => b.receipts - a.receipts)[0] as PrivacyEntry;
    const withRecipients = demo.report.entries.find((e) => Object.keys(e.recipients).length > 1) as PrivacyEntry;
    const without = demo.report.entries.find((e) => Object.keys(e.recipients).length === 0) as PrivacyEntry;
    for (const entry of [busiest, withRecipients, without]) await expectRow(page, entry);
    await screenshotElement(page.getByTestId('privacy-grid'), 'privacy-demo-filtered');
    expect(wb.errors).toEqual([]);
  });

  it('a row links to its receipts, narrowed to its subject and category; Back keeps the filter', async () => {
    const { page } = wb;
    const entry = demo.report.entries.find((e) => e.category === 'phone' && e.receipts > 1) as PrivacyEntry;
    await page.getByTestId('privacy-filter').fill(entry.subject);
    const row = page.locator(`[data-testid="privacy-row"][data-subject="${entry.subject}"][data-category="phone"]`);
    await row.getByTestId('privacy-row-link').click();
    await page.getByTestId('receipts-page').waitFor();
    const url = new URL(page.url());
    expect(url.hash).toMatch(/^#\/archive\/[^/]+\/receipts\?/);
    const query = new URLSearchParams(url.hash.split('?')[1]);
    expect(query.get('subject')).toBe(entry.subject);
    expect(query.get('personal')).toBe('phone');
    // The explorer's own filter finds exactly the receipts the report counted.
    await expect
      .poll(() => page.getByTestId('receipt-result-count').getAttribute('data-rows'))
      .toBe(String(entry.receipts));
    await page.goBack();
    await page.getByTestId('privacy-page').waitFor();
    expect(await page.getByTestId('privacy-filter').inputValue()).toBe(entry.subject);
    expect(wb.errors).toEqual([]);
  });

  it('exports the rows shown as CSV: the CLI’s values, full subjects, exact times', async () => {
    const { page } = wb;
    await catchSavedFiles(page);
    const agent = 'support-07';
    await page.getByTestId('privacy-filter').fill(agent);
    const expected = demo.report.entries.filter((e) => agent in e.agents);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(demo.report.entries.length);
    await expect
      .poll(() => page.getByTestId('privacy-result-count').getAttribute('data-rows'))
      .toBe(String(expected.length));
    await page.getByTestId('privacy-export').click();
    const message = await page.getByTestId('privacy-export-message').innerText();
    expect(message).toBe(`Saved privacy-demo-filtered.csv: ${expected.length} rows (the filtered rows).`);
    const [header, ...rows] = csvRecords(await lastSavedText(page));
    expect(header).toEqual([
      'subject',
      'category',
      'receipts',
      'ok',
      'error',
      'blocked',
      'agents',
      'actions',
      'recipients',
      'first',
      'last',
      'undeclared',
    ]);
    const list = (r: Readonly<Record<string, number>>) =>
      Object.entries(r)
        .map(([n, c]) => `${n} (${c})`)
        .join('; ');
    expect(rows).toEqual(
      expected.map((e) => [
        e.subject,
        e.category,
        String(e.receipts),
        String(e.outcomes.ok),
        String(e.outcomes.error),
        String(e.outcomes.blocked),
        list(e.agents),
        list(e.actions),
        list(e.recipients),
        e.first,
        e.last,
        String(e.undeclared),
      ]),
    );
    await page.getByTestId('privacy-filter').fill('');
    expect(wb.errors).toEqual([]);
  });

  it('an archive whose root is not pinned: the CLI’s warning first; undeclared categories and stand-ins', async () => {
    const { page } = wb;
    const cli = await cliReport(edgesZip, []);
    const cliText = await cliPrivacy(edgesZip, [], false);
    expect(cli.evidence.trusted).toBe(false);
    await page.getByTestId('nav-start').click();
    await importArchive(page, edgesZip);
    const id = archiveIdOf(page);
    expect((await storedArchive(page, id)).privacy).toEqual(cli.report);
    await page.getByTestId('nav-privacy').click();
    const warning = page.getByTestId('privacy-evidence-warning');
    await warning.waitFor();
    expect(await warning.getAttribute('role')).toBe('alert');
    // The sentence the CLI prints first, word for word.
    const sentence = await page.getByTestId('privacy-evidence-sentence').innerText();
    expect(sentence).toMatch(
      /^The evidence behind this report is not sound \(\d+ integrity findings?, trust anchored: no\)\.$/,
    );
    expect(cliText.split('\n')[0]).toBe(`WARNING: t${sentence.slice(1, -1)}; run tickmark verify for details.`);
    // The warning comes before everything else on the page.
    const order = await page.getByTestId('privacy-page').evaluate((el) => {
      const testIds = [...el.querySelectorAll('[data-testid]')].map((n) => n.getAttribute('data-testid'));
      return testIds.indexOf('privacy-evidence-warning') < testIds.indexOf('privacy-summary');
    });
    expect(order).toBe(true);

    // Two receipts name 'health', which their bundle does not declare: a row per subject of theirs.
    const undeclared = cli.report.entries.filter((e) => e.undeclared > 0);
    expect(undeclared.length).toBeGreaterThanOrEqual(2);
    expect(new Set(undeclared.map((e) => e.category))).toEqual(new Set(['health']));
    expect(cli.report.entries.filter((e) => e.category === 'health')).toEqual(undeclared);
    expect(await page.getByTestId('privacy-undeclared-rows').innerText()).toBe(String(undeclared.length));
    const unspecified = cli.report.entries.find((e) => e.category === UNSPECIFIED_CATEGORY) as PrivacyEntry;
    const unidentified = cli.report.entries.find((e) => e.subject === UNIDENTIFIED_SUBJECT) as PrivacyEntry;
    expect(unspecified).toBeDefined();
    expect(unidentified).toBeDefined();
    await page.getByTestId('privacy-filter').fill('health');
    await expect.poll(() => page.locator('.privacy-row.has-undeclared').count()).toBe(undeclared.length);
    await screenshotElement(page.getByTestId('privacy-grid'), 'privacy-undeclared');
    for (const entry of [...undeclared, unspecified, unidentified]) await expectRow(page, entry);
    await page.getByTestId('privacy-filter').fill('');
    await expect
      .poll(() => page.getByTestId('privacy-result-count').getAttribute('data-rows'))
      .toBe(String(cli.report.entries.length));
    await screenshot(page, 'privacy-untrusted-edges');
    expect(await seriousViolations(page)).toEqual([]);

    // A stand-in is not a value a receipt holds: its row links with the other filter only.
    await page.getByTestId('privacy-filter').fill(unspecified.subject);
    const unspecifiedRow = page.locator(
      `[data-testid="privacy-row"][data-subject="${unspecified.subject}"][data-category="${UNSPECIFIED_CATEGORY}"]`,
    );
    const href = (await unspecifiedRow.getByTestId('privacy-row-link').getAttribute('href')) as string;
    expect(Object.fromEntries(new URLSearchParams(href.split('?')[1]))).toEqual({ subject: unspecified.subject });
    await page.getByTestId('privacy-filter').fill(UNIDENTIFIED_SUBJECT);
    const unidentifiedRow = page.locator(`[data-testid="privacy-row"][data-subject="${UNIDENTIFIED_SUBJECT}"]`).first();
    await unidentifiedRow.getByTestId('privacy-row-link').click();
    await page.getByTestId('receipts-page').waitFor();
    const query = Object.fromEntries(new URLSearchParams(new URL(page.url()).hash.split('?')[1]));
    expect(query).toEqual({ personal: unidentified.category });
    expect(wb.errors).toEqual([]);
  });

  it(
    `${BIG_RECEIPTS.toLocaleString('en-US')} receipts checked by the pool of segment workers: the report one thread makes`,
    { timeout: 360_000 },
    async () => {
      const { page } = wb;
      const archive = await bigArchive(BIG_RECEIPTS);
      // One thread in Node (no pool), while the browser imports with its pool.
      const reference = (async () => {
        const collector = createPrivacyCollector();
        const report = await verifyPath(
          archive.path,
          { trustedRoots: [], controls: [() => collector] },
          { workers: 1 },
        );
        expect(report.checks.map((c) => c.check)).toContain('Segments checked by this thread');
        return collector.report();
      })();
      await page.getByTestId('nav-start').click();
      await startImport(page, archive.path);
      await page.getByTestId('dashboard').waitFor({ timeout: 300_000 });
      const id = archiveIdOf(page);
      const stored = await storedArchive(page, id);
      expect(
        stored.checks.map((c) => c.check).some((c) => /^Segments checked by a pool of \d+ Web Workers?/.test(c)),
      ).toBe(true);
      const expected = await reference;
      expect(expected.entries.length).toBeGreaterThan(500);
      expect(stored.privacy).toEqual(expected);
      await page.getByTestId('nav-privacy').click();
      await page.getByTestId('privacy-evidence-warning').waitFor();
      expect(await page.getByTestId('privacy-entries').innerText()).toBe(
        expected.entries.length.toLocaleString('en-US'),
      );
      await screenshot(page, 'privacy-big-pool');
      expect(wb.errors).toEqual([]);
    },
  );

  it('an archive stored without a privacy report says so and shows no table', async () => {
    const { page } = wb;
    const id = archiveIdOf(page);
    // As an import made before the workbench made the report left the row.
    await dropArchiveField(page, id, 'privacy');
    await page.reload();
    await page.getByTestId('privacy-page').waitFor();
    expect(await page.getByTestId('privacy-missing').innerText()).toBe(
      'No privacy report was made when this archive was imported; import it again.',
    );
    expect(await page.getByTestId('privacy-grid').count()).toBe(0);
    expect(await page.getByTestId('privacy-summary').count()).toBe(0);
    // The warning still comes first: it is about the evidence, not the report.
    await page.getByTestId('privacy-evidence-warning').waitFor();
    await screenshot(page, 'privacy-missing');
    expect(await seriousViolations(page)).toEqual([]);
    expect(wb.errors).toEqual([]);
  });
});
