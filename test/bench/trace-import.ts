/**
 * What Chromium's own threads do during an app import: a browser trace (the DevTools
 * protocol's Tracing domain, category `toplevel`) over the first seconds of an import through
 * the real UI, summed per thread and per task (`ThreadPool_RunTask` and the like, named by the
 * code that posted them). It answers what the renderer's thread pool spends its CPU on, which a
 * JavaScript profile cannot see.
 *
 * Not part of `npm test` or `npm run bench` (a measurement to read). Needs the production build
 * and a demo archive made by the e2e suite (test/e2e/big-archive.ts):
 *
 *   NODE_ENV=production npm run -s build:renderer
 *   node --experimental-websocket --import tsx test/bench/trace-import.ts \
 *     /tmp/tickmark-e2e-archives/demo-200000.zip [trace for ms, default 15000] [top, default 12]
 */
import { importArchive } from '../e2e/browser.ts';
import { workbenchWithDevTools } from './devtools.ts';

interface TraceEvent {
  readonly ph: string;
  readonly name: string;
  readonly pid: number;
  readonly tid: number;
  readonly ts: number;
  readonly dur?: number;
  readonly tdur?: number;
  readonly args?: { name?: string; src_file?: string; src_func?: string; [k: string]: unknown };
}

const [archive, traceFor = '15000', top = '12'] = process.argv.slice(2);
if (!archive) throw new Error('usage: trace-import.ts <archive.zip> [trace for ms] [top]');
const events: TraceEvent[] = [];
let traced: () => void = () => undefined;
const done = new Promise<void>((resolve) => (traced = resolve));
const devtools = await workbenchWithDevTools(archive, 9334, 'trace', (message) => {
  if (message.method === 'Tracing.dataCollected')
    events.push(...((message.params as { value?: TraceEvent[] } | undefined)?.value ?? []));
  else if (message.method === 'Tracing.tracingComplete') traced();
});
const { workbench, send } = devtools;

await send('Tracing.start', {
  transferMode: 'ReportEvents',
  traceConfig: { includedCategories: ['toplevel', '__metadata'], recordMode: 'recordContinuously' },
});
const started = performance.now();
const imported = importArchive(workbench.page, archive).catch(() =>
  workbench.page.getByTestId('dashboard').waitFor({ timeout: 1_800_000 }),
);
await new Promise((resolve) => setTimeout(resolve, Number(traceFor)));
await send('Tracing.end');
await done;
const tracedMs = performance.now() - started;

const processNames = new Map<number, string>();
const threadNames = new Map<string, string>();
for (const e of events) {
  if (e.ph !== 'M') continue;
  if (e.name === 'process_name') processNames.set(e.pid, String(e.args?.name ?? e.pid));
  if (e.name === 'thread_name') threadNames.set(`${e.pid}:${e.tid}`, String(e.args?.name ?? e.tid));
}
// Per thread kind (process / thread name without its number): CPU of top-level tasks, and by task.
// Outermost tasks only: a task run inside another is already in the other's time.
const threads = new Map<string, { cpu: number; wall: number; tasks: Map<string, number> }>();
const openUntil = new Map<string, number>();
const complete = events.filter((e) => e.ph === 'X' && e.dur !== undefined).sort((a, b) => a.ts - b.ts);
for (const e of complete) {
  if (e.dur === undefined) continue;
  const id = `${e.pid}:${e.tid}`;
  if (e.ts < (openUntil.get(id) ?? -Infinity)) continue;
  openUntil.set(id, e.ts + e.dur);
  const process = processNames.get(e.pid) ?? String(e.pid);
  const thread = (threadNames.get(`${e.pid}:${e.tid}`) ?? String(e.tid)).replace(/\d+$/, '');
  const key = `${process} / ${thread}`;
  const entry = threads.get(key) ?? { cpu: 0, wall: 0, tasks: new Map<string, number>() };
  threads.set(key, entry);
  const cpu = e.tdur ?? e.dur;
  entry.cpu += cpu;
  entry.wall += e.dur;
  const where = e.args?.src_func ? `${e.name} ← ${e.args.src_func} (${e.args.src_file ?? '?'})` : e.name;
  entry.tasks.set(where, (entry.tasks.get(where) ?? 0) + cpu);
}
const out = [`trace of the first ${(tracedMs / 1000).toFixed(1)} s of the import: ${events.length} events`];
for (const [key, entry] of [...threads].sort((a, b) => b[1].cpu - a[1].cpu).slice(0, 10)) {
  out.push(`== ${key}: tasks' CPU ${(entry.cpu / 1e6).toFixed(2)} s (wall ${(entry.wall / 1e6).toFixed(2)} s)`);
  for (const [where, us] of [...entry.tasks].sort((a, b) => b[1] - a[1]).slice(0, Number(top)))
    out.push(`${((100 * us) / entry.cpu).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${where}`);
}
console.log(out.join('\n'));
await imported;
await devtools.close();
