/**
 * The command line's inflate for ZIP entries: Node's zlib and CRC-32 (native code) instead of
 * zip.js's web-stream pipeline, which cost about three times as much on the same bytes. zip.js
 * still lists the archive and checks each entry's local header (shared/archive/zip.ts); this
 * reads the stored bytes, inflates them and checks their size and CRC-32.
 */
import zlib from 'node:zlib';
import { Readable, pipeline } from 'node:stream';
import type { RandomAccessBytes } from '../shared/archive/source.ts';
import { ZIP_DATA_ERRORS, storedDataBytes, type NativeInflate, type StoredData } from '../shared/archive/zip.ts';

/** Bytes zlib hands out at a time. */
const OUTPUT_BYTES = 1 << 18;
/**
 * An entry that inflates to at most this (one output chunk of the stream) and stores at most
 * {@link SMALL_STORED_BYTES} is read in one read and inflated in one call (`inflateRawSync`): the
 * same bytes and the same faults as the stream, without a stream's machinery and its 256 KiB
 * output buffer per entry, which made an archive of 10,000 small files spend most of this
 * thread's time (docs/PERFORMANCE.md, forty-eighth session).
 */
export const SMALL_ENTRY_BYTES = OUTPUT_BYTES;
const SMALL_STORED_BYTES = 1 << 20;

const crc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/**
 * Node's inflate where this Node has `zlib.crc32` (20.15 and later); `undefined` elsewhere, and
 * zip.js reads the entries.
 */
export const nodeInflate: NativeInflate | undefined = crc32 ? inflateEntry : undefined;

async function* inflateEntry(
  bytes: RandomAccessBytes,
  stored: StoredData,
  signal?: AbortSignal,
): AsyncIterable<Uint8Array> {
  const checksum = crc32!;
  if (stored.uncompressedSize <= SMALL_ENTRY_BYTES && stored.compressedSize <= SMALL_STORED_BYTES) {
    yield* inflateSmallEntry(bytes, stored, checksum, signal);
    return;
  }
  const source = Readable.from(storedDataBytes(bytes, stored, signal), { objectMode: false, highWaterMark: 1 });
  const inflater = stored.method === 8 ? zlib.createInflateRaw({ chunkSize: OUTPUT_BYTES }) : null;
  // pipeline, not pipe: a read failure must end the inflater with that failure.
  const output = inflater ? pipeline(source, inflater, () => undefined) : source;
  let size = 0;
  let crc = 0;
  try {
    for await (const chunk of output as AsyncIterable<Buffer>) {
      signal?.throwIfAborted();
      size += chunk.length;
      if (size > stored.uncompressedSize) throw new Error(ZIP_DATA_ERRORS.size);
      crc = checksum(chunk, crc);
      yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
    }
  } catch (error) {
    throw zlibError(error);
  } finally {
    source.destroy();
    inflater?.destroy();
  }
  // The deflate stream ended before the data the ZIP stores for the entry did.
  if (inflater && inflater.bytesWritten !== stored.compressedSize) throw new Error(ZIP_DATA_ERRORS.trailing);
  // Another size than declared is said by the caller, with both sizes.
  if (size === stored.uncompressedSize && crc >>> 0 !== stored.crc32 >>> 0) throw new Error(ZIP_DATA_ERRORS.crc);
}

/** {@link inflateEntry} for a small entry: one read, one inflate, the same checks in the same order. */
async function* inflateSmallEntry(
  bytes: RandomAccessBytes,
  stored: StoredData,
  checksum: (data: Uint8Array, value?: number) => number,
  signal?: AbortSignal,
): AsyncIterable<Uint8Array> {
  signal?.throwIfAborted();
  const data = await bytes.read(stored.offset, stored.compressedSize);
  // zip.js checked that the data lies within the file; a shorter read means the file changed.
  if (data.length !== stored.compressedSize) throw new Error(ZIP_DATA_ERRORS.damaged);
  signal?.throwIfAborted();
  let out: Uint8Array = data;
  let consumed = data.length;
  if (stored.method === 8) {
    try {
      // One byte past the declared size is enough to know it inflates to more.
      const inflated = zlib.inflateRawSync(data, {
        info: true,
        maxOutputLength: stored.uncompressedSize + 1,
      }) as unknown as {
        buffer: Buffer;
        engine: { bytesWritten: number };
      };
      out = new Uint8Array(inflated.buffer.buffer, inflated.buffer.byteOffset, inflated.buffer.length);
      consumed = inflated.engine.bytesWritten;
    } catch (error) {
      if ((error as NodeJS.ErrnoException | null)?.code === 'ERR_BUFFER_TOO_LARGE')
        throw new Error(ZIP_DATA_ERRORS.size);
      throw zlibError(error);
    }
  }
  if (out.length > stored.uncompressedSize) throw new Error(ZIP_DATA_ERRORS.size);
  const crc = checksum(out, 0);
  if (out.length > 0) yield out;
  if (consumed !== stored.compressedSize) throw new Error(ZIP_DATA_ERRORS.trailing);
  if (out.length === stored.uncompressedSize && crc >>> 0 !== stored.crc32 >>> 0) throw new Error(ZIP_DATA_ERRORS.crc);
}

/** zlib's faults in the data (Z_DATA_ERROR, and Z_BUF_ERROR for data that ends too soon) are damaged data. */
function zlibError(error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string' && code.startsWith('Z_')) return new Error(ZIP_DATA_ERRORS.damaged);
  return error;
}
