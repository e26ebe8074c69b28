/**
 * Engagements in the database: which one is current, creating, editing, switching.
 *
 * The current engagement is a row of `settings` (see db.ts for why not localStorage).
 * When that row is missing, or names an engagement that is gone, the engagement with
 * the latest activity is current; an import with no engagement at all creates an
 * untitled one, as the workbench always has. Making one is not recorded as a setting,
 * so an import that is cancelled leaves only that engagement behind.
 */
import { CURRENT_ENGAGEMENT_SETTING, db, type EngagementRow } from './db.ts';
import {
  byActivity,
  normalizeEngagement,
  pickCurrent,
  UNTITLED_ENGAGEMENT,
  type EngagementActivity,
  type EngagementFields,
} from './engagement-rules.ts';
import { locksOnEngagement, WorkpaperLockedError } from './workpapers.ts';

/** Id of the engagement made on first import (and kept from version 1 of the database). */
const FIRST_ENGAGEMENT_ID = 'default';

export interface EngagementOverview {
  /** Null before any engagement exists. */
  readonly current: EngagementActivity | null;
  /** Every other engagement, most recent activity first. */
  readonly others: readonly EngagementActivity[];
}

async function readAll(): Promise<{ ordered: EngagementActivity[]; settingId: string | undefined }> {
  const [rows, archives, setting] = await Promise.all([
    db.engagements.toArray(),
    db.archives.where('status').equals('complete').toArray(),
    db.settings.get(CURRENT_ENGAGEMENT_SETTING),
  ]);
  return { ordered: byActivity(rows.map(normalizeEngagement), archives), settingId: setting?.value };
}

/** The current engagement and the others, with archive counts (for a live query). */
export async function engagementOverview(): Promise<EngagementOverview> {
  const { ordered, settingId } = await readAll();
  const current = pickCurrent(settingId, ordered);
  return { current, others: ordered.filter((e) => e !== current) };
}

/** One engagement as stored now, or null. */
export async function getEngagement(id: string): Promise<EngagementRow | null> {
  const row = await db.engagements.get(id);
  return row ? normalizeEngagement(row) : null;
}

/** The engagement imports go to: the current one, made (untitled, no period) if none exists. */
export async function ensureCurrentEngagement(): Promise<EngagementRow> {
  return db.transaction('rw', [db.engagements, db.archives, db.settings], async () => {
    const { ordered, settingId } = await readAll();
    const current = pickCurrent(settingId, ordered);
    if (current) return current.engagement;
    const now = new Date().toISOString();
    const row: EngagementRow = {
      id: FIRST_ENGAGEMENT_ID,
      name: UNTITLED_ENGAGEMENT,
      client: '',
      periodFrom: null,
      periodTo: null,
      createdAt: now,
      updatedAt: now,
    };
    await db.engagements.put(row);
    return row;
  });
}

/** Stores a new engagement and makes it current, in one transaction. */
export async function createEngagement(fields: EngagementFields): Promise<EngagementRow> {
  const now = new Date().toISOString();
  const row: EngagementRow = { id: crypto.randomUUID(), ...fields, createdAt: now, updatedAt: now };
  await db.transaction('rw', [db.engagements, db.settings], async () => {
    await db.engagements.add(row);
    await db.settings.put({ key: CURRENT_ENGAGEMENT_SETTING, value: row.id });
  });
  return row;
}

/**
 * Replaces an engagement's fields (notes left out of `fields` are removed). Its name, client
 * and examination period are in every workpaper of the engagement: a change to them is
 * refused while one of those is reviewed and locked (the notes are in none, and may change).
 * @throws Error when no engagement has this id.
 * @throws WorkpaperLockedError when the change would alter a locked workpaper.
 */
export async function updateEngagement(id: string, fields: EngagementFields): Promise<EngagementRow> {
  return db.transaction('rw', [db.engagements, db.workpapers, db.archives], async () => {
    const stored = await db.engagements.get(id);
    if (!stored) throw new Error(`updateEngagement: no engagement with id "${id}"`);
    const { notes: _dropped, ...rest } = normalizeEngagement(stored);
    const row: EngagementRow = { ...rest, ...fields, updatedAt: new Date().toISOString() };
    const signed = (e: EngagementRow) => [e.name, e.client, e.periodFrom, e.periodTo].join('\n');
    if (signed(row) !== signed(rest)) {
      const [lock] = await locksOnEngagement(id);
      if (lock) throw new WorkpaperLockedError(lock, 'changing the engagement’s name, client or period');
    }
    await db.engagements.put(row);
    return row;
  });
}

/**
 * Makes an engagement current: imports go to it and the start screen lists its archives.
 * @throws Error when no engagement has this id.
 */
export async function switchEngagement(id: string): Promise<void> {
  await db.transaction('rw', [db.engagements, db.settings], async () => {
    if (!(await db.engagements.get(id))) throw new Error(`switchEngagement: no engagement with id "${id}"`);
    await db.settings.put({ key: CURRENT_ENGAGEMENT_SETTING, value: id });
  });
}
