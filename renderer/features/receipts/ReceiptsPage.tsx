import { useEffect, useMemo } from 'react';
import { useLoadedArchive } from '../../app/loaded-archives.ts';
import { filterOf, queryString, type ReceiptQuery } from '../../app/routes.ts';
import { navigate } from '../../app/use-route.ts';
import { formatCount } from '../../components/format.ts';
import {
  filterRows,
  searchReceipts,
  unavailableFilters,
  unplacedFindings,
  type ReceiptFilter,
} from '../../workers/receipt-table.ts';
import { codesForCriterion } from '../../components/soc2-criteria.ts';
import { ArchiveNotReady } from '../../components/ArchiveNotReady.tsx';
import { ExportCsv } from './ExportCsv.tsx';
import { FilterBar, NOT_INDEXED } from './FilterBar.tsx';
import { ReceiptDetail } from './ReceiptDetail.tsx';
import { ReceiptGrid } from './ReceiptGrid.tsx';
import { SavedFilters } from './SavedFilters.tsx';
import { SearchBox } from './SearchBox.tsx';
import { UnplacedFindings } from './UnplacedFindings.tsx';
import { linesPerChunkOf } from '../../workers/receipt-columns.ts';
import { checkArchiveDocumentsWhenIdle, warmExplainWorkerWhenIdle } from '../reconstruct/explain-client.ts';

interface Props {
  readonly archiveId: string;
  readonly query: ReceiptQuery;
  readonly row: number | undefined;
}

/** How each filter that needs an explorer column is named when this import cannot answer it. */
const FILTER_NAME: Partial<Record<keyof ReceiptFilter, (q: ReceiptQuery) => string>> = {
  tier: (q) => `data tier ${q.tier}`,
  personal: (q) => (q.personal === 'any' ? 'any personal data' : `personal data "${q.personal}"`),
  txn: (q) => `transaction ${q.txn}`,
  subject: (q) => `data subject ${q.subject}`,
};
const FILTER_KEY: Partial<Record<keyof ReceiptFilter, keyof ReceiptQuery>> = {
  tier: 'tier',
  personal: 'personal',
  txn: 'txn',
  subject: 'subject',
};

export function ReceiptsPage({ archiveId, query, row }: Props) {
  const state = useLoadedArchive(archiveId);
  const loaded = state.status === 'ready' ? state.loaded : null;
  // The query is parsed again on every hash change: its text is the stable key.
  const key = queryString(query);
  const result = useMemo(() => {
    if (!loaded) return null;
    const { table } = loaded;
    const started = performance.now();
    const search = query.q === undefined ? null : searchReceipts(table, query.q);
    const searchUnavailable = search !== null && search.unavailable.length === 3;
    const filter: ReceiptFilter = {
      ...filterOf(query, codesForCriterion),
      ...(search && !searchUnavailable ? { within: search.rows } : {}),
    };
    const unavailable = unavailableFilters(table, filter);
    if (unavailable.length > 0 || searchUnavailable)
      return { search, unavailable, searchUnavailable, rows: null, ms: 0, unplaced: [] };
    const rows = filterRows(table, filter);
    const ms = performance.now() - started;
    // Findings about no single receipt are not what a search for one asked about.
    const unplaced = search ? [] : unplacedFindings(table, filter);
    return { search, unavailable, searchUnavailable, rows, ms, unplaced };
    // `key` stands for `query`.
  }, [loaded, key]);
  // A receipt's reconstruction is a click away (its detail's walk link): its worker loads Cedar meanwhile.
  useEffect(() => warmExplainWorkerWhenIdle(), []);
  // And checks the archive's keys.json and manifest, as its first walk would.
  useEffect(() => (loaded ? checkArchiveDocumentsWhenIdle(archiveId) : undefined), [archiveId, loaded]);
  if (!loaded || !result) return <ArchiveNotReady state={state} />;
  const { table, archive } = loaded;
  const select = (next: number | undefined) =>
    navigate({ name: 'receipts', archiveId, query, ...(next === undefined ? {} : { row: next }) }, { replace: true });
  const selected = row !== undefined && row < table.count ? row : undefined;
  const withoutUnavailable = () => {
    const next: Record<string, unknown> = { ...query };
    for (const k of result.unavailable) delete next[FILTER_KEY[k] as string];
    if (result.searchUnavailable) delete next.q;
    navigate({ name: 'receipts', archiveId, query: next as ReceiptQuery });
  };
  return (
    <div className="page receipts-page" data-testid="receipts-page">
      <div className="page-head">
        <h1>Receipts</h1>
        <span className="muted">{archive.name}</span>
      </div>
      <SearchBox
        archiveId={archiveId}
        query={query}
        result={result.search}
        shown={result.rows ? result.rows.length : null}
        indexed={!(['receiptId', 'transaction', 'hash'] as const).every((c) => table.missing.includes(c))}
      />
      <FilterBar archiveId={archiveId} query={query} table={table} />
      {result.rows === null ? (
        <div className="notice notice-error" role="alert" data-testid="filters-not-indexed">
          <p>
            {[
              ...result.unavailable.map((k) => FILTER_NAME[k]?.(query) ?? k),
              ...(result.searchUnavailable ? [`the search for ${query.q}`] : []),
            ]
              .join(', ')
              .replace(/^./, (c) => c.toUpperCase())}
            : {NOT_INDEXED}. Receipts are not listed: a list this filter could not narrow would look like its result.
          </p>
          <button type="button" onClick={withoutUnavailable} data-testid="filters-not-indexed-remove">
            {result.unavailable.length === 0
              ? 'Clear the search'
              : result.unavailable.length + (result.searchUnavailable ? 1 : 0) === 1
                ? 'Remove this filter'
                : 'Remove these'}
          </button>
        </div>
      ) : (
        <>
          <div className="result-line">
            <p
              className="result-count num"
              role="status"
              data-testid="receipt-result-count"
              data-query-ms={result.ms.toFixed(1)}
              data-rows={result.rows.length}
            >
              {formatCount(result.rows.length)} of {formatCount(table.count)} receipts
            </p>
            <ExportCsv table={table} rows={result.rows} archiveName={archive.name} />
          </div>
          {result.unplaced.length > 0 && <UnplacedFindings findings={result.unplaced} />}
          <div className={`receipts-layout${selected !== undefined ? ' with-detail' : ''}`}>
            <ReceiptGrid table={table} rows={result.rows} selected={selected} onSelect={select} />
            {selected !== undefined && (
              <ReceiptDetail
                archiveId={archiveId}
                linesPerChunk={linesPerChunkOf(archive)}
                table={table}
                row={selected}
                onClose={() => select(undefined)}
              />
            )}
          </div>
        </>
      )}
      <SavedFilters archiveId={archiveId} engagementId={archive.engagementId} query={query} />
    </div>
  );
}
