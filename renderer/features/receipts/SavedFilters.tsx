import { useId, useState } from 'react';
import { formatRoute, parseQueryString, queryString, type ReceiptQuery } from '../../app/routes.ts';
import { deleteSavedFilter, listSavedFilters, saveFilter, type SavedFilter } from '../../store/saved-filters.ts';
import { MAX_FILTER_NAME } from '../../store/saved-filter-rules.ts';
import { useLiveQuery } from '../../store/use-live-query.ts';

interface Props {
  readonly archiveId: string;
  readonly engagementId: string;
  readonly query: ReceiptQuery;
}

/**
 * The engagement's named filters: save the current one, apply one (a link: it is an
 * address), delete one. They are kept per engagement, so they apply to any of its archives.
 */
export function SavedFilters({ archiveId, engagementId, query }: Props) {
  const id = useId();
  const filters = useLiveQuery(() => listSavedFilters(engagementId), [engagementId]);
  const [naming, setNaming] = useState(false);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<number | null>(null);
  const current = queryString(query);

  const save = async () => {
    const result = await saveFilter(engagementId, name, current);
    if (!result.ok) {
      setError(result.message);
      return;
    }
    setError(null);
    setNaming(false);
    setName('');
    setMessage(`Saved as "${result.filter.name}".`);
  };
  const remove = async (filter: SavedFilter) => {
    await deleteSavedFilter(filter.id);
    setConfirming(null);
    setMessage(`Deleted "${filter.name}".`);
  };

  return (
    <section className="panel saved-filters" aria-labelledby={`${id}-heading`} data-testid="saved-filters">
      <div className="card-head">
        <h2 id={`${id}-heading`}>Saved filters of this engagement</h2>
        {!naming && (
          <button
            type="button"
            onClick={() => {
              setNaming(true);
              setMessage(null);
            }}
            data-testid="save-filter-open"
          >
            Save filter…
          </button>
        )}
      </div>
      {naming && (
        <form
          className="save-filter-form"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
          data-testid="save-filter-form"
        >
          <div className="field">
            <label htmlFor={`${id}-name`}>Name</label>
            <input
              id={`${id}-name`}
              type="text"
              value={name}
              maxLength={MAX_FILTER_NAME + 20}
              onChange={(e) => setName(e.target.value)}
              aria-invalid={error !== null}
              aria-describedby={error ? `${id}-error` : `${id}-what`}
              data-testid="save-filter-name"
              // The form opens on request: the name field is where the user goes next.
              autoFocus
            />
            <p id={`${id}-what`} className="field-help">
              Keeps: <code className="break">{current === '' ? 'every receipt (no filter)' : current}</code>
            </p>
            {error && (
              <p id={`${id}-error`} className="field-error" role="alert" data-testid="save-filter-error">
                {error}
              </p>
            )}
          </div>
          <div className="actions">
            <button type="submit" className="primary" data-testid="save-filter-submit">
              Save
            </button>
            <button
              type="button"
              onClick={() => {
                setNaming(false);
                setError(null);
              }}
            >
              Cancel
            </button>
          </div>
        </form>
      )}
      {message && (
        <p className="record-note" role="status" data-testid="saved-filter-message">
          {message}
        </p>
      )}
      {filters === undefined ? (
        <p className="muted">Reading…</p>
      ) : filters.length === 0 ? (
        <p className="muted" data-testid="saved-filters-empty">
          None yet. A saved filter is kept with the engagement and applies to any of its archives.
        </p>
      ) : (
        <ul className="plain-list saved-filter-list">
          {filters.map((f) => {
            const href = formatRoute({ name: 'receipts', archiveId, query: parseQueryString(f.query) });
            const active = f.query === current;
            return (
              <li key={f.id} data-testid="saved-filter" data-name={f.name} className={active ? 'active' : undefined}>
                <a href={href} aria-current={active ? 'true' : undefined} data-testid="saved-filter-apply">
                  {f.name}
                </a>
                <code className="muted saved-filter-query">{f.query === '' ? 'no filter' : f.query}</code>
                {confirming === f.id ? (
                  <span className="actions">
                    <span>Delete “{f.name}”?</span>
                    <button type="button" onClick={() => void remove(f)} data-testid="saved-filter-delete-confirm">
                      Delete
                    </button>
                    <button type="button" onClick={() => setConfirming(null)}>
                      Keep
                    </button>
                  </span>
                ) : (
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => setConfirming(f.id)}
                    aria-label={`Delete saved filter ${f.name}`}
                    data-testid="saved-filter-delete"
                  >
                    Delete
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
