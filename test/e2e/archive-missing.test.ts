/**
 * An address naming an archive the workbench does not hold (removed, or never imported):
 * every screen about one archive says so the same way (renderer/components/ArchiveNotReady.tsx),
 * with the way back to the start page, never an empty screen or a table that reads as zero.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openWorkbench, screenshot, seriousViolations, type Workbench } from './browser.ts';

const SCREENS = ['', '/receipts', '/privacy', '/controls', '/metrics', '/bundles', '/samples'];

describe('an archive that is not stored', () => {
  let wb: Workbench;
  beforeAll(async () => {
    wb = await openWorkbench(inject('baseUrl'));
  });
  afterAll(async () => {
    await wb?.close();
  });

  it.each(SCREENS)('#/archive/<unknown>%s says "Archive not found" and links back to start', async (screen) => {
    const { page } = wb;
    await page.goto(`${inject('baseUrl')}#/archive/no-such-archive${screen}`);
    await page.getByTestId('archive-missing').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Archive not found');
    expect(await page.getByTestId('archive-missing').innerText()).toBe(
      'This archive is not stored in the workbench (it may have been removed).',
    );
    const back = page.getByRole('link', { name: 'Back to start' });
    expect(await back.getAttribute('href')).toBe('#/');
    if (screen === '') {
      await screenshot(page, 'archive-missing');
      expect(await seriousViolations(page)).toEqual([]);
      await back.click();
      await page.getByTestId('start-page').waitFor();
    }
    expect(wb.errors).toEqual([]);
  });
});
