import { describe, expect, it } from 'vitest';
import type { Progress } from '../../shared/engine/types.ts';
import { ChunkFlow, MAX_LINES_IN_FLIGHT, PROGRESS_INTERVAL_MS, progressReporter } from './line-flow.ts';
import type { LineChunk } from './receipt-columns.ts';
import { packTexts } from './packed-lines.ts';
import type { FromWorker, VerifyProgress } from './verify-protocol.ts';

const chunk: LineChunk = {
  ledger: 'a',
  chunkNo: 0,
  lines: packTexts(['{"seq":1}']),
  hashes: [''],
  places: { path: Uint32Array.of(1), line: Uint32Array.of(1), receiptIds: 'rc_1\n' },
};

const chunkOfLines = (n: number): LineChunk => ({
  ...chunk,
  lines: packTexts(Array.from({ length: n }, (_, i) => `{"seq":${i + 1}}`)),
  hashes: Array.from({ length: n }, () => ''),
});

describe('line chunks on their way to the window', () => {
  it('are numbered in order, and reading waits while 8,000 lines are unstored until the window stores some', async () => {
    expect(MAX_LINES_IN_FLIGHT).toBe(8000);
    // Chunks of 1,000 lines (archives stored before), of 250 (now) and 100: the same lines in flight.
    for (const [size, count] of [
      [1000, 8],
      [250, 32],
      [100, 80],
      [300, 27],
    ] as const) {
      const posted: FromWorker[] = [];
      const flow = new ChunkFlow((m) => void posted.push(m), new AbortController().signal);
      const each = chunkOfLines(size);
      for (let i = 0; i < count - 1; i++) await flow.sendAndWait(each);
      let lastDone = false;
      const last = flow.sendAndWait(each).then(() => (lastDone = true));
      await Promise.resolve();
      expect(lastDone).toBe(false);
      flow.storedUpTo(0); // nothing stored yet: still waiting
      await Promise.resolve();
      expect(lastDone).toBe(false);
      flow.storedUpTo(1);
      await last;
      expect(posted.map((m) => (m.type === 'lines' ? m.seq : null))).toEqual(
        Array.from({ length: count }, (_, i) => i + 1),
      );
      // Still 8,000 lines or more unstored after the next one: it waits again, until another chunk is stored.
      let again = false;
      const next = flow.sendAndWait(each).then(() => (again = true));
      await Promise.resolve();
      expect(again).toBe(false);
      flow.storedUpTo(1); // said again: nothing new
      await Promise.resolve();
      expect(again).toBe(false);
      flow.storedUpTo(2);
      await next;
    }
  });

  it('are posted with their buffers to move (lines and places), not to copy', () => {
    const moved: Transferable[][] = [];
    new ChunkFlow((_, transfer) => void moved.push(transfer), new AbortController().signal).send(chunk);
    expect(moved).toEqual([
      [chunk.lines.bytes.buffer, chunk.lines.ends.buffer, chunk.places.path.buffer, chunk.places.line.buffer],
    ]);
  });

  it('a cancel lets a waiting reader go on; after an abort nothing waits', async () => {
    const abort = new AbortController();
    const flow = new ChunkFlow(() => undefined, abort.signal);
    const full = chunkOfLines(1000);
    for (let i = 0; i < 7; i++) flow.send(full);
    const waiting = flow.sendAndWait(full);
    abort.abort();
    flow.cancel();
    await waiting;
    await flow.sendAndWait(chunk); // aborted: returns at once
  });
});

