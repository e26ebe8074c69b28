/**
 * The reference samples (made by an independent producer) imported through the UI, with
 * the root from cases.json pinned: what an auditor sees must match what cases.json
 * expects, and stay the same after a reload.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  importArchive,
  openWorkbench,
  pinRootKey,
  screenshot,
  seriousViolations,
  shownFindingCodes,
  type Workbench,
} from './browser.ts';
import { RUN_SAMPLE_TESTS, SAMPLES_DIR as samplesDir } from '../support/shared-dir.ts';

// Off CI, without ../shared/samples, these are skipped (shared-dir.ts warns); under CI=true
// they run and fail, reading cases.json here.
const haveSamples = RUN_SAMPLE_TESTS;

interface Cases {
  root_public_key: string;
  cases: Record<string, { expect: string[]; trust: boolean }>;
}
const cases: Cases = haveSamples
  ? JSON.parse(readFileSync(join(samplesDir, 'cases.json'), 'utf8'))
  : { root_public_key: '', cases: {} };

describe('reference samples', () => {
  let wb: Workbench;
  beforeAll(async () => {
    if (!haveSamples) return;
    wb = await openWorkbench(inject('baseUrl'));
    await pinRootKey(wb.page, cases.root_public_key, 'Reference samples root');
  });
  afterAll(async () => {
    await wb?.close();
  });

  it.skipIf(!haveSamples)('valid.zip: 1,200 receipts, no finding, every ledger verified', async () => {
    const { page } = wb;
    await importArchive(page, join(samplesDir, 'valid.zip'));
    await expect.poll(() => page.getByTestId('receipt-count').textContent()).toBe('1,200');
    expect(await page.getByTestId('no-findings').isVisible()).toBe(true);
    expect(await shownFindingCodes(page)).toEqual([]);
    const states = await page
      .locator('[data-testid^="ledger-row-"]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-state')));
    expect(states.length).toBe(2);
    expect(states.every((s) => s === 'verified')).toBe(true);
    expect(await page.getByTestId('verdict').getAttribute('class')).toContain('verdict-good');
    await screenshot(page, 'dashboard-valid');
  });

  for (const name of ['modified_field', 'truncated', 'decision_mismatch'] as const) {
    it.skipIf(!haveSamples)(`${name}.zip: shows ${(cases.cases[name]?.expect ?? []).join(', ')}`, async () => {
      const { page } = wb;
      const expected = cases.cases[name]?.expect ?? [];
      expect(expected.length).toBeGreaterThan(0);
      await page.getByTestId('nav-start').click();
      await importArchive(page, join(samplesDir, `${name}.zip`));
      const shown = await shownFindingCodes(page);
      for (const code of expected) expect(shown).toContain(code);
      await screenshot(page, `dashboard-${name}`);
      expect(await seriousViolations(page)).toEqual([]);
    });
  }

  it.skipIf(!haveSamples)('a reload shows the same archives and the same findings', async () => {
    const { page } = wb;
    // The dashboard on screen is decision_mismatch.zip's, the last one imported above.
    const before = await shownFindingCodes(page);
    expect(before).toEqual(['DECISION_MISMATCH', 'TIER_VIOLATION']);
    const url = page.url();
    await page.reload();
    await page.getByTestId('dashboard').waitFor();
    expect(page.url()).toBe(url);
    expect(await shownFindingCodes(page)).toEqual(before);
    await page.getByTestId('nav-start').click();
    await expect
      .poll(async () => (await page.getByTestId('archive-link').allTextContents()).sort())
      .toEqual(['decision_mismatch.zip', 'modified_field.zip', 'truncated.zip', 'valid.zip']);
    await screenshot(page, 'start-after-reload');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it.skipIf(!haveSamples)(
    'a finding count clicks through to exactly the receipts it names, with their canonical JSON',
    async () => {
      const { page } = wb;
      await page.getByTestId('archive-link').filter({ hasText: 'modified_field.zip' }).click();
      await page.getByTestId('dashboard').waitFor();
      await page.getByTestId('code-count-SIGNATURE_INVALID').click();
      await page.getByTestId('receipts-page').waitFor();
      const rows = page.getByTestId('receipt-row');
      await expect.poll(() => rows.count()).toBeGreaterThan(0);
      const findingsText = await page.getByTestId('receipt-row-findings').allTextContents();
      expect(findingsText.every((t) => t.includes('SIGNATURE_INVALID'))).toBe(true);
      await rows.first().click();
      const detail = page.getByTestId('receipt-detail');
      await detail.waitFor();
      await expect.poll(() => page.getByTestId('detail-canonical').textContent()).toMatch(/^\{"agent":/);
      expect(await detail.locator('[data-code="SIGNATURE_INVALID"]').count()).toBe(1);
      await screenshot(page, 'receipts-signature-invalid');
      expect(await seriousViolations(page)).toEqual([]);
      // Keyboard: the grid is one tab stop; arrows move the selection.
      await page.getByTestId('filter-clear').click();
      // The keys must reach the unfiltered grid, not the filtered one still on screen.
      await expect.poll(() => page.url()).not.toContain('code=');
      await expect.poll(() => page.getByTestId('receipt-result-count').getAttribute('data-rows')).toBe('1200');
      await page.getByTestId('receipt-grid').focus();
      await page.keyboard.press('Home');
      await expect.poll(() => page.url()).toMatch(/[?&]row=0(&|$)/);
      await page.keyboard.press('ArrowDown');
      await expect.poll(() => page.url()).toMatch(/[?&]row=1(&|$)/);
      await expect.poll(() => page.getByTestId('detail-canonical').textContent()).toContain('"seq":2');
      await screenshot(page, 'receipts-all');
      expect(wb.errors).toEqual([]);
    },
  );
});
