/**
 * What the window's main thread does while a receipt's reconstruction comes to the screen after
 * a reload: a browser trace (the DevTools protocol's Tracing domain, the Performance panel's own
 * categories) over cold loads of the reconstruction view, cut at the page's marks
 * (`performance.mark` in ReconstructPage.tsx: gathering, gathered, answered, shown) and summed
 * per event name, outermost first, for each stretch between two marks.
 *
 * Not part of `npm test` or `npm run bench` (a measurement to read). Needs the production build
 * and a demo archive made by the e2e suite (test/e2e/big-archive.ts); the archive is imported
 * once through the real UI, then each row is loaded cold (a reload by row) while traced:
 *
 *   NODE_ENV=production npm run -s build:renderer
 *   node --experimental-websocket --import tsx test/bench/trace-reconstruct.ts \
 *     /tmp/tickmark-e2e-archives/demo-200000.zip [loads, default 4] [top, default 10]
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { archiveIdOf, importArchive } from '../e2e/browser.ts';
import { workbenchWithDevTools } from './devtools.ts';

interface TraceEvent {
  readonly ph: string;
  readonly name: string;
  readonly cat: string;
  readonly pid: number;
  readonly tid: number;
  readonly ts: number;
  readonly dur?: number;
  readonly tdur?: number;
  readonly args?: {
    name?: string;
    data?: { functionName?: string; url?: string; type?: string };
    [k: string]: unknown;
  };
}

const [archive, loadsArg = '4', top = '10'] = process.argv.slice(2);
if (!archive) throw new Error('usage: trace-reconstruct.ts <archive.zip> [loads] [top]');
const receipts = Number(/demo-(\d+)/.exec(archive)?.[1] ?? NaN);
if (!Number.isFinite(receipts)) throw new Error(`${archive}: the name does not say how many receipts (demo-N…)`);

let events: TraceEvent[] = [];
let traced: () => void = () => undefined;
const devtools = await workbenchWithDevTools(archive, 9335, 'trace', (message) => {
  if (message.method === 'Tracing.dataCollected')
    events.push(...((message.params as { value?: TraceEvent[] } | undefined)?.value ?? []));
  else if (message.method === 'Tracing.tracingComplete') traced();
});
const { workbench, send } = devtools;
const { page } = workbench;
const importStarted = performance.now();
await importArchive(page, archive).catch(() => page.getByTestId('dashboard').waitFor({ timeout: 1_800_000 }));
console.log(`imported in ${((performance.now() - importStarted) / 1000).toFixed(0)} s`);
const archiveId = archiveIdOf(page);
const base = page.url().split('#')[0];

const MARKS = ['reconstruct: gathering', 'reconstruct: gathered', 'reconstruct: answered', 'reconstruct: shown'];
const loads = Number(loadsArg);
for (let i = 0; i < loads; i += 1) {
  const row = Math.floor(((i + 1) * receipts) / (loads + 1));
  await page.goto(`${base}#/archive/${archiveId}/receipt/?row=${row}`);
  await page.locator('[data-testid="reconstruct-page"][data-ready-ms]').waitFor({ timeout: 60_000 });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  events = [];
  const done = new Promise<void>((resolve) => (traced = resolve));
  await send('Tracing.start', {
    transferMode: 'ReportEvents',
    traceConfig: {
      includedCategories: [
        '__metadata',
        'toplevel',
        'devtools.timeline',
        'disabled-by-default-devtools.timeline',
        'blink.user_timing',
        'v8.execute',
        'v8',
        'blink',
        'loading',
        'disabled-by-default-v8.cpu_profiler',
      ],
      recordMode: 'recordContinuously',
    },
  });
  await page.reload();
  const el = page.locator('[data-testid="reconstruct-page"][data-shown-ms]');
  await el.waitFor({ timeout: 60_000 });
  const shownMs = await el.getAttribute('data-shown-ms');
  const answeredMs = await el.getAttribute('data-answered-ms');
  await new Promise((resolve) => setTimeout(resolve, 300));
  await send('Tracing.end');
  await done;
  console.log(`\n##### load ${i + 1}, row ${row}: answered ${answeredMs} ms, shown ${shownMs} ms after the address`);
  report(events);
  // The whole trace, for Chromium's Performance panel or a closer look (TRACE_OUT=<folder>).
  if (process.env.TRACE_OUT)
    await writeFile(join(process.env.TRACE_OUT, `reconstruct-${i + 1}.json`), JSON.stringify({ traceEvents: events }));
}
await devtools.close();

function report(all: readonly TraceEvent[]): void {
  const threadNames = new Map<string, string>();
  for (const e of all)
    if (e.ph === 'M' && e.name === 'thread_name') threadNames.set(`${e.pid}:${e.tid}`, String(e.args?.name ?? ''));
  // The page's marks name the renderer's main thread.
  const marks = all.filter((e) => e.cat.includes('blink.user_timing') && MARKS.includes(e.name));
  const first = marks[0];
  if (!first) {
    console.log('no marks in the trace');
    return;
  }
  const main = `${first.pid}:${first.tid}`;
  const at = new Map<string, number>();
  for (const m of marks) if (!at.has(m.name)) at.set(m.name, m.ts);
  const cuts = MARKS.flatMap((name) => (at.has(name) ? [{ name, ts: at.get(name) as number }] : []));
  console.log(
    `main thread ${threadNames.get(main) ?? main}; marks: ${cuts.map((c) => `${c.name} +${((c.ts - cuts[0]!.ts) / 1000).toFixed(1)}`).join(', ')}`,
  );
  const onMain = all
    .filter((e) => `${e.pid}:${e.tid}` === main && e.ph === 'X' && e.dur !== undefined)
    .sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
  const complete = all
    .filter((e) => e.ph === 'X' && e.dur !== undefined)
    .sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
  for (let c = 0; c + 1 < cuts.length; c += 1) {
    const from = cuts[c]!.ts;
    const to = cuts[c + 1]!.ts;
    console.log(`-- ${cuts[c]!.name} → ${cuts[c + 1]!.name}: ${((to - from) / 1000).toFixed(1)} ms`);
    // Every thread's busy time in the stretch (outermost events, clipped).
    const busy = new Map<string, number>();
    const openUntil = new Map<string, number>();
    for (const e of complete) {
      const id = `${e.pid}:${e.tid}`;
      const end = e.ts + (e.dur ?? 0);
      if (e.ts < (openUntil.get(id) ?? -Infinity)) continue;
      openUntil.set(id, end);
      if (end <= from || e.ts >= to) continue;
      busy.set(id, (busy.get(id) ?? 0) + (Math.min(end, to) - Math.max(e.ts, from)) / 1000);
    }
    console.log(
      `   busy: ${[...busy]
        .filter(([, ms]) => ms >= 1)
        .sort((a, b) => b[1] - a[1])
        .map(([id, ms]) => `${id === main ? 'MAIN' : (threadNames.get(id) ?? id)} ${ms.toFixed(1)}`)
        .join(', ')}`,
    );
    // The main thread's outermost tasks in order, each with its largest named events inside.
    const tasks = onMain.filter((e) => {
      const end = e.ts + (e.dur ?? 0);
      return end > from && e.ts < to && (e.dur ?? 0) >= 1000;
    });
    let until = -Infinity;
    for (const t of tasks) {
      if (t.ts < until) continue;
      until = t.ts + (t.dur ?? 0);
      const inside = onMain
        .filter((e) => e !== t && e.ts >= t.ts && e.ts + (e.dur ?? 0) <= until && (e.dur ?? 0) >= 1000)
        .filter((e) => !/^(RunTask|ThreadControllerImpl::RunTask)$/.test(e.name));
      const named = inside
        .sort((a, b) => (b.dur ?? 0) - (a.dur ?? 0))
        .slice(0, Number(top))
        .map(
          (e) =>
            `${e.name}${e.args?.data?.functionName ? `(${e.args.data.functionName})` : ''}${e.args?.data?.type ? `[${e.args.data.type}]` : ''} ${((e.dur ?? 0) / 1000).toFixed(1)}`,
        );
      console.log(
        `   +${((t.ts - from) / 1000).toFixed(1).padStart(6)} ${((t.dur ?? 0) / 1000).toFixed(1).padStart(6)} ms: ${named.join(', ')}`,
      );
    }
  }
}
