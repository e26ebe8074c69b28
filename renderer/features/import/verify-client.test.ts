import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { blockParts, indexParts } from '../../workers/import-parts.ts';
import { importedTable } from '../../workers/imported-table.test-helper.ts';
import type { ColumnBlock, LineChunk } from '../../workers/receipt-columns.ts';
import type { FromWorker } from '../../workers/verify-protocol.ts';
import { CHUNKS_PER_WRITE } from './gathered-writes.ts';
import { startVerification, type VerifyOutcome } from './verify-client.ts';

/** A stand-in for the verify worker: the test speaks for it. */
class FakeWorker {
  static last: FakeWorker | null = null;
  onmessage: ((event: { data: FromWorker }) => void) | null = null;
  onerror: ((event: { message: string; preventDefault(): void }) => void) | null = null;
  readonly received: { type: string; chunks?: number }[] = [];
  terminated = false;
  constructor() {
    FakeWorker.last = this;
  }
  postMessage(message: { type: string; chunks?: number }): void {
    this.received.push(message);
  }
  terminate(): void {
    this.terminated = true;
  }
  /** A message from the worker; none arrives once it is terminated, as with a real one. */
  say(message: unknown): void {
    if (this.terminated) return;
    this.onmessage?.({ data: message as FromWorker });
  }
}

/** A chunk as far as the client sees it (it passes chunks through unread). */
const chunk = (n: number) => ({ ledger: 'l', chunkNo: n }) as unknown as LineChunk;

/** Starts a verification whose stores wait until `release` is called; records what was stored and when the outcome came. */
function start(storeBlocks?: (blocks: readonly ColumnBlock[]) => Promise<void>) {
  const stored: number[] = [];
  const releases: (() => void)[] = [];
  const events: string[] = [];
  const run = startVerification({
    source: { kind: 'bytes', name: 'a.zip', size: 0 } as never,
    bytes: { size: 0, read: () => Promise.resolve(new Uint8Array(0)) },
    trustedRoots: [],
    runControls: true,
    onProgress: () => undefined,
    storeLines: (chunks) =>
      new Promise<void>((resolve) => {
        events.push(`store ${chunks.map((c) => c.chunkNo).join(',')}`);
        releases.push(() => {
          stored.push(...chunks.map((c) => c.chunkNo));
          resolve();
        });
      }),
    ...(storeBlocks ? { storeBlocks } : {}),
  });
  let outcome: VerifyOutcome | null = null;
  void run.outcome.then((o) => {
    outcome = o;
    events.push(`outcome ${o.kind}`);
  });
  const worker = FakeWorker.last as FakeWorker;
  const lines = (from: number, to: number) => {
    for (let n = from; n < to; n++) worker.say({ type: 'lines', seq: n + 1, chunk: chunk(n) });
  };
  const releaseAll = () => releaseEach(releases);
  return { run, worker, lines, stored, events, releaseAll, outcome: () => outcome };
}

/** Lets each held store finish, one after another, in the order they were asked for. */
async function releaseEach(releases: (() => void)[]): Promise<void> {
  while (releases.length > 0) {
    (releases.shift() as () => void)();
    await vi.advanceTimersByTimeAsync(0);
  }
}

/** Fake timers, and the stand-in worker as `Worker`, for each test of the describe it is called in. */
function withFakeWorker(): void {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.stubGlobal('Worker', FakeWorker);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });
}

describe('startVerification: storing the chunks', () => {
  withFakeWorker();

  it('stores chunks arriving one by one a few to a write, and tells the worker what is stored', async () => {
    const v = start();
    for (let n = 0; n < CHUNKS_PER_WRITE; n++) {
      v.lines(n, n + 1);
      await vi.advanceTimersByTimeAsync(10);
    }
    // One write for the first eight, started as the eighth came (not one a chunk).
    expect(v.events).toEqual([`store ${[0, 1, 2, 3, 4, 5, 6, 7].join(',')}`]);
    // Sixteen more while it is stored: the next write takes them all once it ends.
    v.lines(CHUNKS_PER_WRITE, 3 * CHUNKS_PER_WRITE);
    await vi.advanceTimersByTimeAsync(500);
    expect(v.events.length).toBe(1);
    await v.releaseAll();
    expect(v.events.length).toBe(2);
    expect(v.stored).toEqual([...Array(3 * CHUNKS_PER_WRITE).keys()]);
    expect(v.worker.received.filter((m) => m.type === 'stored').at(-1)).toEqual({
      type: 'stored',
      chunks: 3 * CHUNKS_PER_WRITE,
    });
  });

  it('stores fewer than a write waits for once 100 ms have passed', async () => {
    const v = start();
    v.lines(0, 3);
    await vi.advanceTimersByTimeAsync(99);
    expect(v.events).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(v.events).toEqual(['store 0,1,2']);
  });

  for (const [end, kind] of [
    ['the worker failing', 'failed'],
    ['the worker cancelling', 'cancelled'],
    ['the worker stopping on an error', 'failed'],
    ['a cancel from the window', 'cancelled'],
  ] as const) {
    it(`after ${end}, the outcome comes only once every chunk received is stored`, async () => {
      const v = start();
      v.lines(0, 3);
      await vi.advanceTimersByTimeAsync(0);
      if (end === 'the worker failing') v.worker.say({ type: 'failed', message: 'bad archive' });
      else if (end === 'the worker cancelling') v.worker.say({ type: 'cancelled' });
      else if (end === 'a cancel from the window') v.run.cancel();
      else v.worker.onerror?.({ message: 'boom', preventDefault: () => undefined });
      // The gathered chunks are written at once, without waiting for the timer.
      await vi.advanceTimersByTimeAsync(0);
      expect(v.events).toEqual(['store 0,1,2']);
      expect(v.outcome()).toBeNull();
      await v.releaseAll();
      expect(v.stored).toEqual([0, 1, 2]);
      expect(v.events).toEqual(['store 0,1,2', `outcome ${kind}`]);
      expect(v.worker.terminated).toBe(true);
    });
  }

  it('a worker that stops on an error is ended at once: nothing it says after counts', async () => {
    const v = start();
    v.lines(0, 2);
    v.worker.onerror?.({ message: 'boom', preventDefault: () => undefined });
    expect(v.worker.terminated).toBe(true);
    v.worker.say({ type: 'cancelled' });
    await vi.advanceTimersByTimeAsync(0);
    await v.releaseAll();
    expect(v.events).toEqual(['store 0,1', 'outcome failed']);
  });
});

