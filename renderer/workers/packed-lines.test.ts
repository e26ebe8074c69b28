import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  PackedLinesBuilder,
  packTexts,
  packedLine,
  packedLineBytes,
  packedLinesBuffers,
  storedLine,
  storedLineCount,
  storedLines,
} from './packed-lines.ts';

const utf8 = (text: string) => new TextEncoder().encode(text);
// Stored lines are decoded strictly from UTF-8 (or with U+FFFD for the ExecLayer log), so they never hold a lone surrogate.
// Some begin with U+FEFF, which must stay.
const lineText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }).map((t) => `\ufeff${t}`),
);

describe('packed lines', () => {
  it('give back every line as it was added, as bytes or as text, and nothing past the end', () => {
    fc.assert(
      fc.property(fc.array(lineText, { maxLength: 60 }), (texts) => {
        const builder = new PackedLinesBuilder();
        texts.forEach((t, i) => (i % 2 === 0 ? builder.push(utf8(t)) : builder.pushText(t)));
        expect(builder.count).toBe(texts.length);
        const packed = builder.take();
        expect(builder.count).toBe(0);
        expect(packed.ends.length).toBe(texts.length);
        texts.forEach((t, i) => {
          expect(packedLine(packed, i)).toBe(t);
          expect(packedLineBytes(packed, i)).toEqual(utf8(t));
        });
        expect(packedLine(packed, texts.length)).toBeUndefined();
        expect(packedLine(packed, -1)).toBeUndefined();
        expect(packed.bytes.length).toBe(texts.reduce((n, t) => n + utf8(t).length, 0));
        expect(packTexts(texts)).toEqual(packed);
      }),
    );
  });

  it('keep a line that begins with U+FEFF as it is (a byte-order mark is part of the line, not dropped)', () => {
    const texts = ['\ufeff{"a":1}', '\ufeff', '{"b":"\ufeff"}'];
    const builder = new PackedLinesBuilder();
    builder.push(Uint8Array.from([0xef, 0xbb, 0xbf, ...utf8('{"a":1}')]));
    builder.pushText('\ufeff');
    builder.pushText('{"b":"\ufeff"}');
    const packed = builder.take();
    expect(storedLines({ lines: packed })).toEqual(texts);
    expect(storedLine({ lines: packTexts(texts) }, 0)).toBe(texts[0]);
  });

  it('copy what they are given: a reused buffer does not change a line added before', () => {
    const scratch = utf8('{"a":1}');
    const builder = new PackedLinesBuilder();
    builder.push(scratch);
    scratch.set(utf8('{"b":2}'));
    builder.push(scratch);
    const packed = builder.take();
    expect([packedLine(packed, 0), packedLine(packed, 1)]).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('grow past their first buffer, and start again empty after take', () => {
    const builder = new PackedLinesBuilder();
    const long = 'x'.repeat(50_000);
    for (let i = 0; i < 5; i++) builder.pushText(`${i}${long}`);
    const first = builder.take();
    builder.pushText('after');
    const second = builder.take();
    expect(storedLines({ lines: first }).map((t) => t.slice(0, 2))).toEqual(['0x', '1x', '2x', '3x', '4x']);
    expect(storedLines({ lines: second })).toEqual(['after']);
    // Buffers of their own, exactly as large as the lines: what is moved to another thread is only them.
    expect(first.bytes.buffer.byteLength).toBe(5 * 50_001);
    expect(packedLinesBuffers(first)).toEqual([first.bytes.buffer, first.ends.buffer]);
  });

  it('made the size of what comes, take the last lines without a copy; any size still grows', () => {
    fc.assert(
      fc.property(fc.array(lineText, { maxLength: 30 }), fc.nat({ max: 2000 }), (texts, capacity) => {
        const builder = new PackedLinesBuilder(capacity);
        for (const t of texts) builder.pushText(t);
        const last = builder.takeLast();
        expect(storedLines({ lines: last })).toEqual(texts);
        expect(last.bytes.length).toBe(texts.reduce((n, t) => n + utf8(t).length, 0));
        // Empty afterwards, and what was taken is not written over by what comes next.
        builder.pushText('next');
        expect(storedLines({ lines: builder.take() })).toEqual(['next']);
        expect(storedLines({ lines: last })).toEqual(texts);
      }),
    );
    // Sized right, the buffer taken is the builder's own: no copy, nothing more to move.
    const lines = ['one', 'two', 'three'];
    const builder = new PackedLinesBuilder(11);
    for (const t of lines) builder.pushText(t);
    expect(builder.takeLast().bytes.buffer.byteLength).toBe(11);
  });

  it('pack into memory they are given when it holds what comes, whatever it held before; else into their own', () => {
    fc.assert(
      fc.property(fc.array(lineText, { maxLength: 30 }), fc.uint8Array({ maxLength: 3000 }), (texts, stale) => {
        const size = texts.reduce((n, t) => n + utf8(t).length, 0);
        // Memory another piece's lines filled before: its bytes are written over, never read.
        const into = new Uint8Array(Math.max(size, stale.length));
        into.set(stale);
        const builder = new PackedLinesBuilder(size, into.buffer);
        for (const t of texts) builder.pushText(t);
        const last = builder.takeLast();
        expect(last.bytes.buffer).toBe(into.buffer);
        expect(storedLines({ lines: last })).toEqual(texts);
        expect(last.bytes.length).toBe(size);
      }),
    );
    // Too small for what is said to come: not used (the lines would outgrow it at once).
    const small = new ArrayBuffer(4);
    const builder = new PackedLinesBuilder(11, small);
    for (const t of ['one', 'two', 'three']) builder.pushText(t);
    const taken = builder.takeLast();
    expect(taken.bytes.buffer).not.toBe(small);
    expect(storedLines({ lines: taken })).toEqual(['one', 'two', 'three']);
  });

  it('read a stored chunk in either form: packed, or as strings (imports before)', () => {
    const texts = ['{"a":"é"}', '', '{"b":"\u{1F600}"}'];
    for (const chunk of [{ lines: packTexts(texts) }, { texts }]) {
      expect(storedLineCount(chunk)).toBe(3);
      expect(texts.map((_, i) => storedLine(chunk, i))).toEqual(texts);
      expect(storedLine(chunk, 3)).toBeUndefined();
      expect(storedLines(chunk)).toEqual(texts);
    }
    expect(storedLineCount({})).toBe(0);
  });
});
