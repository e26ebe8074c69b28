import { describe, expect, it } from 'vitest';
import { ReceiptIds, SpilledReceiptIds, type IdRepeat } from './receipt-ids.ts';
import { memorySpillStore } from './spill.ts';
import { textHash32 } from './text-map.ts';

/** The straightforward answer: a Map from id to the text of where it was first seen. */
function referenceClaims(claims: readonly [id: string, ledger: string, seq: number][]): (string | null)[] {
  const first = new Map<string, string>();
  return claims.map(([id, ledger, seq]) => {
    const seen = first.get(id);
    if (seen !== undefined) return seen;
    first.set(id, `${ledger} seq ${seq}`);
    return null;
  });
}

/** A seeded generator of 16 hex digits, as demo ids look (xorshift, two 32-bit halves). */
function hexIds(count: number, seed: number): string[] {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  return Array.from(
    { length: count },
    () => `rc_${next().toString(16).padStart(8, '0')}${next().toString(16).padStart(8, '0')}`,
  );
}

describe('ReceiptIds', () => {
  it('reports a repeat with exactly where the id was first seen', () => {
    const ids = new ReceiptIds();
    expect(ids.claim('rc_a', 'gw-eu-1', 1)).toBeNull();
    expect(ids.claim('rc_b', 'gw-us-1', 700_000)).toBeNull();
    expect(ids.claim('rc_a', 'gw-us-1', 5)).toBe('gw-eu-1 seq 1');
    expect(ids.claim('rc_b', 'gw-eu-1', 9)).toBe('gw-us-1 seq 700000');
    // A repeat does not move where the id was first seen.
    expect(ids.claim('rc_a', 'gw-eu-1', 10)).toBe('gw-eu-1 seq 1');
    expect(ids.size).toBe(2);
  });

  it('finds no duplicate among a million distinct ids, and every planted one', () => {
    const distinct = [...new Set(hexIds(1_000_000, 42))];
    const claims: [string, string, number][] = distinct.map((id, i) => [id, i % 2 === 0 ? 'A' : 'B', i + 1]);
    // Planted repeats: ids from early, middle and late in the run, claimed again at the end.
    for (const i of [0, 1, 499_999, distinct.length - 2])
      claims.push([distinct[i] as string, 'C', distinct.length + i]);
    const expected = referenceClaims(claims);
    const ids = new ReceiptIds();
    const got = claims.map(([id, ledger, seq]) => ids.claim(id, ledger, seq));
    expect(got.slice(0, distinct.length).every((seen) => seen === null)).toBe(true);
    expect(got.slice(distinct.length)).toEqual(expected.slice(distinct.length));
    expect(got.slice(distinct.length)).toEqual(['A seq 1', 'B seq 2', 'B seq 500000', `A seq ${distinct.length - 1}`]);
    expect(ids.size).toBe(distinct.length);
  });

  it('never calls colliding ids duplicates: every id hashed into four buckets', () => {
    const tiny = (id: string) => textHash32(id) & 3;
    const base = hexIds(3000, 7);
    // Ids that differ only in their last character, and repeats among them.
    const claims: [string, string, number][] = [];
    base.forEach((id, i) => claims.push([id, 'L', i + 1], [`${id.slice(0, -1)}z`, 'M', i + 1]));
    base.slice(0, 300).forEach((id, i) => claims.push([id, 'N', 10_000 + i]));
    const ids = new ReceiptIds(tiny);
    expect(claims.map(([id, ledger, seq]) => ids.claim(id, ledger, seq))).toEqual(referenceClaims(claims));
    expect(ids.size).toBe(6000);
  });

  it('keeps ids whose place cannot be packed, and says only that they came earlier', () => {
    const ids = new ReceiptIds();
    expect(ids.claim('rc_far', 'A', 2 ** 40)).toBeNull();
    expect(ids.claim('rc_far', 'A', 1)).toBe('earlier in this archive');
    // Ledger A is number 0, ledger-i number i + 1: numbers 0 to 4,095 can be packed.
    for (let i = 0; i < 4096; i++) ids.claim(`rc_${i}`, `ledger-${i}`, 1);
    expect(ids.claim('rc_4094', 'A', 4)).toBe('ledger-4094 seq 1');
    expect(ids.claim('rc_4095', 'A', 4)).toBe('earlier in this archive');
    expect(ids.claim('rc_late', 'ledger-4096', 3)).toBeNull();
    expect(ids.claim('rc_late', 'A', 4)).toBe('earlier in this archive');
  });

  it('packs the first ledger at seq 0 as 0, which is a place, not "earlier"', () => {
    const ids = new ReceiptIds();
    expect(ids.claim('rc_zero', 'A', 0)).toBeNull();
    expect(ids.claim('rc_zero', 'B', 1)).toBe('A seq 0');
  });
});

