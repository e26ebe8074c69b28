/**
 * Where an app import's time goes inside each worker: V8's sampling profiler in every worker
 * of the workbench (the verify worker and its pool of segment workers) and in the window's
 * main thread (storing, progress), over the DevTools protocol, while Chromium imports an
 * archive through the real UI. Prints each thread's busy and idle time and its top functions
 * by self time, named through the build's source maps;
 * writes each profile to /tmp/tickmark-profile-<worker>-<n>.cpuprofile (DevTools opens them).
 *
 * Not part of `npm test` or `npm run bench` (a measurement to read, not a check). Needs the
 * production build and a demo archive made by the e2e suite (test/e2e/big-archive.ts):
 *
 *   NODE_ENV=production npm run -s build:renderer
 *   node --experimental-websocket --import tsx test/bench/profile-import.ts \
 *     /tmp/tickmark-e2e-archives/demo-30000.zip [stop after ms, default 9000] [top, default 25]
 *
 * The profilers stop after the given time, before the import ends: the pool's workers end
 * with the import, and their profiles with them. docs/PERFORMANCE.md has the figures.
 */
import { importArchive } from '../e2e/browser.ts';
import { threadProfiler, workbenchWithDevTools, type WorkbenchDevTools } from './devtools.ts';

const [archive, stopAfter = '9000', top = '25'] = process.argv.slice(2);
if (!archive) throw new Error('usage: profile-import.ts <archive.zip> [stop after ms] [top]');
const profiler = threadProfiler();
const devtools: WorkbenchDevTools = await workbenchWithDevTools(archive, 9333, 'profile', profiler.onEvent);
profiler.bind(devtools);
const { workbench } = devtools;
// The window's main thread too (storing, progress, the UI).
await profiler.profilePage(await profiler.attachPage());

const started = performance.now();
const imported = importArchive(workbench.page, archive).catch(() =>
  workbench.page.getByTestId('dashboard').waitFor({ timeout: 1_800_000 }),
);
await new Promise((resolve) => setTimeout(resolve, Number(stopAfter)));

const out = [
  `profiles stopped at ${((performance.now() - started) / 1000).toFixed(1)} s of the import`,
  ...(await profiler.stopAll(Number(top))),
];
console.log(out.join('\n'));
await imported;
console.log(`import: ${((performance.now() - started) / 1000).toFixed(1)} s to the dashboard`);
await devtools.close();
