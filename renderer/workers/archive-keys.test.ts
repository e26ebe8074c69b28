import { describe, expect, it } from 'vitest';
import { keysOf } from './archive-keys.ts';

describe('keysOf', () => {
  it('keeps well-formed entries with their roles and skips the rest', () => {
    const good = { kid: 'a'.repeat(32), public_key: 'b'.repeat(64), roles: ['root'] };
    expect(
      keysOf({
        keys: [good, { kid: 'short', public_key: 'b'.repeat(64) }, { kid: 'c'.repeat(32), public_key: 'XYZ' }, null],
      }),
    ).toEqual([{ kid: good.kid, publicKey: good.public_key, roles: ['root'] }]);
  });
  it('anything that is not a key set gives no key', () => {
    expect(keysOf(null)).toEqual([]);
    expect(keysOf({ keys: 'no' })).toEqual([]);
  });
});
