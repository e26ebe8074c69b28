/**
 * The strict UTF-8 decoder in script (`decodeUtf8InScript`), which the app's workers use in
 * place of `TextDecoder`, held to `TextDecoder`'s fatal mode on every input it may meet.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeUtf8InScript, decodeUtf8InScriptFromNow, decodeUtf8Strict, fromHex, toHex } from './bytes.ts';

const reference = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const byReference = (bytes: Uint8Array): string | null => {
  try {
    return reference.decode(bytes);
  } catch {
    return null;
  }
};
const bytesOf = (...b: number[]) => Uint8Array.from(b);

/** Bytes where every lead, continuation and boundary value of UTF-8 is likely. */
const EDGE_BYTES = [
  0x00, 0x0a, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbb, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed,
  0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xf8, 0xfe, 0xff,
];
const edgeByte = fc.oneof(fc.constantFrom(...EDGE_BYTES), fc.integer({ min: 0, max: 255 }));

describe('decodeUtf8InScript', () => {
  afterEach(() => decodeUtf8InScriptFromNow(false));

  it('decodes every scalar value as TextDecoder does, alone and among ASCII', () => {
    const encoder = new TextEncoder();
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const text = String.fromCodePoint(cp);
      if (decodeUtf8InScript(encoder.encode(text)) !== text) expect.fail(`U+${cp.toString(16)} decoded wrongly`);
      if (cp % 97 === 0 && decodeUtf8InScript(encoder.encode(`a${text}b`)) !== `a${text}b`)
        expect.fail(`U+${cp.toString(16)} between ASCII decoded wrongly`);
    }
  });

  it('refuses what the fatal decoder refuses: overlong forms, surrogates, past U+10FFFF, cut sequences, stray bytes', () => {
    const refused = [
      [0x80],
      [0xbf],
      [0xc0, 0x80], // overlong NUL
      [0xc1, 0xbf],
      [0xc2],
      [0xc2, 0x41],
      [0xe0, 0x80, 0x80], // overlong
      [0xe0, 0x9f, 0xbf],
      [0xe1, 0x80],
      [0xed, 0xa0, 0x80], // U+D800
      [0xed, 0xbf, 0xbf], // U+DFFF
      [0xf0, 0x80, 0x80, 0x80], // overlong
      [0xf0, 0x8f, 0xbf, 0xbf],
      [0xf4, 0x90, 0x80, 0x80], // U+110000
      [0xf5, 0x80, 0x80, 0x80],
      [0xf1, 0x80, 0x80],
      [0xf8, 0x88, 0x80, 0x80, 0x80],
      [0xff],
      [0x41, 0xe2, 0x82], // cut at the end
    ];
    for (const b of refused) {
      expect(byReference(bytesOf(...b)), b.join(',')).toBeNull();
      expect(decodeUtf8InScript(bytesOf(...b)), b.join(',')).toBeNull();
    }
  });

  it('keeps a byte-order mark as a character, at the start and inside', () => {
    expect(decodeUtf8InScript(bytesOf(0xef, 0xbb, 0xbf, 0x7b, 0x7d))).toBe('\ufeff{}');
    expect(decodeUtf8InScript(bytesOf(0x7b, 0xef, 0xbb, 0xbf, 0x7d))).toBe('{\ufeff}');
    expect(decodeUtf8InScript(new Uint8Array(0))).toBe('');
  });

  it('agrees with TextDecoder on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.array(edgeByte, { maxLength: 24 }), (b) => {
        const bytes = Uint8Array.from(b);
        expect(decodeUtf8InScript(bytes)).toBe(byReference(bytes));
      }),
      { numRuns: 20_000 },
    );
  });

  it('agrees with TextDecoder on arbitrary text, short and past one call of String.fromCharCode', () => {
    const encoder = new TextEncoder();
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.integer({ min: 1, max: 120 }), (text, times) => {
        const bytes = encoder.encode(text.repeat(times));
        expect(decodeUtf8InScript(bytes)).toBe(byReference(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('a shorter text after a longer one is not mixed with the longer one (the buffer is kept between calls)', () => {
    const encoder = new TextEncoder();
    expect(decodeUtf8InScript(encoder.encode('東京'.repeat(5000)))).toBe('東京'.repeat(5000));
    expect(decodeUtf8InScript(encoder.encode('ab'))).toBe('ab');
    // Units left by a text refused part-way are not read either, nor by texts past the kept array's size.
    expect(decodeUtf8InScript(bytesOf(...encoder.encode('x'.repeat(3000)), 0xc0, 0x80))).toBeNull();
    expect(decodeUtf8InScript(encoder.encode('é'))).toBe('é');
    expect(decodeUtf8InScript(encoder.encode('y'.repeat(70000)))).toBe('y'.repeat(70000));
    expect(decodeUtf8InScript(encoder.encode('z'.repeat(9000)))).toBe('z'.repeat(9000));
    expect(decodeUtf8InScript(encoder.encode('東'))).toBe('東');
  });

  it('decodeUtf8Strict gives the same either way, and texts over 1 MiB still decode (by TextDecoder)', () => {
    const encoder = new TextEncoder();
    const samples = [
      encoder.encode('{"ledger":"gw-東京-2","emoji":"😀"}'),
      bytesOf(0xed, 0xa0, 0x80),
      encoder.encode('x'.repeat(1024 * 1024 + 5) + 'é'),
      Uint8Array.from([...encoder.encode('x'.repeat(1024 * 1024 + 5)), 0xff]),
    ];
    const before = samples.map(decodeUtf8Strict);
    decodeUtf8InScriptFromNow();
    expect(samples.map(decodeUtf8Strict)).toEqual(before);
    expect(before.map((t) => (t === null ? null : t.length))).toEqual([33, null, 1024 * 1024 + 6, null]);
  });
});

describe('toHex', () => {
  const nodeHex = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

  it('gives lowercase hex of every byte value, as Node does, and fromHex reads it back', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(toHex(all)).toBe(nodeHex(all));
    expect(fromHex(toHex(all))).toEqual(all);
    expect(toHex(new Uint8Array(0))).toBe('');
  });

  it('any bytes of any length, across the parts it is made in (4,096 bytes) and from a view into a larger buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 9000 }), fc.nat(7), (bytes, skip) => {
        const view = bytes.subarray(Math.min(skip, bytes.length));
        expect(toHex(view)).toBe(nodeHex(view));
      }),
      { numRuns: 200 },
    );
    for (const length of [4095, 4096, 4097, 8192, 8193]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 131 + 7) & 0xff);
      expect(toHex(bytes)).toBe(nodeHex(bytes));
    }
  });
});