describe('SpilledReceiptIds', () => {
  /** The repeats the in-memory table finds, claim by claim, as the ledger would report them. */
  function inMemory(claims: readonly [string, string, number][]): IdRepeat[] {
    const ids = new ReceiptIds();
    return claims.flatMap(([id, ledger, seq], line) => {
      const seen = ids.claim(id, ledger, seq);
      return seen === null ? [] : [{ id, ledger, seq, path: `ledgers/${ledger}/000001.jsonl`, line, seen }];
    });
  }

  function spilled(claims: readonly [string, string, number][], flushBytes?: number): IdRepeat[] {
    const store = { ...memorySpillStore(), ...(flushBytes ? { flushBytes } : {}) };
    const ids = new SpilledReceiptIds(store);
    claims.forEach(([id, ledger, seq], line) => {
      expect(ids.claim(id, ledger, seq, `ledgers/${ledger}/000001.jsonl`, line)).toBeNull();
    });
    const repeats: IdRepeat[] = [];
    ids.settle((repeat) => repeats.push(repeat));
    expect(store.files.size, 'every spill file read and deleted').toBe(0);
    return repeats;
  }

  const byLine = (a: IdRepeat, b: IdRepeat) => a.line - b.line;

  it('finds the repeats of the in-memory table, with the same first place, among 300,000 ids', () => {
    const distinct = [...new Set(hexIds(300_000, 9))];
    const claims: [string, string, number][] = distinct.map((id, i) => [id, ['A', 'B', 'C'][i % 3] as string, i + 1]);
    for (const i of [0, 1, 150_000, distinct.length - 1])
      claims.push([distinct[i] as string, 'D', distinct.length + i]);
    // An id repeated twice more, and ids that are not ASCII (one wide, one a lone surrogate).
    claims.push([distinct[7] as string, 'A', 1], [distinct[7] as string, 'B', 2]);
    claims.push(['rc_é', 'A', 9], ['rc_\ud800', 'A', 10], ['rc_é', 'C', 11], ['rc_\ud800', 'B', 12]);
    const expected = inMemory(claims);
    expect(expected).toHaveLength(8);
    expect(spilled(claims).sort(byLine)).toEqual(expected);
    expect(spilled(claims.slice(0, 20_000).concat(claims.slice(-8)), 64).sort(byLine)).toEqual(
      inMemory(claims.slice(0, 20_000).concat(claims.slice(-8))),
    );
  });

  it('numbers ledgers as the in-memory table does, past the 4,096 that can be packed', () => {
    const claims: [string, string, number][] = [];
    for (let i = 0; i < 4200; i++) claims.push([`rc_${i}`, `ledger-${i}`, 1]);
    for (let i = 4090; i < 4200; i++) claims.push([`rc_${i}`, 'A', 2]);
    const expected = inMemory(claims);
    expect(expected.map((r) => r.seen)).toContain('earlier in this archive');
    expect(expected.map((r) => r.seen)).toContain('ledger-4095 seq 1');
    expect(spilled(claims, 128).sort(byLine)).toEqual(expected);
  });
});
