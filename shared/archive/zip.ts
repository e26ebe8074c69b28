/**
 * ZIP containers through `@zip.js/zip.js`, read by random access (central directory
 * first, then each entry's bytes on demand) so an archive of any size is streamed and
 * never held whole. zip.js decompresses with the runtime's native `DecompressionStream`
 * where there is one (Node 18+, Chromium), which measured faster than a JavaScript inflate.
 *
 * The decompression bounds of {@link ReadLimits} are enforced here, on the bytes actually
 * produced, not on the sizes the container declares (a bomb lies about those).
 */
import { configure, Reader, ZipReader, type Entry, type FileEntry } from '@zip.js/zip.js';
import {
  ArchiveUnreadableError,
  DEFAULT_LIMITS,
  LimitExceededError,
  type ArchiveSource,
  type RandomAccessBytes,
  type RawEntry,
  type ReadLimits,
} from './source.ts';

// No zip.js web workers: verification already runs in our own worker pool, and the
// app's CSP does not allow zip.js to spawn workers from blob URLs.
configure({ useWebWorkers: false, useCompressionStream: true });

class RandomAccessReader extends Reader<RandomAccessBytes> {
  private readonly bytes: RandomAccessBytes;
  constructor(bytes: RandomAccessBytes) {
    super(bytes);
    this.bytes = bytes;
    this.size = bytes.size;
  }
  override async readUint8Array(index: number, length: number): Promise<Uint8Array> {
    return this.bytes.read(index, Math.max(0, Math.min(length, this.bytes.size - index)));
  }
}

/**
 * Opens a ZIP file for streaming reads.
 * @throws ArchiveUnreadableError when the bytes are not a readable ZIP (no end of central
 *   directory, truncated directory, encrypted directory).
 */
export async function openZip(
  bytes: RandomAccessBytes,
  name: string,
  limits: Partial<ReadLimits> = {},
): Promise<ArchiveSource> {
  const bounds: ReadLimits = { ...DEFAULT_LIMITS, ...limits };
  // Names are checked by the engine entry by entry (archive/paths.ts), so that one unsafe
  // name is a finding about that entry instead of making the whole archive unreadable.
  const reader = new ZipReader(new RandomAccessReader(bytes), { checkSignature: true, filenameValidation: 'tolerant' });
  let entries: Entry[];
  try {
    entries = await reader.getEntries();
  } catch (error) {
    await bytes.close?.();
    throw new ArchiveUnreadableError(`"${name}" is not a readable ZIP archive: ${(error as Error).message}`);
  }
  const byRaw = new Map<RawEntry, Entry>();
  const raw: RawEntry[] = entries.map((entry) => {
    const r: RawEntry = {
      name: entry.filename,
      declaredSize: entry.uncompressedSize,
      compressedSize: entry.compressedSize,
      isDirectory: entry.directory,
      ...(entry.encrypted ? { unsupported: 'encrypted' } : entry.symlink ? { unsupported: 'a symbolic link' } : {}),
    };
    byRaw.set(r, entry);
    return r;
  });
  let totalRead = 0;

  return {
    name,
    entries: async () => raw,
    async *read(entry: RawEntry, signal?: AbortSignal): AsyncIterable<Uint8Array> {
      const zipEntry = byRaw.get(entry);
      if (!zipEntry || zipEntry.directory)
        throw new TypeError(`read: "${entry.name}" is not a file entry of this archive`);
      const compressed = Math.max(1, zipEntry.compressedSize);
      const pipe = new TransformStream<Uint8Array, Uint8Array>();
      const abort = new AbortController();
      signal?.addEventListener('abort', () => abort.abort(signal.reason), { once: true });
      const done = (zipEntry as FileEntry)
        .getData(pipe.writable, { signal: abort.signal, checkSignature: true })
        .catch((error: unknown) => error as Error);
      const chunks = pipe.readable.getReader();
      let entryRead = 0;
      try {
        for (;;) {
          const { value, done: finished } = await chunks.read();
          if (finished) break;
          entryRead += value.length;
          totalRead += value.length;
          if (entryRead > bounds.maxEntryBytes) {
            throw new LimitExceededError(
              'maxEntryBytes',
              entryRead,
              `decompressed size passed the per-entry limit of ${bounds.maxEntryBytes} bytes`,
            );
          }
          if (totalRead > bounds.maxTotalBytes) {
            throw new LimitExceededError(
              'maxTotalBytes',
              totalRead,
              `decompressed size of the archive passed the total limit of ${bounds.maxTotalBytes} bytes`,
            );
          }
          if (entryRead > bounds.ratioFloorBytes && entryRead / compressed > bounds.maxRatio) {
            throw new LimitExceededError(
              'maxRatio',
              entryRead / compressed,
              `compression ratio passed the limit of ${bounds.maxRatio}:1 (${compressed} bytes stored inflate to more than ${entryRead})`,
            );
          }
          yield value;
        }
        const outcome = await done;
        if (outcome instanceof Error)
          throw new ArchiveUnreadableError(`entry "${entry.name}" could not be decompressed: ${outcome.message}`);
      } finally {
        abort.abort();
        chunks.cancel().catch(() => undefined);
        await done;
      }
    },
    async close() {
      await reader.close();
      await bytes.close?.();
    },
  };
}
