/** Opens a path as an archive: a directory, or a file read as a ZIP. */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ArchiveSource, RandomAccessBytes, ReadLimits } from '../shared/archive/source.ts';
import { openZip } from '../shared/archive/zip.ts';
import { fileBytes, openDirectory } from './node-source.ts';

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
  return 'directory' in archive ? archive.directory : openZip(archive.zip, archive.name, limits);
}
