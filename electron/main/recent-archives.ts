/**
 * The recent-archives list, one JSON file in the app's userData folder.
 *
 * The file is a convenience, never evidence: a missing, corrupt or hand-edited file
 * yields an empty (or filtered) list instead of an error, and every write replaces it
 * atomically (write a temporary file, then rename) so a crash never leaves half a file.
 */
import { createHash } from 'node:crypto';
import { readFile, rename, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { HEX32, type RecentArchive } from '../ipc-contract.ts';

/** Name of the file inside userData. */
export const RECENT_ARCHIVES_FILE = 'recent-archives.json';
/** Most entries kept; the oldest falls off. */
export const MAX_RECENT_ARCHIVES = 10;

const RecentArchiveSchema = z.object({
  id: z.string().regex(HEX32),
  name: z.string().min(1),
  path: z.string().min(1),
  size: z.number().int().min(0),
  lastOpenedAt: z.string().min(1),
});
const StoredSchema = z.object({ version: z.literal(1), archives: z.array(z.unknown()) });

/** A stable id for a path, so opening the same file again moves it to the top instead of duplicating it. */
export function recentArchiveId(filePath: string): string {
  return createHash('sha256').update(filePath, 'utf8').digest('hex').slice(0, 32);
}

/** Reads the list, newest first. Missing or unreadable file: `[]`. Bad entries are dropped. */
export async function readRecentArchives(file: string): Promise<RecentArchive[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  let stored: z.infer<typeof StoredSchema>;
  try {
    stored = StoredSchema.parse(JSON.parse(text));
  } catch {
    return [];
  }
  const archives: RecentArchive[] = [];
  for (const entry of stored.archives) {
    const parsed = RecentArchiveSchema.safeParse(entry);
    if (parsed.success) archives.push(parsed.data);
  }
  return archives.slice(0, MAX_RECENT_ARCHIVES);
}

async function writeRecentArchives(file: string, archives: readonly RecentArchive[]): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify({ version: 1, archives }, null, 2)}\n`, 'utf8');
  await rename(temporary, file);
}

/**
 * Puts `archive` at the top of the list (replacing an entry for the same path) and
 * keeps at most {@link MAX_RECENT_ARCHIVES}. Returns the new list.
 */
export async function addRecentArchive(
  file: string,
  archive: { readonly path: string; readonly name: string; readonly size: number },
  now: Date = new Date(),
): Promise<RecentArchive[]> {
  const id = recentArchiveId(archive.path);
  const entry: RecentArchive = {
    id,
    name: archive.name,
    path: archive.path,
    size: archive.size,
    lastOpenedAt: now.toISOString(),
  };
  const others = (await readRecentArchives(file)).filter((a) => a.id !== id);
  const archives = [entry, ...others].slice(0, MAX_RECENT_ARCHIVES);
  await writeRecentArchives(file, archives);
  return archives;
}

/** Removes one entry (no-op if absent). Returns the new list. */
export async function removeRecentArchive(file: string, id: string): Promise<RecentArchive[]> {
  const before = await readRecentArchives(file);
  const archives = before.filter((a) => a.id !== id);
  if (archives.length !== before.length) await writeRecentArchives(file, archives);
  return archives;
}

/** The entry with `id`, or `undefined`. */
export async function findRecentArchive(file: string, id: string): Promise<RecentArchive | undefined> {
  return (await readRecentArchives(file)).find((a) => a.id === id);
}
