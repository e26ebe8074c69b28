import { describe, expect, it } from 'vitest';
import {
  joinPointIndex,
  LOOKUP_BUCKETS_PER_MESSAGE,
  pointIndexParts,
  POINT_INDEX_LAYOUT,
  type LookupBucket,
  type PointIndex,
} from './point-index.ts';

const bucket = (b: number): LookupBucket => ({
  bucket: b,
  ids: [`r-${b}`, `r-${b}'`],
  idRows: Uint32Array.of(2 * b, 2 * b + 1),
  txns: [`2:l1t-${b}`],
  txnStart: Uint32Array.of(0, 2),
  txnRows: Uint32Array.of(2 * b, 2 * b + 1),
});

const index = (count: number): PointIndex => ({
  summary: {
    layout: POINT_INDEX_LAYOUT,
    buckets: count,
    segments: { l1: [{ path: 0, first: 0, last: 2 * count - 1 }] },
  },
  buckets: Array.from({ length: count }, (_, b) => bucket(b)),
});

describe('the point index sent in parts', () => {
  it('cuts the buckets into groups with their own buffers, and joins them back as they were', () => {
    const whole = index(2 * LOOKUP_BUCKETS_PER_MESSAGE + 3);
    const { head, groups } = pointIndexParts(whole);
    expect(head).toEqual({ summary: whole.summary, buckets: [] });
    expect(groups.map((g) => g.buckets.length)).toEqual([LOOKUP_BUCKETS_PER_MESSAGE, LOOKUP_BUCKETS_PER_MESSAGE, 3]);
    for (const g of groups) expect(g.transfer).toHaveLength(3 * g.buckets.length);
    expect(new Set(groups.flatMap((g) => g.transfer)).size).toBe(3 * whole.buckets.length);
    expect(
      joinPointIndex(
        head,
        groups.flatMap((g) => g.buckets),
      ),
    ).toEqual(whole);
  });

  it('refuses buckets missing or out of order', () => {
    const whole = index(LOOKUP_BUCKETS_PER_MESSAGE + 1);
    const { head, groups } = pointIndexParts(whole);
    expect(() => joinPointIndex(head, groups[0]!.buckets)).toThrow(/incomplete: 16 of 17 buckets/);
    expect(() => joinPointIndex(head, [...groups[1]!.buckets, ...groups[0]!.buckets])).toThrow(/out of order/);
    // A head that still has its buckets (a worker that sends them whole) joins with none received.
    expect(joinPointIndex(whole, [])).toEqual(whole);
  });
});
