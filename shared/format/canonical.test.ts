import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalize, parseCanonical, signedText } from './canonical.ts';
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
    expect(parseCanonical(expected)).toEqual({ ok: true, value: JSON.parse(expected) });
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
