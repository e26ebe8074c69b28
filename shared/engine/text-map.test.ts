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

  it('never takes a wide key for the ASCII key of the same byte length, nor the empty key for the next key', () => {
    const map = new TextMap(() => 0);
    // '' is stored in no bytes, right before 'ÿ' (0xFF 0xFF 0x00): the empty key looks at no byte.
    map.set('', 1);
    map.set('\u00ff', 2);
    // Three units whose low bytes are 'ÿ''s stored bytes: neither ASCII nor the same key.
    expect(map.get('\u00ff\u00ff\u0000')).toBeUndefined();
    expect(map.get('')).toBe(1);
    expect(map.get('\u00ff')).toBe(2);
    expect(map.size).toBe(2);
  });

  it('grows its text arena for a key many times its size, and keeps the keys before it', () => {
    const map = new TextMap();
    map.set('first', 1);
    const long = 'k'.repeat(5000);
    const wide = '\u6100'.repeat(3000);
    map.set(long, 2);
    map.set(wide, 3);
    expect([map.get('first'), map.get(long), map.get(wide)]).toEqual([1, 2, 3]);
    expect(map.get(long.slice(1))).toBeUndefined();
    expect(map.get(wide.slice(1))).toBeUndefined();
  });

  it("textHash32 is FNV-1a over the UTF-16 code units with murmur3's finalizer", () => {
    // Computed with an independent implementation; the FNV-1a parts are the published
    // vectors ("" 0x811c9dc5, "a" 0xe40c292c, "foobar" 0xbf9cf968) before finalizing.
    expect(['', 'a', 'foobar', 'rc_0123456789abcdef', '\u00ff\u6100', '\ud800'].map(textHash32)).toEqual([
      2872998923, 444641715, 202221276, 638155960, 1311508192, 1463727854,
    ]);
  });
});
