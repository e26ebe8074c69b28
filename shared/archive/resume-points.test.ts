/**
 * Reading a deflate stream from one of its blocks (resume-points.ts): the stream made from the
 * point inflates, in Node's zlib as through `DecompressionStream` (as the app reads it), to the
 * window and then exactly the original's bytes, for a block starting at every bit of a byte; it
 * stops cleanly at a later block; a fault or bytes that stop short are said, never thrown, with
 * only the original's bytes before them.
 */
import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { inflateFromPoint, resumedStream, WINDOW_BYTES, type ResumePoint } from './resume-points.ts';
import { Bits } from '../../test/support/deflate-bits.ts';

/**
 * Two fixed-Huffman blocks: `first` (its bytes of 144 and over take 9 bits, so where the block ends
 * within a byte depends on how many it has), then `second`, the last. Returns where the second starts.
 */
function twoBlocks(first: readonly number[], second: readonly number[]): { stream: Uint8Array; boundary: number } {
  const bits = new Bits();
  bits.put(0, 1);
  bits.put(1, 2);
  first.forEach((b) => bits.literal(b));
  bits.code(0, 7);
  const boundary = bits.bits.length;
  bits.put(1, 1);
  bits.put(1, 2);
  second.forEach((b) => bits.literal(b));
  bits.code(0, 7);
  return { stream: bits.bytes(), boundary };
}

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

describe('resume points (shared/archive/resume-points.ts)', () => {
  it('resumes at a block starting at each of the eight bits of a byte', async () => {
    const seen = new Set<number>();
    for (let nines = 0; nines < 8; nines++) {
      const first = [0x61, ...Array.from({ length: nines }, () => 0xc8)];
      const second = [0x78, 0x79, 0x7a];
      const { stream, boundary } = twoBlocks(first, second);
      seen.add(boundary & 7);
      expect(text(inflateRawSync(stream))).toBe(text(Uint8Array.from([...first, ...second])));
      // From the boundary, with the first block's bytes behind: the second block's bytes.
      const window = Uint8Array.from(first);
      const resumed = inflateRawSync(resumedStream(stream, boundary, window));
      expect(text(resumed)).toBe(text(Uint8Array.from([...first, ...second])));
      // From the start, stopped at the boundary: the first block's bytes, the stream closed.
      expect(text(inflateRawSync(resumedStream(stream, 0, new Uint8Array(0), boundary)))).toBe(
        text(Uint8Array.from(first)),
      );
      // The same through the platform's inflate, as the app reads it.
      const point: ResumePoint = { bit: boundary, out: first.length, window };
      expect(text((await inflateFromPoint(stream.subarray(boundary >> 3), point, 10)).bytes)).toBe('xyz');
      expect((await inflateFromPoint(stream.subarray(boundary >> 3), point, 2)).bytes).toEqual(
        Uint8Array.of(0x78, 0x79),
      );
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("a later block's bytes copy from the window: the window is what they read", async () => {
    // The second block is one copy: length 3, distance 3 ("abc" again).
    const bits = new Bits();
    bits.put(0, 1);
    bits.put(1, 2);
    [0x61, 0x62, 0x63].forEach((b) => bits.literal(b));
    bits.code(0, 7);
    const boundary = bits.bits.length;
    bits.put(1, 1);
    bits.put(1, 2);
    bits.code(0b0000001, 7); // length code 257: 3
    bits.code(0b00010, 5); // distance code 2: 3
    bits.code(0, 7);
    const stream = bits.bytes();
    expect(text(inflateRawSync(stream))).toBe('abcabc');
    const point = { bit: boundary, out: 3, window: Uint8Array.from([0x61, 0x62, 0x63]) };
    expect(text((await inflateFromPoint(stream.subarray(boundary >> 3), point, 3)).bytes)).toBe('abc');
    const otherWindow = { ...point, window: Uint8Array.from([0x78, 0x79, 0x7a]) };
    expect(text((await inflateFromPoint(stream.subarray(boundary >> 3), otherWindow, 3)).bytes)).toBe('xyz');
  });

  it('a fault after the point is said, with at most the bytes before it', async () => {
    // 12,000 literals, then a block of the reserved type 3.
    const first = Array.from({ length: 12_000 }, (_, i) => 0x61 + (i % 20));
    const { stream, boundary } = twoBlocks(first, [0x78]);
    const bits = new Bits();
    bits.bits.push(...[...Array(boundary).keys()].map((i) => ((stream[i >> 3] as number) >> (i & 7)) & 1));
    bits.put(1, 1);
    bits.put(3, 2);
    const damaged = bits.bytes();
    expect(() => inflateRawSync(damaged)).toThrow();
    const start = { bit: 0, out: 0, window: new Uint8Array(0) };
    const read = await inflateFromPoint(damaged, start, 100_000);
    expect(read.fault).toBeTruthy();
    expect(read.bytes.length).toBeLessThanOrEqual(first.length);
    expect(read.bytes).toEqual(Uint8Array.from(first.slice(0, read.bytes.length)));
    // Sound, the same stream gives them all.
    expect(await inflateFromPoint(resumedStream(stream, 0, new Uint8Array(0), boundary), start, 100_000)).toEqual({
      bytes: Uint8Array.from(first),
    });
  });

  it('bytes that stop short of the final block (a copy kept only as far as a read went) are said, not thrown', async () => {
    const first = Array.from({ length: 12_000 }, (_, i) => 0x61 + (i % 20));
    const { stream, boundary } = twoBlocks(first, [0x78]);
    const start = { bit: 0, out: 0, window: new Uint8Array(0) };
    for (const cut of [1, 100, (boundary >> 3) - 1, boundary >> 3]) {
      const read = await inflateFromPoint(stream.subarray(0, cut), start, 100_000);
      expect(read.bytes.length).toBeLessThan(first.length + 1);
      expect(read.bytes).toEqual(Uint8Array.from(first.slice(0, read.bytes.length)));
      expect(read.fault).toBeTruthy();
    }
    // Asked for no more than the bytes before the cut hold: all of them, no fault.
    const enough = await inflateFromPoint(stream.subarray(0, boundary >> 3), start, 10);
    expect(enough).toEqual({ bytes: Uint8Array.from(first.slice(0, 10)) });
  });

  it('refuses bits outside the bytes and windows over 32 KiB', () => {
    expect(() => resumedStream(new Uint8Array(2), 17, new Uint8Array(0))).toThrow(RangeError);
    expect(() => resumedStream(new Uint8Array(2), 0, new Uint8Array(0), 17)).toThrow(RangeError);
    expect(() => resumedStream(new Uint8Array(2), 0, new Uint8Array(WINDOW_BYTES + 1))).toThrow(RangeError);
  });
});
