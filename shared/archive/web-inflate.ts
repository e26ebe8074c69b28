/**
 * The app's inflate for ZIP entries where zlib's WebAssembly cannot load (zlib-inflate.ts, which
 * reads its output where zlib wrote it): the runtime's `DecompressionStream('deflate-raw')` (native
 * zlib) and hash-wasm's CRC-32, instead of zip.js's stream pipeline, which copies every
 * inflated byte once more into arrays of its own (docs/PERFORMANCE.md). Like the command
 * line's (cli/node-zip.ts) it reads the stored bytes, inflates them and checks their size and
 * CRC-32; zip.js still lists the archive and checks each entry's local header (zip.ts).
 *
 * One difference from Node's zlib: a `DecompressionStream` says only that the data is bad, in
 * the engine's own words, and cannot tell bytes after the end of the deflate stream from
 * damage. So for every fault (the stream failed, another size than declared, another CRC-32)
 * this throws `UnnamedDataFault`, and the archive reader reads the entry again with zip.js for
 * the words it gives today (zip.ts): a damaged archive is rare, and then read twice.
 *
 * It is used only where the engine's `DecompressionStream` refuses bytes after the end of a
 * deflate stream (Chromium's does; Node 20's drops them silently). An inflate that accepted
 * them would read an entry that zip.js and the command line refuse.
 */
import { createCRC32, type IHasher } from 'hash-wasm';
import type { RandomAccessBytes } from './source.ts';
import { storedDataBytes, UnnamedDataFault, type NativeInflate, type StoredData } from './zip.ts';

/** What the inflate is made of; tests give a stream that behaves as Chromium's. */
export interface WebInflateParts {
  readonly DecompressionStream: new (format: 'deflate-raw') => {
    readonly readable: ReadableStream<Uint8Array>;
    readonly writable: WritableStream<Uint8Array>;
  };
  readonly crc32: () => Promise<IHasher>;
}

const DEFAULT_PARTS = (): WebInflateParts | null => {
  const Stream = (globalThis as { DecompressionStream?: WebInflateParts['DecompressionStream'] }).DecompressionStream;
  return Stream ? { DecompressionStream: Stream, crc32: () => createCRC32() } : null;
};

/** An empty deflate stream (one empty final block). */
export const EMPTY_DEFLATE = Uint8Array.of(0x03, 0x00);

/** Whether the CRC-32 `crc` hashed is the one the ZIP stores for the entry. */
export function sameCrc32(crc: IHasher, stored: StoredData): boolean {
  return parseInt(crc.digest('hex'), 16) >>> 0 === stored.crc32 >>> 0;
}

/** CRC-32 hashers: each given to one entry at a time, then kept for the next. */
export interface Crc32Hashers {
  /** A hasher no entry is using, reset. */
  take(): Promise<IHasher>;
  giveBack(crc: IHasher): void;
}

/**
 * CRC-32 hashers made by `make` only when none is free: hash-wasm makes each on a WebAssembly
 * instance of its own (a memory reserved and mapped, about half a millisecond of CPU each here),
 * and an archive has an entry for every segment file.
 */
export function crc32Hashers(make: () => Promise<IHasher>): Crc32Hashers {
  const free: IHasher[] = [];
  return {
    async take() {
      const crc = free.pop() ?? (await make());
      crc.init();
      return crc;
    },
    giveBack(crc) {
      free.push(crc);
    },
  };
}

/** `read`'s parts, with a hasher of `hashers` taken for it on its first read and given back when it ends, however it ends. */
export async function* withCrc32(
  hashers: Crc32Hashers,
  read: (crc: IHasher) => AsyncIterable<Uint8Array>,
): AsyncIterable<Uint8Array> {
  const crc = await hashers.take();
  try {
    yield* read(crc);
  } finally {
    hashers.giveBack(crc);
  }
}

/** Runs `input` through a fresh stream: its output's length, or the failure. */
async function inflateAll(parts: WebInflateParts, input: Uint8Array): Promise<number> {
  const stream = new parts.DecompressionStream('deflate-raw');
  const writer = stream.writable.getWriter();
  const fed = (async () => {
    await writer.write(input);
    await writer.close();
  })();
  fed.catch(() => undefined);
  let length = 0;
  const reader = stream.readable.getReader();
  for (;;) {
    const next = await reader.read();
    if (next.done) break;
    length += next.value.length;
  }
  await fed;
  return length;
}

