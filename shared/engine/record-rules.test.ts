/**
 * Reading one stored line (shared/engine/record.ts, FORMAT.md §1), each outcome with its code,
 * exact message and location: a line too long, the last line without a newline, bytes that
 * are not UTF-8, an empty line, JSON that does not parse, a forbidden number and a line that is
 * not its own canonical form, and what is handed on for a readable line.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LineRead } from '../archive/lines.ts';
import { utf8Length } from '../format/bytes.ts';
import { canonicalize } from '../format/canonical.ts';
import { readStoredLine } from './record.ts';

const PATH = 'ledgers/x/000001.jsonl';
const line = (text: string, n = 4): LineRead => ({ kind: 'line', line: n, bytes: new TextEncoder().encode(text) });
const malformed = (message: string, ledger?: string) => ({
  code: 'RECORD_MALFORMED',
  severity: 'critical',
  message,
  path: PATH,
  line: 4,
  ...(ledger !== undefined ? { ledger } : {}),
});

describe('readStoredLine', () => {
  it('a canonical line: its value and text, no finding; with a sig, the signed text too', () => {
    expect(readStoredLine(PATH, line('{"a":1}'))).toEqual({ value: { a: 1 }, findings: [], canonicalText: '{"a":1}' });
    const r = readStoredLine(PATH, line('{"a":1,"sig":"x"}'));
    expect(r).toEqual({
      value: { a: 1, sig: 'x' },
      findings: [],
      canonicalText: '{"a":1,"sig":"x"}',
      withoutSig: '{"a":1}',
      // An ASCII line: the signed bytes are cut from the line's own.
      withoutSigBytes: new TextEncoder().encode('{"a":1}'),
    });
    // Not ASCII: the cut is placed in the bytes by their UTF-8 lengths, not the text's units.
    expect(readStoredLine(PATH, line('{"a":"é東😀","sig":"x","z":"ü"}'))).toEqual({
      value: { a: 'é東😀', sig: 'x', z: 'ü' },
      findings: [],
      canonicalText: '{"a":"é東😀","sig":"x","z":"ü"}',
      withoutSig: '{"a":"é東😀","z":"ü"}',
      withoutSigBytes: new TextEncoder().encode('{"a":"é東😀","z":"ü"}'),
    });
    // Cut from the middle of the line as well (sig is not always last).
    expect(readStoredLine(PATH, line('{"a":1,"sig":"x","z":2}')).withoutSigBytes).toEqual(
      new TextEncoder().encode('{"a":1,"z":2}'),
    );
    expect(Object.keys(readStoredLine(PATH, line('{"a":1}')))).toEqual(['value', 'findings', 'canonicalText']);
  });

  it('any canonical line with a sig: the bytes cut are the UTF-8 of the text without it, in or out of a slab', () => {
    // Strings of every UTF-8 length (1 to 4 bytes) before, inside and after the sig member.
    const anyText = (maxLength: number) => fc.string({ unit: 'grapheme', maxLength });
    // Without characters JSON escapes, every such line has its bytes cut (escapes may take the slower path).
    const plain = (maxLength: number) => anyText(maxLength).filter((t) => !/["\\\u0000-\u001f]/.test(t));
    const slab = { bytes: new Uint8Array(0), used: 0 };
    for (const [text, alwaysCut] of [
      [plain, true],
      [anyText, false],
    ] as const)
      fc.assert(
        fc.property(fc.dictionary(text(6), text(12)), text(12), (members, sig) => {
          const record = canonicalize({ ...members, sig });
          const { sig: _, ...rest } = members;
          const expected = new TextEncoder().encode(canonicalize(rest));
          for (const read of [
            readStoredLine(PATH, line(record)),
            readStoredLine(PATH, line(record), undefined, slab),
          ]) {
            expect(read.findings).toEqual([]);
            if (alwaysCut || read.withoutSigBytes !== undefined) expect(read.withoutSigBytes).toEqual(expected);
          }
        }),
        { numRuns: 400 },
      );
  });

  it('utf8Length counts UTF-8 bytes of a part of a text', () => {
    for (const t of ['', 'a', 'é', '東', '😀', 'a😀é東z'])
      expect(utf8Length(t)).toBe(new TextEncoder().encode(t).length);
    expect(utf8Length('a😀é東z', 1, 3)).toBe(4);
    expect(utf8Length('a😀é東z', 3, 5)).toBe(5);
  });

  it('with a slab, the signed bytes are cut into it one after another, never written over', () => {
    const slab = { bytes: new Uint8Array(0), used: 0 };
    const texts = ['{"a":1,"sig":"x","z":2}', '{"b":"' + 'y'.repeat(40) + '","sig":"x"}', '{"c":3,"sig":"x"}'];
    const kept = texts.map((text) => readStoredLine(PATH, line(text), undefined, slab));
    texts.forEach((text, i) => expect(kept[i]).toEqual(readStoredLine(PATH, line(text))));
    // All three in one slab, side by side.
    expect(new Set(kept.map((k) => k.withoutSigBytes?.buffer))).toEqual(new Set([slab.bytes.buffer]));
    expect(slab.used).toBe(kept.reduce((n, k) => n + (k.withoutSigBytes?.length ?? 0), 0));
    // A line larger than what is left starts a new slab; the earlier bytes stay as they were.
    const big = '{"d":"' + 'w'.repeat(300_000) + '","sig":"x"}';
    const bigRead = readStoredLine(PATH, line(big), undefined, slab);
    expect(bigRead.withoutSigBytes?.buffer).not.toBe(kept[0]?.withoutSigBytes?.buffer);
    expect(bigRead).toEqual(readStoredLine(PATH, line(big)));
    texts.forEach((text, i) => expect(kept[i]).toEqual(readStoredLine(PATH, line(text))));
  });

  it('a line too long: RECORD_MALFORMED with its length, no value', () => {
    expect(readStoredLine(PATH, { kind: 'too-long', line: 4, length: 20_000_001 }, 'x')).toEqual({
      value: undefined,
      findings: [malformed('Line is 20000001 bytes long, over the limit for one record; it was skipped.', 'x')],
    });
  });

  it('the last line without a newline: RECORD_MALFORMED, and the line is still read', () => {
    const r = readStoredLine(PATH, { kind: 'unterminated', line: 4, bytes: new TextEncoder().encode('{"a":1}') });
    expect(r).toEqual({
      value: { a: 1 },
      findings: [
        malformed('The file ends without a newline after its last record (the file may have been cut short).'),
      ],
      canonicalText: '{"a":1}',
    });
  });

  it('bytes that are not UTF-8: RECORD_MALFORMED, no value', () => {
    const r = readStoredLine(PATH, { kind: 'line', line: 4, bytes: Uint8Array.of(0x7b, 0xff, 0x7d) }, 'x');
    expect(r).toEqual({ value: undefined, findings: [malformed('Line is not valid UTF-8.', 'x')] });
  });

  it('an empty line: RECORD_MALFORMED, no value', () => {
    expect(readStoredLine(PATH, line(''))).toEqual({
      value: undefined,
      findings: [malformed('Line is empty; every line must hold one record.')],
    });
  });

  it('JSON that does not parse: RECORD_MALFORMED with the reason, no value', () => {
    expect(readStoredLine(PATH, line('{"a":1'))).toEqual({
      value: undefined,
      findings: [malformed("Line is not valid JSON (Expected ',' or '}' after property value in JSON at position 6).")],
    });
  });

  it('a forbidden number: RECORD_MALFORMED, and the value is still handed on (without a canonical text)', () => {
    expect(readStoredLine(PATH, line('{"a":1.5}'))).toEqual({
      value: { a: 1.5 },
      findings: [
        malformed(
          'Line holds the number 1.5 at a: signed content may hold only integers from 0 to 2^53-1, without fractions or exponents (FORMAT.md §1).',
        ),
      ],
    });
  });

  it('a line that is not its own canonical form: RECORD_NONCANONICAL, and the value is still handed on', () => {
    expect(readStoredLine(PATH, line('{"b":1,"a":2}'), 'x')).toEqual({
      value: { b: 1, a: 2 },
      findings: [
        {
          code: 'RECORD_NONCANONICAL',
          severity: 'critical',
          message:
            'Line is not in RFC 8785 canonical form: first difference at character 3 (found "{\\"b\\":1,\\"a\\":2}", canonical form has "{\\"a\\":2,\\"b\\":1}").',
          path: PATH,
          line: 4,
          ledger: 'x',
        },
      ],
    });
  });
});
