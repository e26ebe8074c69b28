/**
 * Where the workbench's decision impact spends its time: imports an archive through the real
 * UI, opens the policy diff, starts V8's sampling profiler in every worker that starts from then
 * on (the impact pool's) and in the window's main thread, runs the impact and prints each
 * thread's busy and idle time and top functions by self time (named through the build's source
 * maps), with the page's own figures (time in the workers, time waiting for the store).
 *
 * Not part of `npm test` or `npm run bench` (a measurement to read, not a check). Needs the
 * production build and an archive with its `<archive>.json` (root key) beside it:
 *
 *   NODE_ENV=production npm run -s build:renderer
 *   node --experimental-websocket --import tsx test/bench/profile-impact.ts \
 *     /tmp/tickmark-bench/independent-100000.zip [top, default 25]
 */
import { archiveIdOf, importArchive } from '../e2e/browser.ts';
import { threadProfiler, workbenchWithDevTools, type WorkbenchDevTools } from './devtools.ts';

const [archive, top = '25'] = process.argv.slice(2);
if (!archive) throw new Error('usage: profile-impact.ts <archive.zip> [top]');
// The import's workers are let run unprofiled; the impact's are profiled from the diff's open.
let profiling = false;
const profiler = threadProfiler(() => profiling);
const devtools: WorkbenchDevTools = await workbenchWithDevTools(archive, 9334, 'profile', profiler.onEvent);
profiler.bind(devtools);
const { workbench } = devtools;
const { page } = workbench;
const pageSession = await profiler.attachPage();

const importing = performance.now();
await importArchive(page, archive).catch(() => page.getByTestId('dashboard').waitFor({ timeout: 1_800_000 }));
console.log(`import: ${((performance.now() - importing) / 1000).toFixed(1)} s to the dashboard`);
const base = page.url().split('#')[0] as string;
const id = archiveIdOf(page);
// A fresh page load: the import's workers are gone, the impact's start with the diff.
profiling = true;
// A scan's workers end as each finishes its share, and their profiles with them: here they are
// kept until their profiles are taken (the page is closed at the end).
await page.addInitScript(() => {
  Worker.prototype.terminate = () => undefined;
});
await page.goto(`${base}#/archive/${id}/bundles/diff`);
await page.reload();
await page.getByTestId('impact-run').waitFor({ timeout: 60_000 });
await profiler.profilePage(pageSession);
const started = performance.now();
await page.getByTestId('impact-run').click();
await page.getByTestId('impact-result').waitFor({ timeout: 1_800_000 });
const wall = (performance.now() - started) / 1000;
const result = page.getByTestId('impact-result');
const ms = Number(await result.getAttribute('data-ms'));
const readMs = Number(await result.getAttribute('data-read-ms'));

const out = [
  `impact: ${(ms / 1000).toFixed(1)} s in the workers, ${wall.toFixed(1)} s to screen; waiting for the store ${(readMs / 1000).toFixed(1)} s summed over the workers`,
];
out.push(...(await profiler.stopAll(Number(top))));
console.log(out.join('\n'));
await devtools.close();
