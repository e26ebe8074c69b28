import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readVector, VECTORS_DIR } from '../../test/support/vectors.ts';
import { scanCanonical } from './canonical-scan.ts';
import { canonicalize, MAX_JSON_DEPTH, parseCanonical, parseCanonicalByReference, signedText } from './canonical.ts';

/**
 * The scan may only say "canonical" where the reference path (JSON.parse, the canonicalize
 * library, comparison, number and depth rules) says so too, and must then give the same value
 * and the same signed text. Where it does not decide, parseCanonical's answer is the reference's.
 */
function agreesWithReference(text: string): void {
  const scan = scanCanonical(text, MAX_JSON_DEPTH);
  const reference = parseCanonicalByReference(text);
  if (scan) {
    expect(reference, text).toMatchObject({ ok: true });
    const value = (reference as { value: unknown }).value;
    expect(JSON.parse(text)).toEqual(value);
    const isObject = value !== null && typeof value === 'object' && !Array.isArray(value);
    if (isObject && Object.hasOwn(value, 'sig')) {
      expect(scan.sig, text).not.toBeNull();
      const [start, end] = scan.sig as [number, number];
      expect(text.slice(0, start) + text.slice(end)).toBe(signedText(value as Record<string, unknown>));
    } else {
      expect(scan.sig).toBeNull();
    }
  }
  const answer = parseCanonical(text);
  if (reference.ok) {
    expect({ ...answer, withoutSig: undefined, sigAt: undefined }).toEqual({ ...reference, withoutSig: undefined });
    // The cut the fast path names is the one that gives its signed text.
    const { withoutSig, sigAt } = answer as { withoutSig?: string; sigAt?: [number, number] };
    expect(sigAt === undefined).toBe(withoutSig === undefined);
    if (sigAt) expect(text.slice(0, sigAt[0]) + text.slice(sigAt[1])).toBe(withoutSig);
  } else expect(answer).toEqual(reference);
}

/** A high surrogate not followed by a low one, or a low one not after a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Values the format's receipts are made of: what the scan is for, so it must accept them. */
const formatValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, true, false),
    fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    fc.constantFrom(0, 9, 10, Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER),
    // Any Unicode text, characters beyond the BMP (surrogate pairs) included; UTF-8 cannot hold a lone surrogate.
    fc.string({ unit: 'binary' }).filter((s) => !LONE_SURROGATE.test(s)),
    fc.constantFrom('scout-🦉', 'Begründung ✍️', '東京', '😀\uffff', '\ud7ff\ue000'),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(
        fc.string({ unit: 'grapheme-ascii' }),
        fc.constantFrom('sig', 'a', 'z', 'é', '__proto__', '', '😀', '\uffff', '\ud7ff', '🦉x'),
      ),
      tie('value'),
      { maxKeys: 5 },
    ),
  ),
})).value;

/** One-character edits that turn canonical text into something else, or into other canonical text. */
const EDIT_CHARS = [
  // Halves of a surrogate pair: an edit can split a pair or leave one half alone.
  '\ud83d',
  '\ude00',
  ' ',
  '"',
  '\\',
  ',',
  ':',
  '{',
  '}',
  '[',
  ']',
  '0',
  '1',
  '-',
  '.',
  'e',
  'u',
  'n',
  'a',
  'é',
  '\n',
  '/',
];

