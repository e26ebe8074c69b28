/**
 * ZIP output for archives, streaming: each file is deflated as it is added and the ZIP
 * bytes go to a callback chunk by chunk, so an archive of any size passes through memory
 * one file at a time. Built on fflate's `Zip` + `ZipDeflate`.
 *
 * Output is reproducible: entry times are fixed (a ZIP stores local wall-clock time, so
 * the same instant would give different bytes in different time zones; see {@link dosTimeFor}).
 * fflate writes no ZIP64 records, so the writer refuses to go past the classic ZIP limits
 * rather than emit a file readers would misread.
 */
import { Zip, ZipDeflate } from 'fflate';
import { concatBytes } from '../format/bytes.ts';

export interface ZipWriterOptions {
  /** Deflate level 0-9 (default 6). Level 1 is about twice as fast and a fifth larger. */
  readonly level?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
  /** Entry modification time, RFC 3339 UTC (default 2026-01-01T00:00:00Z); only the date and time of day at 2-second precision survive. */
  readonly modifiedAt?: string;
}

/** Classic ZIP limits: 32-bit offsets and sizes, 16-bit entry count. */
const ZIP32_MAX_BYTES = 0xffff_ffff;
const ZIP32_MAX_ENTRIES = 0xffff;

/**
 * The `Date` whose *local* calendar fields equal `iso`'s UTC fields: fflate encodes an
 * entry's DOS time from local fields, and this makes the bytes the same in every time zone.
 */
export function dosTimeFor(iso: string): Date {
  const utc = new Date(iso);
  if (Number.isNaN(utc.getTime())) throw new TypeError('dosTimeFor: "iso" must be an RFC 3339 time');
  return new Date(
    utc.getUTCFullYear(),
    utc.getUTCMonth(),
    utc.getUTCDate(),
    utc.getUTCHours(),
    utc.getUTCMinutes(),
    utc.getUTCSeconds(),
  );
}

export class ZipStreamWriter {
  private readonly zip: Zip;
  private readonly level: NonNullable<ZipWriterOptions['level']>;
  private readonly mtime: Date;
  private written = 0;
  private entries = 0;
  private failure: Error | null = null;
  private ended = false;

  /**
   * @param onChunk receives the ZIP bytes in order; `final` is true on the last chunk.
   *   Called synchronously from {@link add} and {@link end}.
   */
  constructor(onChunk: (chunk: Uint8Array, final: boolean) => void, options: ZipWriterOptions = {}) {
    if (typeof onChunk !== 'function') throw new TypeError('ZipStreamWriter: "onChunk" must be a function');
    this.level = options.level ?? 6;
    this.mtime = dosTimeFor(options.modifiedAt ?? '2026-01-01T00:00:00Z');
    this.zip = new Zip((error, chunk, final) => {
      if (error) {
        this.failure = error;
        return;
      }
      this.written += chunk.length;
      onChunk(chunk, final);
    });
  }

  /** ZIP bytes emitted so far. */
  get bytesWritten(): number {
    return this.written;
  }

  /**
   * Deflates and emits one entry.
   * @throws RangeError when the archive would pass 4 GiB or 65,535 entries (no ZIP64);
   *   write a folder instead.
   * @throws Error when the deflater failed or after {@link end}.
   */
  add(path: string, bytes: Uint8Array): void {
    if (this.ended) throw new Error('ZipStreamWriter.add: the ZIP is ended');
    if (this.entries + 1 > ZIP32_MAX_ENTRIES)
      throw new RangeError(
        'ZipStreamWriter.add: more than 65,535 entries needs ZIP64, which this writer does not write',
      );
    // Deflate output can exceed its input by a few bytes a block; the margin covers it and the headers.
    if (this.written + bytes.length + 1024 + Math.ceil(bytes.length / 16_000) * 5 > ZIP32_MAX_BYTES) {
      throw new RangeError('ZipStreamWriter.add: the ZIP would pass 4 GiB, which needs ZIP64; write a folder instead');
    }
    const entry = new ZipDeflate(path, { level: this.level });
    entry.mtime = this.mtime;
    this.zip.add(entry);
    entry.push(bytes, true);
    this.entries++;
    this.throwIfFailed();
  }

  /** Writes the central directory; the last chunk is emitted with `final` true. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.zip.end();
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure) throw new Error(`ZipStreamWriter: ${this.failure.message}`);
  }
}

/** The whole ZIP of `files` in memory (tests and small archives), entries in map order. */
export function zipFiles(files: ReadonlyMap<string, Uint8Array>, options: ZipWriterOptions = {}): Uint8Array {
  const chunks: Uint8Array[] = [];
  const writer = new ZipStreamWriter((chunk) => void chunks.push(chunk), options);
  for (const [path, bytes] of files) writer.add(path, bytes);
  writer.end();
  return concatBytes(chunks);
}
