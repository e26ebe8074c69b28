/**
 * `fileBytes` serves small reads from a block read ahead: every read must still give exactly the
 * file's bytes at that place (shorter only where the file ends), in memory of its own, so that a
 * caller may change or move it (a piece's buffer is transferred to a worker thread).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileBytes, READ_AHEAD_BYTES } from './node-source.ts';

let dir: string;
let path: string;
const content = new Uint8Array(randomBytes(READ_AHEAD_BYTES * 2 + 12_345));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickmark-file-bytes-'));
  path = join(dir, 'archive.bin');
  await writeFile(path, content);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fileBytes', () => {
  it('gives the file’s bytes for any run of reads, small and large, in order or not, past the end too', async () => {
    const bytes = await fileBytes(path);
    try {
      expect(bytes.size).toBe(content.length);
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.tuple(
              fc.integer({ min: 0, max: content.length + 10 }),
              fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 3 * READ_AHEAD_BYTES })),
            ),
            { minLength: 1, maxLength: 30 },
          ),
          async (reads) => {
            for (const [offset, length] of reads) {
              const got = await bytes.read(offset, length);
              const want = content.subarray(
                Math.min(offset, content.length),
                Math.min(offset + length, content.length),
              );
              expect(Buffer.from(got).equals(Buffer.from(want))).toBe(true);
            }
          },
        ),
        { numRuns: 60 },
      );
    } finally {
      await bytes.close?.();
    }
  });

  it('each read owns its memory: changing or moving it leaves the next reads as they were', async () => {
    const bytes = await fileBytes(path);
    try {
      const first = await bytes.read(100, 200);
      first.fill(0);
      const read = await bytes.read(100, 200);
      expect(Buffer.from(read).equals(Buffer.from(content.subarray(100, 300)))).toBe(true);
      // Moved away as a piece's buffer is: the block the read came from must not go with it.
      structuredClone(first, { transfer: [first.buffer as ArrayBuffer] });
      expect(first.byteLength).toBe(0);
      const again = await bytes.read(100, 200);
      expect(Buffer.from(again).equals(Buffer.from(content.subarray(100, 300)))).toBe(true);
      const next = await bytes.read(400, 1000);
      expect(Buffer.from(next).equals(Buffer.from(content.subarray(400, 1400)))).toBe(true);
    } finally {
      await bytes.close?.();
    }
  });
});
