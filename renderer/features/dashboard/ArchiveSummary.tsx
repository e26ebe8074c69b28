import { formatBytes, formatCount, formatTime } from '../../components/format.ts';
import type { LoadedArchive } from '../../store/archives.ts';
import { getEngagement } from '../../store/engagements.ts';
import { useLiveQuery } from '../../store/use-live-query.ts';
import { EngagementCoverage } from './EngagementCoverage.tsx';

export function ArchiveSummary({ archive }: { archive: LoadedArchive['archive'] }) {
  const { report } = archive;
  const info = report.archive;
  // Live: editing the engagement's period on the start screen updates this line in any window.
  const engagement = useLiveQuery(
    async () => ({ row: await getEngagement(archive.engagementId) }),
    [archive.engagementId],
  );
  return (
    <section aria-labelledby="archive-heading" className="archive-summary">
      <h1 id="archive-heading" data-testid="archive-name">
        {archive.name}
      </h1>
      <dl className="facts facts-inline">
        <div>
          <dt>Engagement</dt>
          <dd data-testid="archive-engagement">{engagement ? (engagement.row?.name ?? '—') : '…'}</dd>
        </div>
        <div>
          <dt>Organization</dt>
          <dd>{info?.organization || '—'}</dd>
        </div>
        <div>
          <dt>Period claimed</dt>
          <dd className="num">{info ? `${formatTime(info.period.from)} – ${formatTime(info.period.to)}` : '—'}</dd>
        </div>
        <div>
          <dt>Receipts</dt>
          <dd className="num" data-testid="receipt-count">
            {formatCount(report.summary.receipts)}
          </dd>
        </div>
        <div>
          <dt>Ledgers</dt>
          <dd className="num">{formatCount(report.summary.ledgers)}</dd>
        </div>
        <div>
          <dt>Policy bundles</dt>
          <dd className="num">{formatCount(report.summary.bundles)}</dd>
        </div>
        <div>
          <dt>Archive id</dt>
          <dd className="mono">{info?.archive_id ?? '—'}</dd>
        </div>
        <div>
          <dt>Produced by</dt>
          <dd>{info ? `${info.producer.name} ${info.producer.version}, ${formatTime(info.created_at)}` : '—'}</dd>
        </div>
        <div>
          <dt>Verified</dt>
          <dd className="num">
            {formatTime(archive.completedAt)} · {formatBytes(archive.size)} · {archive.trustedRoots.length} pinned root
            {archive.trustedRoots.length === 1 ? '' : 's'}
          </dd>
        </div>
      </dl>
      {engagement && <EngagementCoverage engagement={engagement.row} report={report} />}
    </section>
  );
}