/**
 * Whether `parts` make an inflate that holds to the ZIP rules zip.js holds to: an empty deflate
 * stream inflates to nothing, the same with one byte after it fails, and CRC-32 is the ZIP's.
 */
export async function inflateKeepsZipRules(parts: WebInflateParts): Promise<boolean> {
  try {
    if ((await inflateAll(parts, EMPTY_DEFLATE)) !== 0) return false;
    const trailing = await inflateAll(parts, Uint8Array.of(...EMPTY_DEFLATE, 0x00)).then(
      () => false,
      () => true,
    );
    if (!trailing) return false;
    const crc = await parts.crc32();
    crc.init();
    crc.update(new TextEncoder().encode('123456789'));
    return crc.digest('hex') === 'cbf43926';
  } catch {
    return false;
  }
}

/**
 * The inflate, where this engine's `DecompressionStream` refuses bytes after a deflate stream
 * and hash-wasm loads; `undefined` elsewhere (zip.js then reads the entries, as before).
 */
export async function webInflate(parts: WebInflateParts | null = DEFAULT_PARTS()): Promise<NativeInflate | undefined> {
  if (!parts || !(await inflateKeepsZipRules(parts))) return undefined;
  return inflateWith(parts);
}

/** The inflate made of `parts`, without the check {@link webInflate} makes first. */
export function inflateWith(parts: WebInflateParts): NativeInflate {
  const hashers = crc32Hashers(parts.crc32);
  return (bytes, stored, signal) => withCrc32(hashers, (crc) => inflateEntry(parts, crc, bytes, stored, signal));
}

async function* inflateEntry(
  parts: WebInflateParts,
  crc: IHasher,
  bytes: RandomAccessBytes,
  stored: StoredData,
  signal?: AbortSignal,
): AsyncIterable<Uint8Array> {
  let size = 0;
  const data = stored.method === 8 ? inflated(parts, bytes, stored, signal) : storedDataBytes(bytes, stored, signal);
  for await (const chunk of data) {
    signal?.throwIfAborted();
    size += chunk.length;
    // More than declared: stop here (the bytes are not held); zip.js names it.
    if (size > stored.uncompressedSize) throw new UnnamedDataFault('more bytes than the ZIP declares');
    crc.update(chunk);
    yield chunk;
  }
  if (size !== stored.uncompressedSize) throw new UnnamedDataFault('another size than the ZIP declares');
  if (!sameCrc32(crc, stored)) throw new UnnamedDataFault('another CRC-32');
}

/** The entry's inflated bytes; a failure of the stream is an `UnnamedDataFault`, a failure to read the file is itself. */
async function* inflated(
  parts: WebInflateParts,
  bytes: RandomAccessBytes,
  stored: StoredData,
  signal?: AbortSignal,
): AsyncIterable<Uint8Array> {
  const stream = new parts.DecompressionStream('deflate-raw');
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  let readFailure: { error: unknown } | null = null;
  const feeding = (async () => {
    // Each part is done with once written (the stream inflates it before the write settles), so
    // the parts may be read into the same memory again.
    const source = storedDataBytes(bytes, stored, signal, { transient: true })[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await source.next();
      } catch (error) {
        // Reading the file failed: the stream is ended with it, and the reader says it as it is.
        readFailure = { error };
        await writer.abort(error);
        return;
      }
      if (next.done) break;
      // Rejects when the stream failed; the reader sees that failure.
      await writer.write(next.value);
    }
    await writer.close();
  })().catch(() => undefined);
  let finished = false;
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (error) {
        if (readFailure) throw (readFailure as { error: unknown }).error;
        throw new UnnamedDataFault(`the inflate refused it (${(error as Error)?.message ?? String(error)})`);
      }
      if (next.done) break;
      yield next.value;
    }
    finished = true;
  } finally {
    if (!finished) {
      // Stopped early (a limit, a consumer that stopped reading, a failure): end both sides.
      reader.cancel().catch(() => undefined);
      writer.abort().catch(() => undefined);
    }
    await feeding;
  }
}