describe('progressReporter', () => {
  const at = (
    phase: Progress['phase'],
    bytesDone: number,
    receiptsDone: number,
    checkpointsDone = 0,
    checkpointsTotal = 0,
  ): Progress => ({
    phase,
    bytesDone,
    bytesTotal: 1000,
    receiptsDone,
    checkpointsDone,
    checkpointsTotal,
  });

  /** Feeds progress at the given times; returns what was posted. */
  function run(steps: readonly [ms: number, progress: Progress, force?: boolean][]): VerifyProgress[] {
    let clock = 0;
    const posted: VerifyProgress[] = [];
    const report = progressReporter(
      (message) => {
        if (message.type === 'progress') posted.push(message.progress);
      },
      () => clock,
    );
    for (const [ms, progress, force] of steps) {
      clock = ms;
      report(progress, force);
    }
    return posted;
  }

  it('gives no time left until ledger bytes have moved for 3 s, then measures from when they began', () => {
    // 5.75 s of start-up, the first bytes at 6.1 s, then 100 bytes (10 receipts) a second.
    const posted = run([
      [0, at('listing', 0, 0)],
      [5750, at('ledgers', 0, 0)],
      [6100, at('ledgers', 10, 1)],
      [7100, at('ledgers', 110, 11)],
      [8100, at('ledgers', 210, 21)],
      [9100, at('ledgers', 310, 31)],
    ]);
    // 690 bytes left at 100 a second; counted from the start, it would have said 29.4 s.
    expect(posted.map((p) => p.etaMs)).toEqual([null, null, null, null, null, 6900]);
    expect(posted.at(-1)?.rate).toBeCloseTo(10, 9);
    expect(posted.at(-1)?.elapsedMs).toBe(9100);
  });

  it('measures time left from the receipts on, not from the checkpoints files read (fast) before them', () => {
    // 4 s reading 400 bytes of checkpoints, then 100 bytes (10 receipts) a second.
    const posted = run([
      [0, at('checkpoints', 0, 0)],
      [2000, at('checkpoints', 200, 0)],
      [4000, at('ledgers', 400, 0)],
      [5000, at('ledgers', 500, 10)],
      [6000, at('ledgers', 600, 20)],
      [7000, at('ledgers', 700, 30)],
    ]);
    // Counted from the checkpoints, 300 bytes left at 100 a second would be said at 3 s, and the rate of 150 at 6 s.
    expect(posted.map((p) => p.etaMs)).toEqual([null, null, null, null, null, 3000]);
    expect(posted.at(-1)?.rate).toBeCloseTo(10, 9);
  });

  it('takes rate and time left from the last 5 s only, so a slow start does not weigh on them', () => {
    // Bytes move from 1 s: 10 a second until 4 s (the workers warming up), then 100 a second.
    const steps: [number, Progress][] = [];
    for (let ms = 1000; ms <= 10_000; ms += 500) {
      const bytes = ms <= 4000 ? (ms - 1000) / 100 + 1 : 31 + (ms - 4000) / 10;
      steps.push([ms, at('ledgers', bytes, bytes / 10)]);
    }
    const last = run(steps).at(-1);
    // At 10 s: 631 bytes done, 131 at 5 s: 100 a second over the window, 369 bytes left.
    expect(last?.etaMs).toBeCloseTo(3690, 6);
    expect(last?.rate).toBeCloseTo(10, 6);
  });

  it('counts checkpoints judged beside the receipts in time left: both kinds of work left, at both rates together', () => {
    // 100 bytes (10 receipts) a second; 1000 checkpoints judged at 50 a second.
    const posted = run([
      [0, at('ledgers', 0, 0, 0, 1000)],
      [1000, at('ledgers', 100, 10, 50, 1000)],
      [2000, at('ledgers', 200, 20, 100, 1000)],
      [3000, at('ledgers', 300, 30, 150, 1000)],
      [4000, at('ledgers', 400, 40, 200, 1000)],
      // Every receipt checked at 10 s; the checkpoints go on alone.
      [10_000, at('checkpoints', 1000, 100, 500, 1000)],
      [20_000, at('checkpoints', 1000, 100, 1000, 1000)],
    ]);
    const eta = posted.map((p) => p.etaMs);
    expect(eta.slice(0, 4)).toEqual([null, null, null, null]);
    // At 4 s: 600 bytes left are 60 receipts; with 800 checkpoints, 860 at 60 a second (not the bytes' 6 s).
    expect(eta[4]).toBeCloseTo(14_333.33, 1);
    // At 10 s, from the window's start at 4 s: 500 checkpoints left, at 50 + 10 a second.
    expect(eta[5]).toBeCloseTo(8333.33, 1);
    expect(eta[6]).toBe(0);
  });

  it('does not say nothing is left while checkpoints are, none judged in the window', () => {
    const posted = run([
      [0, at('ledgers', 500, 50, 0, 1000)],
      [1000, at('ledgers', 1000, 100, 0, 1000)],
      [2000, at('checkpoints', 1000, 100, 0, 1000)],
      [3000, at('checkpoints', 1000, 100, 512, 1000)],
    ]);
    // Every byte read at 1 s: "0 s" would be said there, and at 2 s; the checkpoints had not moved.
    expect(posted.slice(0, 3).map((p) => p.etaMs)).toEqual([null, null, null]);
    // At 3 s, over the window from 0 s: 488 left at 512 checkpoints and 50 receipts in 3 s.
    expect(posted[3]?.etaMs).toBeCloseTo((488 * 3000) / 562, 6);
  });

  it('leaves time left to the receipts where the checkpoints wait for them (judging did not move in the window)', () => {
    const posted = run([
      [0, at('ledgers', 0, 0, 600, 1000)],
      [1000, at('ledgers', 100, 10, 600, 1000)],
      [2000, at('ledgers', 200, 20, 600, 1000)],
      [3000, at('ledgers', 300, 30, 600, 1000)],
      [4000, at('ledgers', 400, 40, 600, 1000)],
    ]);
    // 600 bytes left at 100 a second.
    expect(posted.at(-1)?.etaMs).toBe(6000);
  });

  it('posts at most every 250 ms unless forced, and says nothing is left once every byte is read', () => {
    expect(PROGRESS_INTERVAL_MS).toBe(250);
    const posted = run([
      [0, at('ledgers', 5, 0)],
      [50, at('ledgers', 6, 0)],
      [60, at('ledgers', 7, 0), true],
      [309, at('ledgers', 8, 0)],
      [310, at('ledgers', 9, 0)],
      [3000, at('ledgers', 1000, 90)],
      [3001, at('done', 1000, 90), true],
    ]);
    expect(posted.map((p) => p.bytesDone)).toEqual([5, 7, 9, 1000, 1000]);
    expect(posted.at(-1)?.etaMs).toBe(0);
  });
});
