/**
 * An engagement's signed workpaper for one archive (`workpapers`, store version 6): the
 * sign-offs as signed and their history, and what the auditor adds on the workpaper screen
 * (policy changes reviewed). The draft itself is recomputed from the engagement's data
 * (features/workpaper/draft.ts); what was signed is read back from the envelope.
 *
 * The rules, each enforced in the same transaction as the write it guards:
 * - the preparer signs a predicate; a later change to the data shows the sign-off as
 *   "modified since signed" (by section, {@link compareSignedContent}) until signed again;
 * - the reviewer signs the preparer's envelope as stored, and only that one;
 * - an approved review locks the workpaper until it is reopened, which records who, when and
 *   why, and sets the review aside. While locked, nothing that the workpaper says can be
 *   changed, on any screen: each write below and each write of the data the draft is built
 *   from (samples and their items, control tests, receipts kept for it, the engagement)
 *   reads {@link lockOnArchive} or {@link locksOnEngagement} in its own transaction and is
 *   refused with {@link lockedMessage}. The lock is the store's, so no screen can forget it.
 */
import { canonicalize } from '../../shared/format/canonical.ts';
import { formatTime } from '../components/format.ts';
import { fromBase64, type DsseEnvelope } from '../../shared/workpaper/dsse.ts';
import { WORKPAPER_PREDICATE, type Statement } from '../../shared/workpaper/workpaper.ts';
import {
  db,
  type PolicyDiffNote,
  type PreparedSignOff,
  type ReviewSignOff,
  type WorkpaperEvent,
  type WorkpaperRow,
} from './db.ts';

export type Workpaper = WorkpaperRow & { readonly id: number; readonly archiveId: string };

export type WriteResult<T = void> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

const fail = (message: string) => ({ ok: false, message }) as const;

export const MAX_NAME = 120;
export const MAX_TEXT = 4000;

/** Why a person's name cannot sign, or null. */
export function nameProblem(name: string, who: string): string | null {
  const trimmed = name.trim();
  if (trimmed === '') return `Give the ${who}’s name: it is part of what is signed.`;
  if (trimmed.length > MAX_NAME) return `A name is at most ${MAX_NAME} characters: this one has ${trimmed.length}.`;
  return null;
}

/** The predicate of a preparer's envelope, as signed; null when the envelope does not hold one. */
export function signedPredicate(envelope: DsseEnvelope): Record<string, unknown> | null {
  const payload = fromBase64(envelope.payload);
  if (!payload) return null;
  try {
    const statement = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload)) as Partial<Statement>;
    if (statement.predicateType !== WORKPAPER_PREDICATE) return null;
    const p = statement.predicate;
    return typeof p === 'object' && p !== null && !Array.isArray(p) ? p : null;
  } catch {
    return null;
  }
}

/** Members set when signing, not by the engagement's data: never a modification. */
const SIGNING_MEMBERS = new Set(['created_at', 'preparer']);

export const SECTION_LABELS: Readonly<Record<string, string>> = {
  format: 'Format',
  tool: 'Tool',
  engagement: 'Engagement',
  archive: 'Evidence archive',
  trust_anchors: 'Trust anchors',
  verification: 'Verification',
  scope: 'What was verified and what was not',
  reconstructions: 'Decisions reconstructed',
  policy_diffs: 'Policy changes reviewed',
  samples: 'Samples',
  conclusions: 'Conclusions',
};

export interface SectionChange {
  /** The predicate's member. */
  readonly section: string;
  readonly label: string;
  /** What changed, in words: counts for lists, the members for objects. */
  readonly detail: string;
}

