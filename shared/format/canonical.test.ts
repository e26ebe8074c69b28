import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalize, parseCanonical, parseCanonicalByReference, signedText } from './canonical.ts';
import { readVector, VECTORS_DIR } from '../../test/support/vectors.ts';

const jcsCases = readdirSync(VECTORS_DIR + 'jcs/input').filter((f) => f.endsWith('.json'));

describe('RFC 8785 canonical form (cyberphone test data)', () => {
  it('has the six published cases', () => {
    expect(jcsCases.sort()).toEqual([
      'arrays.json',
      'french.json',
      'structures.json',
      'unicode.json',
      'values.json',
      'weird.json',
    ]);
  });

  it.each(jcsCases)('%s canonicalizes byte for byte', (name) => {
    const expected = readVector(`jcs/output/${name}`);
    expect(canonicalize(JSON.parse(readVector(`jcs/input/${name}`)))).toBe(expected);
    const hex = readVector(`jcs/outhex/${name.replace('.json', '.txt')}`)
      .trim()
      .split(/\s+/)
      .join('');
    expect(Buffer.from(expected, 'utf8').toString('hex')).toBe(hex);
    // Canonical, so accepted as a stored line, except where it holds numbers the format forbids
    // (FORMAT.md §1: integers 0..2^53-1 only): values.json has fractions and exponents.
    if (name === 'values.json') {
      expect(parseCanonical(expected)).toMatchObject({ ok: false, reason: 'number', value: JSON.parse(expected) });
    } else {
      expect(parseCanonical(expected)).toEqual({ ok: true, value: JSON.parse(expected) });
    }
  });
});

describe('stored form: a line must be its own canonical form', () => {
  it.each([
    ['extra space', '{"a": 1}'],
    ['other key order', '{"b":1,"a":2}'],
    ['duplicate key', '{"a":1,"a":1}'],
    ['escaped character JCS would not escape', '{"a":"\\u0041"}'],
    ['number spelled another way', '{"a":1.0}'],
    ['trailing newline inside the line', '{"a":1}\n'],
  ])('%s is non-canonical', (_why, text) => {
    const parsed = parseCanonical(text);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok === false && parsed.reason).toBe('noncanonical');
  });

  it('not JSON is reported as such, not thrown', () => {
    const parsed = parseCanonical('{"a":');
    expect(parsed).toMatchObject({ ok: false, reason: 'json' });
  });

  it('signedText drops only the top-level sig member', () => {
    expect(signedText({ sig: 'x', b: { sig: 'inner' }, a: 1 })).toBe('{"a":1,"b":{"sig":"inner"}}');
  });
});

describe('signed text cut from a canonical line', () => {
  it('equals C(object without sig) wherever sig stands, or declines', async () => {
    const { signedTextOfCanonicalLine } = await import('./canonical.ts');
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.string(), (members, sig) => {
        const object = { ...members, sig };
        const line = canonicalize(object);
        expect(signedTextOfCanonicalLine(line, object)).toBe(signedText(object));
      }),
      { numRuns: 500 },
    );
    expect(signedTextOfCanonicalLine('{"a":1,"sig":"x"}', { a: 2, sig: 'x' })).not.toBe('{"a":2}');
  });
});

describe('stored form: numbers and depth the format allows', () => {
  it.each([
    ['a fraction', '{"a":1.5}', 'a'],
    ['an exponent', '{"a":[1,1e+21]}', 'a[1]'],
    ['a negative integer', '{"a":{"b":-3}}', 'a.b'],
    ['a fraction deep inside', '{"a":[{"b":[0,{"c":0.25}]}]}', 'a[0].b[1].c'],
  ])('%s is refused, naming where it is', (_what, line, path) => {
    const parsed = parseCanonical(line);
    expect(parsed.ok).toBe(false);
    expect(parsed).toMatchObject({ reason: 'number', value: JSON.parse(line) });
    expect(parsed.ok === false && parsed.message).toContain(` at ${path}:`);
  });

  it('integers from 0 to 2^53-1 are accepted', () => {
    expect(parseCanonical('{"a":[0,1,9007199254740991]}')).toEqual({
      ok: true,
      value: { a: [0, 1, 9007199254740991] },
    });
  });

  it('nesting is bounded without recursion, however deep the line', () => {
    const ok = '['.repeat(64) + ']'.repeat(64);
    expect(parseCanonical(ok).ok).toBe(true);
    for (const depth of [65, 5_000, 200_000]) {
      const deep = '['.repeat(depth) + ']'.repeat(depth);
      const parsed = parseCanonical(deep);
      expect(parsed).toMatchObject({ ok: false, reason: 'json' });
      expect(parsed.ok === false && parsed.message).toContain('nested more than 64 levels');
    }
  });
});

describe('parseCanonical: what it answers beside the value', () => {
  it('cuts the top-level sig out of a canonical line and says where it was', () => {
    expect(parseCanonical('{"a":1,"sig":"x","z":2}')).toStrictEqual({
      ok: true,
      value: { a: 1, sig: 'x', z: 2 },
      withoutSig: '{"a":1,"z":2}',
      sigAt: [6, 16],
    });
    expect(parseCanonical('{"sig":"x"}')).toStrictEqual({
      ok: true,
      value: { sig: 'x' },
      withoutSig: '{}',
      sigAt: [1, 10],
    });
    expect(parseCanonical('{"a":{"sig":"x"}}')).toStrictEqual({ ok: true, value: { a: { sig: 'x' } } });
  });

  it('says where the top-level members asked for are, only on a line it found canonical', () => {
    const line = '{"b":[1,{"c":"x"}],"c":{"b":2},"sig":"s"}';
    const parsed = parseCanonical(line, ['b', 'c', 'missing']);
    expect(parsed).toMatchObject({ ok: true, withoutSig: '{"b":[1,{"c":"x"}],"c":{"b":2}}' });
    const members = parsed.ok ? parsed.members : undefined;
    expect([...(members ?? [])].map(([name, [from, to]]) => [name, line.slice(from, to)])).toEqual([
      ['b', '[1,{"c":"x"}]'],
      ['c', '{"b":2}'],
    ]);
    // Nothing asked, nothing said; a line that is not canonical has no places to give.
    expect(parseCanonical(line)).not.toHaveProperty('members');
    expect(parseCanonical('{"c":{"b":2},"b":1}', ['b', 'c'])).not.toHaveProperty('members');
  });

  it('a number too large for a double is not representable (both paths say so)', () => {
    const answer = {
      ok: false,
      reason: 'json',
      message: 'not representable as canonical JSON (Infinity is not allowed)',
    };
    expect(parseCanonical('{"a":1e400}')).toStrictEqual(answer);
    expect(parseCanonicalByReference('{"a":1e400}')).toStrictEqual(answer);
  });

  it('the reference path takes a line that is not an object (null, a string, a boolean)', () => {
    expect(parseCanonicalByReference('null')).toStrictEqual({ ok: true, value: null });
    expect(parseCanonicalByReference('"x"')).toStrictEqual({ ok: true, value: 'x' });
    expect(parseCanonicalByReference('true')).toStrictEqual({ ok: true, value: true });
  });
});
