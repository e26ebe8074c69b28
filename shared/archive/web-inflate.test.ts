/**
 * The app's inflate for ZIP entries (shared/archive/web-inflate.ts) against zip.js's own read
 * path, entry by entry: the same bytes where the entry is sound, and on every ZIP whose data,
 * checksum or sizes were altered the very same outcome, words included (each fault is named by
 * zip.js reading the entry again). Node's own `DecompressionStream` drops bytes after a deflate
 * stream silently, so the inflate is not used with it; these tests give it a stream that fails
 * on them, as Chromium's does (its `DecompressionStream` is used by the app's workers, and the
 * e2e suite imports archives through it).
 */
import { inflateRawSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { zipSync } from 'fflate';
import { createCRC32 } from 'hash-wasm';
import { HELD_ENTRY_BYTES, openZip, type NativeInflate } from './zip.ts';
import type { RandomAccessBytes } from './source.ts';
import { inflateKeepsZipRules, inflateWith, webInflate, type WebInflateParts } from './web-inflate.ts';
import {
  expectAlteredEntriesAsZipJs,
  expectCrc32HashersKept,
  expectZipJsChecksHold,
  memoryBytes,
  partedBlob,
  RANDOM,
  readEveryEntry,
  TEXT,
  type Outcome,
} from '../../test/support/raw-zip.ts';

/**
 * A `DecompressionStream('deflate-raw')` that behaves as Chromium's where it matters here: it
 * fails on damaged or truncated data and on bytes after the end of the deflate stream, and
 * otherwise gives the inflated bytes in parts. (Built on Node's zlib, whole at the end.)
 */
class StrictDecompressionStream {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  constructor(format: 'deflate-raw') {
    if (format !== 'deflate-raw') throw new TypeError('only deflate-raw');
    const input: Uint8Array[] = [];
    const stream = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk) {
        input.push(chunk.slice());
      },
      flush(controller) {
        const all = Buffer.concat(input);
        const { buffer, engine } = inflateRawSync(all, { info: true }) as unknown as {
          buffer: Buffer;
          engine: { bytesWritten: number };
        };
        if (engine.bytesWritten !== all.length) throw new TypeError('Junk found after end of compressed data.');
        for (let at = 0; at < buffer.length; at += 65536)
          controller.enqueue(new Uint8Array(buffer.subarray(at, Math.min(buffer.length, at + 65536))));
      },
    });
    this.readable = stream.readable;
    this.writable = stream.writable;
  }
}

const strictParts: WebInflateParts = { DecompressionStream: StrictDecompressionStream, crc32: () => createCRC32() };

async function strictInflate(): Promise<NativeInflate> {
  const inflate = await webInflate(strictParts);
  if (!inflate) throw new Error('the strict stream should make an inflate');
  return inflate;
}

/**
 * Both paths give the same outcome for every entry, words included, the app's read from bytes in
 * memory and from a Blob (its entries' data streamed); returns it.
 */
async function sameAsZipJs(zip: Uint8Array): Promise<Map<string, Outcome>> {
  const inflate = await strictInflate();
  const [zipJs, web, fromBlob] = await Promise.all([
    readEveryEntry(zip, undefined),
    readEveryEntry(zip, inflate),
    readEveryEntry(zip, inflate, partedBlob),
  ]);
  expect(web).toEqual(zipJs);
  expect(fromBlob).toEqual(zipJs);
  return web;
}

