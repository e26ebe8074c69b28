import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { toHex } from './bytes.ts';
import { hashingChunks, useFileHasher, type FileDigest } from './hash.ts';
import { webCryptoFileHasher, type DigestSubtle } from './webcrypto-sha256.ts';

const subtle = globalThis.crypto.subtle as unknown as DigestSubtle;
const noble = () => sha256.create();

async function digestOf(make: ReturnType<typeof webCryptoFileHasher>, chunks: readonly Uint8Array[]): Promise<string> {
  const hasher = make();
  for (const chunk of chunks) hasher.update(chunk);
  return toHex(await hasher.digest());
}

function cut(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.slice(from, p));
    from = p;
  }
  return out;
}

describe('a whole file’s SHA-256 through WebCrypto', () => {
  it('equals the reference for any bytes and any chunking, held whole or past the limit', async () => {
    const holdLimit = 1000;
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 3500 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (bytes, cuts) => {
          const expected = toHex(sha256(bytes));
          expect(await digestOf(webCryptoFileHasher(subtle, noble, holdLimit), cut(bytes, cuts))).toBe(expected);
        },
      ),
      { numRuns: 300 },
    );
    // Exactly at the limit, one past it, and many times over.
    for (const size of [0, 1, 999, 1000, 1001, 5 * holdLimit]) {
      const bytes = Uint8Array.from({ length: size }, (_, i) => (i * 131) & 0xff);
      for (const step of [1, 7, 1000, 4096]) {
        const chunks = Array.from({ length: Math.ceil(size / step) }, (_, i) => bytes.slice(i * step, (i + 1) * step));
        expect([size, step, await digestOf(webCryptoFileHasher(subtle, noble, holdLimit), chunks)]).toEqual([
          size,
          step,
          toHex(sha256(bytes)),
        ]);
      }
    }
  });

  it('holds up to the limit for one WebCrypto call, and past it hands everything to the fallback', async () => {
    const log: string[] = [];
    const countingSubtle: DigestSubtle = {
      digest: (algorithm, data) => {
        log.push(`subtle ${data.length}`);
        return subtle.digest(algorithm, data);
      },
    };
    const stub = () => {
      let bytes = 0;
      log.push('fallback made');
      return {
        update: (chunk: Uint8Array) => void (bytes += chunk.length),
        digest: () => {
          log.push(`fallback ${bytes}`);
          return new Uint8Array(32);
        },
      };
    };
    const run = async (sizes: number[], holdLimit?: number) => {
      log.length = 0;
      const hasher = webCryptoFileHasher(countingSubtle, stub, holdLimit)();
      for (const size of sizes) hasher.update(new Uint8Array(size));
      await hasher.digest();
      return [...log];
    };
    expect(await run([600, 400], 1000)).toStrictEqual(['subtle 1000']);
    expect(await run([600, 401], 1000)).toStrictEqual(['fallback made', 'fallback 1001']);
    expect(await run([1001, 5], 1000)).toStrictEqual(['fallback made', 'fallback 1006']);
    // The default limit: 32 MiB.
    const limit = 32 * 1024 * 1024;
    expect(await run([limit])).toStrictEqual([`subtle ${limit}`]);
    expect(await run([limit, 1])).toStrictEqual(['fallback made', `fallback ${limit + 1}`]);
  });

  it('copies what it holds: a chunk buffer reused by its owner after update does not change the digest', async () => {
    const hasher = webCryptoFileHasher(subtle, noble)();
    const buffer = new Uint8Array(64).fill(1);
    hasher.update(buffer);
    buffer.fill(2);
    hasher.update(buffer);
    const expected = sha256.create();
    expected.update(new Uint8Array(64).fill(1));
    expected.update(new Uint8Array(64).fill(2));
    expect(toHex(await hasher.digest())).toBe(toHex(expected.digest()));
  });

  it('the engine takes it only once it gives the FIPS 180-2 digests, and then hashes entries with it', async () => {
    const wrong = () => ({ update: () => undefined, digest: async () => new Uint8Array(32) });
    await expect(useFileHasher(wrong)).rejects.toThrow('does not make SHA-256');
    let made = 0;
    const counted = webCryptoFileHasher(subtle, noble);
    await useFileHasher(() => (made++, counted()));
    made = 0;
    const bytes = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) & 0xff);
    let file: FileDigest | null = null;
    async function* source() {
      for (let at = 0; at < bytes.length; at += 8192) yield bytes.slice(at, at + 8192);
    }
    const passed: Uint8Array[] = [];
    for await (const chunk of hashingChunks(source(), (f) => (file = f))) passed.push(chunk);
    expect(made).toBe(1);
    expect(file).toEqual({ bytes: 100_000, sha256: `sha256:${toHex(sha256(bytes))}` });
    expect(passed.reduce((n, c) => n + c.length, 0)).toBe(100_000);
    // A stream that fails gives no digest.
    let failedFile: FileDigest | null = null;
    async function* failing() {
      yield bytes.slice(0, 10);
      throw new Error('read failed');
    }
    await expect(
      (async () => {
        for await (const _ of hashingChunks(failing(), (f) => (failedFile = f))) void _;
      })(),
    ).rejects.toThrow('read failed');
    expect(failedFile).toBeNull();
  });
});
