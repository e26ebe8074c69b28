import { describe, expect, it } from 'vitest';
import { UsageError, parseTrustRoots } from './args.ts';

describe('parseTrustRoots', () => {
  const key = 'AB'.repeat(32);

  it('takes 64 hex digits in any case and returns them in lowercase', () => {
    expect(parseTrustRoots([key, key.toLowerCase()])).toEqual([key.toLowerCase(), key.toLowerCase()]);
    expect(parseTrustRoots(undefined)).toEqual([]);
  });

  it('refuses anything else, naming the value as given', () => {
    expect(() => parseTrustRoots([key, 'ABC'])).toThrow(
      new UsageError('--trust-root must be a 64-hex-digit Ed25519 public key, got "ABC"'),
    );
    expect(() => parseTrustRoots(['g'.repeat(64)])).toThrow(UsageError);
    expect(() => parseTrustRoots([` ${key.slice(1)}`])).toThrow(UsageError);
  });
});
