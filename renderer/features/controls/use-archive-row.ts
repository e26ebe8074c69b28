/**
 * The stored archive row and its engagement, read live (an edited examination period
 * redraws the trend), without loading the archive's receipts: the control screens need
 * only the report and the metrics stored with it.
 */
import { useMemo } from 'react';
import { db, type ArchiveRow, type EngagementRow } from '../../store/db.ts';
import { normalizeEngagement } from '../../store/engagement-rules.ts';
import { useLiveQuery } from '../../store/use-live-query.ts';
import { trendMonths } from './metrics-view.ts';

export type StoredArchive = ArchiveRow & { readonly report: NonNullable<ArchiveRow['report']> };

export type ArchiveRowState =
  | { readonly status: 'loading' }
  | { readonly status: 'missing' }
  | { readonly status: 'ready'; readonly archive: StoredArchive; readonly engagement: EngagementRow | null };

export function useArchiveRow(archiveId: string): ArchiveRowState {
  const value = useLiveQuery(async (): Promise<ArchiveRowState> => {
    const archive = await db.archives.get(archiveId);
    if (!archive || archive.status !== 'complete' || !archive.report) return { status: 'missing' };
    const engagement = await db.engagements.get(archive.engagementId);
    return {
      status: 'ready',
      archive: archive as StoredArchive,
      engagement: engagement ? normalizeEngagement(engagement) : null,
    };
  }, [archiveId]);
  return value ?? { status: 'loading' };
}

/**
 * {@link useArchiveRow} with what both control screens draw from it: the control metrics
 * stored with the archive (null while loading, or when none were computed), its engagement,
 * and the months of the trend within the engagement's examination period.
 */
export function useArchiveMetrics(archiveId: string) {
  const state = useArchiveRow(archiveId);
  const metrics = state.status === 'ready' ? (state.archive.metrics ?? null) : null;
  const engagement = state.status === 'ready' ? state.engagement : null;
  const trend = useMemo(
    () =>
      trendMonths(metrics?.months ?? [], { from: engagement?.periodFrom ?? null, to: engagement?.periodTo ?? null }),
    [metrics, engagement],
  );
  return { state, metrics, engagement, trend };
}
