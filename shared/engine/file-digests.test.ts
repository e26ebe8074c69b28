import { describe, expect, it } from 'vitest';
import { toHex } from '../format/bytes.ts';
import { HASH_PREFIX, sha256Bytes, type FileDigest } from '../format/hash.ts';
import { FileDigests } from './file-digests.ts';

const digestOf = (i: number): FileDigest => ({
  bytes: i * 1_000_003,
  sha256: HASH_PREFIX + toHex(sha256Bytes(new TextEncoder().encode(String(i)))),
});

describe('FileDigests', () => {
  it('answers as a Map of the same entries would, past its first columns and after changes', () => {
    const digests = new FileDigests();
    const map = new Map<string, FileDigest | null>();
    const both = (path: string, digest: FileDigest | null) => {
      digests.set(path, digest);
      map.set(path, digest);
    };
    for (let i = 0; i < 1_000; i++)
      both(`ledgers/a/${String(i).padStart(6, '0')}.jsonl`, i % 7 === 0 ? null : digestOf(i));
    both('ledgers/a/000003.jsonl', null); // read, then found not read in full
    both('ledgers/a/000007.jsonl', digestOf(7_000)); // not read, then read
    both('ledgers/a/000010.jsonl', digestOf(10_000)); // read again
    digests.delete('ledgers/a/000011.jsonl');
    map.delete('ledgers/a/000011.jsonl');
    expect([...digests.keys()]).toEqual([...map.keys()]);
    for (const path of [...map.keys(), 'absent']) {
      expect(digests.has(path)).toBe(map.has(path));
      expect(digests.get(path)).toStrictEqual(map.get(path));
    }
    expect(digests.notRead()).toBe([...map.values()].filter((v) => v === null).length);
  });

  it('refuses a hash not written as the engine writes one, keeping what it held', () => {
    const digests = new FileDigests();
    digests.set('a', digestOf(1));
    for (const sha256 of [
      'sha256:' + 'A'.repeat(64),
      'sha256:' + '0'.repeat(63),
      '0'.repeat(71),
      'sha512:' + '0'.repeat(64),
    ])
      expect(() => digests.set('a', { bytes: 1, sha256 })).toThrow(TypeError);
    expect(digests.get('a')).toStrictEqual(digestOf(1));
  });
});
