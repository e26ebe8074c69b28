import { describe, expect, it } from 'vitest';
import { readAhead } from './read-ahead.ts';

/** A source of `n` items that records when each was produced and whether it was closed. */
function source(name: string, n: number, log: string[], failAt = -1) {
  return async function* () {
    try {
      for (let i = 0; i < n; i++) {
        await new Promise((r) => setTimeout(r, 1));
        if (i === failAt) throw new Error(`${name} failed at ${i}`);
        log.push(`${name}${i}`);
        yield `${name}${i}`;
      }
    } finally {
      log.push(`${name} closed`);
    }
  };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('readAhead', () => {
  it('hands over every item in source order, whatever order they were read in', async () => {
    const log: string[] = [];
    const sources = ['a', 'b', 'c', 'd'].map((name, i) => source(name, 3 + i, log));
    const items = await collect(readAhead(sources, 2, 2));
    expect(items).toEqual([
      ...['a0', 'a1', 'a2'],
      ...['b0', 'b1', 'b2', 'b3'],
      ...['c0', 'c1', 'c2', 'c3', 'c4'],
      ...['d0', 'd1', 'd2', 'd3', 'd4', 'd5'],
    ]);
  });

  it('reads the next source while the first is consumed, holding at most `limit` of its items', async () => {
    const log: string[] = [];
    const items = readAhead([source('a', 5, log), source('b', 10, log), source('c', 3, log)], 2, 2);
    const first = await items.next();
    expect(first.value).toBe('a0');
    await new Promise((r) => setTimeout(r, 60));
    // b was started at once and stopped after filling its queue (2 items); c not yet.
    expect(log.filter((e) => e.startsWith('b'))).toEqual(['b0', 'b1']);
    expect(log.some((e) => e.startsWith('c'))).toBe(false);
    await items.return(undefined);
  });

  it('throws a source error where its items would have been, after the items before it', async () => {
    const log: string[] = [];
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const item of readAhead([source('a', 2, log), source('b', 5, log, 2)], 2, 4)) seen.push(item);
      })(),
    ).rejects.toThrow('b failed at 2');
    expect(seen).toEqual(['a0', 'a1', 'b0', 'b1']);
  });

  it('stopping early closes every source being read', async () => {
    const log: string[] = [];
    for await (const item of readAhead([source('a', 5, log), source('b', 5, log)], 2, 1)) if (item === 'a1') break;
    await new Promise((r) => setTimeout(r, 20));
    expect(log).toContain('a closed');
    expect(log).toContain('b closed');
  });

  it('empty sources and no sources', async () => {
    expect(await collect(readAhead([], 2, 2))).toEqual([]);
    const log: string[] = [];
    expect(await collect(readAhead([source('a', 0, log), source('b', 1, log)], 3, 1))).toEqual(['b0']);
  });

  it('reads at least one source and holds at least one item, whatever `ahead` and `limit` say', async () => {
    const log: string[] = [];
    for (const [ahead, limit] of [
      [0, 0],
      [-1, -1],
      [0, 1],
      [1, 0],
    ] as const) {
      expect(await collect(readAhead([source('a', 3, log), source('b', 2, log)], ahead, limit))).toEqual([
        'a0',
        'a1',
        'a2',
        'b0',
        'b1',
      ]);
    }
  });

  it('with `ahead` 1, the next source starts only when the one before has ended', async () => {
    const log: string[] = [];
    const items = await collect(readAhead([source('a', 2, log), source('b', 2, log)], 1, 5));
    expect(items).toEqual(['a0', 'a1', 'b0', 'b1']);
    expect(log).toEqual(['a0', 'a1', 'a closed', 'b0', 'b1', 'b closed']);
  });

  it('a source read ahead holds exactly `limit` items until they are taken, then reads on', async () => {
    const log: string[] = [];
    const items = readAhead([source('a', 1, log), source('b', 6, log)], 2, 3);
    expect((await items.next()).value).toBe('a0');
    await new Promise((r) => setTimeout(r, 60));
    expect(log).toEqual(['a0', 'a closed', 'b0', 'b1', 'b2']);
    expect((await items.next()).value).toBe('b0');
    await new Promise((r) => setTimeout(r, 60));
    expect(log).toEqual(['a0', 'a closed', 'b0', 'b1', 'b2', 'b3']);
    const rest: string[] = [];
    for await (const item of items) rest.push(item);
    expect(rest).toEqual(['b1', 'b2', 'b3', 'b4', 'b5']);
  });

  it('stopping early closes the sources waiting for room at once, in order, and starts no other', async () => {
    const log: string[] = [];
    const items = readAhead([source('a', 5, log), source('b', 5, log), source('c', 5, log)], 2, 1);
    expect((await items.next()).value).toBe('a0');
    await new Promise((r) => setTimeout(r, 40));
    await items.return(undefined);
    await new Promise((r) => setTimeout(r, 40));
    expect(log).toEqual(['a0', 'b0', 'a1', 'a closed', 'b closed']);
  });

  it("rethrows the source's own error object, not another value", async () => {
    const failure = new Error('the entry is corrupt');
    async function* failing() {
      yield 'x0';
      throw failure;
    }
    const seen: string[] = [];
    let caught: unknown = 'nothing thrown';
    try {
      for await (const item of readAhead([failing], 2, 4)) seen.push(item);
    } catch (error) {
      caught = error;
    }
    expect(seen).toEqual(['x0']);
    expect(caught).toBe(failure);
  });
});
