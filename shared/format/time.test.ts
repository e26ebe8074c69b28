import { describe, expect, it } from 'vitest';
import { compareInstants, instantOf, isTime, parseTime, type Instant } from './time.ts';

const I = (text: string): Instant => {
  const i = instantOf(text);
  if (i === null) throw new Error(`not a time: ${text}`);
  return i;
};

describe('RFC 3339 instants, compared exactly', () => {
  it('orders by the fraction at any precision, not at milliseconds', () => {
    expect(compareInstants(I('2026-04-03T14:30:15.1234Z'), I('2026-04-03T14:30:15.1242Z'))).toBeLessThan(0);
    expect(compareInstants(I('2026-04-03T14:30:15.0000001Z'), I('2026-04-03T14:30:15Z'))).toBeGreaterThan(0);
    expect(compareInstants(I('2026-04-03T14:30:15.000000000001Z'), I('2026-04-03T14:30:15Z'))).toBeGreaterThan(0);
    // 0.8 ms apart in the same millisecond bucket at ms precision
    expect(compareInstants(I('2026-04-03T14:30:15.1231Z'), I('2026-04-03T14:30:15.1239Z'))).toBeLessThan(0);
    expect(parseTime('2026-04-03T14:30:15.1231Z')).toBe(parseTime('2026-04-03T14:30:15.1239Z'));
  });

  it('treats trailing zeros as the same instant', () => {
    expect(compareInstants(I('2026-04-03T14:30:15.5Z'), I('2026-04-03T14:30:15.500000Z'))).toBe(0);
    expect(compareInstants(I('2026-04-03T14:30:15Z'), I('2026-04-03T14:30:15.000Z'))).toBe(0);
    expect(compareInstants(I('2026-04-03T14:30:15.49Z'), I('2026-04-03T14:30:15.5Z'))).toBeLessThan(0);
    expect(compareInstants(I('2026-04-03T14:30:15.51Z'), I('2026-04-03T14:30:15.5Z'))).toBeGreaterThan(0);
  });

  it('orders across seconds, days and years as time does', () => {
    const sorted = [
      '2025-12-31T23:59:59.999999Z',
      '2026-01-01T00:00:00Z',
      '2026-01-01T00:00:00.000001Z',
      '2026-01-01T00:00:01Z',
      '2026-02-28T10:00:00Z',
      '2027-01-01T00:00:00Z',
    ];
    const shuffled = [...sorted].reverse();
    expect(shuffled.sort((a, b) => compareInstants(I(a), I(b)))).toEqual(sorted);
    // the same order as milliseconds where milliseconds can tell
    for (let i = 1; i < sorted.length; i++) {
      expect((parseTime(sorted[i]) as number) >= (parseTime(sorted[i - 1]) as number)).toBe(true);
    }
  });

  it('refuses what is not an RFC 3339 UTC time', () => {
    for (const bad of [
      '2026-02-30T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-01-01T24:00:00Z',
      '2026-01-01T00:00:00+00:00',
      '2026-01-01 00:00:00Z',
      '2026-01-01T00:00:00.Z',
      '26-01-01T00:00:00Z',
      '',
      42,
      null,
    ]) {
      expect(instantOf(bad), String(bad)).toBeNull();
      expect(isTime(bad)).toBe(false);
      expect(parseTime(bad)).toBeNull();
    }
  });

  it('refuses a value that is not a string, even one whose text is a time', () => {
    // An array of one time string reads as that string to a regular expression.
    const asText = ['2026-01-01T00:00:00Z'];
    expect(instantOf(asText)).toBeNull();
    expect(isTime(asText)).toBe(false);
    expect(parseTime(asText)).toBeNull();
    expect(instantOf({ toString: () => '2026-01-01T00:00:00Z' })).toBeNull();
  });

  it('reads the years 0000 to 0099 as RFC 3339 does (four digits), not as 1900 to 1999', () => {
    // A producer's "from the beginning" not_before is often 0001-01-01.
    expect(instantOf('0001-01-01T00:00:00Z')).toBe('0001-01-01T00:00:00');
    expect(parseTime('0001-01-01T00:00:00Z')).toBe(-62135596800000);
    expect(instantOf('0000-02-29T00:00:00.50Z')).toBe('0000-02-29T00:00:005'); // year 0 is a leap year
    expect(instantOf('0099-12-31T23:59:59Z')).toBe('0099-12-31T23:59:59');
    expect(instantOf('0001-02-29T00:00:00Z')).toBeNull();
    expect(instantOf('0004-02-29T00:00:00Z')).toBe('0004-02-29T00:00:00');
    expect(compareInstants(I('0099-12-31T23:59:59Z'), I('0100-01-01T00:00:00Z'))).toBeLessThan(0);
  });
});
