/**
 * The WebAssembly SHA-256 (wasm-sha256.ts) against node:crypto: the copied vectors, every
 * length around the block and padding edges and past hash-wasm's 16 KiB copy step, texts,
 * and incremental hashers interleaved in any order (they share one instance and swap their
 * states in and out, which is where a mistake would hide).
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from './bytes.ts';
import { wasmSha256 } from './wasm-sha256.ts';
import { SHA256_ABC_HEX, type Sha256 } from './hash.ts';
import { readVectorJson } from '../../test/support/vectors.ts';
import { MULTIBYTE_TEXTS, sha256Inputs } from '../../test/support/sha256-inputs.ts';

const vectors = readVectorJson<{ name: string; message: string; digest: string }[]>('sha256.json');
const node = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

async function wasm(): Promise<Sha256> {
  const made = await wasmSha256();
  if (!made) throw new Error('no WebAssembly SHA-256 under Node');
  return made;
}

describe('wasmSha256', () => {
  it.each(vectors)('$name', async (v) => {
    const sha = await wasm();
    const bytes = fromHex(v.message);
    expect(toHex(sha.digest(bytes))).toBe(v.digest);
    expect(sha.hex?.(bytes)).toBe(v.digest);
    const h = sha.create();
    h.update(bytes.subarray(0, 1));
    h.update(bytes.subarray(1));
    expect(toHex(h.digest())).toBe(v.digest);
  });

  it('one-shot digests and hex of bytes and text: right on every length, call after call', async () => {
    const sha = await wasm();
    fc.assert(
      fc.property(sha256Inputs, (inputs) => {
        for (const input of inputs) {
          if (typeof input === 'string') expect(sha.hex?.(input)).toBe(node(input));
          else {
            expect(toHex(sha.digest(input))).toBe(node(input));
            expect(sha.hex?.(input)).toBe(node(input));
          }
        }
      }),
      { numRuns: 300 },
    );
    for (const t of MULTIBYTE_TEXTS) expect(sha.hex?.(t)).toBe(node(t));
  });

  it('a digest is its own array: the next one does not write over it', async () => {
    const sha = await wasm();
    const first = sha.digest(new Uint8Array([1]));
    const kept = toHex(first);
    sha.digest(new Uint8Array([2]));
    expect(toHex(first)).toBe(kept);
  });

  it('incremental hashers interleaved in any order each give their own stream’s digest', async () => {
    const sha = await wasm();
    const step = fc.record({
      hasher: fc.integer({ min: 0, max: 3 }),
      chunk: fc.oneof(fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ minLength: 16_000, maxLength: 20_000 })),
      oneShotBetween: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const hashers = Array.from({ length: 4 }, () => sha.create());
        const fed: Uint8Array[][] = [[], [], [], []];
        for (const s of steps) {
          (hashers[s.hasher] as ReturnType<Sha256['create']>).update(s.chunk);
          (fed[s.hasher] as Uint8Array[]).push(s.chunk);
          // One-shot digests between steps use their own instance and must not disturb the streams.
          if (s.oneShotBetween) expect(sha.hex?.('abc')).toBe(SHA256_ABC_HEX);
        }
        // Digests in a random order too: the last hasher fed is not always the first to finish.
        for (const i of [2, 0, 3, 1]) {
          const expected = createHash('sha256');
          for (const c of fed[i] as Uint8Array[]) expected.update(c);
          expect(toHex((hashers[i] as ReturnType<Sha256['create']>).digest())).toBe(expected.digest('hex'));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a hasher that gave its digest refuses more input instead of hashing from a stale state', async () => {
    const sha = await wasm();
    const h = sha.create();
    h.update(new Uint8Array([1, 2, 3]));
    h.digest();
    expect(() => h.update(new Uint8Array([4]))).toThrow(/already gave its digest/);
    expect(() => h.digest()).toThrow(/already gave its digest/);
  });

  it('1,000,000 "a"s in 10,000-byte steps (FIPS 180-2)', async () => {
    const h = (await wasm()).create();
    const part = new Uint8Array(10_000).fill(0x61);
    for (let i = 0; i < 100; i++) h.update(part);
    expect(toHex(h.digest())).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  });
});
