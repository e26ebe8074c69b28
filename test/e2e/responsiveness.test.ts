/**
 * Responsiveness measurement, not a pass/fail gate on time: while a large demo archive
 * verifies in the worker, real input events (Tab presses and mouse moves dispatched through
 * the browser) are timed in the page from each event's `timeStamp` to the next animation
 * frame after its handler ran, i.e. until the window could show a reaction. The progress
 * bar's text (receipts done, rate, time left) and the cancel button are sampled alongside.
 * Prints the figures; the assertions check behaviour that holds on any machine: each input had
 * its effect (a Tab press moved the focus, the page saw the pointer where it was moved), some of
 * them while the progress bar was up, and the progress advanced.
 *
 *   npx vitest run --project e2e test/e2e/responsiveness.test.ts
 *   TICKMARK_E2E_RESPONSIVENESS_RECEIPTS=1000000 npx vitest run --project e2e test/e2e/responsiveness.test.ts
 *   TICKMARK_E2E_RESPONSIVENESS_SEGMENT=50000 …   (receipts per segment file; the demo's 1,000 by default:
 *                                                 progress must move whatever a producer's file sizes, issue 18)
 *   TICKMARK_E2E_RESPONSIVENESS_ARCHIVE=/path/archive.zip …   (an archive made elsewhere, such as by
 *                                                 test/bench/independent-producer.py; its `.json` beside it names
 *                                                 rootPublicKey, receipts and, if it has any, plantedCodes)
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bigArchive, givenArchive, type BigArchive } from './big-archive.ts';
import { openWorkbench, pinRootKey, shownFindingCodes, startImport, type Workbench } from './browser.ts';
import { chromiumCpuSeconds, threadCpuTracker } from './process-cpu.ts';

const GIVEN = process.env.TICKMARK_E2E_RESPONSIVENESS_ARCHIVE
  ? givenArchive(process.env.TICKMARK_E2E_RESPONSIVENESS_ARCHIVE)
  : null;
const RECEIPTS = GIVEN?.receipts ?? Number(process.env.TICKMARK_E2E_RESPONSIVENESS_RECEIPTS ?? 200_000);
const PER_SEGMENT = Number(process.env.TICKMARK_E2E_RESPONSIVENESS_SEGMENT ?? 1000);
const SAMPLE_EVERY_MS = 250;
/** Generous limits, so a slow machine or a 1M run measures rather than times out. */
const BUILD_TIMEOUT_MS = 60_000 + RECEIPTS;
const IMPORT_TIMEOUT_MS = 120_000 + RECEIPTS * 2;

interface ProgressSample {
  readonly atMs: number;
  /** The page's clock (performance.now()) when sampled. */
  readonly pageMs: number;
  readonly importing: boolean;
  readonly phase: string;
  readonly receipts: string;
  readonly bytes: string;
  /** "N of M" checkpoints verified, where the archive has checkpoints. */
  readonly checkpoints: string;
  readonly rate: string;
  readonly timeLeft: string;
  readonly cancelPresent: boolean;
  readonly cancelEnabled: boolean;
}

interface PageProbe {
  /** Set just before the test sends an input: only that event is timed, not others the browser makes up. */
  armed: boolean;
  latencies: { kind: string; ms: number }[];
  longTasks: { startMs: number; ms: number }[];
  progressRenders: number;
  /** Every phase heading the import page showed, in order, each once in a row. */
  phases: string[];
  /** The parts the saving step showed written ("3 of 18"), in order, each once in a row. */
  savedParts: string[];
  /** How far indexing showed itself ("45" for "…, 45%"), in order, each once in a row. */
  indexedPercents: number[];
  /** Where the last pointermove the page received was. */
  lastPointer: { x: number; y: number } | null;
}

