import { useEffect, useId, useState } from 'react';
import type { ReceiptQuery } from '../../app/routes.ts';
import { navigate } from '../../app/use-route.ts';
import { formatCount } from '../../components/format.ts';
import type { SearchResult } from '../../workers/receipt-table.ts';
import { describeSearch } from './search-text.ts';

interface Props {
  readonly archiveId: string;
  readonly query: ReceiptQuery;
  /** The search of `query.q`, done by the page; null when there is none. */
  readonly result: SearchResult | null;
  /** Rows shown once the other filters narrowed the search, when they did. */
  readonly shown: number | null;
  /** False when this import has none of the columns the search reads. */
  readonly indexed: boolean;
}

/**
 * One box for a receipt id (or its start), a transaction id or a hash prefix. The text
 * goes into the address (`q`), so Back, reload and a shared link keep the search.
 */
export function SearchBox({ archiveId, query, result, shown, indexed }: Props) {
  const id = useId();
  const [text, setText] = useState(query.q ?? '');
  useEffect(() => setText(query.q ?? ''), [query.q]);
  const submit = (value: string) => {
    const next: Record<string, unknown> = { ...query };
    if (value.trim() === '') delete next.q;
    else next.q = value.trim();
    navigate({ name: 'receipts', archiveId, query: next as ReceiptQuery });
  };
  const narrowed = result !== null && shown !== null && shown < result.rows.length;
  return (
    <form
      className="search-box"
      role="search"
      aria-label="Search receipts"
      onSubmit={(e) => {
        e.preventDefault();
        submit(text);
      }}
    >
      <label htmlFor={id}>Find</label>
      <input
        id={id}
        type="search"
        value={text}
        onChange={(e) => setText(e.target.value)}
        placeholder="Receipt id, transaction id or hash (sha256:…, 6+ hex digits)"
        aria-describedby={result ? `${id}-result` : indexed ? undefined : `${id}-not-indexed`}
        disabled={!indexed}
        data-testid="receipt-search"
        spellCheck={false}
        autoComplete="off"
      />
      <button type="submit" disabled={!indexed} data-testid="receipt-search-submit">
        Search
      </button>
      {!indexed && !result && (
        <p id={`${id}-not-indexed`} className="field-help search-result" data-testid="receipt-search-not-indexed">
          Receipt ids, transactions and hashes: not indexed in this import: import the archive again.
        </p>
      )}
      {query.q !== undefined && (
        <button type="button" className="link-button" onClick={() => submit('')} data-testid="receipt-search-clear">
          Clear search
        </button>
      )}
      {result && (
        <p
          id={`${id}-result`}
          className={`search-result${result.parts.length === 0 ? ' search-none' : ''}`}
          role="status"
          data-testid="receipt-search-result"
          data-matches={result.rows.length}
        >
          {describeSearch(result)}
          {narrowed && ` ${formatCount(shown)} of them match the filters.`}
        </p>
      )}
    </form>
  );
}
