/**
 * Reading one large entry must hold a bounded amount of it, however large the entry: a
 * producer decides its file sizes. (The reader once raced each read against a promise that
 * stayed pending, which kept every chunk of the entry alive until the entry ended.)
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipFiles } from '../shared/producer/zip.ts';
import { openArchivePath } from './open-archive.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('reading a large ZIP entry', () => {
  it('keeps a bounded part of the entry in memory while it streams (a 96 MiB deflated entry)', async () => {
    // Lines of pseudo-random hex (about 2:1 compressed, within the reader's ratio bound).
    const size = 96 * 1024 * 1024;
    const content = new Uint8Array(size);
    const hex = new TextEncoder().encode('0123456789abcdef');
    let x = 2463534242;
    for (let at = 0; at < size; at++) {
      if (at % 1000 === 999) {
        content[at] = 0x0a;
        continue;
      }
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      content[at] = hex[x & 15] as number;
    }
    const path = join(mkdtempSync(join(tmpdir(), 'tickmark-zip-memory-')), 'large.zip');
    writeFileSync(path, zipFiles(new Map([['ledgers/a/000001.jsonl', content]])));
    const source = await openArchivePath(path);
    const [entry] = await source.entries();
    let first: number | null = null;
    let read = 0;
    let most = 0;
    let chunks = 0;
    for await (const chunk of source.read(entry!)) {
      read += chunk.length;
      if (++chunks % 64 === 0) {
        gc();
        const now = process.memoryUsage().arrayBuffers;
        first ??= now;
        most = Math.max(most, now - first);
      }
    }
    await source.close();
    expect(read).toBe(size);
    // From the first measure on, what reading holds must stay a few chunks' worth, not grow
    // with what was read (96 MiB; the leaking reader grew by about 80 MiB here).
    expect(most).toBeLessThan(24 * 1024 * 1024);
  });
});
