/**
 * ExecLayer kernel logs imported in the app (docs/FORMAT-EXECLAYER.md), from the independent
 * generator's samples in ../shared/samples/execlayer: recognised by content from the file
 * chooser, options asked for first (HMAC secret, allowed issuers), stored like any evidence,
 * and the dashboard shows exactly the findings cases.json lists (code, file, line), the
 * HMAC check "not checked" without the secret and never independent evidence, and the
 * screens made for FORMAT.md archives say why they are not available. The secret is never
 * in IndexedDB. Off CI without ../shared/samples these are skipped (said below and by
 * shared-dir.ts); under CI=true they run and fail.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RUN_SAMPLE_TESTS, SAMPLES_DIR } from '../support/shared-dir.ts';
import {
  importArchive,
  openWorkbench,
  screenshot,
  seriousViolations,
  shownFindingCodes,
  storedRowCounts,
  type Workbench,
} from './browser.ts';

interface Case {
  name: string;
  format: 'execlayer-py' | 'execlayer-v4';
  files: Record<string, string>;
  hmac_secret_hex: string;
  hmac_secret_utf8: string;
  sha256: Record<string, string>;
  known_issuer_key_ids?: string[];
  expected_failures: { index: number | null; properties: string[] }[];
}
const DIR = join(SAMPLES_DIR, 'execlayer');
if (!RUN_SAMPLE_TESTS)
  console.warn(`ExecLayer e2e: ${DIR} is missing; the ExecLayer import tests are SKIPPED on this machine.`);
const cases: Case[] = RUN_SAMPLE_TESTS
  ? (JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as { cases: Case[] }).cases
  : [];
const byName = (name: string) => cases.find((c) => c.name === name) as Case;
const CODE: Record<string, string> = {
  hash: 'RECORD_HASH_MISMATCH',
  chain: 'CHAIN_BROKEN',
  hmac: 'SIGNATURE_INVALID',
  issuer: 'KEY_UNKNOWN',
  head: 'CHAIN_TRUNCATED',
};

/** cases.json's expected failures as `<line or file> <code>`, one per line and code, sorted. */
function expectedOf(c: Case): string[] {
  return c.expected_failures
    .flatMap((f) => [...new Set(f.properties.map((p) => `${f.index === null ? 'file' : f.index + 1} ${CODE[p]}`))])
    .sort();
}

/** The findings the dashboard lists, as `<line or file> <code>`, sorted; and their files. */
async function shownLineFindings(page: Page): Promise<{ found: string[]; paths: string[] }> {
  const rows = await page.getByTestId('line-finding').evaluateAll((els) =>
    els.map((e) => ({
      line: e.getAttribute('data-line'),
      code: e.getAttribute('data-code'),
      path: e.getAttribute('data-path'),
    })),
  );
  return {
    found: rows.map((r) => `${r.line === '' ? 'file' : r.line} ${r.code}`).sort(),
    paths: [...new Set(rows.map((r) => r.path ?? ''))].sort(),
  };
}

/** Picks `files` with the "Open evidence archive…" button and waits for the ExecLayer options. */
async function pickLog(page: Page, files: string[]): Promise<void> {
  await page.getByTestId('nav-start').click();
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId('open-archive').click()]);
  await chooser.setFiles(files);
  await page.getByTestId('execlayer-options').waitFor();
}

/** Drops `files` together on the start page's drop zone, as a person dragging them from a file manager. */
async function dropFiles(page: Page, files: string[]): Promise<void> {
  await page.getByTestId('nav-start').click();
  const given = files.map((path) => ({
    name: path.split('/').pop() as string,
    base64: readFileSync(path).toString('base64'),
  }));
  await page.getByTestId('drop-zone').evaluate((zone, list) => {
    const transfer = new DataTransfer();
    for (const f of list) {
      const bytes = Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0));
      transfer.items.add(new File([bytes], f.name));
    }
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, given);
}

async function verify(page: Page, options: { secret?: string; issuers?: string } = {}): Promise<void> {
  if (options.secret !== undefined) await page.getByTestId('execlayer-secret').fill(options.secret);
  if (options.issuers !== undefined) await page.getByTestId('execlayer-issuers').fill(options.issuers);
  await page.getByTestId('execlayer-verify').click();
  await page.getByTestId('dashboard').waitFor({ timeout: 60_000 });
}

