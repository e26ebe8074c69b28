/**
 * References to receipts kept for an engagement's workpaper (`workpaperRefs`), added from
 * the reconstruction view. A reference names one stored receipt: archive, id, ledger, seq
 * and the hash of its line (so two receipts that share an id are two references). Adding
 * or removing one is refused while that archive's workpaper is reviewed and locked
 * (workpapers.ts), the lock read in the write's own transaction.
 */
import { HASH_PATTERN } from '../../shared/format/hash.ts';
import { db, type WorkpaperRefRow } from './db.ts';
import { lockOnArchive, lockedMessage, WorkpaperLockedError } from './workpapers.ts';

export type WorkpaperRef = WorkpaperRefRow & { readonly id: number };

/** The receipt a reference names. */
export interface RefTarget {
  readonly engagementId: string;
  readonly archiveId: string;
  readonly receiptId: string;
  readonly ledger: string;
  readonly seq: number;
  readonly hash: string;
}

const MAX_NOTE = 2000;

/**
 * The row to store for `target`, or why it cannot be kept: a line that is not a valid
 * receipt has no id or seq to name it by. Pure (tested under Node).
 */
export function newWorkpaperRef(
  target: RefTarget,
  addedAt: string,
  note?: string,
): { readonly ok: true; readonly row: WorkpaperRefRow } | { readonly ok: false; readonly message: string } {
  if (target.engagementId === '' || target.archiveId === '')
    return { ok: false, message: 'The receipt’s archive belongs to no engagement: nothing was kept.' };
  if (target.receiptId === '' || !Number.isSafeInteger(target.seq) || target.seq < 1)
    return {
      ok: false,
      message: 'This line is not a valid receipt, so it has no id to keep a reference by: nothing was kept.',
    };
  if (!HASH_PATTERN.test(target.hash))
    return { ok: false, message: 'The receipt’s line hash is not known: nothing was kept.' };
  const trimmed = note?.trim() ?? '';
  if (trimmed.length > MAX_NOTE)
    return { ok: false, message: `A note is at most ${MAX_NOTE} characters: this one has ${trimmed.length}.` };
  return {
    ok: true,
    row: {
      engagementId: target.engagementId,
      archiveId: target.archiveId,
      receiptId: target.receiptId,
      ledger: target.ledger,
      seq: target.seq,
      hash: target.hash,
      addedAt,
      ...(trimmed !== '' ? { note: trimmed } : {}),
    },
  };
}

/** Whether `row` is the reference to exactly `target` (same id and the same stored line). */
export function refersTo(row: WorkpaperRefRow, target: RefTarget): boolean {
  return (
    row.engagementId === target.engagementId &&
    row.archiveId === target.archiveId &&
    row.receiptId === target.receiptId &&
    row.ledger === target.ledger &&
    row.seq === target.seq &&
    row.hash === target.hash
  );
}

/** The reference to `target`, if the workpaper keeps one. */
export async function findWorkpaperRef(target: RefTarget): Promise<WorkpaperRef | undefined> {
  const rows = await db.workpaperRefs
    .where('[engagementId+archiveId+receiptId]')
    .equals([target.engagementId, target.archiveId, target.receiptId])
    .toArray();
  return rows.find((r): r is WorkpaperRef => r.id !== undefined && refersTo(r, target));
}

export type AddResult =
  { readonly ok: true; readonly ref: WorkpaperRef } | { readonly ok: false; readonly message: string };

/**
 * Keeps a reference to `target` (once: adding it again returns the one kept). The check
 * and the write are one transaction, so two windows cannot both add it.
 */
export async function addWorkpaperRef(target: RefTarget, note?: string): Promise<AddResult> {
  const made = newWorkpaperRef(target, new Date().toISOString(), note);
  if (!made.ok) return made;
  return db.transaction('rw', [db.workpaperRefs, db.engagements, db.workpapers, db.archives], async () => {
    if (!(await db.engagements.get(target.engagementId)))
      return { ok: false, message: 'This archive’s engagement no longer exists: nothing was kept.' } as const;
    const existing = await findWorkpaperRef(target);
    if (existing) return { ok: true, ref: existing } as const;
    const lock = await lockOnArchive(target.engagementId, target.archiveId);
    if (lock) return { ok: false, message: lockedMessage(lock, 'adding this receipt') } as const;
    const id = (await db.workpaperRefs.add(made.row)) as number;
    return { ok: true, ref: { ...made.row, id } } as const;
  });
}

/**
 * Removes a reference. Throws {@link WorkpaperLockedError} while its workpaper is locked:
 * callers await it for its effect, so a refusal must not look like a success.
 */
export async function removeWorkpaperRef(id: number): Promise<void> {
  await db.transaction('rw', [db.workpaperRefs, db.workpapers, db.archives], async () => {
    const row = await db.workpaperRefs.get(id);
    if (!row) return;
    const lock = await lockOnArchive(row.engagementId, row.archiveId);
    if (lock) throw new WorkpaperLockedError(lock, 'removing this receipt');
    await db.workpaperRefs.delete(id);
  });
}

/** An engagement's references, oldest first. */
export async function listWorkpaperRefs(engagementId: string): Promise<WorkpaperRef[]> {
  const rows = await db.workpaperRefs.where('engagementId').equals(engagementId).toArray();
  return rows
    .filter((r): r is WorkpaperRef => r.id !== undefined)
    .sort((a, b) => (a.addedAt < b.addedAt ? -1 : a.addedAt > b.addedAt ? 1 : a.id - b.id));
}
