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
import { decodeUtf8Strict } from '../format/bytes.ts';
import {
  ArchiveUnreadableError,
  DEFAULT_LIMITS,
  LimitExceededError,
  type ArchiveSource,
  type RandomAccessBytes,
  type RawEntry,
  type ReadLimits,
  type StreamOptions,
} from './source.ts';
import type { ResumePoint } from './resume-points.ts';
import { ListedEntries, listedEntry, localDataOffset, type ListedEntry } from './zip-local.ts';

// No zip.js web workers: verification already runs in our own worker pool, and the
// app's CSP does not allow zip.js to spawn workers from blob URLs.
configure({ useWebWorkers: false, useCompressionStream: true });

/** Where one entry's data lies and what it must decompress to, from the central directory. */
export interface StoredData {
  /** Offset of the compressed data in the file (after the local header). */
  readonly offset: number;
  readonly compressedSize: number;
  /** 0 stored, 8 deflated (the only methods that reach a read). */
  readonly method: number;
  readonly crc32: number;
  readonly uncompressedSize: number;
}

/**
 * A runtime's own inflate (cli/node-zip.ts, shared/archive/web-inflate.ts): reads an entry's
 * stored bytes, inflates them and checks their size and CRC-32, throwing an Error whose message
 * is one of zip.js's for the same fault ({@link ZIP_DATA_ERRORS}), or an
 * {@link UnnamedDataFault} for a fault it cannot name as zip.js would. Without one, zip.js
 * streams the entry; its stream pipeline cost about three times Node's zlib on the same bytes.
 */
export type NativeInflate = ((
  bytes: RandomAccessBytes,
  stored: StoredData,
  signal?: AbortSignal,
  options?: StreamOptions,
) => AsyncIterable<Uint8Array>) & {
  /**
   * Asked for `transient` parts, this inflate may give views of memory it writes again once the
   * caller asks for the next part; it then checks the size and CRC-32 of an entry of at most
   * {@link HELD_ENTRY_BYTES} before giving any of it (zip.ts holds the parts of such an entry
   * otherwise, which views would not survive). Without this, every part is the caller's own.
   */
  readonly transientViews?: true;
  /** Tells resume points where asked (`StreamOptions.points`); without this, none are told. */
  readonly resumePoints?: true;
};

/**
 * A fault in an entry's data that a native inflate found but cannot name as zip.js does (a
 * `DecompressionStream` does not tell bytes after the deflate stream from damage). The reader
 * then reads the entry again with zip.js and says what zip.js says.
 */
export class UnnamedDataFault extends Error {
  override name = 'UnnamedDataFault';
}

/**
 * Where an entry's resume points go (resume-points.ts), asked as it starts to inflate: a function
 * told each point in order, or undefined for none.
 */
export type EngineResumePoints = (entryName: string, stored: StoredData) => ((point: ResumePoint) => void) | undefined;

/** Bytes of an entry's stored data read at a time by a native inflate. */
const STORED_READ_BYTES = 1 << 20;

/**
 * An entry's stored data (deflated or not), read from the archive a part at a time, for a native
 * inflate. With `transient` the caller is done with each part when it asks for the next
 * ({@link StreamOptions}).
 */
export async function* storedDataBytes(
  bytes: RandomAccessBytes,
  stored: StoredData,
  signal?: AbortSignal,
  options?: StreamOptions,
): AsyncIterable<Uint8Array> {
  const end = stored.offset + stored.compressedSize;
  if (bytes.stream) {
    signal?.throwIfAborted();
    let at = stored.offset;
    for await (const chunk of bytes.stream(stored.offset, stored.compressedSize, options)) {
      signal?.throwIfAborted();
      at += chunk.length;
      yield chunk;
    }
    // zip.js checked that the data lies within the file; fewer bytes means the file changed.
    if (at !== end) throw new Error(ZIP_DATA_ERRORS.damaged);
    return;
  }
  for (let at = stored.offset; at < end;) {
    signal?.throwIfAborted();
    const length = Math.min(STORED_READ_BYTES, end - at);
    const chunk = await bytes.read(at, length);
    // zip.js checked that the data lies within the file; a shorter read means the file changed.
    if (chunk.length !== length) throw new Error(ZIP_DATA_ERRORS.damaged);
    at += length;
    yield chunk;
  }
}

