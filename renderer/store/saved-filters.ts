/**
 * Named receipts filters of an engagement (`savedFilters`): the receipts address's query
 * as text, so applying one is navigating to it, in any archive of the engagement. Later
 * they are the populations samples are drawn from.
 */
import { db, type SavedFilterRow } from './db.ts';
import { byName, checkFilterName } from './saved-filter-rules.ts';

export type SavedFilter = SavedFilterRow & { readonly id: number };

/** An engagement's saved filters, by name. */
export async function listSavedFilters(engagementId: string): Promise<SavedFilter[]> {
  const rows = await db.savedFilters.where('engagementId').equals(engagementId).toArray();
  return byName(rows.filter((r): r is SavedFilter => r.id !== undefined));
}

export type SaveResult =
  { readonly ok: true; readonly filter: SavedFilter } | { readonly ok: false; readonly message: string };

/**
 * Saves `query` (a query string, no `?`) under `name`; refused, with the sentence to show,
 * when the name is empty, too long or already used in this engagement. The check and the
 * write are one transaction, so two windows cannot both take a name.
 */
export async function saveFilter(engagementId: string, name: string, query: string): Promise<SaveResult> {
  return db.transaction('rw', [db.savedFilters, db.engagements], async () => {
    if (!(await db.engagements.get(engagementId)))
      return { ok: false, message: 'This archive’s engagement no longer exists: the filter was not saved.' } as const;
    const existing = await db.savedFilters.where('engagementId').equals(engagementId).toArray();
    const check = checkFilterName(
      name,
      existing.map((r) => r.name),
    );
    if (!check.ok) return check;
    const row: SavedFilterRow = { engagementId, name: check.name, query, createdAt: new Date().toISOString() };
    const id = await db.savedFilters.add(row);
    return { ok: true, filter: { ...row, id: id as number } } as const;
  });
}

export async function deleteSavedFilter(id: number): Promise<void> {
  await db.savedFilters.delete(id);
}
