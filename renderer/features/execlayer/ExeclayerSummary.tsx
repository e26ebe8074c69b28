import { formatBytes, formatCount, formatTime } from '../../components/format.ts';
import type { LoadedArchive } from '../../store/archives.ts';
import { getEngagement } from '../../store/engagements.ts';
import { useLiveQuery } from '../../store/use-live-query.ts';
import { EngagementCoverage } from '../dashboard/EngagementCoverage.tsx';
import { KERNEL_NAME, isExeclayerFormat } from './execlayer-view.ts';

/** The head of an ExecLayer log's dashboard: what it is, its files and their hashes, the options it was verified with. */
export function ExeclayerSummary({ archive }: { archive: LoadedArchive['archive'] }) {
  const { report } = archive;
  const facts = archive.execlayer;
  const engagement = useLiveQuery(
    async () => ({ row: await getEngagement(archive.engagementId) }),
    [archive.engagementId],
  );
  const v4 = report.format === 'execlayer-v4';
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
          <dt>Evidence</dt>
          <dd data-testid="execlayer-format" data-format={report.format}>
            {isExeclayerFormat(report.format) ? KERNEL_NAME[report.format] : report.format}
          </dd>
        </div>
        <div>
          <dt>Records</dt>
          <dd className="num" data-testid="receipt-count">
            {formatCount(report.summary.receipts)}
          </dd>
        </div>
        <div>
          <dt>Period its times claim</dt>
          <dd className="num">
            {report.ledgers[0]?.claimed
              ? `${formatTime(report.ledgers[0].claimed.from)} – ${formatTime(report.ledgers[0].claimed.to)}`
              : v4
                ? '— (v4 receipts carry no time)'
                : '—'}
          </dd>
        </div>
        <div>
          <dt>HMAC secret</dt>
          <dd data-testid="execlayer-secret-given">
            {facts?.hmacSecretGiven ? 'given for this verification (not stored)' : 'not given'}
          </dd>
        </div>
        <div>
          <dt>Allowed issuers</dt>
          <dd className={facts?.issuers ? 'mono' : undefined}>
            {!v4
              ? 'do not apply (no issuer in Python-kernel receipts)'
              : facts?.issuers
                ? facts.issuers.join(', ')
                : 'none given'}
          </dd>
        </div>
        <div>
          <dt>Verified</dt>
          <dd className="num">
            {formatTime(archive.completedAt)} · {formatBytes(archive.size)}
          </dd>
        </div>
      </dl>
      <table className="data-table compact execlayer-files" data-testid="execlayer-files">
        <caption className="visually-hidden">Files verified</caption>
        <thead>
          <tr>
            <th scope="col">File</th>
            <th scope="col" className="num">
              Size
            </th>
            <th scope="col">SHA-256 of the bytes read</th>
          </tr>
        </thead>
        <tbody>
          {(facts?.files ?? []).map((f) => (
            <tr key={f.path}>
              <th scope="row" className="mono">
                {f.path}
              </th>
              <td className="num">{formatBytes(f.size)}</td>
              <td className="mono hash-cell">{(f.role === 'log' ? archive.fileSha256 : f.sha256) ?? '—'}</td>
            </tr>
          ))}
          {v4 && facts && !facts.files.some((f) => f.role === 'head') && (
            <tr>
              <th scope="row" className="mono">
                dag_head.json
              </th>
              <td className="num">—</td>
              <td>not given</td>
            </tr>
          )}
        </tbody>
      </table>
      {engagement && <EngagementCoverage engagement={engagement.row} report={report} />}
    </section>
  );
}
