/**
 * The reading limits' defaults as the README documents them ("Reading limits"), and the two
 * errors a reader throws.
 */
import { describe, expect, it } from 'vitest';
import { ArchiveUnreadableError, DEFAULT_LIMITS, LimitExceededError } from './source.ts';

describe('DEFAULT_LIMITS', () => {
  it("are the README's: 4 GiB an entry, 32 GiB an archive, 200:1 past 1 MiB, 1 MiB a line, 100,000 entries", () => {
    expect(DEFAULT_LIMITS).toEqual({
      maxEntryBytes: 4_294_967_296,
      maxTotalBytes: 34_359_738_368,
      maxRatio: 200,
      ratioFloorBytes: 1_048_576,
      maxLineBytes: 1_048_576,
      maxEntries: 100_000,
    });
  });

  it('cannot be changed', () => {
    expect(Object.isFrozen(DEFAULT_LIMITS)).toBe(true);
  });
});

describe('reader errors', () => {
  it('LimitExceededError names the limit passed and the value reached', () => {
    const error = new LimitExceededError('maxRatio', 250.5, 'compression ratio passed the limit');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('LimitExceededError');
    expect(error.limit).toBe('maxRatio');
    expect(error.value).toBe(250.5);
    expect(error.message).toBe('compression ratio passed the limit');
    expect(String(error)).toBe('LimitExceededError: compression ratio passed the limit');
  });

  it('ArchiveUnreadableError is an Error of its own name', () => {
    const error = new ArchiveUnreadableError('"x.zip" is not a readable ZIP archive');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ArchiveUnreadableError');
    expect(String(error)).toBe('ArchiveUnreadableError: "x.zip" is not a readable ZIP archive');
  });
});
