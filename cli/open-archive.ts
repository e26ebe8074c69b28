/** Opens a path as an archive source: a directory, or a file read as a ZIP. */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ArchiveSource, ReadLimits } from '../shared/archive/source.ts';
import { openZip } from '../shared/archive/zip.ts';
import { fileBytes, openDirectory } from './node-source.ts';

/** @throws ArchiveUnreadableError when a file is not a readable ZIP; Node errors when the path cannot be opened. */
export async function openArchivePath(path: string, limits: Partial<ReadLimits> = {}): Promise<ArchiveSource> {
  const info = await stat(path);
  if (info.isDirectory()) return openDirectory(path, basename(path), limits);
  return openZip(await fileBytes(path), basename(path), limits);
}
