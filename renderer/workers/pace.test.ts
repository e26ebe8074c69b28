import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { memoryBytes } from '../../shared/archive/blob.ts';
import { fileSha256 } from './file-sha256.ts';
import { Pace } from './pace.ts';

const settled = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('Pace', () => {
  it('lets a task go at most `lead` ahead of the work, and all the way once released', async () => {
    const pace = new Pace(0.1);
    expect(pace.ready(0.1)).toBeUndefined();
    let reached = 0;
    const waiting = pace.ready(0.5)?.then(() => (reached = 0.5));
    await settled();
    expect(reached).toBe(0);
    pace.advance(0.3);
    await settled();
    expect(reached).toBe(0);
    // Backwards is ignored.
    pace.advance(0.2);
    pace.advance(0.4);
    await waiting;
    expect(reached).toBe(0.5);
    const last = pace.ready(1);
    expect(last).toBeInstanceOf(Promise);
    pace.release();
    await last;
    expect(pace.ready(2)).toBeUndefined();
  });

  it('paces a file hash: it waits on the work, and the hash is the same', async () => {
    const bytes = new Uint8Array(10 * 1024).map((_, i) => (i * 31) & 0xff);
    const pace = new Pace(0.2);
    let hashed = 0;
    const hash = fileSha256(memoryBytes(bytes), {
      slice: 1024,
      readyFor: (offset, size) => pace.ready(offset / size),
      onProgress: (done) => void (hashed = done),
    });
    await settled();
    // Up to 20% ahead of nothing done: slices at 0, 1, 2 KiB were let through (3 KiB hashed).
    expect(hashed).toBe(3 * 1024);
    pace.advance(0.5);
    await settled();
    expect(hashed).toBe(8 * 1024);
    pace.release();
    expect(await hash).toBe(createHash('sha256').update(bytes).digest('hex'));
  });
});
