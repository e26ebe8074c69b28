/**
 * Entry-name safety (FORMAT.md §2), one rule at a time, each with the reason it gives: the
 * mutation run on shared/archive (docs/TESTING.md) showed the reasons and several rules
 * unpinned (only "../" and an absolute path were tested, through the engine).
 */
import { describe, expect, it } from 'vitest';
import { unsafePathReason } from './paths.ts';

describe('unsafePathReason', () => {
  it.each([
    ['', 'the name is empty'],
    ['a\0b', 'the name contains a NUL character'],
    ['a\\b', 'the name contains a backslash'],
    ['/etc/passwd', 'the name is an absolute path'],
    ['C:evil', 'the name starts with a drive letter'],
    ['z:/evil', 'the name starts with a drive letter'],
    ['a\nb', 'the name contains a control character'],
    ['a\u001fb', 'the name contains a control character'],
    ['a\u007fb', 'the name contains a control character'],
    ['a/../b', 'the name contains a ".." segment'],
    ['..', 'the name contains a ".." segment'],
    ['a/./b', 'the name contains an empty or "." segment'],
    ['./a', 'the name contains an empty or "." segment'],
    ['a//b', 'the name contains an empty or "." segment'],
    ['a/b//', 'the name contains an empty or "." segment'],
  ])('%j: %s', (name, reason) => {
    expect(unsafePathReason(name)).toBe(reason);
  });

  it.each([
    'manifest.json',
    'ledgers/gw-eu-1/000001.jsonl',
    'policies/',
    'a/b/',
    '1:2',
    'a/b:c',
    'a..b',
    '.hidden',
    'é/ü',
  ])('%j is safe', (name) => {
    expect(unsafePathReason(name)).toBeNull();
  });
});
