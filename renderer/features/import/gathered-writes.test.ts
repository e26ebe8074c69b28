import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GatheredWrites } from './gathered-writes.ts';

/** A write that records its batch and ends when `finish` is called for it. */
function recorder() {
  const batches: number[][] = [];
  const ends: (() => void)[] = [];
  let running = 0;
  let overlapped = false;
  const write = (batch: number[]) =>
    new Promise<void>((resolve) => {
      running++;
      if (running > 1) overlapped = true;
      batches.push(batch);
      ends.push(() => {
        running--;
        resolve();
      });
    });
  return { batches, write, finishNext: () => ends.shift()?.(), overlapped: () => overlapped };
}

/** Lets the promise chain run (no timer moves). */
const settle = () => vi.advanceTimersByTimeAsync(0);

describe('GatheredWrites', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('waits for perWrite items before the first write, without waiting for the timer', async () => {
    const r = recorder();
    const writes = new GatheredWrites(r.write, 4, 100);
    for (const i of [0, 1, 2]) writes.push(i);
    await settle();
    expect(r.batches).toEqual([]);
    writes.push(3);
    await settle();
    expect(r.batches).toEqual([[0, 1, 2, 3]]);
  });

  it('writes fewer than perWrite once gatherMs have passed', async () => {
    const r = recorder();
    const writes = new GatheredWrites(r.write, 4, 100);
    writes.push(0);
    writes.push(1);
    await vi.advanceTimersByTimeAsync(99);
    expect(r.batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.batches).toEqual([[0, 1]]);
  });

  it('end() writes what is pending at once, and a later settled waits for it', async () => {
    const r = recorder();
    const writes = new GatheredWrites(r.write, 4, 100);
    writes.push(0);
    await settle();
    let settled = false;
    writes.end();
    void writes.settled.then(() => (settled = true));
    await settle();
    expect(r.batches).toEqual([[0]]);
    expect(settled).toBe(false);
    r.finishNext();
    await settle();
    expect(settled).toBe(true);
    expect(writes.writes).toBe(1);
  });

  it('makes one write at a time, in order, each taking every item pending when it starts', async () => {
    const r = recorder();
    const writes = new GatheredWrites(r.write, 2, 100);
    for (let i = 0; i < 2; i++) writes.push(i);
    await settle();
    // While the first write runs, five more arrive; the next write starts only when it ends.
    for (let i = 2; i < 7; i++) writes.push(i);
    await vi.advanceTimersByTimeAsync(500);
    expect(r.batches).toEqual([[0, 1]]);
    r.finishNext();
    await settle();
    expect(r.batches).toEqual([
      [0, 1],
      [2, 3, 4, 5, 6],
    ]);
    r.finishNext();
    writes.push(7);
    writes.end();
    await settle();
    r.finishNext();
    await writes.settled;
    expect(r.batches.flat()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(r.overlapped()).toBe(false);
    expect(writes.writes).toBe(3);
  });

  it('waits anew after each write: items arriving one by one go in batches of perWrite', async () => {
    const r = recorder();
    const writes = new GatheredWrites(r.write, 3, 100);
    for (let i = 0; i < 9; i++) {
      writes.push(i);
      await vi.advanceTimersByTimeAsync(10);
      r.finishNext();
    }
    await settle();
    expect(r.batches).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [6, 7, 8],
    ]);
  });

  it('after end(), each item is written without waiting', async () => {
    const r = recorder();
    const writes = new GatheredWrites(r.write, 8, 100);
    writes.end();
    writes.push(0);
    await settle();
    expect(r.batches).toEqual([[0]]);
  });

  it('refuses a perWrite that is not a positive integer', () => {
    const write = () => Promise.resolve();
    expect(() => new GatheredWrites(write, 0)).toThrow(/perWrite/);
    expect(() => new GatheredWrites(write, 1.5)).toThrow(/perWrite/);
  });
});