describe('the app inflate for ZIP entries (shared/archive/web-inflate.ts)', () => {
  it('is made only from a stream that fails on bytes after the deflate stream, and a CRC-32 that is the ZIP one', async () => {
    expect(await inflateKeepsZipRules(strictParts)).toBe(true);
    // A stream that drops bytes after the end (as Node 20's DecompressionStream does).
    class Lenient {
      readonly readable: ReadableStream<Uint8Array>;
      readonly writable: WritableStream<Uint8Array>;
      constructor() {
        const input: Uint8Array[] = [];
        const stream = new TransformStream<Uint8Array, Uint8Array>({
          transform: (chunk) => void input.push(chunk.slice()),
          flush: (controller) => controller.enqueue(new Uint8Array(inflateRawSync(Buffer.concat(input)))),
        });
        this.readable = stream.readable;
        this.writable = stream.writable;
      }
    }
    expect(await inflateKeepsZipRules({ ...strictParts, DecompressionStream: Lenient })).toBe(false);
    expect(await webInflate({ ...strictParts, DecompressionStream: Lenient })).toBeUndefined();
    // Another checksum than the ZIP's CRC-32 (hash-wasm's CRC-32C).
    expect(await inflateKeepsZipRules({ ...strictParts, crc32: () => createCRC32(0x82f63b78) })).toBe(false);
    // A stream that cannot be made, and one that fails on sound data.
    class Broken {
      constructor() {
        throw new Error('no inflate here');
      }
    }
    expect(
      await inflateKeepsZipRules({
        ...strictParts,
        DecompressionStream: Broken as unknown as WebInflateParts['DecompressionStream'],
      }),
    ).toBe(false);
    expect(await webInflate(null)).toBeUndefined();
  });

  it('reads the same bytes as zip.js, deflated and stored, empty and multi-megabyte entries included', async () => {
    const big = new Uint8Array(randomBytes(3 << 20)); // past one read of the stored data (1 MiB)
    for (const level of [0, 6, 9] as const) {
      const zip = zipSync({
        'a/text.jsonl': [TEXT, { level }],
        'a/random.bin': [RANDOM, { level }],
        'a/empty.json': [new Uint8Array(0), { level }],
        'a/big.bin': [big, { level }],
        'dir/': [new Uint8Array(0), { level: 0 }],
      });
      const outcomes = await sameAsZipJs(zip);
      expect(outcomes.get('a/text.jsonl')).toEqual({ ok: Buffer.from(TEXT).toString('base64') });
      expect(outcomes.get('a/random.bin')).toEqual({ ok: Buffer.from(RANDOM).toString('base64') });
      expect(outcomes.get('a/empty.json')).toEqual({ ok: '' });
      expect(outcomes.get('a/big.bin')).toEqual({ ok: Buffer.from(big).toString('base64') });
    }
  });

  it('every altered entry gets the outcome zip.js gives it, words included, and the sound ones beside it are read', async () => {
    await expectAlteredEntriesAsZipJs(sameAsZipJs);
  });

  it("zip.js's checks before the data still hold: local headers, data descriptors, ZIP64, shared data", async () => {
    await expectZipJsChecksHold(sameAsZipJs);
  });

  it('a fault zip.js does not see is said in the inflate own words', async () => {
    class FailsAlways {
      readonly readable: ReadableStream<Uint8Array>;
      readonly writable: WritableStream<Uint8Array>;
      constructor() {
        const stream = new TransformStream<Uint8Array, Uint8Array>({
          flush() {
            throw new TypeError('the engine says no');
          },
        });
        this.readable = stream.readable;
        this.writable = stream.writable;
      }
    }
    // Made without the rule check (which this stream would fail), to see what the reader says.
    const failing = inflateWith({ ...strictParts, DecompressionStream: FailsAlways });
    const outcomes = await readEveryEntry(zipSync({ 'x.jsonl': TEXT }), failing);
    expect(outcomes.get('x.jsonl')).toEqual({
      unreadable: 'entry "x.jsonl" could not be decompressed: the inflate refused it (the engine says no)',
    });
  });

  it('makes a CRC-32 hasher only for entries read at once and keeps it, reset, for the next ones', async () => {
    await expectCrc32HashersKept((crc32) => inflateWith({ ...strictParts, crc32 }));
  });

  it('a file that shrinks after it was listed, a reader that stops early, and an aborted read', async () => {
    const inflate = await strictInflate();
    const zip = zipSync({ 'x.bin': RANDOM }, { level: 0 });
    let shrunk = false;
    const bytes: RandomAccessBytes = {
      size: zip.length,
      read: async (offset, length) => zip.slice(offset, shrunk ? Math.min(offset + length, 100) : offset + length),
    };
    // Read a slice at a time, and streamed (a browser's File).
    const streaming: RandomAccessBytes = {
      ...bytes,
      async *stream(offset, length) {
        yield zip.slice(offset, shrunk ? Math.min(offset + length, 100) : offset + length);
      },
    };
    for (const source of [bytes, streaming]) {
      shrunk = false;
      const shrinking = await openZip(source, 't', {}, { inflate });
      const [entry] = await shrinking.entries();
      shrunk = true;
      await expect(
        (async () => {
          for await (const _ of shrinking.read(entry!)) void _;
        })(),
      ).rejects.toThrow(/^entry "x\.bin" cannot be read: /);
      await shrinking.close();
    }

    const big = new Uint8Array(randomBytes(HELD_ENTRY_BYTES + (1 << 20))); // past what is held until checked;
    const source = await openZip(memoryBytes(zipSync({ 'big.bin': big, 'small.jsonl': TEXT })), 't', {}, { inflate });
    const [bigEntry, small] = await source.entries();
    for await (const chunk of source.read(bigEntry!)) {
      expect(chunk.length).toBeGreaterThan(0);
      break;
    }
    const abort = new AbortController();
    await expect(
      (async () => {
        for await (const _ of source.read(bigEntry!, abort.signal)) abort.abort(new Error('stopped by the test'));
      })(),
    ).rejects.toThrow(/stopped by the test/);
    let size = 0;
    for await (const chunk of source.read(small!)) size += chunk.length;
    expect(size).toBe(TEXT.length);
    await source.close();
  });
});
