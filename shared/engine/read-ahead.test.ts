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
});
