/**
 * What an archive id's evidence is (`report.format`), read once per id and remembered: the
 * screens made for FORMAT.md archives ask it before they show anything, so an ExecLayer log
 * gets its own lines screen or a plain "not available" instead.
 */
import { useEffect, useState } from 'react';
import type { ReportFormat } from '../../../shared/engine/types.ts';
import { db } from '../../store/db.ts';

const known = new Map<string, ReportFormat>();

async function formatOf(archiveId: string): Promise<ReportFormat | null> {
  const cached = known.get(archiveId);
  if (cached) return cached;
  const row = await db.archives.get(archiveId);
  const format = row?.status === 'complete' ? (row.report?.format ?? null) : null;
  if (format) known.set(archiveId, format);
  return format;
}

/** The format of a stored archive; null when it is not stored (complete); undefined while reading. */
export function useArchiveFormat(archiveId: string): ReportFormat | null | undefined {
  const [state, setState] = useState<{ id: string; format: ReportFormat | null } | null>(() => {
    const cached = known.get(archiveId);
    return cached ? { id: archiveId, format: cached } : null;
  });
  useEffect(() => {
    let live = true;
    formatOf(archiveId).then(
      (format) => live && setState({ id: archiveId, format }),
      () => live && setState({ id: archiveId, format: null }),
    );
    return () => {
      live = false;
    };
  }, [archiveId]);
  return state?.id === archiveId ? state.format : undefined;
}
