/**
 * Engagements: the auditor creates one with its examination period, the demo evidence is
 * stored under it and its dashboard compares the periods (only what is proven counts);
 * the current engagement survives a reload; another engagement lists its own archives;
 * a bad input is refused under its field; the form passes axe. A database written by
 * version 1 (one hard-wired engagement) is upgraded without losing its archive and
 * without inventing a period.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  openWorkbench,
  screenshot,
  screenshotElement,
  seriousViolations,
  storedRowCounts,
  type Workbench,
} from './browser.ts';

const FIRST = {
  name: 'Example Corp SOC 2 Type II, H1 2026',
  client: 'Example Corp',
  from: '2026-01-01',
  to: '2026-06-30',
};
const SECOND = 'Example Corp readiness review';
const NOT_SET = 'Engagement period not set: coverage of the examination period was not checked.';
/** The demo's ledgers are proven continuous from 2026-04-01 to 2026-06-30 (see renderer/public/demo/demo.json). */
const FIRST_COVERAGE =
  "Engagement period 2026-01-01 – 2026-06-30 (181 days). This archive's evidence, proven continuous in both ledgers, covers 2026-04-01 – 2026-06-30: 90 days of the period are not covered (2026-01-01 – 2026-03-31).";

async function fillEngagement(
  page: Page,
  fields: { name?: string; client?: string; from?: string; to?: string },
): Promise<void> {
  const form = page.getByTestId('engagement-form');
  if (fields.name !== undefined) await form.getByTestId('engagement-name').fill(fields.name);
  if (fields.client !== undefined) await form.getByTestId('engagement-client').fill(fields.client);
  if (fields.from !== undefined) await form.getByTestId('engagement-periodFrom').fill(fields.from);
  if (fields.to !== undefined) await form.getByTestId('engagement-periodTo').fill(fields.to);
}

/** Text as read aloud: the no-break spaces that keep a date range on one line read as spaces. */
const text = async (page: Page, testId: string) =>
  ((await page.getByTestId(testId).textContent()) ?? '').replace(/\u00a0/g, ' ').trim();

async function openDemo(page: Page): Promise<string> {
  await page.getByTestId('nav-start').click();
  await page.getByTestId('open-demo').click();
  await page.getByTestId('dashboard').waitFor({ timeout: 90_000 });
  return new URL(page.url()).hash;
}

