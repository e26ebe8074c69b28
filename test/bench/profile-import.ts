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
import { summarizeProfile, workbenchWithDevTools, type Profile, type WorkbenchDevTools } from './devtools.ts';

const [archive, stopAfter = '9000', top = '25'] = process.argv.slice(2);
if (!archive) throw new Error('usage: profile-import.ts <archive.zip> [stop after ms] [top]');
const autoAttach = { autoAttach: true, waitForDebuggerOnStart: true, flatten: true };
const workers = new Map<string, string>();
// The browser's DevTools endpoint, with flat sessions: every worker is attached as it starts.
const devtools: WorkbenchDevTools = await workbenchWithDevTools(archive, 9333, 'profile', (message) => {
  const params = message.params as { sessionId: string; targetInfo: { type: string; url: string } } | undefined;
  if (message.method !== 'Target.attachedToTarget' || !params) return;
  const { sessionId, targetInfo } = params;
  void (async () => {
    if (targetInfo.type === 'worker') {
      workers.set(sessionId, targetInfo.url.split('/').pop() ?? targetInfo.url);
      await send('Profiler.enable', {}, sessionId);
      await send('Profiler.setSamplingInterval', { interval: 500 }, sessionId);
      await send('Profiler.start', {}, sessionId);
    }
    // Nested workers (the pool starts inside the verify worker) are attached too.
    await send('Target.setAutoAttach', autoAttach, sessionId);
    await send('Runtime.runIfWaitingForDebugger', {}, sessionId);
  })();
});
const { workbench } = devtools;
function send<T = unknown>(method: string, params: object = {}, sessionId?: string): Promise<T> {
  return devtools.send<T>(method, params, sessionId);
}
const targets = await send<{ targetInfos: { type: string; targetId: string }[] }>('Target.getTargets');
const page = targets.targetInfos.find((t) => t.type === 'page');
if (!page) throw new Error('no page target');
const { sessionId: pageSession } = await send<{ sessionId: string }>('Target.attachToTarget', {
  targetId: page.targetId,
  flatten: true,
});
await send('Target.setAutoAttach', autoAttach, pageSession);
// The window's main thread too (storing, progress, the UI).
workers.set(pageSession, 'window');
await send('Profiler.enable', {}, pageSession);
await send('Profiler.setSamplingInterval', { interval: 500 }, pageSession);
await send('Profiler.start', {}, pageSession);

const started = performance.now();
const imported = importArchive(workbench.page, archive).catch(() =>
  workbench.page.getByTestId('dashboard').waitFor({ timeout: 1_800_000 }),
);
await new Promise((resolve) => setTimeout(resolve, Number(stopAfter)));

const out: string[] = [`profiles stopped at ${((performance.now() - started) / 1000).toFixed(1)} s of the import`];
let n = 0;
for (const [sessionId, file] of workers) {
  const stopped = await send<{ profile?: Profile }>('Profiler.stop', {}, sessionId);
  if (!stopped?.profile) out.push(`${file}: no profile (the worker had ended)`);
  else out.push(...(await summarizeProfile(stopped.profile, file, ++n, Number(top))));
}
console.log(out.join('\n'));
await imported;
console.log(`import: ${((performance.now() - started) / 1000).toFixed(1)} s to the dashboard`);
await devtools.close();
