/**
 * The rules of an engagement that need no database, so they run and are tested under
 * Node: what a valid engagement is, how a stored row of any version is read, how
 * engagements are ordered by activity and which one is current.
 *
 * Dates of an examination period are calendar days written `YYYY-MM-DD`, read in UTC
 * (as the evidence records time), both ends inclusive.
 */
import type { EngagementRow } from './db.ts';

export const ENGAGEMENT_NAME_MAX = 200;
export const ENGAGEMENT_CLIENT_MAX = 200;
export const ENGAGEMENT_NOTES_MAX = 5000;

/** Name of an engagement the workbench made itself (first import, or from before engagements). */
export const UNTITLED_ENGAGEMENT = 'Untitled engagement';

const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 (UTC) of a `YYYY-MM-DD` calendar date, or null when it is not one. */
export function dayNumber(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const m = ISO_DATE.exec(text);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // setUTCFullYear, unlike Date.UTC, takes years 0–99 as they are; 2026-02-30 rolls over to March.
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return date.getTime() / DAY_MS;
}

/** The `YYYY-MM-DD` of a day number (inverse of {@link dayNumber}). */
export function dayText(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The day (UTC) an instant in milliseconds falls on. */
export function dayOfInstant(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/** Days from `from` to `to`, both included. */
export function daysInclusive(from: number, to: number): number {
  return to - from + 1;
}

/** What the engagement form holds: text as typed. */
export interface EngagementInput {
  readonly name: string;
  readonly client: string;
  readonly periodFrom: string;
  readonly periodTo: string;
  readonly notes: string;
}

/** The fields of an engagement once valid: trimmed, a period of two days or none. */
export interface EngagementFields {
  readonly name: string;
  readonly client: string;
  readonly periodFrom: string | null;
  readonly periodTo: string | null;
  readonly notes?: string;
}

export type EngagementField = keyof EngagementInput;

/** One message per field in error; each message names its field. */
export type EngagementErrors = Partial<Record<EngagementField, string>>;

export type EngagementValidation =
  { readonly ok: true; readonly fields: EngagementFields } | { readonly ok: false; readonly errors: EngagementErrors };

const length = (text: string) => Array.from(text).length;

/**
 * Checks what the auditor typed. The name is required and at most 200 characters; the
 * examination period is both dates or neither, each a real calendar day, from on or
 * before to.
 * @example validateEngagement({ name: '', client: '', periodFrom: '', periodTo: '', notes: '' })
 *   // { ok: false, errors: { name: 'Name is required.' } }
 */
export function validateEngagement(input: EngagementInput): EngagementValidation {
  const errors: EngagementErrors = {};
  const name = input.name.trim();
  const client = input.client.trim();
  const notes = input.notes.trim();
  const from = input.periodFrom.trim();
  const to = input.periodTo.trim();

  if (name === '') errors.name = 'Name is required.';
  else if (length(name) > ENGAGEMENT_NAME_MAX)
    errors.name = `Name must be at most ${ENGAGEMENT_NAME_MAX} characters (it has ${length(name)}).`;
  if (length(client) > ENGAGEMENT_CLIENT_MAX)
    errors.client = `Client must be at most ${ENGAGEMENT_CLIENT_MAX} characters (it has ${length(client)}).`;
  if (length(notes) > ENGAGEMENT_NOTES_MAX)
    errors.notes = `Notes must be at most ${ENGAGEMENT_NOTES_MAX} characters (they have ${length(notes)}).`;

  const fromDay = dayNumber(from);
  const toDay = dayNumber(to);
  if (from !== '' && fromDay === null) errors.periodFrom = 'Period from is not a complete date (year, month and day).';
  if (to !== '' && toDay === null) errors.periodTo = 'Period to is not a complete date (year, month and day).';
  if (from !== '' && to === '')
    errors.periodTo = 'Period to is missing: give both the first and the last day of the period, or neither.';
  if (from === '' && to !== '')
    errors.periodFrom = 'Period from is missing: give both the first and the last day of the period, or neither.';
  if (fromDay !== null && toDay !== null && fromDay > toDay)
    errors.periodTo = 'Period to is before period from: the period must end on or after the day it starts.';

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    fields: {
      name,
      client,
      periodFrom: fromDay === null ? null : from,
      periodTo: toDay === null ? null : to,
      ...(notes !== '' ? { notes } : {}),
    },
  };
}

/** The form's text for an engagement (empty strings where nothing is set). */
export function inputOf(engagement: EngagementRow | null): EngagementInput {
  return {
    name: engagement?.name ?? '',
    client: engagement?.client ?? '',
    periodFrom: engagement?.periodFrom ?? '',
    periodTo: engagement?.periodTo ?? '',
    notes: engagement?.notes ?? '',
  };
}

/**
 * A stored engagement row of any version, as the current shape. Rows from version 1 of the
 * database have only id, name and createdAt; a period that is not two valid days, in
 * order, is read as not set rather than guessed.
 */
export function normalizeEngagement(row: Partial<EngagementRow> & { id: string }): EngagementRow {
  const createdAt = typeof row.createdAt === 'string' ? row.createdAt : new Date(0).toISOString();
  const from = dayNumber(row.periodFrom);
  const to = dayNumber(row.periodTo);
  const periodSet = from !== null && to !== null && from <= to;
  const name = typeof row.name === 'string' && row.name.trim() !== '' ? row.name : UNTITLED_ENGAGEMENT;
  return {
    id: row.id,
    name: name === LEGACY_DEFAULT_NAME && row.client === undefined ? UNTITLED_ENGAGEMENT : name,
    client: typeof row.client === 'string' ? row.client : '',
    periodFrom: periodSet ? (row.periodFrom as string) : null,
    periodTo: periodSet ? (row.periodTo as string) : null,
    ...(typeof row.notes === 'string' && row.notes !== '' ? { notes: row.notes } : {}),
    createdAt,
    updatedAt: typeof row.updatedAt === 'string' ? row.updatedAt : createdAt,
  };
}

/** The name version 1 gave the one engagement it made; it named a role, not an engagement. */
const LEGACY_DEFAULT_NAME = 'Current engagement';

/** What counts as activity on an engagement: created or edited, or an archive verified into it. */
export interface ArchiveActivity {
  readonly engagementId: string;
  readonly startedAt: string;
  readonly completedAt?: string;
}

export interface EngagementActivity {
  readonly engagement: EngagementRow;
  /** Complete archives stored under it. */
  readonly archives: number;
  /** Latest of its last edit and its archives' verification times (ISO). */
  readonly lastActivityAt: string;
}

/** Engagements with their archive counts, most recent activity first (then by name). */
export function byActivity(
  engagements: readonly EngagementRow[],
  archives: readonly ArchiveActivity[],
): EngagementActivity[] {
  const out = engagements.map((engagement): EngagementActivity => {
    let lastActivityAt = engagement.updatedAt;
    let count = 0;
    for (const archive of archives) {
      if (archive.engagementId !== engagement.id) continue;
      count++;
      const at = archive.completedAt ?? archive.startedAt;
      if (at > lastActivityAt) lastActivityAt = at;
    }
    return { engagement, archives: count, lastActivityAt };
  });
  return out.sort((a, b) =>
    a.lastActivityAt === b.lastActivityAt
      ? a.engagement.name.localeCompare(b.engagement.name)
      : a.lastActivityAt < b.lastActivityAt
        ? 1
        : -1,
  );
}

/**
 * The current engagement: the one the setting names when it still exists, else the one
 * with the latest activity (the first of `ordered`), else none.
 */
export function pickCurrent<T extends { readonly engagement: EngagementRow }>(
  settingId: string | undefined,
  ordered: readonly T[],
): T | null {
  return ordered.find((e) => e.engagement.id === settingId) ?? ordered[0] ?? null;
}

/** `2026-01-01 – 2026-06-30 (181 days)`, or null when the period is not set. */
export function periodText(engagement: Pick<EngagementRow, 'periodFrom' | 'periodTo'>): string | null {
  const from = dayNumber(engagement.periodFrom);
  const to = dayNumber(engagement.periodTo);
  if (from === null || to === null || from > to) return null;
  const days = daysInclusive(from, to);
  return `${dayText(from)} – ${dayText(to)} (${days.toLocaleString('en-US')} day${days === 1 ? '' : 's'})`;
}
