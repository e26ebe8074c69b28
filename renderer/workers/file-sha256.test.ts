import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { blobBytes, memoryBytes } from '../../shared/archive/blob.ts';
import { fileSha256 } from './file-sha256.ts';

const native = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('fileSha256', () => {
  const bytes = new Uint8Array(3 * 1000 + 17).map((_, i) => (i * 31 + 7) & 0xff);

  it.each([1, 7, 1000, 4096, 1 << 20])('equals node:crypto over the whole file, slice %i', async (slice) => {
    expect(await fileSha256(memoryBytes(bytes), { slice })).toBe(native(bytes));
  });

  it('hashes an empty file', async () => {
    expect(await fileSha256(memoryBytes(new Uint8Array(0)))).toBe(native(new Uint8Array(0)));
  });

  it('reports progress up to the whole size', async () => {
    const seen: number[] = [];
    await fileSha256(memoryBytes(bytes), { slice: 1000, onProgress: (done) => seen.push(done) });
    expect(seen).toEqual([1000, 2000, 3000, 3017]);
  });

  it('refuses a source that returns fewer bytes than it claims', async () => {
    const short = {
      size: 10,
      read: async (offset: number, length: number) => bytes.subarray(offset, offset + length - 1),
    };
    await expect(fileSha256(short)).rejects.toThrow('the file ended early: 9 of 10 bytes could be read');
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    const run = fileSha256(memoryBytes(bytes), {
      slice: 100,
      signal: controller.signal,
      onProgress: (done) => done >= 500 && controller.abort(new Error('stop')),
    });
    await expect(run).rejects.toThrow('stop');
  });
});

describe('fileSha256 of a source that streams (a browser File)', () => {
  const bytes = new Uint8Array(5000).map((_, i) => (i * 13 + 1) & 0xff);
  const parts = [1200, 800, 3000].map((length, i, all) => {
    const at = all.slice(0, i).reduce((sum, n) => sum + n, 0);
    return bytes.slice(at, at + length);
  });

  it('equals node:crypto, read as one stream, not a slice at a time', async () => {
    const blob = new Blob(parts as BlobPart[]);
    const slices: (number | undefined)[] = [];
    const original = blob.slice.bind(blob);
    blob.slice = (start?: number, end?: number) => (slices.push(start), original(start, end));
    const seen: number[] = [];
    expect(await fileSha256(blobBytes(blob), { onProgress: (done) => seen.push(done) })).toBe(native(bytes));
    expect(slices).toEqual([0]);
    expect(seen).toEqual([1200, 2000, 5000]);
  });

  it('waits at each chunk while the pace says so', async () => {
    const asked: number[] = [];
    await fileSha256(blobBytes(new Blob(parts as BlobPart[])), {
      readyFor: (offset) => (asked.push(offset), Promise.resolve()),
    });
    expect(asked).toEqual([0, 1200, 2000]);
  });

  it('refuses a stream that ends before the size it claims', async () => {
    const short = {
      size: 10,
      read: async () => new Uint8Array(0),
      async *stream() {
        yield bytes.subarray(0, 9);
      },
    };
    await expect(fileSha256(short)).rejects.toThrow('the file ended early: 9 of 10 bytes could be read');
  });
});

describe('fileSha256 stopped while streaming', () => {
  it('ends the stream it was reading when aborted', async () => {
    const controller = new AbortController();
    let ended = false;
    const source = {
      size: 300,
      read: async () => new Uint8Array(0),
      async *stream() {
        try {
          for (let i = 0; i < 3; i++) yield new Uint8Array(100);
        } finally {
          ended = true;
        }
      },
    };
    const run = fileSha256(source, {
      signal: controller.signal,
      onProgress: (done) => done >= 100 && controller.abort(new Error('stop')),
    });
    await expect(run).rejects.toThrow('stop');
    expect(ended).toBe(true);
  });
});