/** How the archive is listed (zip-local.test.ts lists with the same). Names: see `openZip`. */
export const READER_OPTIONS = { checkSignature: true, filenameValidation: 'tolerant' } as const;

/**
 * An entry as the engine is given it, with its place in the listing, which only this module
 * reads (the entry read is the one listed: `raw[index] === entry`).
 */
class ListedRaw implements RawEntry {
  declare readonly unsupported?: string;
  declare readonly invalidName?: string;
  readonly #index: number;
  constructor(
    readonly name: string,
    readonly declaredSize: number,
    readonly compressedSize: number,
    readonly isDirectory: boolean,
    index: number,
    problems: { readonly unsupported?: string; readonly invalidName?: string },
  ) {
    this.#index = index;
    if (problems.invalidName !== undefined) (this as { invalidName?: string }).invalidName = problems.invalidName;
    if (problems.unsupported !== undefined) (this as { unsupported?: string }).unsupported = problems.unsupported;
  }
  /** `entry`'s place in the listing that made it, if a listing made it. */
  static indexOf(entry: RawEntry): number | undefined {
    return #index in entry ? entry.#index : undefined;
  }
}

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
  options: {
    readonly inflate?: NativeInflate | undefined;
    /** Told where an entry read whole through `inflate` has its stored data (see `EngineOptions.onStoredData`). */
    readonly onStoredData?: ((entryName: string, stored: StoredData) => void) | undefined;
    /** Asked, as an entry starts to inflate, where its resume points go, if anywhere (see `EngineOptions.resumePointsFor`). */
    readonly resumePointsFor?: EngineResumePoints | undefined;
  } = {},
): Promise<ArchiveSource> {
  const { inflate, onStoredData, resumePointsFor } = options;
  const bounds: ReadLimits = { ...DEFAULT_LIMITS, ...limits };
  // Names are checked by the engine entry by entry (archive/paths.ts), so that one unsafe
  // name is a finding about that entry instead of making the whole archive unreadable.
  const reader = new ZipReader(new RandomAccessReader(bytes), READER_OPTIONS);
  withoutOverlapCheck(reader);
  // What is kept of each entry: the engine's entry and, in columns, the numbers zip-local.ts
  // checks its local header from; where no native inflate reads the data, zip.js's entry too.
  const raw: ListedRaw[] = [];
  const listedEntries = new ListedEntries();
  const zipJsEntries: Entry[] = [];
  let directoryOffset: number;
  try {
    for await (const entry of reader.getEntriesGenerator()) {
      const index = listedEntries.push(listedEntry(entry));
      raw.push(
        new ListedRaw(
          entryName(entry),
          entry.uncompressedSize,
          entry.compressedSize,
          // Only the name says "directory" (FORMAT.md §2): attributes that call a named file a
          // directory would otherwise hide it, and other ZIP readers return its bytes.
          entry.filename.endsWith('/'),
          index,
          { ...nameProblem(entry), ...unsupportedReason(entry) },
        ),
      );
      if (!inflate) zipJsEntries.push(slim(entry));
    }
    if (typeof reader.directoryOffset !== 'number') throw new Error('zip.js gave no offset for the central directory');
    directoryOffset = reader.directoryOffset;
  } catch (error) {
    await bytes.close?.();
    throw new ArchiveUnreadableError(`"${name}" is not a readable ZIP archive: ${(error as Error).message}`);
  }
  // zip.js's entries, listed again only if a native inflate finds a fault it cannot name.
  let relisted: Promise<Entry[]> | undefined;
  const zipJsEntry = async (index: number): Promise<FileEntry> => {
    const kept = zipJsEntries[index];
    if (kept) return kept as FileEntry;
    relisted ??= reader.getEntries();
    const entry = (await relisted)[index];
    if (!entry) throw new Error('the archive changed while it was read: an entry is gone');
    return entry as FileEntry;
  };
  let totalRead = 0;

  return {
    name,
    entries: async () => raw,
    async *read(entry: RawEntry, signal?: AbortSignal, options?: StreamOptions): AsyncIterable<Uint8Array> {
      const index = ListedRaw.indexOf(entry);
      if (index === undefined || raw[index] !== entry || entry.isDirectory)
        throw new TypeError(`read: "${entry.name}" is not a file entry of this archive`);
      const listed = listedEntries.at(index);
      const compressed = Math.max(1, listed.compressedSize);
      let entryRead = 0;
      // Views of the inflate's memory, where the caller is done with each part at the next and
      // the inflate checks a held entry whole itself.
      const views = options?.transient === true && inflate?.transientViews === true;
      const inflated = inflate
        ? nativeData(
            bytes,
            listed,
            directoryOffset,
            (stored) => {
              const points = inflate.resumePoints ? resumePointsFor?.(entry.name, stored) : undefined;
              const inflateOptions = views || points ? { ...(views ? { transient: true } : {}), points } : undefined;
              return onStoredData
                ? afterAll(inflate(bytes, stored, signal, inflateOptions), () => onStoredData(entry.name, stored))
                : inflate(bytes, stored, signal, inflateOptions);
            },
            signal,
          )
        : zipJsData(await zipJsEntry(index), signal);
      const data = listed.uncompressedSize <= HELD_ENTRY_BYTES && !views ? heldUntilChecked(inflated) : inflated;
      try {
        for await (const value of data) {
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
      } catch (error) {
        if (error instanceof UnnamedDataFault)
          throw await namedByZipJs(entry.name, await zipJsEntry(index), error, signal);
        throw unreadableEntry(entry.name, error instanceof Error ? error : new Error(String(error)));
      }
      if (entryRead !== listed.uncompressedSize) throw sizeMismatch(entry.name, listed.uncompressedSize, entryRead);
    },
    async close() {
      await reader.close();
      await bytes.close?.();
    },
  };
}

/**
 * What zip.js checks before an entry's data where zip.js reads it: the local header agrees with
 * the central directory, and so does a data descriptor after the data (zip.js reads a
 * descriptor only when asked to check overlapping entries). With a native inflate zip-local.ts
 * makes the same checks (its test holds it to zip.js's `getData` with these options).
 */
export const ENTRY_CHECKS = { checkSignature: true, checkOverlappingEntry: true } as const;

/**
 * zip.js's overlap check refuses an entry whose bytes overlap an entry the same reader read
 * before. Its answer would depend on which entries one reader happened to read, and in which
 * order (each pool worker opens the archive alone; two entries are read at once), so it is
 * turned off: zip.js skips it for an entry whose index it has "seen", and here it has seen
 * them all. The data descriptor is still read and checked (before that skip).
 */
export function withoutOverlapCheck(reader: ZipReader<unknown>): void {
  const seenAll = { has: () => true, add: () => seenAll };
  (reader as unknown as { readRanges: unknown }).readRanges = {
    indexes: seenAll,
    sortedRanges: [],
    pendingRanges: [],
  };
}

/** What this module reads of a zip.js entry once it is listed; the rest is let go. */
const READ_LATER = new Set([
  'getData',
  'uncompressedSize',
  'compressedSize',
  'compressionMethod',
  'crc32',
  'signature',
]);

/**
 * Drops the listed fields nothing reads again (dates, attribute objects, extra-field maps,
 * raw names and comments), where zip.js's entries are kept (no native inflate). zip.js reads its
 * own internal copy of the entry, not these, and that copy stays (about 5 KB an entry): with a
 * native inflate none is kept.
 */
function slim(entry: Entry): Entry {
  const fields = entry as unknown as Record<string, unknown>;
  for (const key of Object.keys(fields)) if (!READ_LATER.has(key)) delete fields[key];
  return entry;
}

/** One entry's decompressed bytes as zip.js streams them (its checks, its inflate). */
async function* zipJsData(zipEntry: FileEntry, signal?: AbortSignal): AsyncIterable<Uint8Array> {
  const pipe = new TransformStream<Uint8Array, Uint8Array>();
  const abort = new AbortController();
  const onAbort = () => abort.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  let finished = false;
  const done = zipEntry.getData(pipe.writable, { ...ENTRY_CHECKS, signal: abort.signal }).then(
    () => null,
    (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
  );
  const chunks = pipe.readable.getReader();
  // A failed getData does not always close the pipe (an unsupported method, a size the
  // directory lies about): the failure cancels the reader, which ends a pending read.
  // (Not Promise.race against a promise that stays pending: each race would leave a
  // reaction on it holding its chunk, so a whole entry's bytes stayed in memory.)
  let failure: Error | null = null;
  void done.then((error) => {
    if (!error) return;
    failure = error;
    chunks.cancel(error).catch(() => undefined);
  });
  try {
    for (;;) {
      const next = await chunks.read();
      if (failure) throw failure;
      if (next.done) break;
      yield next.value;
    }
    const outcome = await done;
    finished = outcome === null;
    if (outcome) throw outcome;
  } finally {
    // One listener per entry on the run's signal would keep every finished entry alive.
    signal?.removeEventListener('abort', onAbort);
    if (!finished) {
      // Stopped early (a limit, a consumer that stopped reading, a failure): end zip.js's read.
      abort.abort();
      chunks.cancel().catch(() => undefined);
    }
    await done;
    forgetLocalHeader(zipEntry);
  }
}

function sizeMismatch(name: string, declared: number, read: number): ArchiveUnreadableError {
  return new ArchiveUnreadableError(
    `entry "${name}" cannot be read: the ZIP declares ${declared} bytes for it, but ${read} were decompressed, so its content is ambiguous`,
  );
}

/**
 * The error zip.js's read path gives for an entry in which a native inflate found a fault it
 * could not name: zip.js reads the entry again (its bytes are not kept), and its failure, or
 * another size than declared, is said as on that path. Should zip.js read it without fault,
 * the native inflate's own words are given.
 */
async function namedByZipJs(
  name: string,
  zipEntry: FileEntry,
  fault: UnnamedDataFault,
  signal?: AbortSignal,
): Promise<Error> {
  let read = 0;
  try {
    for await (const chunk of zipJsData(zipEntry, signal)) {
      read += chunk.length;
      if (read > zipEntry.uncompressedSize) break;
    }
  } catch (error) {
    return unreadableEntry(name, error instanceof Error ? error : new Error(String(error)));
  }
  if (read !== zipEntry.uncompressedSize) return sizeMismatch(name, zipEntry.uncompressedSize, read);
  return new ArchiveUnreadableError(`entry "${name}" could not be decompressed: ${fault.message}`);
}

/**
 * Entries that declare at most this many bytes are inflated whole, and their size and CRC-32
 * checked, before any of their bytes are given. A fault in one then gives no line at all,
 * whichever inflate read it: without this, the lines given before the fault was found
 * depended on how much each inflate hands out at a time (zlib 256 KiB, a DecompressionStream
 * less), and bytes inflated after the damage, before it was found, read as malformed records.
 * Larger entries are given as they inflate: the lines before a fault are checked.
 */
export const HELD_ENTRY_BYTES = 4 * 1024 * 1024;

/** `chunks`, held until they end (then given) or pass {@link HELD_ENTRY_BYTES} (then given as they come). */
async function* heldUntilChecked(chunks: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  const held: Uint8Array[] = [];
  let size = 0;
  let streaming = false;
  for await (const chunk of chunks) {
    if (streaming) {
      yield chunk;
      continue;
    }
    held.push(chunk);
    size += chunk.length;
    if (size > HELD_ENTRY_BYTES) {
      streaming = true;
      yield* held.splice(0);
    }
  }
  yield* held;
}

/** zip.js leaves what it read of the local header on the entry; it is not read again. */
function forgetLocalHeader(entry: FileEntry): void {
  const fields = entry as unknown as Record<string, unknown>;
  delete fields.localDirectory;
  delete fields.warnings;
}

/**
 * One entry's decompressed bytes through a runtime's own inflate. Every check zip.js makes
 * before reading an entry's data is made first (zip-local.ts: local header signature, the local
 * header and a data descriptor agreeing with the central directory, method, encryption, data
 * within the file); the inflater reads the data, inflates it and checks its size and CRC-32.
 */
async function* nativeData(
  bytes: RandomAccessBytes,
  listed: ListedEntry,
  directoryOffset: number,
  inflate: (stored: StoredData) => AsyncIterable<Uint8Array>,
  signal?: AbortSignal,
): AsyncIterable<Uint8Array> {
  const offset = await localDataOffset(bytes, listed, directoryOffset, signal);
  const crc32 = listed.storedCrc32;
  if (crc32 === undefined) throw new Error('the ZIP stores no CRC-32 for the entry');
  yield* inflate({
    offset,
    compressedSize: listed.compressedSize,
    method: listed.method,
    crc32,
    uncompressedSize: listed.uncompressedSize,
  });
}

/** `data`'s chunks, then `done()` once the last was taken (not when `data` fails or is left). */
async function* afterAll(data: AsyncIterable<Uint8Array>, done: () => void): AsyncIterable<Uint8Array> {
  yield* data;
  done();
}

/** Compression methods FORMAT.md §2 allows: stored and deflated. */
const ALLOWED_METHODS: ReadonlyMap<number, string> = new Map([
  [0, 'stored'],
  [8, 'deflated'],
]);
const METHOD_NAMES: ReadonlyMap<number, string> = new Map([
  [9, 'Deflate64'],
  [12, 'bzip2'],
  [14, 'LZMA'],
  [93, 'Zstandard'],
  [95, 'XZ'],
  [99, 'AES-encrypted'],
]);

/** Why an entry cannot be read as a plain file, if it cannot. */
function unsupportedReason(entry: Entry): { unsupported?: string } {
  if (entry.encrypted) return { unsupported: 'encrypted' };
  if (entry.symlink) return { unsupported: 'a symbolic link' };
  const method = entry.compressionMethod;
  if (!ALLOWED_METHODS.has(method) && !entry.filename.endsWith('/')) {
    const known = METHOD_NAMES.get(method);
    return {
      unsupported: `compressed with method ${method}${known ? ` (${known})` : ''}; an archive's entries must be stored or deflated`,
    };
  }
  return {};
}

/**
 * The entry's name: its stored bytes as UTF-8 (the format's text encoding), whatever the ZIP's
 * flag says, and never the name an Info-ZIP Unicode Path extra field gives it (zip.js lists
 * the entry under that one). zip.js's reading stands only for a name that is not UTF-8, which
 * is refused anyway.
 */
function entryName(entry: Entry): string {
  return decodeUtf8Strict(entry.rawFilename) ?? entry.filename;
}

/**
 * Why the stored name cannot be used: not UTF-8, or an Info-ZIP Unicode Path extra field
 * (0x7075) naming another file. Readers that honour that field and readers that do not would
 * then read the entry as two different files of the archive; which is meant cannot be known.
 */
function nameProblem(entry: Entry): { invalidName?: string } {
  const stored = decodeUtf8Strict(entry.rawFilename);
  if (stored === null) return { invalidName: 'the name is not valid UTF-8' };
  const unicodePath = (entry as { extraFieldUnicodePath?: { filename?: unknown } }).extraFieldUnicodePath?.filename;
  if (typeof unicodePath === 'string' && unicodePath !== stored)
    return {
      invalidName: `its Info-ZIP Unicode Path extra field names it ${JSON.stringify(unicodePath)}, not its stored name, so ZIP readers disagree on which file it is`,
    };
  return {};
}

/** The faults found while an entry's data is read, as zip.js names them (and a native inflate too). */
export const ZIP_DATA_ERRORS = Object.freeze({
  size: 'Invalid uncompressed size',
  crc: 'Invalid CRC32',
  damaged: 'Invalid compressed data',
  trailing: 'Trailing compressed data',
});

/** zip.js's terse messages, said as what they mean for the evidence. */
const ZIP_JS_MESSAGES: ReadonlyMap<string, string> = new Map([
  [
    'Ambiguous archive',
    "the ZIP's central directory and the entry's local header disagree (name, sizes or checksum), so its content is ambiguous",
  ],
  ['Invalid uncompressed size', 'it decompresses to another size than the ZIP declares'],
  ['Invalid CRC32', "its content does not match the ZIP's CRC-32 checksum: the bytes were altered or damaged"],
  ['Invalid compressed data', 'its compressed data is damaged'],
  [
    'Trailing compressed data',
    'its stored data goes on after the end of its deflate stream, so part of what the ZIP stores for it is never read',
  ],
]);

function unreadableEntry(name: string, error: Error | LimitExceededError): Error {
  if (error instanceof LimitExceededError || error instanceof ArchiveUnreadableError) return error;
  const meaning = ZIP_JS_MESSAGES.get(error.message);
  return new ArchiveUnreadableError(
    meaning
      ? `entry "${name}" cannot be read: ${meaning}`
      : `entry "${name}" could not be decompressed: ${error.message}`,
  );
}