/** Installs the in-page probe: input-to-next-frame latency, long tasks, progress renders. */
async function installProbe(page: Page): Promise<void> {
  await page.evaluate(() => {
    const probe: PageProbe = {
      armed: false,
      latencies: [],
      longTasks: [],
      progressRenders: 0,
      phases: [],
      savedParts: [],
      indexedPercents: [],
      lastPointer: null,
    };
    window.addEventListener('pointermove', (event) => {
      probe.lastPointer = { x: event.clientX, y: event.clientY };
    });
    (window as unknown as { __probe: PageProbe }).__probe = probe;
    const time = (event: Event) => {
      if (!probe.armed) return;
      probe.armed = false;
      const { timeStamp, type } = event;
      // The frame callback runs once this handler (and any other of this event) returned
      // and the task that delivered the event ended: the earliest the screen can react.
      requestAnimationFrame(() => probe.latencies.push({ kind: type, ms: performance.now() - timeStamp }));
    };
    window.addEventListener('keydown', time, { capture: true });
    window.addEventListener('pointermove', time, { capture: true });
    try {
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) probe.longTasks.push({ startMs: entry.startTime, ms: entry.duration });
      }).observe({ type: 'longtask' });
    } catch {
      // No Long Tasks API: the latencies alone are reported.
    }
    let last = '';
    new MutationObserver(() => {
      const text = document.querySelector('[data-testid="import-receipts"]')?.textContent ?? '';
      if (text !== '' && text !== last) {
        last = text;
        probe.progressRenders++;
      }
      const heading = document.querySelector('[data-testid="import-phase"]')?.textContent ?? '';
      // The saving step counts its parts and indexing its share done: the phase is named
      // without them, the counts kept apart.
      const parts = /^(.*), part ([\d,]+ of [\d,]+)$/.exec(heading);
      const percent = /^(.*), (\d+)%$/.exec(heading);
      const phase = parts ? (parts[1] as string) : percent ? (percent[1] as string) : heading;
      if (phase !== '' && phase !== probe.phases.at(-1)) probe.phases.push(phase);
      if (parts && parts[2] !== probe.savedParts.at(-1)) probe.savedParts.push(parts[2] as string);
      if (percent && Number(percent[2]) !== probe.indexedPercents.at(-1))
        probe.indexedPercents.push(Number(percent[2]));
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}

/** Whether an input had its effect (checked in the page until it shows, 5 s at most), and whether the import was still on. */
interface InputEffect {
  readonly happened: boolean;
  readonly whileImporting: boolean;
}

/** After a Tab press: the focused element is no longer the one before it. */
async function focusMoved(page: Page): Promise<InputEffect> {
  return page.evaluate(
    () =>
      new Promise<InputEffect>((resolve) => {
        const before = (window as unknown as { __focusBefore: Element | null }).__focusBefore;
        const started = performance.now();
        const check = () => {
          const happened = document.activeElement !== before;
          if (happened || performance.now() - started > 5000)
            resolve({
              happened,
              whileImporting: document.querySelector('[data-testid="import-progress"]') !== null,
            });
          else requestAnimationFrame(check);
        };
        check();
      }),
  );
}

/** After a mouse move: the page's last pointermove was at (x, y). */
async function pointerSeenAt(page: Page, x: number, y: number): Promise<InputEffect> {
  return page.evaluate(
    ({ x, y }) =>
      new Promise<InputEffect>((resolve) => {
        const started = performance.now();
        const check = () => {
          const last = (window as unknown as { __probe: PageProbe }).__probe.lastPointer;
          const happened = last !== null && last.x === x && last.y === y;
          if (happened || performance.now() - started > 5000)
            resolve({
              happened,
              whileImporting: document.querySelector('[data-testid="import-progress"]') !== null,
            });
          else requestAnimationFrame(check);
        };
        check();
      }),
    { x, y },
  );
}

async function readProbe(page: Page): Promise<PageProbe> {
  return page.evaluate(() => (window as unknown as { __probe: PageProbe }).__probe);
}

async function sampleProgress(page: Page, startedAt: number): Promise<ProgressSample> {
  const sample = await page.evaluate(() => {
    (window as unknown as { __probe: PageProbe }).__probe.armed = true;
    const text = (selector: string) => document.querySelector(selector)?.textContent?.trim() ?? '';
    const facts: Record<string, string> = {};
    for (const pair of document.querySelectorAll('[data-testid="import-page"] dl > div')) {
      facts[pair.querySelector('dt')?.textContent?.trim() ?? ''] = pair.querySelector('dd')?.textContent?.trim() ?? '';
    }
    const cancel = document.querySelector<HTMLButtonElement>('[data-testid="cancel-import"]');
    return {
      pageMs: performance.now(),
      importing: document.querySelector('[data-testid="import-progress"]') !== null,
      phase: text('[data-testid="import-phase"]'),
      receipts: text('[data-testid="import-receipts"]'),
      bytes: text('[data-testid="import-bytes"]'),
      checkpoints: text('[data-testid="import-checkpoints"]'),
      rate: facts['Rate'] ?? '',
      timeLeft: facts['Time left'] ?? '',
      cancelPresent: cancel !== null,
      cancelEnabled: cancel !== null && !cancel.disabled,
    };
  });
  return { atMs: Date.now() - startedAt, ...sample };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

const count = (n: number) => n.toLocaleString('en-US');
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '—');
const sleep = (delay: number) => new Promise((resolve) => setTimeout(resolve, delay));

describe(`the window while a ${count(RECEIPTS)}-receipt archive verifies`, () => {
  let wb: Workbench;
  let archive: BigArchive;
  beforeAll(async () => {
    const built = Date.now();
    archive = GIVEN ?? (await bigArchive(RECEIPTS, PER_SEGMENT));
    console.log(
      `responsiveness: archive of ${count(RECEIPTS)} receipts ready in ${((Date.now() - built) / 1000).toFixed(1)} s (${archive.path})`,
    );
    wb = await openWorkbench(inject('baseUrl'));
    await pinRootKey(wb.page, archive.rootPublicKey, 'End-to-end demo root');
  }, BUILD_TIMEOUT_MS);
  afterAll(async () => {
    await wb?.close();
  });

  it(
    'answers input and shows advancing progress with a cancel button; figures are printed',
    async () => {
      const { page } = wb;
      await installProbe(page);
      const cpuBefore = chromiumCpuSeconds(wb.profile);
      const threads = threadCpuTracker(wb.profile);
      const startedAt = Date.now();
      await startImport(page, archive.path);
      await page.getByTestId('import-progress').waitFor();

      const samples: ProgressSample[] = [];
      const tabs: InputEffect[] = [];
      const pointers: InputEffect[] = [];
      let presses = 0;
      for (let i = 0; ; i++) {
        const sample = await sampleProgress(page, startedAt);
        if (!sample.importing) break;
        samples.push(sample);
        // Alternate a key press (moves focus, like a person tabbing) and a mouse move over
        // an empty part of the page (hover): both are real input through the browser.
        // Each one's effect is checked, not its time: the focus moved; the page saw the pointer there.
        if (i % 2 === 0) {
          await page.evaluate(() => {
            (window as unknown as { __focusBefore: Element | null }).__focusBefore = document.activeElement;
          });
          await page.keyboard.press('Tab');
          tabs.push(await focusMoved(page));
        } else {
          const x = 700 + (i % 4) * 10;
          await page.mouse.move(x, 860);
          pointers.push(await pointerSeenAt(page, x, 860));
        }
        presses++;
        if (Date.now() - startedAt > IMPORT_TIMEOUT_MS) throw new Error('the import did not finish in time');
        threads.sample();
        await sleep(SAMPLE_EVERY_MS);
      }
      await page.getByTestId('dashboard').waitFor({ timeout: IMPORT_TIMEOUT_MS });
      const seconds = (Date.now() - startedAt) / 1000;
      const cpuAfter = chromiumCpuSeconds(wb.profile);
      threads.sample();
      const probe = await readProbe(page);

      // Every input was sent while the progress bar was up (the loop stops at the first
      // sample without it).
      const importEndMs = samples.at(-1)?.atMs ?? 0;
      const latencies = probe.latencies.map((l) => l.ms).sort((a, b) => a - b);
      const over100 = latencies.filter((l) => l > 100).length;
      const distinctReceipts = new Set(samples.map((s) => s.receipts)).size;
      const lastRate = [...samples].reverse().find((s) => s.rate !== '' && s.rate !== '—')?.rate ?? '—';
      const firstMs = samples[0]?.pageMs ?? 0;
      const lastMs = samples.at(-1)?.pageMs ?? 0;
      const describeTasks = (tasks: readonly { startMs: number; ms: number }[]) => {
        const sorted = tasks.slice().sort((a, b) => b.ms - a.ms);
        return `${sorted.length} (total ${ms(sorted.reduce((n, t) => n + t.ms, 0))} ms; longest ${
          sorted
            .slice(0, 5)
            .map((t) => `${ms(t.ms)} ms at ${((t.startMs - firstMs) / 1000).toFixed(1)} s`)
            .join(', ') || '—'
        })`;
      };
      console.log(
        `responsiveness: ${count(RECEIPTS)} receipts; ${latencies.length} input samples (${presses} sent) over ${(importEndMs / 1000).toFixed(1)} s of progress: ` +
          `input-to-next-frame median ${ms(percentile(latencies, 50))} ms, p95 ${ms(percentile(latencies, 95))} ms, max ${ms(latencies[latencies.length - 1] ?? Number.NaN)} ms, ${over100} over 100 ms; ` +
          `import ${Math.round(RECEIPTS / seconds).toLocaleString('en-US')} receipts/s (${seconds.toFixed(1)} s to the dashboard; last rate shown ${lastRate}); ` +
          `progress: ${probe.progressRenders} renders of the receipt count, ${distinctReceipts} distinct values in ${samples.length} samples`,
      );
      const kinds = [...new Set(probe.latencies.map((l) => l.kind))].map((kind) => {
        const these = probe.latencies
          .filter((l) => l.kind === kind)
          .map((l) => l.ms)
          .sort((a, b) => a - b);
        return `${kind} ${these.length}: median ${ms(percentile(these, 50))}, max ${ms(these.at(-1) ?? Number.NaN)} ms`;
      });
      console.log(`responsiveness: by kind: ${kinds.join('; ')}`);
      // Where the import's time went, as the window marked it (import-archive.ts).
      const spent = await page.evaluate(() => {
        const entry = performance.getEntriesByName('tickmark import').at(-1) as PerformanceMeasure | undefined;
        return entry ? { duration: entry.duration, detail: entry.detail as unknown } : null;
      });
      expect(spent).not.toBeNull();
      console.log(
        `responsiveness: CPU used by Chromium's processes during the import: ${
          cpuBefore !== null && cpuAfter !== null
            ? `${(cpuAfter - cpuBefore).toFixed(1)} s (user + system, all cores; compare the command line's with /usr/bin/time)`
            : 'not measured (no /proc, or the browser process was not found)'
        }; by thread (sampled while they ran): ${
          threads
            .since()
            .filter(([, use]) => use.seconds >= 0.1)
            .map(
              ([name, use]) =>
                `${name} ${use.seconds.toFixed(1)} (system ${use.systemSeconds.toFixed(1)}, ${Math.round(use.faults / 1000)}k page faults)`,
            )
            .join(', ') || 'not measured'
        }`,
      );
      console.log(
        `responsiveness: import measured in the window ${ms(spent?.duration ?? Number.NaN)} ms: ${JSON.stringify(spent?.detail, (_k, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v) : v))}`,
      );
      console.log(
        `responsiveness: main-thread long tasks (> 50 ms) while the progress bar was up: ${describeTasks(probe.longTasks.filter((t) => t.startMs <= lastMs))}; ` +
          `after it (storing, building the dashboard): ${describeTasks(probe.longTasks.filter((t) => t.startMs > lastMs))}`,
      );
      // The longest stretch in which nothing the progress shows changed (phase, receipts, bytes, checkpoints),
      // as sampled every SAMPLE_EVERY_MS (plus the input's own time).
      let still = { ms: 0, from: 0, what: '' };
      for (let i = 1, since = 0; i < samples.length; i++) {
        const [a, b] = [samples[i - 1] as ProgressSample, samples[i] as ProgressSample];
        if (a.phase !== b.phase || a.receipts !== b.receipts || a.bytes !== b.bytes || a.checkpoints !== b.checkpoints)
          since = i;
        const s = samples[since] as ProgressSample;
        if (b.atMs - s.atMs > still.ms)
          still = {
            ms: b.atMs - s.atMs,
            from: s.atMs,
            what: `${s.phase} | ${s.receipts} receipts | ${s.bytes}${s.checkpoints ? ` | ${s.checkpoints} checkpoints` : ''}`,
          };
      }
      console.log(
        `responsiveness: ${GIVEN ? 'segment files as the given archive cuts them' : `${count(PER_SEGMENT)} receipts per segment file`}; ${samples.length} progress samples; the progress showed the same for at most ${(still.ms / 1000).toFixed(1)} s (from ${(still.from / 1000).toFixed(1)} s: ${still.what})`,
      );
      // How good the first estimates were: each "time left" shown while verifying, against what
      // was really left (to the last sample that still said "Verifying receipts").
      const verifyingEnd = samples.filter((s) => s.phase === 'Verifying receipts').at(-1)?.atMs ?? 0;
      const estimates = samples
        .filter((s) => s.phase === 'Verifying receipts' && s.timeLeft.startsWith('about'))
        // The first, then about one every 2 s to 20 s, then the middle one.
        .filter((s, i, all) => {
          const first = all[0]?.atMs ?? 0;
          const previous = all[i - 1]?.atMs ?? -Infinity;
          const tick = (ms: number) => Math.floor((ms - first) / 2000);
          return (
            i === 0 || (s.atMs - first < 20_000 && tick(s.atMs) !== tick(previous)) || i === Math.floor(all.length / 2)
          );
        });
      console.log(
        `responsiveness: time left, shown against really left: ${
          estimates
            .map(
              (s) =>
                `at ${(s.atMs / 1000).toFixed(1)} s "${s.timeLeft}" (${((verifyingEnd - s.atMs) / 1000).toFixed(0)} s)`,
            )
            .join(', ') || 'none shown'
        }; "estimating…" shown ${samples.filter((s) => s.timeLeft === 'estimating…').length} times`,
      );
      const picks = [0, Math.floor(samples.length / 2), samples.length - 1].filter(
        (n, i, all) => n >= 0 && all.indexOf(n) === i,
      );
      for (const s of picks.flatMap((n) => samples[n] ?? [])) {
        console.log(
          `responsiveness: at ${(s.atMs / 1000).toFixed(1)} s: ${s.phase} | ${s.receipts} receipts | ${s.bytes} | ${s.checkpoints || 'no'} checkpoints | rate ${s.rate} | time left ${s.timeLeft} | cancel ${s.cancelEnabled ? 'enabled' : s.cancelPresent ? 'disabled' : 'absent'}`,
        );
      }

      // Behaviour that must hold whatever the machine's speed (no times asserted).
      // Every input sent during the import had its effect, and some while the progress bar was still up.
      expect(tabs.length).toBeGreaterThan(0);
      expect(pointers.length).toBeGreaterThan(0);
      expect(tabs.filter((t) => !t.happened)).toEqual([]);
      expect(pointers.filter((t) => !t.happened)).toEqual([]);
      expect(tabs.some((t) => t.whileImporting)).toBe(true);
      expect(pointers.some((t) => t.whileImporting)).toBe(true);
      expect(latencies.length).toBeGreaterThan(0);
      expect(distinctReceipts).toBeGreaterThanOrEqual(3);
      expect(probe.progressRenders).toBeGreaterThanOrEqual(3);
      // After the receipts, what the import does until the dashboard is named step by step.
      console.log(`responsiveness: phases shown: ${probe.phases.join(' → ')}`);
      const storing = probe.phases.slice(probe.phases.indexOf('Storing results'));
      expect(storing.at(-1)).toBe('Storing results: saving to this computer’s database');
      // Saving shows its parts written: counted up, never past the total, which does not change.
      console.log(`responsiveness: saving showed parts ${probe.savedParts.join(', ')}`);
      expect(probe.savedParts.length).toBeGreaterThan(0);
      const partCounts = probe.savedParts.map((t) => t.split(' of ').map((n) => Number(n.replaceAll(',', ''))));
      for (const [i, [done, of]] of partCounts.entries()) {
        expect(of).toBe(partCounts[0]![1]);
        expect(done).toBeLessThanOrEqual(of!);
        if (i > 0) expect(done).toBeGreaterThan(partCounts[i - 1]![0]!);
      }
      // Indexing shows how far it is, never going back (it may be too quick to be seen at all).
      console.log(
        `responsiveness: indexing showed ${probe.indexedPercents.map((p) => `${p}%`).join(', ') || 'no share'}`,
      );
      for (const [i, p] of probe.indexedPercents.entries()) {
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThanOrEqual(100);
        if (i > 0) expect(p).toBeGreaterThan(probe.indexedPercents[i - 1]!);
      }
      const verifying = samples.filter((s) => s.phase === 'Verifying receipts');
      expect(verifying.length).toBeGreaterThan(0);
      expect(verifying.every((s) => s.cancelPresent && s.cancelEnabled)).toBe(true);
      expect(verifying.some((s) => s.rate.endsWith('receipts/s'))).toBe(true);
      expect(verifying.some((s) => s.timeLeft.startsWith('about'))).toBe(true);
      // Storing is not estimated: the page says so, never "about 0 s".
      for (const s of samples.filter((x) => x.phase.startsWith('Storing results')))
        expect(s.timeLeft).toBe('verification done; storing results');
      // The archive has checkpoints: their count is shown, read first, then verified "N of M",
      // never more than the total.
      const checkpointCounts = verifying.map((s) => /^([\d,]+) of ([\d,]+)$/.exec(s.checkpoints));
      expect(checkpointCounts.length).toBeGreaterThan(0);
      for (const m of checkpointCounts) {
        expect(m).not.toBeNull();
        const [done, total] = [m?.[1], m?.[2]].map((n) => Number((n ?? '').replaceAll(',', '')));
        expect(done).toBeLessThanOrEqual(total as number);
        expect(total).toBeGreaterThan(0);
      }
      await expect.poll(() => page.getByTestId('receipt-count').textContent()).toBe(count(RECEIPTS));
      const shown = await shownFindingCodes(page);
      if (GIVEN) expect(shown).toEqual([...archive.plantedCodes].sort());
      else {
        expect(archive.plantedCodes.length).toBeGreaterThan(0);
        for (const code of archive.plantedCodes) expect(shown).toContain(code);
      }
      expect(wb.errors).toEqual([]);
    },
    IMPORT_TIMEOUT_MS + 60_000,
  );
});
