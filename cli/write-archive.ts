/**
 * Writes an archive's files to disk as they are produced: into a ZIP file (when the
 * target ends in `.zip`) or into a folder. Nothing is held in memory beyond the file
 * being written, so archives of any size stream through.
 *
 * A ZIP is written to a temporary name beside the target and renamed into place once
 * complete, so a crash never leaves a truncated archive under the real name. A folder
 * target must be new or empty: files already there would become unlisted files.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { finished } from 'node:stream/promises';
import { unsafePathReason, type FileSink } from '../shared/producer/archive.ts';
import { ZipStreamWriter, type ZipWriterOptions } from '../shared/producer/zip.ts';

export interface ArchiveWriter {
  /** Where the archive goes (absolute). */
  readonly target: string;
  readonly kind: 'zip' | 'directory';
  /** Writes one file; resolves once the bytes are handed to the OS (back-pressure). */
  readonly sink: FileSink;
  /** Bytes written to disk so far. */
  bytesWritten(): number;
  /** Completes the archive (ZIP: central directory and rename into place). */
  close(): Promise<void>;
  /** Gives up: removes a partial ZIP; a folder is left as it is for inspection. */
  abort(): Promise<void>;
}

/** True when `target` names a ZIP file rather than a folder. */
export function isZipTarget(target: string): boolean {
  return /\.zip$/i.test(target);
}

/**
 * Opens `target` for writing.
 * @throws Error when a folder target exists and is not empty, or the parent folder cannot be made.
 */
export async function openArchiveWriter(target: string, options: ZipWriterOptions = {}): Promise<ArchiveWriter> {
  const absolute = resolve(target);
  return isZipTarget(absolute) ? openZip(absolute, options) : openDirectory(absolute);
}

/** Writes a whole in-memory archive (`path → bytes`) to `target`. */
export async function writeArchive(
  target: string,
  files: Iterable<readonly [string, Uint8Array]>,
  options: ZipWriterOptions = {},
): Promise<void> {
  const writer = await openArchiveWriter(target, options);
  try {
    for (const [path, bytes] of files) await writer.sink(path, bytes);
    await writer.close();
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

async function openZip(target: string, options: ZipWriterOptions): Promise<ArchiveWriter> {
  await mkdir(dirname(target), { recursive: true });
  const partial = `${target}.partial-${process.pid}`;
  const out = createWriteStream(partial);
  let streamError: Error | null = null;
  out.on('error', (error) => void (streamError = error));
  let written = 0;
  const zip = new ZipStreamWriter((chunk) => {
    written += chunk.length;
    out.write(chunk);
  }, options);
  const check = () => {
    if (streamError) throw new Error(`cannot write ${partial}: ${streamError.message}`);
  };
  return {
    target,
    kind: 'zip',
    bytesWritten: () => written,
    async sink(path, bytes) {
      check();
      zip.add(path, bytes);
      if (out.writableNeedDrain) await once(out, 'drain');
      check();
    },
    async close() {
      zip.end();
      out.end();
      await finished(out);
      check();
      await rename(partial, target);
    },
    async abort() {
      out.destroy();
      await rm(partial, { force: true });
    },
  };
}

async function openDirectory(target: string): Promise<ArchiveWriter> {
  const existing = await readdir(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw new Error(`cannot use ${target} as an archive folder: ${error.message}`);
  });
  if (existing.length > 0)
    throw new Error(
      `${target} is not empty; an archive folder must be new or empty (files already there would be unlisted)`,
    );
  await mkdir(target, { recursive: true });
  const made = new Set<string>([target]);
  let written = 0;
  return {
    target,
    kind: 'directory',
    bytesWritten: () => written,
    async sink(path, bytes) {
      const unsafe = unsafePathReason(path);
      if (unsafe) throw new Error(`refusing to write archive path ${JSON.stringify(path)}: it ${unsafe}`);
      const file = join(target, ...path.split('/'));
      if (!file.startsWith(target + sep))
        throw new Error(`refusing to write ${JSON.stringify(path)} outside ${target}`);
      const parent = dirname(file);
      if (!made.has(parent)) {
        await mkdir(parent, { recursive: true });
        made.add(parent);
      }
      await writeFile(file, bytes);
      written += bytes.length;
    },
    async close() {},
    async abort() {},
  };
}
