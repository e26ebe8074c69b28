/**
 * How long the bundles screen takes to show an imported archive's bundles, and the window's
 * longest task meanwhile: the screen builds the archive's keyring in the window (keys.json's
 * certificates and revocations verified), which for an archive with a key or two per ledger
 * and hundreds of ledgers is hundreds of signatures.
 *
 * Not part of `npm test` or `npm run bench` (a measurement to read). Needs the production build:
 *
 *   NODE_ENV=production npm run -s build:renderer
 *   node --experimental-websocket --import tsx test/bench/bundles-open.ts <archive.zip> [times, default 3]
 */
import { archiveIdOf, importArchive } from '../e2e/browser.ts';
import { workbenchWithDevTools } from './devtools.ts';

const [archive, times = '3'] = process.argv.slice(2);
if (!archive) throw new Error('usage: bundles-open.ts <archive.zip> [times]');
const devtools = await workbenchWithDevTools(archive, 9334, 'bundles', () => undefined);
const { page } = devtools.workbench;
try {
  await importArchive(page, archive);
  await page.getByTestId('dashboard').waitFor({ timeout: 1_800_000 });
  const archiveId = archiveIdOf(page);
  for (let i = 0; i < Number(times); i++) {
    await page.goto(`${page.url().split('#')[0]}#/archive/${archiveId}`);
    await page.getByTestId('dashboard').waitFor();
    await page.evaluate(() => {
      const w = window as unknown as { longest: number };
      w.longest = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.longest = Math.max(w.longest, e.duration);
      }).observe({ type: 'longtask' });
    });
    const started = Date.now();
    await page.goto(`${page.url().split('#')[0]}#/archive/${archiveId}/bundles`);
    await page.getByTestId('bundle-lineage').first().waitFor({ timeout: 120_000 });
    const ms = Date.now() - started;
    const longest = await page.evaluate(() => (window as unknown as { longest: number }).longest);
    console.log(`bundles screen ${i + 1}: shown in ${ms} ms, the window's longest task ${Math.round(longest)} ms`);
  }
} finally {
  await devtools.close();
}