function listDetail(signed: readonly unknown[], now: readonly unknown[]): string {
  const before = new Set(signed.map((v) => canonicalize(v)));
  const after = new Set(now.map((v) => canonicalize(v)));
  const added = [...after].filter((v) => !before.has(v)).length;
  const removed = [...before].filter((v) => !after.has(v)).length;
  const counts = `${signed.length} when signed, ${now.length} now`;
  if (signed.length === now.length) return `${counts}; ${added} of them changed`;
  const parts = [added > 0 ? `${added} new or changed` : '', removed > 0 ? `${removed} no longer as signed` : ''];
  return `${counts} (${parts.filter(Boolean).join(', ')})`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Where the content signed differs from the draft made now, section by section (the
 * predicate's top-level members, except those set when signing). Empty when they are the
 * same. Pure.
 */
export function compareSignedContent(signed: Record<string, unknown>, draft: Record<string, unknown>): SectionChange[] {
  const keys = [...new Set([...Object.keys(signed), ...Object.keys(draft)])].filter((k) => !SIGNING_MEMBERS.has(k));
  const order = Object.keys(SECTION_LABELS);
  keys.sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || (a < b ? -1 : 1));
  const changes: SectionChange[] = [];
  for (const section of keys) {
    const a = signed[section];
    const b = draft[section];
    if (canonicalize(a ?? null) === canonicalize(b ?? null)) continue;
    let detail: string;
    if (Array.isArray(a) && Array.isArray(b)) detail = listDetail(a, b);
    else if (isObject(a) && isObject(b)) {
      const members = [...new Set([...Object.keys(a), ...Object.keys(b)])]
        .filter((m) => canonicalize(a[m] ?? null) !== canonicalize(b[m] ?? null))
        .sort();
      detail = `${members.join(', ')} changed`;
    } else if (a === undefined) detail = 'not in the signed version';
    else if (b === undefined) detail = 'no longer in the draft';
    else detail = 'changed';
    changes.push({ section, label: SECTION_LABELS[section] ?? section, detail });
  }
  return changes;
}

export type WorkpaperStatus =
  /** Not signed yet. */
  | 'draft'
  /** Signed by the preparer, waiting for review. */
  | 'prepared'
  /** Returned by the reviewer: the preparer signs again. */
  | 'returned'
  /** Approved by the reviewer: locked until reopened. */
  | 'reviewed';

export function statusOf(row: Pick<WorkpaperRow, 'prepared' | 'review'> | undefined): WorkpaperStatus {
  if (!row?.prepared) return 'draft';
  if (!row.review) return 'prepared';
  return row.review.decision === 'approved' ? 'reviewed' : 'returned';
}

export function isLocked(row: Pick<WorkpaperRow, 'prepared' | 'review'> | undefined): boolean {
  return statusOf(row) === 'reviewed';
}

/** The engagement's workpaper for an archive, if one was started. */
export async function getWorkpaper(engagementId: string, archiveId: string): Promise<Workpaper | undefined> {
  const rows = await db.workpapers.where('[engagementId+archiveId]').equals([engagementId, archiveId]).toArray();
  return rows.find((r): r is Workpaper => r.id !== undefined && r.archiveId !== undefined);
}

/** A reviewed workpaper's lock: whose workpaper, and who approved it when. */
export interface WorkpaperLock {
  readonly engagementId: string;
  readonly archiveId: string;
  /** The archive's name as stored. */
  readonly archiveName: string;
  readonly reviewer: string;
  /** When the review was signed (ISO 8601). */
  readonly reviewedAt: string;
}

function lockOf(row: Workpaper, archiveName: string): WorkpaperLock | null {
  if (!isLocked(row) || !row.review) return null;
  return {
    engagementId: row.engagementId,
    archiveId: row.archiveId,
    archiveName,
    reviewer: row.review.name,
    reviewedAt: row.review.signedAt,
  };
}

/** Whether an archive is stored (a workpaper outlives its archive: see db.ts). */
async function storedArchiveName(archiveId: string): Promise<string | null> {
  const archive = await db.archives.get(archiveId);
  return archive && archive.status === 'complete' ? archive.name : null;
}

/**
 * The lock on the engagement's workpaper for this archive, or null: what bars a change to
 * data of that archive alone (its samples, the receipts kept from it, its policy changes).
 * Read it in the transaction of the write it guards, with `db.workpapers` and `db.archives`.
 */
export async function lockOnArchive(engagementId: string, archiveId: string): Promise<WorkpaperLock | null> {
  const row = await getWorkpaper(engagementId, archiveId);
  if (!row || !isLocked(row)) return null;
  return lockOf(row, (await storedArchiveName(archiveId)) ?? archiveId);
}

/**
 * Every lock on the engagement's workpapers whose archive is still stored: what bars a
 * change to the engagement's own data (its control tests, its name, client and period),
 * which every one of its workpapers states. A workpaper whose archive was removed is kept as
 * a record but has no draft left to change (and no screen to reopen it), so it bars nothing.
 */
export async function locksOnEngagement(engagementId: string): Promise<WorkpaperLock[]> {
  const rows = await db.workpapers.where('engagementId').equals(engagementId).toArray();
  const locks: WorkpaperLock[] = [];
  for (const row of rows) {
    if (row.id === undefined || row.archiveId === undefined || !isLocked(row)) continue;
    const name = await storedArchiveName(row.archiveId);
    const lock = name === null ? null : lockOf(row as Workpaper, name);
    if (lock) locks.push(lock);
  }
  return locks.sort((a, b) => (a.reviewedAt < b.reviewedAt ? -1 : a.reviewedAt > b.reviewedAt ? 1 : 0));
}

/** The refusal of a change while `lock` holds: what it would change, who locked it and when, how to reopen. */
export function lockedMessage(lock: WorkpaperLock, change: string): string {
  return (
    `The workpaper for ${lock.archiveName} was reviewed and approved by ${lock.reviewer} on ` +
    `${formatTime(lock.reviewedAt)} and is locked: ${change} would change what it says, so nothing was changed. ` +
    'Reopen it on its workpaper screen first (the reopening is recorded and sets the review aside).'
  );
}

/** Thrown by the writes whose callers await them for their effect only, so a refusal cannot go unseen. */
export class WorkpaperLockedError extends Error {
  constructor(
    readonly lock: WorkpaperLock,
    change: string,
  ) {
    super(lockedMessage(lock, change));
    this.name = 'WorkpaperLockedError';
  }
}

/** The row to write to, made when there is none (in the caller's transaction). */
async function rowFor(engagementId: string, archiveId: string, title: string): Promise<Workpaper> {
  const existing = await getWorkpaper(engagementId, archiveId);
  if (existing) return existing;
  const row: WorkpaperRow = {
    engagementId,
    archiveId,
    title,
    createdAt: new Date().toISOString(),
    policyDiffs: [],
    prepared: null,
    review: null,
    history: [],
  };
  const id = (await db.workpapers.add(row)) as number;
  return { ...row, id, archiveId };
}

export interface WorkpaperKey {
  readonly engagementId: string;
  readonly archiveId: string;
  /** Used when the row is made. */
  readonly title: string;
}

/** Why a policy change cannot be recorded, or null. Pure. */
export function policyDiffProblem(note: Omit<PolicyDiffNote, 'addedAt'>): string | null {
  if (note.fromHash === '' || note.toHash === '') return 'Choose the two bundle versions you compared.';
  if (note.fromHash === note.toHash) return 'Choose two different bundle versions.';
  if (note.summary.trim() === '') return 'Say what you found: the summary is part of the workpaper.';
  if (note.summary.length > MAX_TEXT)
    return `A summary is at most ${MAX_TEXT} characters: this one has ${note.summary.length}.`;
  return null;
}

export async function addPolicyDiff(key: WorkpaperKey, note: Omit<PolicyDiffNote, 'addedAt'>): Promise<WriteResult> {
  const problem = policyDiffProblem(note);
  if (problem) return fail(problem);
  return db.transaction('rw', [db.workpapers, db.archives], async () => {
    const row = await rowFor(key.engagementId, key.archiveId, key.title);
    const lock = await lockOnArchive(key.engagementId, key.archiveId);
    if (lock) return fail(lockedMessage(lock, 'adding a policy change'));
    const entry: PolicyDiffNote = { ...note, summary: note.summary.trim(), addedAt: new Date().toISOString() };
    await db.workpapers.update(row.id, { policyDiffs: [...(row.policyDiffs ?? []), entry] });
    return { ok: true, value: undefined } as const;
  });
}

export async function removePolicyDiff(key: WorkpaperKey, addedAt: string): Promise<WriteResult> {
  return db.transaction('rw', [db.workpapers, db.archives], async () => {
    const row = await getWorkpaper(key.engagementId, key.archiveId);
    if (!row) return fail('There is no such policy change on the workpaper.');
    const lock = await lockOnArchive(key.engagementId, key.archiveId);
    if (lock) return fail(lockedMessage(lock, 'removing a policy change'));
    await db.workpapers.update(row.id, { policyDiffs: (row.policyDiffs ?? []).filter((d) => d.addedAt !== addedAt) });
    return { ok: true, value: undefined } as const;
  });
}

/**
 * Records the preparer's sign-off, replacing an earlier one (a returned review is set
 * aside with it; both stay in the history). Refused while the workpaper is locked.
 */
export async function recordPrepared(key: WorkpaperKey, signOff: PreparedSignOff): Promise<WriteResult> {
  return db.transaction('rw', [db.workpapers, db.archives], async () => {
    const row = await rowFor(key.engagementId, key.archiveId, key.title);
    const lock = await lockOnArchive(key.engagementId, key.archiveId);
    if (lock) return fail(lockedMessage(lock, 'a new preparer’s signature'));
    const event: WorkpaperEvent = {
      kind: 'prepared',
      at: signOff.signedAt,
      by: signOff.name,
      publicKey: signOff.publicKey,
      workpaperHash: signOff.workpaperHash,
    };
    await db.workpapers.update(row.id, { prepared: signOff, review: null, history: [...(row.history ?? []), event] });
    return { ok: true, value: undefined } as const;
  });
}

/** Whether two envelopes are the same bytes (what the review names is the envelope's canonical JSON). */
function sameEnvelope(a: DsseEnvelope, b: DsseEnvelope): boolean {
  return canonicalize(a) === canonicalize(b);
}

/**
 * Records the reviewer's sign-off over `reviewed`, the preparer's envelope the reviewer
 * saw. Refused when the preparer signed again meanwhile, or it is already reviewed.
 */
export async function recordReview(
  key: WorkpaperKey,
  reviewed: DsseEnvelope,
  signOff: ReviewSignOff,
): Promise<WriteResult> {
  return db.transaction('rw', [db.workpapers, db.archives], async () => {
    const row = await getWorkpaper(key.engagementId, key.archiveId);
    if (!row?.prepared) return fail('There is no preparer’s sign-off to review.');
    if (!sameEnvelope(row.prepared.envelope, reviewed))
      return fail('The preparer signed again while you reviewed: look at the new version and review that one.');
    if (row.review) {
      const lock = await lockOnArchive(key.engagementId, key.archiveId);
      return fail(
        lock
          ? lockedMessage(lock, 'another review')
          : 'This version was already returned: the preparer signs again before another review.',
      );
    }
    const event: WorkpaperEvent = {
      kind: 'reviewed',
      at: signOff.signedAt,
      by: signOff.name,
      publicKey: signOff.publicKey,
      decision: signOff.decision,
      note: signOff.note,
    };
    await db.workpapers.update(row.id, { review: signOff, history: [...(row.history ?? []), event] });
    return { ok: true, value: undefined } as const;
  });
}

/** Reopens a reviewed workpaper: records who, when and why, and sets the review aside. */
export async function reopenWorkpaper(key: WorkpaperKey, by: string, reason: string): Promise<WriteResult> {
  const problem =
    nameProblem(by, 'person reopening') ??
    (reason.trim() === ''
      ? 'Say why the workpaper is reopened: the reason is recorded.'
      : reason.length > MAX_TEXT
        ? `A reason is at most ${MAX_TEXT} characters: this one has ${reason.length}.`
        : null);
  if (problem) return fail(problem);
  return db.transaction('rw', [db.workpapers, db.archives], async () => {
    const row = await getWorkpaper(key.engagementId, key.archiveId);
    if (!row || !isLocked(row) || !row.review) return fail('Only a reviewed workpaper is reopened.');
    const event: WorkpaperEvent = {
      kind: 'reopened',
      at: new Date().toISOString(),
      by: by.trim(),
      reason: reason.trim(),
      setAside: {
        by: row.review.name,
        at: row.review.signedAt,
        decision: row.review.decision,
        publicKey: row.review.publicKey,
      },
    };
    await db.workpapers.update(row.id, { review: null, history: [...(row.history ?? []), event] });
    return { ok: true, value: undefined } as const;
  });
}
