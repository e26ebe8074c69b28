import { formatRoute } from '../../app/routes.ts';
import { formatCount, formatTime } from '../../components/format.ts';
import { deleteArchive, listArchives } from '../../store/archives.ts';
import type { EngagementRow } from '../../store/db.ts';
import { useLiveQuery } from '../../store/use-live-query.ts';
import { forgetLoadedArchive } from '../../app/loaded-archives.ts';

interface ImportedArchivesProps {
  /** The current engagement; null before there is any. */
  readonly engagement: EngagementRow | null;
  /** Whether other engagements exist (their archives are listed once switched to). */
  readonly othersExist: boolean;
}

/** Archives verified and stored under the current engagement. */
export function ImportedArchives({ engagement, othersExist }: ImportedArchivesProps) {
  const engagementId = engagement?.id ?? null;
  const archives = useLiveQuery(async () => (engagementId === null ? [] : listArchives(engagementId)), [engagementId]);
  if (!archives) return null;
  const elsewhere = othersExist && (
    <p className="panel-note">Archives of your other engagements are listed when you switch to them.</p>
  );
  if (archives.length === 0) {
    return (
      <section aria-labelledby="imported-heading" className="panel">
        <h2 id="imported-heading">{engagement ? 'Archives verified in this engagement' : 'Verified archives'}</h2>
        <p className="muted" data-testid="no-archives">
          {engagement ? `No archive verified in ${engagement.name} yet.` : 'No archive verified yet.'}
        </p>
        {elsewhere}
      </section>
    );
  }
  const onDelete = async (id: string, name: string) => {
    if (
      !window.confirm(
        `Remove ${name} and everything stored from it from this workbench? The archive file itself is not touched.`,
      )
    )
      return;
    forgetLoadedArchive(id);
    await deleteArchive(id);
  };
  return (
    <section aria-labelledby="imported-heading" className="panel">
      <h2 id="imported-heading">Archives verified in this engagement</h2>
      <table className="data-table" data-testid="archive-list">
        <thead>
          <tr>
            <th scope="col">Archive</th>
            <th scope="col">Organization</th>
            <th scope="col" className="num">
              Receipts
            </th>
            <th scope="col" className="num">
              Integrity findings
            </th>
            <th scope="col" className="num">
              Control findings
            </th>
            <th scope="col" className="num">
              Verified
            </th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {archives.map((a) => (
            <tr key={a.id} data-testid="archive-row">
              <td>
                <a href={formatRoute({ name: 'dashboard', archiveId: a.id })} data-testid="archive-link">
                  {a.name}
                </a>
              </td>
              <td>{a.report?.archive?.organization ?? '—'}</td>
              <td className="num">{formatCount(a.report?.summary.receipts ?? 0)}</td>
              <td className="num">{formatCount(a.report?.summary.integrity_findings ?? 0)}</td>
              <td className="num">{formatCount(a.report?.summary.control_findings ?? 0)}</td>
              <td className="num">{formatTime(a.completedAt)}</td>
              <td>
                <button
                  type="button"
                  className="link-button"
                  onClick={() => void onDelete(a.id, a.name)}
                  aria-label={`Remove ${a.name}`}
                >
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {elsewhere}
    </section>
  );
}
