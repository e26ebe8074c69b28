/**
 * What a screen about one stored archive shows until the archive is there: a line while it
 * is read, and when it is absent (or could not be read) a heading that says so, why, and
 * the way back to the start page. One component, so every screen says it the same way.
 */
import { formatRoute } from '../app/routes.ts';

/** The states a screen's archive can be in; `loaded-archives.ts` and the control screens' row both fit. */
export type ArchiveReadiness =
  | { readonly status: 'loading' }
  | { readonly status: 'missing' }
  | { readonly status: 'failed'; readonly message: string }
  | { readonly status: 'ready' };

/** Null when the archive is ready: the screen draws itself. */
export function ArchiveNotReady({ state }: { state: ArchiveReadiness }) {
  if (state.status === 'ready') return null;
  if (state.status === 'loading') return <p className="muted">Reading the stored archive…</p>;
  return (
    <div className="page">
      <h1>Archive not found</h1>
      <p data-testid="archive-missing">
        {state.status === 'failed'
          ? `The stored archive could not be read: ${state.message}`
          : 'This archive is not stored in the workbench (it may have been removed).'}
      </p>
      <a href={formatRoute({ name: 'start' })}>Back to start</a>
    </div>
  );
}