describe('engagements', () => {
  let wb: Workbench;
  let firstArchive = '';
  beforeAll(async () => {
    wb = await openWorkbench(inject('baseUrl'));
  });
  afterAll(async () => {
    await wb?.close();
  });

  it('before any engagement, the start screen says there is none and offers to create one', async () => {
    const { page } = wb;
    await page.getByTestId('no-engagement').waitFor();
    expect(await text(page, 'current-engagement-name')).toBe('None yet');
    await page.getByTestId('no-archives').waitFor();
  });

  it('a bad input is refused with the error under its field, tied to it; Escape closes the form', async () => {
    const { page } = wb;
    await page.getByTestId('new-engagement').click();
    const form = page.getByTestId('engagement-form');
    await form.waitFor();
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid')))
      .toBe('engagement-name');
    await fillEngagement(page, { client: 'Example Corp', from: '2026-06-30', to: '2026-01-01' });
    await form.getByTestId('engagement-client').press('Enter');
    const nameError = form.getByTestId('engagement-name-error');
    await nameError.waitFor();
    expect(await nameError.textContent()).toContain('Name is required.');
    expect(await form.getByTestId('engagement-periodTo-error').textContent()).toContain(
      'Period to is before period from',
    );
    // Each error is announced with its field: aria-describedby names it, aria-invalid marks it.
    const name = form.getByTestId('engagement-name');
    const describedBy = ((await name.getAttribute('aria-describedby')) ?? '').split(' ');
    expect(describedBy).toContain(await nameError.getAttribute('id'));
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    expect(await form.getByTestId('engagement-periodTo').getAttribute('aria-describedby')).toContain(
      await form.getByTestId('engagement-periodTo-error').getAttribute('id'),
    );
    expect(await form.getByTestId('engagement-periodFrom').getAttribute('aria-invalid')).toBeNull();
    // The focus goes to the first field in error, and nothing was stored.
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid')))
      .toBe('engagement-name');
    expect((await storedRowCounts(page)).engagements).toBe(0);
    await screenshot(page, 'engagement-form-errors');
    expect(await seriousViolations(page)).toEqual([]);
    // Fixing a field clears its error as the auditor types.
    await fillEngagement(page, { to: '2026-07-31' });
    await expect.poll(() => form.getByTestId('engagement-periodTo-error').count()).toBe(0);
    await page.keyboard.press('Escape');
    await expect.poll(() => form.count()).toBe(0);
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid')))
      .toBe('new-engagement');
  });

  it('the start screen with the form open passes axe', async () => {
    const { page } = wb;
    await page.getByTestId('new-engagement').click();
    await page.getByTestId('engagement-form').waitFor();
    await screenshot(page, 'engagement-form');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('an engagement with a period is created with Enter and becomes current', async () => {
    const { page } = wb;
    await fillEngagement(page, FIRST);
    await page.getByTestId('engagement-periodTo').press('Enter');
    await expect.poll(() => page.getByTestId('engagement-form').count()).toBe(0);
    expect(await text(page, 'current-engagement-name')).toBe(FIRST.name);
    expect(await text(page, 'current-engagement-client')).toBe(FIRST.client);
    expect(await text(page, 'current-engagement-period')).toBe('2026-01-01 – 2026-06-30 (181 days)');
    expect(await text(page, 'current-engagement-archives')).toBe('0');
    expect(await text(page, 'import-target')).toBe(FIRST.name);
    expect(await text(page, 'engagement-message')).toContain('It is now the current engagement');
  });

  it('the demo evidence is stored under it, and its dashboard compares the periods', async () => {
    const { page } = wb;
    firstArchive = await openDemo(page);
    await expect.poll(() => text(page, 'archive-engagement')).toBe(FIRST.name);
    expect(await text(page, 'period-coverage')).toBe(FIRST_COVERAGE);
    expect(await page.getByTestId('period-coverage').getAttribute('data-tone')).toBe('partial');
    await screenshot(page, 'dashboard-engagement-coverage');
    await screenshotElement(page.locator('.archive-summary'), 'dashboard-engagement-coverage-summary');
    await page.getByTestId('nav-start').click();
    await expect.poll(() => page.getByTestId('archive-link').allTextContents()).toEqual(['demo.zip']);
    expect(await text(page, 'current-engagement-archives')).toBe('1');
    await screenshot(page, 'start-engagement');
  });

  it('a reload shows the same current engagement, its archive and the same comparison', async () => {
    const { page } = wb;
    await page.reload();
    await page.getByTestId('start-page').waitFor();
    await expect.poll(() => text(page, 'current-engagement-name')).toBe(FIRST.name);
    expect(await text(page, 'current-engagement-period')).toBe('2026-01-01 – 2026-06-30 (181 days)');
    await expect.poll(() => page.getByTestId('archive-link').allTextContents()).toEqual(['demo.zip']);
    await page.getByTestId('archive-link').click();
    await page.getByTestId('dashboard').waitFor();
    expect(new URL(page.url()).hash).toBe(firstArchive);
    await expect.poll(() => text(page, 'period-coverage')).toBe(FIRST_COVERAGE);
  });

  it('another engagement lists only its own archives; switching back shows the first one again', async () => {
    const { page } = wb;
    await page.getByTestId('nav-start').click();
    await page.getByTestId('new-engagement').click();
    await fillEngagement(page, { name: SECOND });
    await page.getByTestId('engagement-name').press('Enter');
    await expect.poll(() => text(page, 'current-engagement-name')).toBe(SECOND);
    await page.getByTestId('no-archives').waitFor();
    expect(await page.getByTestId('archive-link').count()).toBe(0);
    expect(await text(page, 'current-engagement-period')).toContain('Not set');
    expect(await page.getByTestId('other-engagement-name').allTextContents()).toEqual([FIRST.name]);
    await screenshot(page, 'start-second-engagement');
    expect(await seriousViolations(page)).toEqual([]);

    // With no period set, the dashboard says the comparison was not made.
    const secondArchive = await openDemo(page);
    expect(secondArchive).not.toBe(firstArchive);
    await expect.poll(() => text(page, 'archive-engagement')).toBe(SECOND);
    expect(await text(page, 'period-coverage')).toBe(NOT_SET);
    await screenshotElement(page.locator('.archive-summary'), 'dashboard-period-not-set-summary');

    await page.getByTestId('nav-start').click();
    await expect
      .poll(async () =>
        page.getByTestId('archive-link').evaluateAll((links) => links.map((a) => a.getAttribute('href'))),
      )
      .toEqual([secondArchive]);
    const firstRow = page.getByTestId('other-engagement').filter({ hasText: FIRST.name });
    await firstRow.getByTestId('switch-engagement').click();
    await expect.poll(() => text(page, 'current-engagement-name')).toBe(FIRST.name);
    await expect
      .poll(async () =>
        page.getByTestId('archive-link').evaluateAll((links) => links.map((a) => a.getAttribute('href'))),
      )
      .toEqual([firstArchive]);
    // Most recent activity first: the second engagement just had an archive verified.
    expect(await page.getByTestId('other-engagement-name').allTextContents()).toEqual([SECOND]);
  });

  it('editing the current engagement changes its fields, and its archive is compared with the new period', async () => {
    const { page } = wb;
    await page.getByTestId('edit-engagement').click();
    const form = page.getByTestId('engagement-form');
    expect(await form.getByTestId('engagement-name').inputValue()).toBe(FIRST.name);
    expect(await form.getByTestId('engagement-periodFrom').inputValue()).toBe(FIRST.from);
    await fillEngagement(page, { client: 'Example Corp (EU)', from: '2026-04-01' });
    await form.getByTestId('engagement-save').click();
    await expect.poll(() => text(page, 'current-engagement-client')).toBe('Example Corp (EU)');
    expect(await text(page, 'current-engagement-period')).toBe('2026-04-01 – 2026-06-30 (91 days)');
    expect(await text(page, 'current-engagement-name')).toBe(FIRST.name);
    await page.getByTestId('archive-link').click();
    await page.getByTestId('dashboard').waitFor();
    await expect
      .poll(() => text(page, 'period-coverage'))
      .toBe(
        "Engagement period 2026-04-01 – 2026-06-30 (91 days). This archive's evidence, proven continuous in both ledgers, covers 2026-04-01 – 2026-06-30: it covers the whole period.",
      );
    expect(wb.errors).toEqual([]);
  });
});

describe('a database from version 1 (one hard-wired engagement)', () => {
  let wb: Workbench;
  beforeAll(async () => {
    wb = await openWorkbench(inject('baseUrl'));
  });
  afterAll(async () => {
    await wb?.close();
  });

  it('keeps the engagement and its archive, names it neutrally and leaves the period not set', async () => {
    const { page } = wb;
    // A page of the same origin that is not the workbench, so nothing holds the database open.
    await page.goto(new URL('demo/demo.json', inject('baseUrl')).href);
    await page.evaluate(writeVersion1Database);
    await page.goto(inject('baseUrl'));
    await page.getByTestId('start-page').waitFor();
    await expect.poll(() => text(page, 'current-engagement-name')).toBe('Untitled engagement');
    expect(await text(page, 'current-engagement-period')).toContain('Not set');
    expect(await text(page, 'current-engagement-client')).toBe('Not recorded');
    await expect.poll(() => page.getByTestId('archive-link').allTextContents()).toEqual(['legacy.zip']);
    expect(await text(page, 'current-engagement-archives')).toBe('1');
    const counts = await storedRowCounts(page);
    expect([counts.engagements, counts.archives, counts.settings]).toEqual([1, 1, 1]);
    await screenshot(page, 'start-upgraded-from-v1');
    await page.getByTestId('archive-link').click();
    await page.getByTestId('dashboard').waitFor();
    await expect.poll(() => text(page, 'archive-engagement')).toBe('Untitled engagement');
    expect(await text(page, 'period-coverage')).toBe(NOT_SET);
    expect(wb.errors).toEqual([]);
  });
});

/**
 * Runs in the page: writes the database as version 1 of the workbench left it (Dexie's
 * version 1 is IndexedDB version 10), with its one engagement and one archive.
 */
async function writeVersion1Database(): Promise<void> {
  const request = (r: IDBRequest | IDBOpenDBRequest) =>
    new Promise<unknown>((resolve, reject) => {
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
  await request(indexedDB.deleteDatabase('tickmark'));
  const open = indexedDB.open('tickmark', 10);
  open.onupgradeneeded = () => {
    const database = open.result;
    const stores: [string, string | string[], boolean, string[]][] = [
      ['engagements', 'id', false, ['createdAt']],
      ['archives', 'id', false, ['engagementId', 'status', 'startedAt']],
      ['receiptLines', ['archiveId', 'ledger', 'chunkNo'], false, ['archiveId']],
      ['receiptIndex', ['archiveId', 'ledger', 'blockNo'], false, ['archiveId']],
      ['findings', ['archiveId', 'chunkNo'], false, ['archiveId']],
      ['bundles', ['archiveId', 'hash'], false, ['archiveId']],
      ['keys', ['archiveId', 'kid'], false, ['archiveId']],
      ['trustedRoots', 'publicKey', false, ['kid', 'pinnedAt']],
      ['samples', 'id', true, ['archiveId']],
      ['workpapers', 'id', true, ['engagementId']],
    ];
    for (const [name, keyPath, autoIncrement, indexes] of stores) {
      const store = database.createObjectStore(name, { keyPath, autoIncrement });
      for (const index of indexes) store.createIndex(index, index);
    }
  };
  const database = (await request(open)) as IDBDatabase;
  const tx = database.transaction(['engagements', 'archives'], 'readwrite');
  tx.objectStore('engagements').put({
    id: 'default',
    name: 'Current engagement',
    createdAt: '2026-10-01T09:00:00.000Z',
  });
  const report = {
    format: 'tickmark.evidence.v1',
    source: 'legacy.zip',
    archive: {
      archive_id: 'ar_legacy',
      organization: 'Example Corp',
      created_at: '2026-07-01T00:00:00Z',
      period: { from: '2026-04-01T00:00:00Z', to: '2026-06-30T23:59:59Z' },
      producer: { name: 'version 1 fixture', version: '1' },
    },
    ledgers: [],
    bundles: [],
    checks: [],
    summary: { receipts: 0, ledgers: 0, bundles: 0, integrity_findings: 0, control_findings: 0, trusted: false },
  };
  tx.objectStore('archives').put({
    id: 'legacy-archive',
    engagementId: 'default',
    name: 'legacy.zip',
    size: 1,
    origin: 'file',
    status: 'complete',
    startedAt: '2026-10-01T09:05:00.000Z',
    completedAt: '2026-10-01T09:06:00.000Z',
    trustedRoots: [],
    report,
    rowsByLedger: {},
    dictionaries: { agents: [], actions: [], resources: [], paths: [] },
    findingCount: 0,
  });
  await new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
  database.close();
}
