import { describe, expect, it } from 'vitest';
import { parseHmacSecret, parseIssuers } from './execlayer-options.ts';

describe('parseHmacSecret', () => {
  it('empty is no secret; hex in any case, spaced or wrapped, is lowercase bytes', () => {
    expect(parseHmacSecret('')).toEqual({ ok: true, hex: null });
    expect(parseHmacSecret('  \n ')).toEqual({ ok: true, hex: null });
    expect(parseHmacSecret('656C78 2d70\n792D')).toEqual({ ok: true, hex: '656c782d70792d' });
  });
  it('refuses what is not whole bytes of hex, without repeating the secret', () => {
    for (const text of ['abc', 'elx-py-secret', '0x00', 'zz']) {
      const result = parseHmacSecret(text);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason).not.toContain(text);
    }
  });
});

describe('parseIssuers', () => {
  it('comma-separated ids, trimmed, each once; nothing is null', () => {
    expect(parseIssuers('')).toBeNull();
    expect(parseIssuers(' , ,')).toBeNull();
    expect(parseIssuers('KERNEL_V4_ISSUER_01')).toEqual(['KERNEL_V4_ISSUER_01']);
    expect(parseIssuers(' A, B ,A,,C ')).toEqual(['A', 'B', 'C']);
  });
});