/** The dashboard's check row whose name starts with `name`: its status and reason. */
async function checkRow(page: Page, name: string): Promise<{ status: string | null; text: string }> {
  const row = page.getByTestId('check-row').filter({ hasText: name }).first();
  return { status: await row.getAttribute('data-status'), text: await row.innerText() };
}

/** Everything stored in the workbench's IndexedDB, as text (to look for a secret in it). */
async function databaseText(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const database = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('tickmark');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const names = [...database.objectStoreNames];
    const tx = database.transaction(names, 'readonly');
    const all = await Promise.all(
      names.map(
        (name) =>
          new Promise<unknown[]>((resolve, reject) => {
            const request = tx.objectStore(name).getAll();
            request.onsuccess = () => resolve(request.result);
            request.onerror = () => reject(request.error);
          }),
      ),
    );
    database.close();
    return JSON.stringify(all, (_key, value: unknown) =>
      ArrayBuffer.isView(value) ? Array.from(value as Uint8Array) : value,
    );
  });
}

describe.skipIf(!RUN_SAMPLE_TESTS)('ExecLayer logs in the app', () => {
  let wb: Workbench;
  beforeAll(async () => {
    wb = await openWorkbench(inject('baseUrl'));
  });
  afterAll(async () => {
    await wb?.close();
  });

  it('the valid Python-kernel log without the secret: no finding, HMAC not checked, never independent evidence', async () => {
    const { page } = wb;
    const c = byName('py_valid');
    await pickLog(page, [join(DIR, c.files.log as string)]);
    expect(await page.getByTestId('execlayer-kind').innerText()).toBe('ExecLayer Python kernel: audit log');
    const help = await page.getByTestId('execlayer-secret-help').innerText();
    expect(help).toContain('never stored in the workbench’s database, never logged');
    expect(await page.getByTestId('execlayer-no-issuers').innerText()).toMatch(/carry no issuer/);
    await screenshot(page, 'execlayer-options-py');
    expect(await seriousViolations(page)).toEqual([]);
    await verify(page);
    expect(await page.getByTestId('dashboard').getAttribute('data-format')).toBe('execlayer-py');
    expect(await page.getByTestId('execlayer-format').innerText()).toBe('ExecLayer Python kernel: audit log');
    expect(await page.getByTestId('receipt-count').innerText()).toBe('50');
    await page.getByTestId('line-findings-none').waitFor();
    expect(await page.getByTestId('line-finding').count()).toBe(0);
    const note = page.getByTestId('execlayer-hmac-note');
    expect(await note.innerText()).toContain('not independent evidence');
    expect(await page.getByTestId('execlayer-hmac-status').getAttribute('data-status')).toBe('not checked');
    const hmac = await checkRow(page, 'HMAC signatures');
    expect(hmac.status).toBe('not checked');
    expect(hmac.text).toContain('no HMAC secret was given');
    expect(hmac.text).toContain('not independent evidence');
    expect((await checkRow(page, 'Log complete to its end')).status).toBe('not checked');
    expect(await page.getByTestId('verdict').getAttribute('class')).toContain('verdict-warn');
    expect(await page.getByTestId('verdict-sentence').innerText()).toContain('not independent evidence');
    expect(await page.getByTestId('execlayer-secret-given').innerText()).toBe('not given');
    // The file is named by the SHA-256 of the bytes read, as cases.json gives it.
    expect(await page.getByTestId('execlayer-files').innerText()).toContain(c.sha256.log);
    await screenshot(page, 'dashboard-execlayer-py-valid');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('a tampered Python-kernel log with the secret: exactly cases.json’s findings at their lines; the secret is not stored', async () => {
    const { page } = wb;
    const c = byName('py_modified_field');
    await pickLog(page, [join(DIR, c.files.log as string)]);
    await verify(page, { secret: c.hmac_secret_hex });
    const { found, paths } = await shownLineFindings(page);
    expect(found).toEqual(expectedOf(c));
    expect(found).toEqual(['26 RECORD_HASH_MISMATCH', '26 SIGNATURE_INVALID']);
    expect(paths).toEqual(['execlayer_audit.log.jsonl']);
    const hmac = await checkRow(page, 'HMAC signatures');
    expect(hmac.status).toBe('ran');
    expect(hmac.text).toContain('not independent evidence');
    expect(await page.getByTestId('execlayer-hmac-status').getAttribute('data-status')).toBe('ran');
    expect(await page.getByTestId('execlayer-secret-given').innerText()).toBe(
      'given for this verification (not stored)',
    );
    expect(await page.getByTestId('verdict').getAttribute('class')).toContain('verdict-bad');
    // Findings quote whole hashes: they wrap, the page does not grow wider than the window.
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await screenshot(page, 'dashboard-execlayer-py-modified-field');
    expect(await seriousViolations(page)).toEqual([]);
    const stored = (await databaseText(page)).toLowerCase();
    expect(stored).toContain('execlayer_audit.log.jsonl');
    expect(stored).not.toContain(c.hmac_secret_hex.toLowerCase());
    expect(stored).not.toContain(c.hmac_secret_utf8.toLowerCase());
    expect(wb.errors.join('\n')).not.toContain(c.hmac_secret_hex);
  });

  it('its lines: every line with the findings on it; the screens made for archives say why they do not apply', async () => {
    const { page } = wb;
    // A finding's line on the dashboard opens that line, as stored, with what was found.
    await page.getByTestId('line-finding').first().getByRole('link').click();
    await page.getByTestId('execlayer-lines').waitFor();
    const opened = page.locator('[data-testid="execlayer-line"].row-selected');
    expect(await opened.getAttribute('data-line')).toBe('26');
    await expect
      .poll(() => opened.getByTestId('execlayer-line-text').innerText())
      .toContain('"receipt_id": "rcpt_7be1585bb6"');
    await page.getByTestId('nav-receipts').click();
    await expect.poll(() => page.getByTestId('execlayer-line').count()).toBe(50);
    const flagged = page.locator('[data-testid="execlayer-line"][data-codes]:not([data-codes=""])');
    expect(
      await flagged.evaluateAll((rows) =>
        rows.map((r) => `${r.getAttribute('data-line')} ${r.getAttribute('data-codes')}`),
      ),
    ).toEqual(['26 RECORD_HASH_MISMATCH SIGNATURE_INVALID']);
    expect(await flagged.innerText()).toContain('rcpt_7be1585bb6');
    await page.getByTestId('execlayer-with-findings').check();
    await expect.poll(() => page.getByTestId('execlayer-line').count()).toBe(1);
    await screenshot(page, 'execlayer-lines-py-modified-field');
    expect(await seriousViolations(page)).toEqual([]);
    for (const nav of ['nav-controls', 'nav-privacy', 'nav-bundles', 'nav-samples', 'nav-workpaper']) {
      await page.getByTestId(nav).click();
      const why = page.getByTestId('not-for-execlayer-why');
      await why.waitFor();
      expect(await why.innerText(), nav).toMatch(/^Not available for ExecLayer logs: .{40,}/);
    }
    await screenshot(page, 'execlayer-workpaper-not-available');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('a v4 journal given as its two files, with secret and issuers: exactly cases.json’s findings at their lines', async () => {
    const { page } = wb;
    const c = byName('v4_modified_rehashed');
    await pickLog(page, [join(DIR, c.files.ledger as string), join(DIR, c.files.head as string)]);
    expect(await page.getByTestId('execlayer-kind').innerText()).toBe('ExecLayer v4 kernel: journal');
    expect(await page.getByTestId('execlayer-head').innerText()).toContain('dag_head.json');
    await verify(page, { secret: c.hmac_secret_hex, issuers: (c.known_issuer_key_ids ?? []).join(', ') });
    expect(await page.getByTestId('dashboard').getAttribute('data-format')).toBe('execlayer-v4');
    expect(await page.getByTestId('archive-name').innerText()).toBe('ledger.jsonl + dag_head.json');
    const { found, paths } = await shownLineFindings(page);
    expect(found).toEqual(expectedOf(c));
    expect(found).toEqual(['32 SIGNATURE_INVALID', '33 CHAIN_BROKEN']);
    expect(paths).toEqual(['ledger.jsonl']);
    expect((await checkRow(page, 'Issuer key ids known')).status).toBe('ran');
    const files = await page.getByTestId('execlayer-files').innerText();
    expect(files).toContain(c.sha256.ledger);
    expect(files).toContain(c.sha256.head);
    expect((await checkRow(page, 'HMAC signatures')).text).toContain('not independent evidence');
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await screenshot(page, 'dashboard-execlayer-v4-modified-rehashed');
    expect(await seriousViolations(page)).toEqual([]);
    expect((await databaseText(page)).toLowerCase()).not.toContain(c.hmac_secret_hex.toLowerCase());
  });

  it('a v4 journal dropped as its two files, without options: the chain findings at their lines, and the same after a reload', async () => {
    const { page } = wb;
    const c = byName('v4_reordered');
    await dropFiles(page, [join(DIR, c.files.head as string), join(DIR, c.files.ledger as string)]);
    await page.getByTestId('execlayer-options').waitFor();
    await verify(page);
    const shown = await shownLineFindings(page);
    expect(shown.found).toEqual(expectedOf(c));
    expect(shown.found).toEqual(['5 CHAIN_BROKEN', '6 CHAIN_BROKEN', '7 CHAIN_BROKEN']);
    await page.reload();
    await page.getByTestId('dashboard').waitFor();
    expect((await shownLineFindings(page)).found).toEqual(shown.found);
    expect(await page.getByTestId('dashboard').getAttribute('data-format')).toBe('execlayer-v4');
  });

  it('a v4 journal whose tail was cut: CHAIN_TRUNCATED on the head file; without issuers they are not checked', async () => {
    const { page } = wb;
    const c = byName('v4_truncated_tail');
    await pickLog(page, [join(DIR, c.files.head as string), join(DIR, c.files.ledger as string)]);
    await verify(page);
    const { found, paths } = await shownLineFindings(page);
    expect(found).toEqual(expectedOf(c));
    expect(found).toEqual(['file CHAIN_TRUNCATED']);
    expect(paths).toEqual(['dag_head.json']);
    const issuers = await checkRow(page, 'Issuer key ids known');
    expect(issuers.status).toBe('not checked');
    expect(issuers.text).toContain('no allowed issuer was given');
    expect((await checkRow(page, 'HMAC signatures')).status).toBe('not checked');
    await screenshot(page, 'dashboard-execlayer-v4-truncated-tail');
  });

  it('files that are no evidence together are refused, naming them; cancelling the options stores nothing', async () => {
    const { page } = wb;
    const before = await storedRowCounts(page);
    await page.getByTestId('nav-start').click();
    const c = byName('v4_valid');
    const other = join(DIR, 'README.md');
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId('open-archive').click()]);
    await chooser.setFiles([join(DIR, c.files.ledger as string), other]);
    const message = await page.getByTestId('start-message').innerText();
    expect(message).toContain('"ledger.jsonl"');
    expect(message).toContain('"README.md" (not an ExecLayer log)');
    expect(message).toMatch(/v4 ExecLayer journal: its ledger\.jsonl and dag_head\.json given together/);
    await pickLog(page, [join(DIR, c.files.ledger as string)]);
    await page.getByTestId('execlayer-head-missing').waitFor();
    await page.getByTestId('execlayer-cancel').click();
    await page.getByTestId('start-page').waitFor();
    expect(await storedRowCounts(page)).toEqual(before);
    expect(wb.errors).toEqual([]);
  });

  it('one file that is neither an archive nor an ExecLayer log: the archive error names it and what Tickmark reads', async () => {
    const { page } = wb;
    await page.getByTestId('nav-start').click();
    await importArchive(page, join(DIR, 'README.md'));
    expect(await shownFindingCodes(page)).toEqual(['ARCHIVE_UNREADABLE']);
    await page.getByTestId('nav-receipts').click();
    const finding = page.getByTestId('unplaced-finding');
    await finding.waitFor();
    const text = await finding.innerText();
    expect(text).toContain('"README.md" is not a readable ZIP archive');
    expect(text).toMatch(/Python ExecLayer audit log .* v4 ExecLayer journal: its ledger\.jsonl and dag_head\.json/);
  });

  it('an import that fails (the file changed after it was picked) leaves the database as it was', async () => {
    const { page } = wb;
    const before = await storedRowCounts(page);
    const dir = mkdtempSync(join(tmpdir(), 'tickmark-execlayer-'));
    try {
      const log = join(dir, 'execlayer_audit.log.jsonl');
      copyFileSync(join(DIR, byName('py_valid').files.log as string), log);
      await pickLog(page, [log]);
      // The browser refuses to read a picked file that changed on disk since.
      writeFileSync(log, 'changed\n');
      await page.getByTestId('execlayer-verify').click();
      const failed = page.getByTestId('import-failed');
      await failed.waitFor({ timeout: 60_000 });
      expect(await failed.innerText()).toMatch(
        /^Import of execlayer_audit\.log\.jsonl failed: .+ Nothing of it was kept\.$/,
      );
      expect(await storedRowCounts(page)).toEqual(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