describe('scanCanonical agrees with the reference path', () => {
  it('accepts the canonical form of every value the format is made of (the fast path is taken)', () => {
    fc.assert(
      fc.property(formatValue, (value) => {
        const text = canonicalize(value);
        // A key with an escape (control characters, quote, backslash) is left to the reference.
        const keyEscape = collectKeys(value).some((k) => JSON.stringify(k) !== `"${k}"`);
        if (!keyEscape) expect(scanCanonical(text, MAX_JSON_DEPTH), text).not.toBeNull();
        agreesWithReference(text);
      }),
      { numRuns: 2000 },
    );
  });

  it('never accepts what the reference refuses, over arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        agreesWithReference(canonicalize(value));
        agreesWithReference(JSON.stringify(value));
        agreesWithReference(JSON.stringify(value, null, 1));
      }),
      { numRuns: 2000 },
    );
  });

  it('never accepts what the reference refuses, after one-character edits of canonical text', () => {
    fc.assert(
      fc.property(
        formatValue,
        fc.nat(),
        fc.constantFrom('insert', 'replace', 'delete', 'swap'),
        fc.constantFrom(...EDIT_CHARS),
        (value, position, edit, char) => {
          const text = canonicalize(value);
          const at = text.length === 0 ? 0 : position % text.length;
          const edited =
            edit === 'insert'
              ? text.slice(0, at) + char + text.slice(at)
              : edit === 'replace'
                ? text.slice(0, at) + char + text.slice(at + 1)
                : edit === 'delete'
                  ? text.slice(0, at) + text.slice(at + 1)
                  : text.slice(0, at) + text.charAt(at + 1) + text.charAt(at) + text.slice(at + 2);
          agreesWithReference(edited);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it.each([
    ['keys out of order', '{"b":1,"a":2}', false],
    ['a repeated key', '{"a":1,"a":1}', false],
    ['keys ordered by code unit, not by locale', '{"z":1,"é":2}', true],
    ['keys in locale order', '{"é":1,"z":2}', false],
    ['upper case before lower case', '{"B":1,"a":2}', true],
    ['a leading zero', '{"a":01}', false],
    ['negative zero', '-0', false],
    ['a negative integer (canonical, but forbidden by the format)', '-1', false],
    ['a fraction', '1.5', false],
    ['a fraction that is an integer', '1.0', false],
    ['an exponent', '1e2', false],
    ['the largest integer allowed', '9007199254740991', true],
    ['one past it', '9007199254740992', false],
    ['a long run of digits', '12345678901234567890', false],
    ['an escaped letter', '"\\u0041"', false],
    ['an escaped slash', '"\\/"', false],
    ['a control character in upper-case hex', '"\\u001F"', false],
    ['a control character in lower-case hex', '"\\u001f"', true],
    ['a newline as \\u', '"\\u000a"', false],
    ['a backspace as \\u', '"\\u0008"', false],
    ['a tab as \\u', '"\\u0009"', false],
    ['a form feed as \\u', '"\\u000c"', false],
    ['a carriage return as \\u', '"\\u000d"', false],
    ['a unit separator as \\u', '"\\u001e"', true],
    ['a newline as \\n', '"\\n"', true],
    ['a raw control character', '"\u0001"', false],
    ['DEL and U+2028 written as they are', '"\u007f\u2028"', true],
    ['an escaped lone surrogate', '"\\ud800"', false],
    ['a surrogate pair (written as it is)', '"😀"', true],
    ['surrogate pairs in a row and among other text', '"a😀🦉b✍️"', true],
    ['a high surrogate then a letter', '"\ud83da"', false],
    ['a high surrogate then the closing quote', '"\ud83d"', false],
    ['a high surrogate at the end of the text', '"\ud83d', false],
    ['two high surrogates', '"\ud83d\ud83d"', false],
    ['a pair the wrong way round', '"\ude00\ud83d"', false],
    ['a low surrogate alone', '"a\ude00"', false],
    ['a pair then a lone high surrogate', '"😀\ud800"', false],
    ['keys by code unit: a letter before a pair', '{"z":1,"😀":2}', true],
    ['keys by code unit: a pair before U+FFFF', '{"😀":1,"\uffff":2}', true],
    ['keys by code point, not code unit', '{"\uffff":1,"😀":2}', false],
    ['a key holding a pair, repeated', '{"😀":1,"😀":2}', false],
    ['whitespace', '{"a": 1}', false],
    ['trailing bytes', '{}x', false],
    ['trailing space', '{} ', false],
    ['nothing', '', false],
    ['a cut literal', 'tru', false],
    ['an unclosed string', '"abc', false],
    ['an unclosed object', '{"a":1', false],
    ['a trailing comma', '[1,]', false],
    ['an empty key', '{"":1}', true],
    ['an escaped key', '{"a\\"b":1}', false],
    ['each short escape', '["\\"","\\\\","\\b","\\f","\\n","\\r","\\t"]', true],
    ['control characters whose last hex digit is 0', '["\\u0000","\\u0010"]', true],
    ['a control character whose last hex digit is 9', '"\\u0019"', true],
    ['a control character whose last hex digit is a', '"\\u001a"', true],
    ['a \\u with a last digit past f', '"\\u000g"', false],
    ['a \\u with a last digit just below a', '"\\u001`"', false],
    ['another letter after a backslash, then four digits', '"\\x0010"', false],
    ['a \\u whose first digit is not 0', '"\\u1000"', false],
    ['a \\u whose second digit is not 0', '"\\u0100"', false],
    ['a member value that fails right before a closing bracket', '[{"a":[1x]', false],
    ['a key out of order, then a closing bracket', '[{"b":1,"a"]', false],
    ['an escaped key, then a closing bracket', '[{"a\\"b"]', false],
    ['the first lone surrogate written as it is', '"\ud800"', false],
    ['the last lone surrogate written as it is', '"\udfff"', false],
  ])('%s: %s', (_what, text, accepted) => {
    expect(scanCanonical(text, MAX_JSON_DEPTH) !== null).toBe(accepted);
    agreesWithReference(text);
  });

  it('nests to the limit and not beyond', () => {
    const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);
    expect(scanCanonical(nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).not.toBeNull();
    expect(scanCanonical(nested(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toBeNull();
    for (const n of [MAX_JSON_DEPTH - 1, MAX_JSON_DEPTH, MAX_JSON_DEPTH + 1, 5000]) agreesWithReference(nested(n));
    // Objects count as arrays do.
    const objects = (n: number) => '{"a":'.repeat(n - 1) + '{}' + '}'.repeat(n - 1);
    expect(scanCanonical(objects(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).not.toBeNull();
    expect(scanCanonical(objects(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toBeNull();
    for (const n of [MAX_JSON_DEPTH, MAX_JSON_DEPTH + 1]) agreesWithReference(objects(n));
  });

  it.each([
    ['first member', '{"sig":"ab","z":1}', '{"z":1}'],
    ['only member', '{"sig":"ab"}', '{}'],
    ['middle member', '{"a":1,"sig":"ab","z":1}', '{"a":1,"z":1}'],
    ['last member', '{"a":{"sig":"cd"},"sig":"ab"}', '{"a":{"sig":"cd"}}'],
    ['not a string', '{"a":1,"sig":[1,{"sig":2}],"t":3}', '{"a":1,"t":3}'],
  ])('cuts the top-level sig member (%s), never a nested one', (_what, text, without) => {
    const scan = scanCanonical(text, MAX_JSON_DEPTH);
    expect(scan?.sig).not.toBeNull();
    const [start, end] = scan?.sig as [number, number];
    expect(text.slice(0, start) + text.slice(end)).toBe(without);
    agreesWithReference(text);
  });

  it('gives the canonical text of each top-level member asked for, and of no other', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('a', 'id', 'request', 'z', 'sig'), formatValue), (value) => {
        const text = canonicalize(value);
        const scan = scanCanonical(text, MAX_JSON_DEPTH, ['id', 'request']);
        if (!scan) return;
        for (const key of ['id', 'request']) {
          const span = scan.members.get(key);
          if (Object.hasOwn(value, key))
            expect(text.slice(...(span as [number, number]))).toBe(canonicalize(value[key]));
          else expect(span).toBeUndefined();
        }
        expect([...scan.members.keys()].every((k) => k === 'id' || k === 'request')).toBe(true);
      }),
      { numRuns: 1000 },
    );
    // Nested members of the same name are not top-level ones.
    expect(scanCanonical('{"a":{"id":"x"}}', MAX_JSON_DEPTH, ['id'])?.members.size).toBe(0);
  });

  it('no top-level sig: nothing to cut', () => {
    expect(scanCanonical('{"a":{"sig":"cd"}}', MAX_JSON_DEPTH)?.sig).toBeNull();
    expect(scanCanonical('[{"sig":"cd"}]', MAX_JSON_DEPTH)?.sig).toBeNull();
  });

  it.each(readdirSync(VECTORS_DIR + 'jcs/output').filter((f) => f.endsWith('.json')))('RFC 8785 output %s', (name) => {
    agreesWithReference(readVector(`jcs/output/${name}`));
  });
});

function collectKeys(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) collectKeys(v, into);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      into.push(k);
      collectKeys(v, into);
    }
  }
  return into;
}
