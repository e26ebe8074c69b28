import { formatRoute } from '../../app/routes.ts';
import { NOT_FOR_EXECLAYER, type ArchiveScreen } from './execlayer-view.ts';

/** A screen made for FORMAT.md archives, opened on an ExecLayer log: says plainly why it is not available. */
export function NotForExeclayer({ archiveId, screen }: { archiveId: string; screen: ArchiveScreen }) {
  const { title, why } = NOT_FOR_EXECLAYER[screen];
  return (
    <div className="page" data-testid="not-for-execlayer" data-screen={screen}>
      <h1>{title}</h1>
      <p className="notice" data-testid="not-for-execlayer-why">
        Not available for ExecLayer logs: {why}
      </p>
      <p>
        <a href={formatRoute({ name: 'dashboard', archiveId })}>The log’s dashboard</a> ·{' '}
        <a href={formatRoute({ name: 'receipts', archiveId, query: {} })}>Its lines</a>
      </p>
    </div>
  );
}
