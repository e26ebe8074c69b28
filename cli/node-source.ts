/**
 * Node access to archives: a ZIP file read by random access through a file handle,
 * or a directory walked recursively. Nothing is ever written.
 */
import { open, opendir, lstat, type FileHandle } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import {
  DEFAULT_LIMITS,
  LimitExceededError,
  type ArchiveSource,
  type RandomAccessBytes,
  type RawEntry,
  type ReadLimits,
} from '../shared/archive/source.ts';
import { copyOf, decodeUtf8Strict } from '../shared/format/bytes.ts';

const SLASH = Buffer.from('/');

/** A read at most this long that misses the block held is served by reading a block from its start. */
const SMALL_READ_BYTES = 64 * 1024;
/** The block read ahead for small reads. */
export const READ_AHEAD_BYTES = 1 << 20;

/**
 * Random access to a file on disk. Small reads (a ZIP entry's local header, the data of a small
 * file) are served from a block of {@link READ_AHEAD_BYTES} read ahead from where the first of
 * them fell, and any read that lies within that block is copied from it: an archive of 10,000
 * small segment files was 20,000 reads of a few KiB, each a trip through the file system's
 * promises that cost this thread about 80 µs (docs/PERFORMANCE.md, forty-eighth session). Every
 * read returns bytes of its own (a piece's buffer moves to another thread).
 */
export async function fileBytes(path: string): Promise<RandomAccessBytes> {
  const handle: FileHandle = await open(path, 'r');
  const { size } = await handle.stat();
  return handleBytes(handle, size);
}

/** {@link fileBytes} of a file already open (`size` bytes), closed by `close`. */
export function handleBytes(handle: FileHandle, size: number): RandomAccessBytes {
  const readAt = async (offset: number, length: number): Promise<Uint8Array> => {
    const buffer = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled === length ? buffer : buffer.subarray(0, filled);
  };
  let block: { readonly offset: number; readonly bytes: Uint8Array } | null = null;
  const fromBlock = (offset: number, length: number): Uint8Array | null => {
    const held = block;
    if (!held || offset < held.offset) return null;
    const from = offset - held.offset;
    // Within the block, or running past its end only where the file ends (a short read).
    if (from + length > held.bytes.length && held.offset + held.bytes.length < size) return null;
    return copyOf(held.bytes, from, Math.min(from + length, held.bytes.length));
  };
  return {
    size,
    async read(offset: number, length: number): Promise<Uint8Array> {
      const held = fromBlock(offset, length);
      if (held) return held;
      if (length > SMALL_READ_BYTES) return readAt(offset, length);
      block = { offset, bytes: await readAt(offset, Math.max(length, READ_AHEAD_BYTES)) };
      return fromBlock(offset, length) ?? readAt(offset, length);
    },
    close: () => handle.close(),
  };
}

/**
 * An archive laid out as a directory. Symbolic links and special files are listed as
 * unsupported entries (never followed), so a link cannot pull in files from elsewhere.
 */
export async function openDirectory(
  root: string,
  name: string,
  limits: Partial<ReadLimits> = {},
): Promise<ArchiveSource> {
  const bounds = { ...DEFAULT_LIMITS, ...limits };
  const entries: RawEntry[] = [];
  const paths = new Map<RawEntry, Buffer>();
  // Names are read as bytes: a name that is not UTF-8 is listed (and refused by the
  // engine) instead of being turned into another name that cannot be opened.
  async function walk(dir: Buffer, prefix: string): Promise<void> {
    const handle = await opendir(dir, { encoding: 'buffer' } as unknown as Parameters<typeof opendir>[1]);
    const names: { raw: Buffer; name: string; valid: boolean; kind: 'dir' | 'file' | 'other' }[] = [];
    for await (const d of handle) {
      const raw = d.name as unknown as Buffer;
      const decoded = decodeUtf8Strict(raw);
      names.push({
        raw,
        name: decoded ?? escapedName(raw),
        valid: decoded !== null,
        kind: d.isDirectory() ? 'dir' : d.isFile() ? 'file' : 'other',
      });
    }
    names.sort((a, b) => Buffer.compare(a.raw, b.raw));
    for (const d of names) {
      const full = Buffer.concat([dir, SLASH, d.raw]);
      const rel = prefix + d.name;
      if (d.kind === 'dir' && d.valid) await walk(full, rel + '/');
      else {
        const stat = await lstat(full);
        const entry: RawEntry = {
          name: rel,
          declaredSize: stat.size,
          compressedSize: null,
          isDirectory: false,
          ...(d.valid ? {} : { invalidName: 'the name is not valid UTF-8' }),
          ...(d.kind === 'other' ? { unsupported: 'a symbolic link or special file' } : {}),
        };
        entries.push(entry);
        paths.set(entry, full);
      }
    }
  }
  await walk(Buffer.from(root), '');
  let total = 0;
  return {
    name,
    entries: async () => entries,
    async *read(entry: RawEntry, signal?: AbortSignal): AsyncIterable<Uint8Array> {
      const full = paths.get(entry);
      if (!full) throw new TypeError(`read: "${entry.name}" is not an entry of this directory`);
      let size = 0;
      for await (const chunk of createReadStream(full, { highWaterMark: 1 << 20, signal })) {
        const bytes = chunk as Buffer;
        size += bytes.length;
        total += bytes.length;
        if (size > bounds.maxEntryBytes)
          throw new LimitExceededError(
            'maxEntryBytes',
            size,
            `size passed the per-entry limit of ${bounds.maxEntryBytes} bytes`,
          );
        if (total > bounds.maxTotalBytes)
          throw new LimitExceededError(
            'maxTotalBytes',
            total,
            `size of the archive passed the total limit of ${bounds.maxTotalBytes} bytes`,
          );
        yield new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
      }
    },
    close: async () => undefined,
  };
}

/** A name that is not UTF-8, shown with its bytes outside printable ASCII as \xNN. */
function escapedName(raw: Buffer): string {
  let out = '';
  for (const byte of raw)
    out += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
  return out;
}
