/**
 * Stored documents given to the explain engine as their text: parsed where they are read,
 * the manifest not at all when its checks are already known. The app's window posts the
 * manifest as text to its explain worker: a manifest of 100,000 files is about 10 MB, and
 * parsed in the window and cloned as objects it made each walk 60–120 ms longer, though the
 * worker checks it once an archive (`ExplainMaterials.documentsId`).
 */
import type { ArchiveDocuments, ExplainMaterials } from './explain.ts';

/** A stored document's value, or undefined when absent or not JSON (explain treats both as absent). */
export function parseDocument(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** {@link ExplainMaterials} with manifest.json as its stored text (undefined: not held). */
export type MaterialsWithManifestText = Omit<ExplainMaterials, 'manifest'> & {
  readonly manifestText: string | undefined;
};

/** An archive's documents with manifest.json as its stored text, checked ahead of its receipts (`checkDocumentsAhead`). */
export type DocumentsWithManifestText = Omit<ArchiveDocuments, 'manifest'> & {
  readonly manifestText: string | undefined;
};

/**
 * The materials the explain engine takes (or an archive's documents alone): the manifest
 * parsed from its text when it is first read, and not at all when the judgment finds the
 * documents checked before.
 */
export function withManifestFromText(given: MaterialsWithManifestText): ExplainMaterials;
export function withManifestFromText(given: DocumentsWithManifestText): ArchiveDocuments;
export function withManifestFromText(
  given: MaterialsWithManifestText | DocumentsWithManifestText,
): ExplainMaterials | ArchiveDocuments {
  const { manifestText, ...rest } = given;
  let parsed: { readonly value: unknown } | undefined;
  return Object.defineProperty(rest, 'manifest', {
    enumerable: true,
    get: () => (parsed ??= { value: parseDocument(manifestText) }).value,
  }) as ExplainMaterials | ArchiveDocuments;
}
