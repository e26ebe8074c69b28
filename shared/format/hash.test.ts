import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromHex } from './bytes.ts';
import { createHasher, hashOf, ZERO_HASH } from './hash.ts';
import { readVector, readVectorJson, VECTORS_DIR } from '../../test/support/vectors.ts';

const vectors = readVectorJson<{ name: string; message: string; digest: string }[]>('sha256.json');

describe('SHA-256', () => {
  it.each(vectors)('$name', (v) => {
    expect(hashOf(fromHex(v.message))).toBe(`sha256:${v.digest}`);
    const h = createHasher();
    const bytes = fromHex(v.message);
    h.update(bytes.subarray(0, 1));
    h.update(bytes.subarray(1));
    expect(h.digest()).toBe(`sha256:${v.digest}`);
  });

  it('spells the first prev as sha256: and 64 zeros', () => {
    expect(ZERO_HASH).toBe('sha256:' + '0'.repeat(64));
  });
});

describe('the copied vectors are unchanged (SHA256SUMS)', () => {
  const sums = readVector('SHA256SUMS')
    .trim()
    .split('\n')
    .map((l) => l.split(/\s+\*?/) as [string, string]);
  it.each(sums)('%s  %s', (digest, file) => {
    expect(
      createHash('sha256')
        .update(readFileSync(VECTORS_DIR + file))
        .digest('hex'),
    ).toBe(digest);
  });
});
