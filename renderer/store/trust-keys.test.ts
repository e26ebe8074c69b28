import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { groupedHex, kidOf, parsePublicKeyInput } from './trust-keys.ts';

const KEY = '9a79bc1f19cc4abb4f5a237fb0b61182fed928785a2ee8f33a7f203ca88a9f7f';

describe('parsePublicKeyInput', () => {
  it.each<[string, string]>([
    ['plain lowercase hex', KEY],
    ['uppercase, normalised to lowercase', KEY.toUpperCase()],
    ['grouped with spaces and a line break', `${groupedHex(KEY).slice(0, 40)}\n${groupedHex(KEY).slice(40)}`],
    ['surrounding whitespace', `  ${KEY}\n`],
    ['JSON with root_public_key (cases.json)', JSON.stringify({ root_public_key: KEY, cases: {} })],
    ['JSON with public_key', JSON.stringify({ public_key: KEY })],
    [
      'a keys.json with one root',
      JSON.stringify({
        keys: [
          { public_key: KEY, roles: ['root'] },
          { public_key: 'ab'.repeat(32), roles: ['gate'] },
        ],
      }),
    ],
  ])('accepts %s', (_name, input) => {
    expect(parsePublicKeyInput(input)).toEqual({ ok: true, publicKey: KEY });
  });

  it.each<[string, string, RegExp]>([
    ['empty', '   ', /Enter a public key/],
    ['too short', KEY.slice(0, 62), /this has 62/],
    ['not hex', 'z'.repeat(64), /other characters/],
    ['JSON without a key', '{"hello":1}', /No root public key/],
    [
      'a keys.json with two roots',
      JSON.stringify({
        keys: [
          { public_key: KEY, roles: ['root'] },
          { public_key: 'ab'.repeat(32), roles: ['root'] },
        ],
      }),
      /2 root keys/,
    ],
    ['broken JSON', '{"root_public_key":', /neither/],
  ])('refuses %s with a reason', (_name, input, reason) => {
    const result = parsePublicKeyInput(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});

describe('kidOf and groupedHex', () => {
  it('the kid is the first 32 hex digits of SHA-256 of the raw key (checked against node:crypto)', () => {
    const expected = createHash('sha256').update(Buffer.from(KEY, 'hex')).digest('hex').slice(0, 32);
    expect(kidOf(KEY)).toBe(expected);
  });
  it('groups four digits at a time', () => {
    expect(groupedHex('0123456789')).toBe('0123 4567 89');
    expect(groupedHex(KEY).split(' ')).toHaveLength(16);
  });
});
