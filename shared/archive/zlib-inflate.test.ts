/**
 * The app's inflate in WebAssembly (shared/archive/zlib-inflate.ts, zip.js's zlib build) against
 * zip.js's own read path, entry by entry, read as every reader reads (parts of its own) and as a
 * transient reader reads (views of zlib's memory): the same bytes where the entry is sound, the
 * very same outcome, words included, where its data, checksum or sizes were altered. And what the
 * views are for: parts read where zlib wrote them, its memory never grown while they are read.
 */
import { crc32 as zlibCrc32, deflateRawSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { zipSync } from 'fflate';
import { createCRC32 } from 'hash-wasm';
import { HELD_ENTRY_BYTES, openZip, type NativeInflate } from './zip.ts';
import type { StreamOptions } from './source.ts';
import { blobBytes } from './blob.ts';
import { findsBlockEnds, zlibInflate, zlibInflateOn, type ZlibExports } from './zlib-inflate.ts';
import { inflateFromPoint, RESUME_POINT_SPACING, WINDOW_BYTES, type ResumePoint } from './resume-points.ts';
import { Bits } from '../../test/support/deflate-bits.ts';
import {
  expectAlteredEntriesAsZipJs,
  expectCrc32HashersKept,
  expectZipJsChecksHold,
  faultyDeflated,
  deflated,
  memoryBytes,
  partedBlob,
  rawZip,
  RANDOM,
  readEveryEntry,
  stored,
  TEXT,
  type Outcome,
} from '../../test/support/raw-zip.ts';

const WASM = readFileSync(createRequire(import.meta.url).resolve('@zip.js/zip.js/dist/zip-module.wasm'));

const TRANSIENT: StreamOptions = { transient: true };

/** The same bytes (a quick compare: `toEqual` walks megabytes slowly). */
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(a, b) === 0;

/** An instance of zlib whose memory the test can see, and the inflate on it. */
async function instance(): Promise<{ zlib: ZlibExports; inflate: NativeInflate }> {
  const { instance } = (await WebAssembly.instantiate(WASM, {})) as unknown as { instance: WebAssembly.Instance };
  const zlib = instance.exports as unknown as ZlibExports;
  zlib._initialize?.();
  return { zlib, inflate: zlibInflateOn(zlib) };
}

async function loaded(): Promise<NativeInflate> {
  const inflate = await zlibInflate(WASM);
  if (!inflate) throw new Error('zlib should load here');
  return inflate;
}

const wholeBlob = (zip: Uint8Array) => blobBytes(new Blob([zip.slice()]));

/**
 * The same outcome for every entry as zip.js, words included: from bytes in memory and from
 * Blobs, each read for parts of its own and for transient parts. Returns it.
 */
async function sameAsZipJs(zip: Uint8Array): Promise<Map<string, Outcome>> {
  const inflate = await loaded();
  const zipJs = await readEveryEntry(zip, undefined);
  for (const bytesOf of [memoryBytes, partedBlob, wholeBlob])
    for (const options of [undefined, TRANSIENT])
      expect(
        await readEveryEntry(zip, inflate, bytesOf, options),
        `${bytesOf.name} ${JSON.stringify(options)}`,
      ).toEqual(zipJs);
  return zipJs;
}

/** Every part of `entry` as read, and what it failed with (null when it did not). */
async function parts(
  inflate: NativeInflate,
  zip: Uint8Array,
  name: string,
  options?: StreamOptions,
): Promise<{ parts: Uint8Array[]; copies: Uint8Array[]; error: Error | null }> {
  const source = await openZip(memoryBytes(zip), 't.zip', {}, { inflate });
  const entry = (await source.entries()).find((e) => e.name === name);
  const out: Uint8Array[] = [];
  const copies: Uint8Array[] = [];
  let error: Error | null = null;
  try {
    for await (const part of source.read(entry!, undefined, options)) {
      out.push(part);
      copies.push(part.slice());
    }
  } catch (e) {
    error = e as Error;
  }
  await source.close();
  return { parts: out, copies, error };
}

describe('the app inflate in WebAssembly (shared/archive/zlib-inflate.ts)', () => {
  it("loads from zip.js's zlib build, and not from other bytes or with another checksum", async () => {
    expect(await zlibInflate(WASM)).toBeTypeOf('function');
    expect((await loaded()).transientViews).toBe(true);
    expect(await zlibInflate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))).toBeUndefined(); // an empty module
    expect(await zlibInflate(new Uint8Array(randomBytes(100)))).toBeUndefined();
    // hash-wasm's CRC-32C is not the ZIP's CRC-32.
    expect(await zlibInflate(WASM, () => createCRC32(0x82f63b78))).toBeUndefined();
    // A build whose memory can grow is refused: growing would detach the views given out.
    const { zlib } = await instance();
    const growable = { ...zlib, memory: new WebAssembly.Memory({ initial: 1, maximum: 4 }) };
    expect(() => zlibInflateOn(growable)).toThrow(/memory can grow/);
  });

  it('reads the same bytes as zip.js: deflated and stored, empty, multi-megabyte and highly compressed entries', async () => {
    const big = new Uint8Array(randomBytes(3 << 20));
    // 8 MiB of the same 2,000 random bytes again and again (about 100:1, under the ratio limit): 64 KiB of
    // input inflates past a part buffer, so zlib is drained in steps.
    const block = new Uint8Array(randomBytes(2000));
    const repeated = new Uint8Array(8 << 20).map((_, i) => block[i % 2000] as number);
    const lines = new TextEncoder().encode(
      Array.from({ length: 100_000 }, (_, i) => `{"seq":${i},"h":"${(i * 2654435761) >>> 0}"}\n`).join(''),
    );
    for (const level of [0, 6, 9] as const) {
      const zip = zipSync({
        'a/text.jsonl': [TEXT, { level }],
        'a/random.bin': [RANDOM, { level }],
        'a/empty.json': [new Uint8Array(0), { level }],
        'a/big.bin': [big, { level }],
        'a/held.bin': [big.subarray(0, HELD_ENTRY_BYTES - (1 << 20)), { level }],
        'a/just-held.bin': [new Uint8Array(randomBytes(HELD_ENTRY_BYTES)), { level }],
        'a/just-streamed.bin': [new Uint8Array(randomBytes(HELD_ENTRY_BYTES + 1)), { level }],
        'a/lines.jsonl': [lines, { level }],
        'a/repeated.bin': [repeated, { level }],
        'dir/': [new Uint8Array(0), { level: 0 }],
      });
      const outcomes = await sameAsZipJs(zip);
      expect(outcomes.get('a/text.jsonl')).toEqual({ ok: Buffer.from(TEXT).toString('base64') });
      expect(outcomes.get('a/empty.json')).toEqual({ ok: '' });
      expect(outcomes.get('a/big.bin')).toEqual({ ok: Buffer.from(big).toString('base64') });
      expect(outcomes.get('a/repeated.bin')).toEqual({ ok: Buffer.from(repeated).toString('base64') });
      expect(outcomes.get('a/lines.jsonl')).toEqual({ ok: Buffer.from(lines).toString('base64') });
    }
  });

  it('every altered entry gets the outcome zip.js gives it, words included, and the sound ones beside it are read', async () => {
    await expectAlteredEntriesAsZipJs(sameAsZipJs, new Uint8Array(randomBytes(HELD_ENTRY_BYTES + 100_000)));
  });

  it("zip.js's checks before the data still hold: local headers, data descriptors, ZIP64", async () => {
    await expectZipJsChecksHold(sameAsZipJs);
  });

  it('a transient reader gets views of the same memory; any other reader parts of its own, which keep their bytes', async () => {
    const { zlib, inflate } = await instance();
    const big = new Uint8Array(randomBytes(HELD_ENTRY_BYTES * 2));
    for (const level of [0, 6] as const) {
      const zip = zipSync({ 'big.bin': [big, { level }], 'small.jsonl': [TEXT, { level }] });
      const views = await parts(inflate, zip, 'big.bin', TRANSIENT);
      expect(views.error).toBeNull();
      expect(Buffer.concat(views.copies).equals(Buffer.from(big))).toBe(true);
      expect(views.parts.length).toBeGreaterThan(2);
      // Each part of the larger entry is a view of zlib's memory, at the same place each time.
      for (const part of views.parts) expect(part.buffer).toBe(zlib.memory.buffer);
      expect(new Set(views.parts.map((p) => p.byteOffset)).size).toBe(1);
      // A held entry is one view.
      const small = await parts(inflate, zip, 'small.jsonl', TRANSIENT);
      expect(small.parts.length).toBe(1);
      expect(small.parts[0]!.buffer).toBe(zlib.memory.buffer);

      // Without `transient`: parts of their own, still holding their bytes after the read.
      const owned = await parts(inflate, zip, 'big.bin');
      for (const part of owned.parts) expect(part.buffer).not.toBe(zlib.memory.buffer);
      expect(Buffer.concat(owned.parts).equals(Buffer.from(big))).toBe(true);
    }
  });

  it('a held entry read transient gives nothing before its size and CRC-32 are checked; a larger one gives its parts first', async () => {
    const { inflate } = await instance();
    const big = new Uint8Array(randomBytes(HELD_ENTRY_BYTES + (2 << 20)));
    const justHeld = big.subarray(0, HELD_ENTRY_BYTES);
    const zip = rawZip([
      faultyDeflated('held.jsonl', TEXT, 'crc'),
      stored('held-stored.bin', RANDOM, { crc32: zlibCrc32(RANDOM) ^ 1 }),
      faultyDeflated('just-held.bin', justHeld, 'crc'),
      faultyDeflated('large.bin', big, 'crc'),
      deflated('sound.jsonl', TEXT),
    ]);
    const held = ['held.jsonl', 'held-stored.bin', 'just-held.bin'];
    for (const options of [undefined, TRANSIENT]) {
      for (const name of held) {
        const read = await parts(inflate, zip, name, options);
        expect(read.parts, name).toEqual([]);
        expect(read.error?.message).toMatch(new RegExp(`^entry "${name}" cannot be read: `));
      }
      // The same while both kept regions are in use (two sound held entries half read): the
      // entry is read through a part buffer, and still nothing of it is given.
      const busy = await openZip(memoryBytes(zip), 'busy.zip', {}, { inflate });
      const sound = (await busy.entries()).find((e) => e.name === 'sound.jsonl')!;
      const holding = [busy.read(sound, undefined, TRANSIENT), busy.read(sound, undefined, TRANSIENT)].map((r) =>
        r[Symbol.asyncIterator](),
      );
      for (const reader of holding) expect((await reader.next()).done).toBe(false);
      for (const name of held) {
        const read = await parts(inflate, zip, name, options);
        expect(read.parts, `${name}, the regions in use`).toEqual([]);
        expect(read.error?.message).toMatch(new RegExp(`^entry "${name}" cannot be read: `));
      }
      for (const reader of holding) expect((await reader.next()).done).toBe(true);
      await busy.close();
      const large = await parts(inflate, zip, 'large.bin', options);
      expect(large.parts.length).toBeGreaterThan(0);
      expect(Buffer.concat(large.copies).equals(Buffer.from(big))).toBe(true);
      expect(large.error?.message).toMatch(/^entry "large\.bin" cannot be read: /);
    }
  });

  it("entries read at once, each transient, get their own regions; zlib's memory never grows", async () => {
    const { zlib, inflate } = await instance();
    const contents = Array.from({ length: 12 }, (_, i) =>
      i % 3 === 0 ? new Uint8Array(randomBytes(HELD_ENTRY_BYTES + 300_000 * i)) : TEXT.subarray(0, 1000 * (i + 1)),
    );
    const zip = zipSync(Object.fromEntries(contents.map((c, i) => [`e${i}.bin`, [c, { level: i % 2 ? 0 : 6 }]])));
    const source = await openZip(memoryBytes(zip), 't.zip', {}, { inflate });
    const entries = await source.entries();
    const size = zlib.memory.buffer.byteLength;
    for (let round = 0; round < 3; round++) {
      // Six at a time, a part of each in turn, every part checked against the entry's bytes.
      for (let from = 0; from < entries.length; from += 6) {
        const readers = entries.slice(from, from + 6).map((entry, i) => ({
          want: contents[from + i] as Uint8Array,
          at: 0,
          it: source.read(entry, undefined, TRANSIENT)[Symbol.asyncIterator](),
        }));
        let open = readers.length;
        while (open > 0) {
          open = 0;
          for (const r of readers) {
            if (r.at < 0) continue;
            const next = await r.it.next();
            if (next.done) {
              expect(r.at).toBe(r.want.length);
              r.at = -1;
              continue;
            }
            open++;
            expect(Buffer.from(next.value).equals(Buffer.from(r.want.subarray(r.at, r.at + next.value.length)))).toBe(
              true,
            );
            r.at += next.value.length;
          }
        }
      }
      expect(zlib.memory.buffer.byteLength).toBe(size);
    }
    await source.close();
  });

  it('makes a CRC-32 hasher only for entries read at once and keeps it, reset, for the next ones', async () => {
    const { instance } = (await WebAssembly.instantiate(WASM, {})) as unknown as { instance: WebAssembly.Instance };
    const zlib = instance.exports as unknown as ZlibExports;
    zlib._initialize?.();
    await expectCrc32HashersKept((crc32) => zlibInflateOn(zlib, crc32));
  });

  it('a reader that stops early or is aborted gives its region and buffer back', async () => {
    const { zlib, inflate } = await instance();
    const big = new Uint8Array(randomBytes(HELD_ENTRY_BYTES + (3 << 20)));
    const source = await openZip(memoryBytes(zipSync({ 'big.bin': big, 'small.jsonl': TEXT })), 't', {}, { inflate });
    const [bigEntry, small] = await source.entries();
    const size = zlib.memory.buffer.byteLength;
    for (let i = 0; i < 20; i++) {
      for (const entry of [bigEntry!, small!])
        for await (const chunk of source.read(entry, undefined, TRANSIENT)) {
          expect(chunk.length).toBeGreaterThan(0);
          break;
        }
      const abort = new AbortController();
      await expect(
        (async () => {
          for await (const _ of source.read(bigEntry!, abort.signal, TRANSIENT)) abort.abort(new Error('stopped'));
        })(),
      ).rejects.toThrow(/stopped/);
    }
    expect(zlib.memory.buffer.byteLength).toBe(size);
    // Both regions are free again: two held entries read at once are each one view of zlib's memory.
    const [first, second] = [source.read(small!, undefined, TRANSIENT), source.read(small!, undefined, TRANSIENT)].map(
      (read) => read[Symbol.asyncIterator](),
    );
    const [a, b] = [await first!.next(), await second!.next()];
    for (const part of [a.value as Uint8Array, b.value as Uint8Array]) {
      expect(part.buffer).toBe(zlib.memory.buffer);
      expect(part.length).toBe(TEXT.length);
    }
    expect(a.value.byteOffset).not.toBe(b.value.byteOffset);
    expect((await first!.next()).done).toBe(true);
    expect((await second!.next()).done).toBe(true);
    await source.close();
  });

  it('notes resume points in a large deflated entry, where asked: each resumes to exactly the bytes after it', async () => {
    const { zlib, inflate: withoutPoints } = await instance();
    expect(findsBlockEnds(zlib)).toBe(true);
    const { instance: other } = (await WebAssembly.instantiate(WASM, {})) as unknown as {
      instance: WebAssembly.Instance;
    };
    const otherZlib = other.exports as unknown as ZlibExports;
    otherZlib._initialize?.();
    const inflate = zlibInflateOn(otherZlib, undefined, true);
    expect((await loaded()).resumePoints).toBe(true);
    // Lines like receipts (about 4.4 MB), deflated as a producer would (many blocks, most ending
    // inside a byte), after blocks that each end where one of the inflate's 64 KiB steps of input
    // ends, the sixteenth also where its first 1 MiB of output ends: the first point is asked for
    // with zlib at a block's start, and is the end of the block after it.
    const lines = Array.from({ length: 50_000 }, (_, i) =>
      JSON.stringify({ seq: i, id: `r-${(i * 7919).toString(16).padStart(10, '0')}`, note: 'x'.repeat(i % 97) }),
    ).join('\n');
    const tail = new TextEncoder().encode(lines);
    const tailDeflated = deflateRawSync(tail, { level: 6 });
    // 65,536 bytes in, 65,611 out: a fixed-Huffman block ("a", then 83 copies of it: 84 bytes in
    // 5) and a stored block of 65,527 bytes.
    const bits = new Bits();
    // Not final, fixed Huffman; "a"; length 83 (code 278, four extra bits 0); distance 1; end of block.
    bits.put(0, 1);
    bits.put(1, 2);
    bits.literal(0x61);
    bits.code(278 - 256, 7);
    bits.put(0, 4);
    bits.code(0, 5);
    bits.code(0, 7);
    // Not final, stored (its LEN follows, from the next byte).
    bits.put(0, 1);
    bits.put(0, 2);
    const head = bits.bytes();
    const first = new Uint8Array(65_536);
    first.set(head);
    first.set([0xf7, 0xff, 0x08, 0x00], head.length); // LEN 65,527
    first.fill(0x40, head.length + 4);
    expect(head.length + 4 + 65_527).toBe(65_536);
    const storedBlock = (fill: number) => {
      const block = new Uint8Array(65_536);
      block.set([0, 0xfb, 0xff, 0x04, 0x00]); // not final, stored, LEN 65,531
      block.fill(fill, 5);
      return block;
    };
    const storedCount = 20;
    const firstOut = 84 + 65_527;
    const original = new Uint8Array(firstOut + storedCount * 65_531 + tail.length);
    const deflatedBytes = new Uint8Array((1 + storedCount) * 65_536 + tailDeflated.length);
    deflatedBytes.set(first);
    original.fill(0x61, 0, 84);
    original.fill(0x40, 84, firstOut);
    for (let i = 0; i < storedCount; i++) {
      deflatedBytes.set(storedBlock(0x41 + i), (i + 1) * 65_536);
      original.fill(0x41 + i, firstOut + i * 65_531, firstOut + (i + 1) * 65_531);
    }
    deflatedBytes.set(tailDeflated, (1 + storedCount) * 65_536);
    original.set(tail, firstOut + storedCount * 65_531);
    expect(firstOut + 15 * 65_531).toBe(RESUME_POINT_SPACING);
    const stored = {
      offset: 0,
      compressedSize: deflatedBytes.length,
      method: 8,
      crc32: zlibCrc32(original),
      uncompressedSize: original.length,
    };
    for (const transient of [false, true]) {
      const points: ResumePoint[] = [];
      let at = 0;
      for await (const part of inflate(memoryBytes(deflatedBytes), stored, undefined, {
        transient,
        points: (point) => points.push(point),
      })) {
        expect(same(part, original.subarray(at, at + part.length))).toBe(true);
        at += part.length;
      }
      expect(at).toBe(original.length);
      expect(points.length).toBeGreaterThanOrEqual(3);
      // The first at the end of the block after the sixteenth, where zlib had stopped on its own.
      expect(points[0]).toMatchObject({ out: RESUME_POINT_SPACING + 65_531, bit: 17 * 65_536 * 8 });
      // Most points lie within a byte, as most deflate blocks end.
      expect(points.filter((p) => p.bit % 8 !== 0).length).toBeGreaterThan(0);
      let last = 0;
      for (const [k, point] of points.entries()) {
        expect(point.out - last).toBeGreaterThanOrEqual(RESUME_POINT_SPACING);
        last = point.out;
        expect(same(point.window, original.subarray(point.out - WINDOW_BYTES, point.out))).toBe(true);
        const from = point.bit >> 3;
        const read = (await inflateFromPoint(deflatedBytes.subarray(from), point, 200_000)).bytes;
        expect(same(read, original.subarray(point.out, point.out + 200_000))).toBe(true);
        const next = points[k + 1];
        if (next) {
          const upTo = await inflateFromPoint(
            deflatedBytes.subarray(from, Math.ceil(next.bit / 8)),
            point,
            1 << 30,
            next.bit,
          );
          expect(upTo.fault).toBeUndefined();
          expect(same(upTo.bytes, original.subarray(point.out, next.out))).toBe(true);
        }
      }
      // Not asked, it notes none; an inflate told its build cannot says none either.
      const none: ResumePoint[] = [];
      for await (const _ of withoutPoints(memoryBytes(deflatedBytes), stored, undefined, {
        points: (p) => none.push(p),
      }));
      expect(none).toEqual([]);
      expect(withoutPoints.resumePoints).toBeUndefined();
    }
  });

  it('through the ZIP reader: asked by entry name as the entry starts, never for a small (held) entry', async () => {
    const inflate = await loaded();
    const big = new TextEncoder().encode(
      Array.from({ length: 120_000 }, (_, i) => JSON.stringify({ seq: i, pad: 'y'.repeat(i % 50) })).join('\n'),
    );
    const zip = zipSync({ 'a/big.jsonl': big, 'a/small.jsonl': TEXT });
    const asked: string[] = [];
    const points: ResumePoint[] = [];
    const source = await openZip(
      memoryBytes(zip),
      't.zip',
      {},
      {
        inflate,
        resumePointsFor: (name) => {
          asked.push(name);
          return (p) => points.push(p);
        },
      },
    );
    for (const entry of await source.entries()) for await (const _ of source.read(entry, undefined, TRANSIENT));
    await source.close();
    expect(asked).toEqual(['a/big.jsonl', 'a/small.jsonl']);
    expect(big.length).toBeGreaterThan(HELD_ENTRY_BYTES);
    expect(points.length).toBeGreaterThanOrEqual(2);
    expect(points.every((p) => p.out <= big.length)).toBe(true);
  });
});
