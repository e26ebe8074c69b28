/**
 * What a screen that edits a workpaper's data shows while that workpaper is reviewed and
 * locked: whose workpaper, who approved it and when, and the way to the workpaper screen
 * where it is reopened (recorded). The store refuses the edits itself (store/workpapers.ts);
 * this says so before anyone tries, so that controls can be disabled with the reason beside them.
 */
import { formatRoute } from '../app/routes.ts';
import { useLiveQuery } from '../store/use-live-query.ts';
import { lockOnArchive, locksOnEngagement, type WorkpaperLock } from '../store/workpapers.ts';
import { formatTime } from './format.ts';

/** The lock on this archive's workpaper: null when none, undefined while reading. */
export function useArchiveLock(engagementId: string | undefined, archiveId: string): WorkpaperLock | null | undefined {
  return useLiveQuery(
    async () => (engagementId === undefined ? null : lockOnArchive(engagementId, archiveId)),
    [engagementId, archiveId],
  );
}

/** The locks on the engagement's workpapers (its control tests and fields are in each); undefined while reading. */
export function useEngagementLocks(engagementId: string | null): readonly WorkpaperLock[] | undefined {
  return useLiveQuery(async () => (engagementId === null ? [] : locksOnEngagement(engagementId)), [engagementId]);
}

interface Props {
  readonly locks: readonly WorkpaperLock[];
  /** What cannot be changed, in the plural, mid-sentence: "this sample’s results, notes and conclusion". */
  readonly what: string;
}

/** Nothing when there is no lock. */
export function WorkpaperLocked({ locks, what }: Props) {
  if (locks.length === 0) return null;
  return (
    <section className="notice notice-locked" aria-label="Workpaper locked" data-testid="workpaper-locked">
      <p>
        <strong>Locked by a review:</strong> {what} cannot be changed until the{' '}
        {locks.length === 1 ? 'workpaper that holds them is' : `${locks.length} workpapers that hold them are`}{' '}
        reopened.
      </p>
      <ul className="plain-list">
        {locks.map((lock) => (
          <li key={lock.archiveId} data-testid="workpaper-lock" data-archive={lock.archiveId}>
            The workpaper for <strong>{lock.archiveName}</strong> was reviewed and approved by{' '}
            <strong data-testid="workpaper-lock-by">{lock.reviewer}</strong> on{' '}
            <span data-testid="workpaper-lock-at">{formatTime(lock.reviewedAt)}</span>.{' '}
            <a href={formatRoute({ name: 'workpaper', archiveId: lock.archiveId })} data-testid="workpaper-lock-link">
              Open its workpaper to reopen it
            </a>{' '}
            (the reopening is recorded and sets the review aside).
          </li>
        ))}
      </ul>
    </section>
  );
}
