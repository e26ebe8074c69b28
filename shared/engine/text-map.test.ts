import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TextMap, textHash32 } from './text-map.ts';

/** Keys that an encoding could confuse: ASCII, Latin-1, wide, lone surrogates, 0xFF bytes. */
const TRICKY = [
  '',
  'a',
  'ab',
  'abc',
  '\u00ff',
  '\u00ffa',
  'a\u00ff',
  '\u0100',
  '\u6100',
  '\u0061\u0000',
  '\u0000',
  '\u0000\u0000',
  '\u7fff',
  '\ud800',
  '\udc00',
  '\ud800\udc00',
  '\udc00\ud800',
  '\u{1f600}',
  'ÿÿÿ',
  '\u00ff\u00ff',
  '\u01ff',
  '\uff01',
  '\u0161',
  'a\u0001',
  'rc_0',
  'rc_00',
];

/** Checks `map` against a `Map` fed the same operations, key by key. */
function expectSame(map: TextMap, reference: Map<string, number>, probes: readonly string[]): void {
  expect(map.size).toBe(reference.size);
  for (const key of probes) {
    expect(map.get(key), JSON.stringify(key)).toBe(reference.get(key));
    expect(map.has(key)).toBe(reference.has(key));
  }
}

describe('TextMap', () => {
  it('keeps every key apart, however its text is encoded', () => {
    const map = new TextMap();
    TRICKY.forEach((key, i) => map.set(key, i));
    TRICKY.forEach((key, i) => expect(map.get(key), JSON.stringify(key)).toBe(i));
    expect(map.size).toBe(TRICKY.length);
    expect(map.get('abcd')).toBeUndefined();
    expect(map.get('\ud801')).toBeUndefined();
  });

  it('stays exact when every hash collides (keys told apart by their text alone)', () => {
    const map = new TextMap(() => 0);
    TRICKY.forEach((key, i) => map.set(key, i));
    for (let i = 0; i < 2000; i++) map.set(`tx_${i}`, 1000 + i);
    TRICKY.forEach((key, i) => expect(map.get(key), JSON.stringify(key)).toBe(i));
    for (let i = 0; i < 2000; i++) expect(map.get(`tx_${i}`)).toBe(1000 + i);
    expect(map.get('tx_2000')).toBeUndefined();
    expect(map.size).toBe(TRICKY.length + 2000);
  });

  it('updates a value in place without adding the key again', () => {
    const map = new TextMap();
    map.set('tx_1', 4);
    map.set('tx_1', 7);
    expect(map.get('tx_1')).toBe(7);
    expect(map.size).toBe(1);
  });

  it('behaves like a Map for any strings (property), with the real hash and a 2-bit one', () => {
    // Any UTF-16 code units (lone surrogates included), mostly ASCII so keys repeat.
    const codeUnit = fc
      .oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0, max: 0xffff }))
      .map((unit) => String.fromCharCode(unit));
    const key = fc.oneof(fc.string({ unit: codeUnit, maxLength: 4 }), fc.constantFrom(...TRICKY));
    const operation = fc.tuple(key, fc.integer());
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 300 }), fc.array(key, { maxLength: 50 }), (operations, extra) => {
        for (const hash of [textHash32, (text: string) => textHash32(text) & 3]) {
          const map = new TextMap(hash);
          const reference = new Map<string, number>();
          for (const [key, value] of operations) {
            map.set(key, value);
            reference.set(key, value);
          }
          expectSame(map, reference, [...operations.map(([key]) => key), ...extra]);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('keeps values as doubles (packed places beyond 2^32, negative markers)', () => {
    const map = new TextMap();
    map.set('far', 2 ** 52 + 1);
    map.set('none', -1);
    expect(map.get('far')).toBe(2 ** 52 + 1);
    expect(map.get('none')).toBe(-1);
  });
});