describe('startVerification: storing the column blocks as they come', () => {
  withFakeWorker();

  /** The end of an import as the worker posts it: the blocks, then the point index's buckets and `done`. */
  function end() {
    const { blocks, table, pointIndex } = importedTable(10, 4);
    const ahead = blockParts(blocks, table).map((p) => p.message);
    const rest = indexParts(blocks.length, table, pointIndex);
    const done = { type: 'done', report: {}, ...rest.done, keys: [], files: [] };
    return { ahead, lookup: rest.ahead.map((p) => p.message), done, count: blocks.length };
  }

  /** A block store that waits until released; records the order of events. */
  function slowBlocks(events: string[], fail?: string) {
    const releases: (() => void)[] = [];
    const storeBlocks = (blocks: readonly ColumnBlock[]) =>
      new Promise<void>((resolve, reject) => {
        events.push(`blocks ${blocks.map((b) => b.ledger).join(',')}`);
        releases.push(() => (blocks.some((b) => b.ledger === fail) ? reject(new Error('disk full')) : resolve()));
      });
    return { storeBlocks, release: () => releaseEach(releases) };
  }

  it('stores each block as it arrives, one write at a time and in order, before `done`; the outcome comes after, with no block left to store', async () => {
    const events: string[] = [];
    const blocks = slowBlocks(events);
    const v = start(blocks.storeBlocks);
    const e = end();
    v.worker.say(e.ahead[0]);
    await vi.advanceTimersByTimeAsync(0);
    expect(events).toEqual(['blocks a']);
    v.worker.say(e.ahead[1]);
    await vi.advanceTimersByTimeAsync(0);
    // One write at a time: the second block waits for the first's write.
    expect(events).toEqual(['blocks a']);
    for (const message of e.lookup) v.worker.say(message);
    v.worker.say(e.done);
    await vi.advanceTimersByTimeAsync(0);
    expect(v.outcome()).toBeNull();
    await blocks.release();
    expect(events).toEqual(['blocks a', 'blocks b']);
    const outcome = v.outcome() as VerifyOutcome | null;
    expect(outcome?.kind).toBe('done');
    expect(outcome?.kind === 'done' && outcome.blocks).toEqual([]);
    // The table was still joined from the blocks.
    expect(outcome?.kind === 'done' && outcome.table.count).toBe(14);
    expect(v.events.at(-1)).toBe('outcome done');
  });

  it('blocks that arrive while none is being stored, or during a write, are stored together in one write', async () => {
    const events: string[] = [];
    const blocks = slowBlocks(events);
    const v = start(blocks.storeBlocks);
    const e = end();
    for (const message of [...e.ahead, ...e.lookup, e.done]) v.worker.say(message);
    await vi.advanceTimersByTimeAsync(0);
    expect(events).toEqual(['blocks a,b']);
    await blocks.release();
    expect((v.outcome() as VerifyOutcome | null)?.kind).toBe('done');
  });

  it('without a block store, the outcome carries every block for the caller to store', async () => {
    const v = start();
    const e = end();
    for (const message of [...e.ahead, ...e.lookup, e.done]) v.worker.say(message);
    await vi.advanceTimersByTimeAsync(0);
    const outcome = v.outcome() as VerifyOutcome | null;
    expect(outcome?.kind === 'done' && outcome.blocks.map((b) => b.ledger)).toEqual(['a', 'b']);
  });

  it('a block that cannot be stored fails the import, after the blocks being stored, and the worker is told to stop', async () => {
    const events: string[] = [];
    const blocks = slowBlocks(events, 'a');
    const v = start(blocks.storeBlocks);
    const e = end();
    v.worker.say(e.ahead[0]);
    await vi.advanceTimersByTimeAsync(0);
    for (const message of [...e.ahead.slice(1), ...e.lookup, e.done]) v.worker.say(message);
    await vi.advanceTimersByTimeAsync(0);
    await blocks.release();
    const outcome = v.outcome() as VerifyOutcome | null;
    expect(outcome).toEqual({ kind: 'failed', message: 'Storing receipts failed: disk full' });
    // Nothing more is stored after the failure.
    expect(events).toEqual(['blocks a']);
    expect(v.worker.received.some((m) => m.type === 'cancel')).toBe(true);
  });

  it('a cancel from the window waits for the block being stored', async () => {
    const events: string[] = [];
    const blocks = slowBlocks(events);
    const v = start(blocks.storeBlocks);
    v.worker.say(end().ahead[0]);
    await vi.advanceTimersByTimeAsync(0);
    v.run.cancel();
    await vi.advanceTimersByTimeAsync(0);
    expect(v.outcome()).toBeNull();
    await blocks.release();
    expect(v.outcome()).toEqual({ kind: 'cancelled' });
  });
});
