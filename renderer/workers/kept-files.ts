/**
 * Which segment files an import keeps as their stored bytes instead of their lines
 * (renderer/store/line-files.ts reads them back), and which chunk stores each of them.
 */
import type { StoredData } from '../../shared/archive/zip.ts';
import { KEPT_FILE_MAX_BYTES, type LineChunk, type SegmentFile } from './receipt-columns.ts';

export class KeptFiles {
  private readonly kept = new Map<string, SegmentFile>();
  private readonly sent = new Set<string>();

  /** @param archive the archive file the engine reads (the kept bytes are slices of it) */
  constructor(private readonly archive: Blob) {}

  /**
   * The engine read entry `path` whole (its size and CRC-32 checked) from `stored`: kept when it
   * inflates to at most {@link KEPT_FILE_MAX_BYTES} and is stored or deflated.
   */
  offer(path: string, stored: StoredData): void {
    if (stored.uncompressedSize > KEPT_FILE_MAX_BYTES || (stored.method !== 0 && stored.method !== 8)) return;
    this.kept.set(path, {
      path,
      blob: this.archive.slice(stored.offset, stored.offset + stored.compressedSize),
      method: stored.method,
      size: stored.uncompressedSize,
    });
  }

  /** Whether `path`'s lines are left out of the chunks (the ColumnBuilder asks once a path, at its first line). */
  has(path: string): boolean {
    return this.kept.has(path);
  }

  /** The chunk with the kept files it is the first to name, to be stored with it. */
  attach(chunk: LineChunk): LineChunk {
    const paths = (chunk.inFiles?.paths ?? []).filter((path) => !this.sent.has(path));
    if (paths.length === 0) return chunk;
    const files = paths.map((path) => {
      const file = this.kept.get(path);
      if (!file) throw new Error(`${path}: its lines were left out of the chunks, but the file was not kept.`);
      this.sent.add(path);
      return file;
    });
    return { ...chunk, files };
  }
}
