/**
 * What the engine reads an archive through. A ZIP file (archive/zip.ts, any runtime
 * that can read byte ranges) and a directory (cli/, Node only) both implement it.
 * Entries are streamed: nothing is held whole in memory and nothing is written to disk.
 */
import type { ResumePoint } from './resume-points.ts';

/** One entry as the container names it, before any path check. */
export interface RawEntry {
  /** The name exactly as stored (ZIP) or as found (directory), `/`-separated. */
  readonly name: string;
  /** Decompressed size the container declares, when it declares one. */
  readonly declaredSize: number | null;
  /** Stored (compressed) size, when known; used for the compression-ratio bound. */
  readonly compressedSize: number | null;
  /** True for ZIP directory entries (names ending in `/`), which carry nothing. */
  readonly isDirectory: boolean;
  /** Why the entry cannot be read as a plain file (symbolic link, device, encrypted, another compression). */
  readonly unsupported?: string;
  /** Why the stored name itself cannot be used (not valid UTF-8), beyond the path rules. */
  readonly invalidName?: string;
}

export interface ArchiveSource {
  /** A name for messages: the file or folder name the user gave. */
  readonly name: string;
  /** Every entry of the container, in stored order. */
  entries(): Promise<readonly RawEntry[]>;
  /**
   * Streams one entry's decompressed bytes. Enforces the {@link ReadLimits} while
   * streaming and throws {@link LimitExceededError} the moment one is passed. With `transient`
   * the caller is done with each chunk when it asks for the next one (or stops), so a chunk may
   * be a view of memory written again after that.
   */
  read(entry: RawEntry, signal?: AbortSignal, options?: StreamOptions): AsyncIterable<Uint8Array>;
  close(): Promise<void>;
}

export interface StreamOptions {
  /** Each chunk is used before the next is asked for, and not kept: its memory may be read into again. */
  readonly transient?: boolean;
  /**
   * Told of each resume point of a large deflated entry, in order, as the inflate passes it
   * (resume-points.ts); only an inflate with `resumePoints` (zip.ts's `NativeInflate`) tells any.
   */
  readonly points?: ((point: ResumePoint) => void) | undefined;
}

/** Random access to the bytes of one file: a Node file handle, a browser Blob. */
export interface RandomAccessBytes {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * The same bytes as `read(offset, length)`, in chunks of any size, for a long read in order
   * (where reading a slice at a time costs more than one stream: a browser's Blob). Fewer bytes
   * than asked only where the file ends; the caller checks the total as it checks a `read`.
   * With `transient`, the caller is done with each chunk when it asks for the next one (or
   * stops), so a chunk may be a view of memory that is read into again after that.
   */
  stream?(offset: number, length: number, options?: StreamOptions): AsyncIterable<Uint8Array>;
  close?(): Promise<void>;
}

/** Bounds on decompression (FORMAT.md §2). Defaults are documented in the README. */
export interface ReadLimits {
  /** Largest decompressed size of one entry, in bytes. */
  readonly maxEntryBytes: number;
  /** Largest decompressed size of all entries together, in bytes. */
  readonly maxTotalBytes: number;
  /** Largest decompressed:compressed ratio, checked once an entry passes `ratioFloorBytes`. */
  readonly maxRatio: number;
  /** Entries smaller than this are not ratio-checked (tiny files compress extremely well). */
  readonly ratioFloorBytes: number;
  /** Longest JSONL line accepted, in bytes; a longer line is `RECORD_MALFORMED`. */
  readonly maxLineBytes: number;
  /** Most entries an archive may have. */
  readonly maxEntries: number;
}

export const DEFAULT_LIMITS: ReadLimits = Object.freeze({
  maxEntryBytes: 4 * 1024 ** 3,
  maxTotalBytes: 32 * 1024 ** 3,
  maxRatio: 200,
  ratioFloorBytes: 1024 * 1024,
  maxLineBytes: 1024 * 1024,
  maxEntries: 100_000,
});

export class LimitExceededError extends Error {
  constructor(
    readonly limit: keyof ReadLimits,
    readonly value: number,
    message: string,
  ) {
    super(message);
    this.name = 'LimitExceededError';
  }
}

/** A container that cannot be read at all (not a ZIP, truncated central directory...). */
export class ArchiveUnreadableError extends Error {
  override name = 'ArchiveUnreadableError';
}
