import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from './bytes.ts';
import { createHasher, hashOf, sha256Transient, ZERO_HASH } from './hash.ts';
import { readVector, readVectorJson, VECTORS_DIR } from '../../test/support/vectors.ts';
import { MULTIBYTE_TEXTS, sha256Inputs } from '../../test/support/sha256-inputs.ts';

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

  it('the JavaScript one-shot with its kept hasher: right on every length and text, call after call', () => {
    const node = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');
    fc.assert(
      fc.property(sha256Inputs, (inputs) => {
        for (const input of inputs) {
          expect(hashOf(input)).toBe('sha256:' + node(input));
          if (typeof input !== 'string') expect(toHex(sha256Transient(input))).toBe(node(input));
        }
      }),
      { numRuns: 300 },
    );
    // Texts of more UTF-8 bytes than the kept buffer holds, though fewer characters.
    for (const t of MULTIBYTE_TEXTS) {
      expect(hashOf(t)).toBe('sha256:' + node(t));
      expect(hashOf('x')).toBe('sha256:' + node('x'));
    }
    // Transient: the next call writes over the last digest (read it at once).
    const first = sha256Transient(new Uint8Array([1]));
    const kept = toHex(first);
    sha256Transient(new Uint8Array([2]));
    expect(toHex(first)).not.toBe(kept);
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
