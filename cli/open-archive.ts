/** Opens a path as an archive: a directory, or a file read as a ZIP. */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { ArchiveUnreadableError } from '../shared/archive/source.ts';
import type { ArchiveSource, RandomAccessBytes, ReadLimits } from '../shared/archive/source.ts';
import { openZip } from '../shared/archive/zip.ts';
import { UsageError } from './args.ts';
import { fileBytes, openDirectory } from './node-source.ts';
import { nodeInflate } from './node-zip.ts';

/** A path as the verifier takes it: a directory already listed, or a file's bytes, to be read as a ZIP. */
export type ArchivePath =
  { readonly directory: ArchiveSource } | { readonly zip: RandomAccessBytes; readonly name: string };

/** @throws Node errors when the path cannot be opened or listed. */
export async function readArchivePath(path: string, limits: Partial<ReadLimits> = {}): Promise<ArchivePath> {
  const info = await stat(path);
  if (info.isDirectory()) return { directory: await openDirectory(path, basename(path), limits) };
  return { zip: await fileBytes(path), name: basename(path) };
}

/** @throws ArchiveUnreadableError when a file is not a readable ZIP; Node errors when the path cannot be opened. */
export async function openArchivePath(path: string, limits: Partial<ReadLimits> = {}): Promise<ArchiveSource> {
  const archive = await readArchivePath(path, limits);
  return 'directory' in archive
    ? archive.directory
    : openZip(archive.zip, archive.name, limits, { inflate: nodeInflate });
}

/**
 * {@link openArchivePath} for a command: a path that cannot be opened, or a file that is not a
 * readable ZIP, is bad usage (exit 2), said as `cannot open <path>: …` or `cannot read <path>: …`.
 * @throws UsageError
 */
export async function openArchiveForCommand(path: string, limits: Partial<ReadLimits> = {}): Promise<ArchiveSource> {
  try {
    return await openArchivePath(path, limits);
  } catch (error) {
    if (error instanceof ArchiveUnreadableError) throw new UsageError(`cannot read ${path}: ${error.message}`);
    throw new UsageError(
      `cannot open ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (error as Error).message}`,
    );
  }
}
