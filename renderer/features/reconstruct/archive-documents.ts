/**
 * An archive's manifest and keys.json as stored at import, read once for every receipt walked
 * (a complete archive's files never change), for the last two archives: a manifest of 100,000
 * files is about 10 MB, and read again for each walk it held the walk about 40 ms.
 */
import type { DocumentsWithManifestText } from '../../../shared/explain/materials-text.ts';
import { parseDocument } from '../../../shared/explain/materials-text.ts';
import { KEYS_PATH, MANIFEST_PATH } from '../../../shared/format/layout.ts';
import { onForgetArchive } from '../../app/loaded-archives.ts';
import { db, type ArchiveFileRow } from '../../store/db.ts';

export interface DocumentRows {
  readonly manifest: ArchiveFileRow | undefined;
  readonly keys: ArchiveFileRow | undefined;
}

const kept = new Map<string, Promise<DocumentRows>>();
const ARCHIVES_KEPT = 2;
onForgetArchive((archiveId) => kept.delete(archiveId));

/** The archive's manifest and keys.json rows (undefined: not kept at import), read once. */
export function documentRows(archiveId: string): Promise<DocumentRows> {
  const known = kept.get(archiveId);
  if (known) {
    // Most recently used last.
    kept.delete(archiveId);
    kept.set(archiveId, known);
    return known;
  }
  const read = Promise.all([
    db.archiveFiles.get([archiveId, MANIFEST_PATH]),
    db.archiveFiles.get([archiveId, KEYS_PATH]),
  ]).then(([manifest, keys]) => ({ manifest, keys }));
  kept.set(archiveId, read);
  // A failed read is not kept: the next walk reads again (and says what failed).
  read.catch(() => {
    if (kept.get(archiveId) === read) kept.delete(archiveId);
  });
  while (kept.size > ARCHIVES_KEPT) kept.delete(kept.keys().next().value as string);
  return read;
}

/**
 * The name a judgment knows the archive's documents by (`ExplainMaterials.documentsId`): the
 * archive and their SHA-256s (the same id, the same two documents).
 */
export function documentsIdOf(archiveId: string, rows: DocumentRows): string {
  return `${archiveId}\n${rows.manifest?.sha256 ?? 'no manifest'}\n${rows.keys?.sha256 ?? 'no keys'}`;
}

/** The documents as a walk gives them to the explain worker: keys.json parsed, the manifest as its text. */
export function documentsOf(
  archiveId: string,
  rows: DocumentRows,
): DocumentsWithManifestText & { readonly documentsId: string } {
  return {
    manifestText: rows.manifest?.text,
    keys: parseDocument(rows.keys?.text),
    documentsId: documentsIdOf(archiveId, rows),
  };
}
