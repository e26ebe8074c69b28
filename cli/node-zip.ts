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

/** zlib's faults in the data (Z_DATA_ERROR, and Z_BUF_ERROR for data that ends too soon) are damaged data. */
function zlibError(error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string' && code.startsWith('Z_')) return new Error(ZIP_DATA_ERRORS.damaged);
  return error;
}
