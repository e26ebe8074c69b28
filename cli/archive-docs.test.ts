/**
 * forEachSegment: every segment once, in order, two at a time, and no further once told to
 * stop; lineAtLazy: a line's text and hash as its bytes say; readWhole: an entry's bytes
 * joined across chunks, or null.
 */
import { describe, expect, it } from 'vitest';
import { memorySource } from '../shared/archive/memory.ts';
import type { RawEntry } from '../shared/archive/source.ts';
import { hashOf } from '../shared/format/hash.ts';
import { forEachSegment, lineAtLazy, readWhole, SEGMENT_CONCURRENCY, type Segment } from './archive-docs.ts';

/** A promise with its resolve, to finish a read when the test says. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('forEachSegment', () => {
  it('reads each segment once with its index, starting them in order, two at a time', async () => {
    const segments = ['a', 'b', 'c', 'd', 'e'];
    const gates = segments.map(() => gate());
    const started: [string, number][] = [];
    let inFlight = 0;
    let most = 0;
    const done = forEachSegment(segments, async (segment, index) => {
      started.push([segment, index]);
      most = Math.max(most, ++inFlight);
      await (gates[index] as ReturnType<typeof gate>).opened;
      inFlight--;
    });
    await tick();
    expect(started).toEqual([
      ['a', 0],
      ['b', 1],
    ]);
    // The second finishes first: the next one is taken all the same.
    gates[1]?.open();
    await tick();
    expect(started.map(([s]) => s)).toEqual(['a', 'b', 'c']);
    for (const g of gates) g.open();
    await done;
    expect(started).toEqual(segments.map((s, i) => [s, i]));
    expect(SEGMENT_CONCURRENCY).toBe(2);
    expect(most).toBe(SEGMENT_CONCURRENCY);
  });

  it('an empty list, or fewer segments than readers, is fine', async () => {
    const seen: string[] = [];
    await forEachSegment([], async (s: string) => void seen.push(s));
    await forEachSegment(['only'], async (s) => void seen.push(s));
    expect(seen).toEqual(['only']);
  });

  it('more(index) false: no further segment is taken; those started finish', async () => {
    const seen: number[] = [];
    let stopAfter = Number.POSITIVE_INFINITY;
    await forEachSegment(
      [0, 1, 2, 3, 4, 5, 6],
      async (n, index) => {
        await tick();
        seen.push(n);
        if (n === 2) stopAfter = index;
      },
      (index) => index <= stopAfter,
    );
    // 3 was already taken when 2 finished (two at a time); nothing after it.
    expect(seen.sort((a, b) => a - b)).toEqual([0, 1, 2, 3]);
  });

  it('a read that throws rejects the whole', async () => {
    await expect(
      forEachSegment(['a', 'b', 'c'], async (s) => {
        if (s === 'b') throw new Error('unreadable b');
      }),
    ).rejects.toThrow('unreadable b');
  });
});

describe('lineAtLazy', () => {
  const segment: Segment = { ledger: 'gw-eu-1', path: 'ledgers/gw-eu-1/000001.jsonl', entry: {} as RawEntry };

  it('names its segment and line; text and hash are those of its bytes', () => {
    const bytes = new TextEncoder().encode('{"id":"r-é"}');
    const line = lineAtLazy(segment, 7, bytes);
    expect({ ledger: line.ledger, path: line.path, line: line.line }).toEqual({
      ledger: 'gw-eu-1',
      path: 'ledgers/gw-eu-1/000001.jsonl',
      line: 7,
    });
    expect(line.text).toBe('{"id":"r-é"}');
    expect(line.hash).toBe(hashOf(bytes));
    expect(line.hash).toBe(line.hash);
  });

  it('bytes that are not UTF-8: the text is empty, the hash still theirs', () => {
    const bytes = Uint8Array.from([0x7b, 0xff, 0x7d]);
    const line = lineAtLazy(segment, 1, bytes);
    expect(line.text).toBe('');
    expect(line.hash).toBe(hashOf(bytes));
  });
});

describe('readWhole', () => {
  // Past one 1 MiB chunk of the memory source, so the bytes come in three pieces.
  const big = Uint8Array.from({ length: (1 << 21) + 3 }, (_, i) => (i * 7) & 0xff);
  const source = memorySource(new Map([['big.bin', big]]), 'test');
  const entry = (name: string) => ({ name, declaredSize: null, compressedSize: null, isDirectory: false });

  it('joins the chunks in order', async () => {
    const bytes = await readWhole(source, entry('big.bin'), big.length);
    expect(bytes?.length).toBe(big.length);
    expect(Buffer.compare(Buffer.from(bytes as Uint8Array), Buffer.from(big))).toBe(0);
  });

  it('null past the bound, or when the entry cannot be read', async () => {
    expect(await readWhole(source, entry('big.bin'), big.length - 1)).toBeNull();
    expect(await readWhole(source, entry('missing.bin'), 100)).toBeNull();
  });
});
