import { formatRoute } from '../../app/routes.ts';
import { formatCount, formatTime } from '../../components/format.ts';
import { listArchives } from '../../store/archives.ts';
import { db } from '../../store/db.ts';
import { useLiveQuery } from '../../store/use-live-query.ts';
import { forgetLoadedArchive } from '../../app/loaded-archives.ts';
import { deleteArchive } from '../../store/archives.ts';

/** Archives verified and stored in this workbench, grouped under their engagement. */
export function ImportedArchives() {
  const data = useLiveQuery(async () => ({ archives: await listArchives(), engagements: await db.engagements.toArray() }), []);
  if (!data) return null;
  if (data.archives.length === 0) {
    return (
      <section aria-labelledby="imported-heading" className="panel">
        <h2 id="imported-heading">Verified archives</h2>
        <p className="muted" data-testid="no-archives">
          No archive verified yet.
        </p>
      </section>
    );
  }
  const onDelete = async (id: string, name: string) => {
    if (!window.confirm(`Remove ${name} and everything stored from it from this workbench? The archive file itself is not touched.`)) return;
    forgetLoadedArchive(id);
    await deleteArchive(id);
  };
  return (
    <section aria-labelledby="imported-heading" className="panel">
      <h2 id="imported-heading">Verified archives</h2>
      {data.engagements.map((engagement) => {
        const archives = data.archives.filter((a) => a.engagementId === engagement.id);
        if (archives.length === 0) return null;
        return (
          <div key={engagement.id}>
            <h3 className="subtle-heading">{engagement.name}</h3>
            <table className="data-table" data-testid="archive-list">
              <thead>
                <tr>
                  <th scope="col">Archive</th>
                  <th scope="col">Organization</th>
                  <th scope="col" className="num">Receipts</th>
                  <th scope="col" className="num">Integrity findings</th>
                  <th scope="col" className="num">Control findings</th>
                  <th scope="col" className="num">Verified</th>
                  <th scope="col"><span className="visually-hidden">Actions</span></th>
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
                      <button type="button" className="link-button" onClick={() => void onDelete(a.id, a.name)} aria-label={`Remove ${a.name}`}>
                        Remove
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        );
      })}
    </section>
  );
}
