import { describe, expect, it } from 'vitest';
import { KeyTable128 } from './key-table.ts';

/** A 16-character key of one-byte characters from four 32-bit words. */
function key(w0: number, w1: number, w2: number, w3: number): string {
  return String.fromCharCode(
    ...[w0, w1, w2, w3].flatMap((w) => [w >>> 24, (w >>> 16) & 0xff, (w >>> 8) & 0xff, w & 0xff]),
  );
}

describe('KeyTable128', () => {
  it('numbers keys in the order they are added and finds each again', () => {
    const table = new KeyTable128();
    const keys = Array.from({ length: 50_000 }, (_, i) => key(Math.imul(i, 0x9e3779b1) >>> 0, i, ~i >>> 0, 7));
    const wrong: string[] = [];
    for (const [i, k] of keys.entries()) {
      if (table.indexOf(k) !== -1) wrong.push(`key ${i} found before it was added`);
      if (table.add(k) !== i) wrong.push(`key ${i} numbered ${table.indexOf(k)}`);
    }
    for (const [i, k] of keys.entries())
      if (table.indexOf(k) !== i) wrong.push(`key ${i} found as ${table.indexOf(k)}`);
    expect(wrong).toEqual([]);
    expect(table.size).toBe(keys.length);
    expect(table.indexOf(key(1, 2, 3, 4))).toBe(-1);
  });

  it('tells apart keys that share the 32 bits that place them, and differ in any later bit', () => {
    const table = new KeyTable128();
    const keys: string[] = [];
    for (let bit = 0; bit < 32; bit++)
      keys.push(key(5, (2 ** bit) >>> 0, 0, 0), key(5, 0, (2 ** bit) >>> 0, 0), key(5, 0, 0, (2 ** bit) >>> 0));
    keys.push(key(5, 0, 0, 0), key(0x80000005, 0, 0, 0));
    keys.forEach((k) => table.add(k));
    keys.forEach((k, i) => expect(table.indexOf(k)).toBe(i));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('refuses a key that is not 16 one-byte characters', () => {
    const table = new KeyTable128();
    expect(() => table.indexOf('short')).toThrow(RangeError);
    expect(() => table.add('\u0100'.repeat(16))).toThrow(RangeError);
  });
});
