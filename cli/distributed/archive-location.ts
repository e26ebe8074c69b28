/**
 * Where a queue's workers find the archive: an absolute path every worker can read (shared
 * storage) or an http(s) URL served with Range support. Opening it gives random access
 * and a *version* (what identifies the bytes now there: a file's device, inode, size and
 * time of change; a URL's size and validators), so a worker hashes the archive once per
 * version and notices a file replaced under it.
 */
import { createHash } from 'node:crypto';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { basename, isAbsolute } from 'node:path';
import type { RandomAccessBytes } from '../../shared/archive/source.ts';
import { handleBytes } from '../node-source.ts';
import { displayUrl, httpBytes, httpVersion, type HttpVersion } from './http-bytes.ts';

/** An absolute path or an http(s) URL. */
export type ArchiveLocation =
  { readonly kind: 'file'; readonly path: string } | { readonly kind: 'http'; readonly url: string };

export function isHttpUrl(text: string): boolean {
  return /^https?:\/\//i.test(text);
}

/**
 * @throws Error when `text` is neither an absolute path nor an http(s) URL (a relative path
 *   would mean something else on each worker).
 */
export function parseLocation(text: string): ArchiveLocation {
  if (isHttpUrl(text)) {
    try {
      return { kind: 'http', url: new URL(text).href };
    } catch {
      throw new Error(`"${text}" is not a valid URL`);
    }
  }
  if (!isAbsolute(text)) throw new Error(`"${text}" is neither an absolute path nor an http(s) URL`);
  return { kind: 'file', path: text };
}

/** The location as shown in messages (a URL without credentials or query). */
export function displayLocation(location: ArchiveLocation): string {
  return location.kind === 'file' ? location.path : displayUrl(location.url);
}

/** A name for the archive in messages: its file name. */
export function locationName(location: ArchiveLocation): string {
  return location.kind === 'file'
    ? basename(location.path)
    : decodeURIComponent(basename(new URL(location.url).pathname)) || displayUrl(location.url);
}

function fileVersion(info: { dev: number; ino: number; size: number; mtimeMs: number; ctimeMs: number }): string {
  return `file ${info.dev}:${info.ino} ${info.size} bytes, changed ${info.mtimeMs}/${info.ctimeMs}`;
}

function httpVersionText(v: HttpVersion): string {
  return `http ${v.size} bytes, etag ${v.etag ?? '-'}, last-modified ${v.lastModified ?? '-'}`;
}

/** The version of what is at `location` now. @throws Node or HTTP errors when it cannot be reached. */
export async function currentVersion(location: ArchiveLocation): Promise<string> {
  return location.kind === 'file'
    ? fileVersion(await stat(location.path))
    : httpVersionText(await httpVersion(location.url));
}

/** Random access to an archive, with the version of the bytes it reads. */
export interface OpenedArchive {
  readonly bytes: RandomAccessBytes;
  /** The version when it was opened. */
  readonly version: string;
  /** The version of the bytes this handle reads now (a file changed in place shows here). */
  versionNow(): Promise<string>;
}

/** Opens `location` for random access. @throws Node or HTTP errors naming what failed. */
export async function openLocation(location: ArchiveLocation): Promise<OpenedArchive> {
  if (location.kind === 'http') {
    const bytes = await httpBytes(location.url);
    return { bytes, version: httpVersionText(bytes.version), versionNow: async () => httpVersionText(bytes.version) };
  }
  const handle: FileHandle = await open(location.path, 'r');
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new Error(`${location.path} is not a file`);
    return {
      bytes: handleBytes(handle, info.size),
      version: fileVersion(info),
      versionNow: async () => fileVersion(await handle.stat()),
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** Size of the reads that hash a whole archive. */
const HASH_CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * SHA-256 of every byte of the file, as `sha256:<64 hex>`, read through the same random
 * access the checks use (so the bytes hashed are the bytes checked).
 * @throws when a read fails or the file is shorter than it was.
 */
export async function sha256OfBytes(bytes: RandomAccessBytes): Promise<string> {
  const hash = createHash('sha256');
  for (let offset = 0; offset < bytes.size; offset += HASH_CHUNK_BYTES) {
    const want = Math.min(HASH_CHUNK_BYTES, bytes.size - offset);
    const chunk = await bytes.read(offset, want);
    if (chunk.length !== want) throw new Error(`the file ended at byte ${offset + chunk.length} of ${bytes.size}`);
    hash.update(chunk);
  }
  return `sha256:${hash.digest('hex')}`;
}

/**
 * Random access that remembers the first read that failed: a worker's disk or network
 * failing is not the evidence's fault, so the task fails (and is retried) instead of the
 * engine turning it into a finding about the archive (see segment-service.ts).
 */
export function recordingFailures(bytes: RandomAccessBytes): {
  readonly bytes: RandomAccessBytes;
  failure(): Error | null;
} {
  let failure: Error | null = null;
  return {
    bytes: {
      size: bytes.size,
      async read(offset, length) {
        try {
          return await bytes.read(offset, length);
        } catch (error) {
          failure ??= error instanceof Error ? error : new Error(String(error));
          throw error;
        }
      },
      close: () => bytes.close?.() ?? Promise.resolve(),
    },
    failure: () => failure,
  };
}
