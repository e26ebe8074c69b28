import { useMemo } from 'react';
import { useLoadedArchive } from '../../app/loaded-archives.ts';
import { filterOf, formatRoute, type ReceiptQuery } from '../../app/routes.ts';
import { navigate } from '../../app/use-route.ts';
import { formatCount } from '../../components/format.ts';
import { filterRows, unplacedFindings } from '../../workers/receipt-table.ts';
import { codesForCriterion } from '../../components/soc2-criteria.ts';
import { FilterBar } from './FilterBar.tsx';
import { ReceiptDetail } from './ReceiptDetail.tsx';
import { ReceiptGrid } from './ReceiptGrid.tsx';
import { UnplacedFindings } from './UnplacedFindings.tsx';

interface Props {
  readonly archiveId: string;
  readonly query: ReceiptQuery;
  readonly row: number | undefined;
}

export function ReceiptsPage({ archiveId, query, row }: Props) {
  const state = useLoadedArchive(archiveId);
  const loaded = state.status === 'ready' ? state.loaded : null;
  const filter = useMemo(() => filterOf(query, codesForCriterion), [query]);
  const result = useMemo(() => {
    if (!loaded) return null;
    const started = performance.now();
    const rows = filterRows(loaded.table, filter);
    return { rows, ms: performance.now() - started, unplaced: unplacedFindings(loaded.table, filter) };
  }, [loaded, filter]);
  if (state.status === 'loading') return <p className="muted">Reading the stored archive…</p>;
  if (!loaded || !result) {
    return (
      <div className="page">
        <h1>Archive not found</h1>
        <a href={formatRoute({ name: 'start' })}>Back to start</a>
      </div>
    );
  }
  const { table, archive } = loaded;
  const select = (next: number | undefined) =>
    navigate({ name: 'receipts', archiveId, query, ...(next === undefined ? {} : { row: next }) }, { replace: true });
  const selected = row !== undefined && row < table.count ? row : undefined;
  return (
    <div className="page receipts-page" data-testid="receipts-page">
      <div className="page-head">
        <h1>Receipts</h1>
        <span className="muted">{archive.name}</span>
      </div>
      <FilterBar archiveId={archiveId} query={query} table={table} />
      <p
        className="result-count num"
        role="status"
        data-testid="receipt-result-count"
        data-query-ms={result.ms.toFixed(1)}
        data-rows={result.rows.length}
      >
        {formatCount(result.rows.length)} of {formatCount(table.count)} receipts
      </p>
      {result.unplaced.length > 0 && <UnplacedFindings findings={result.unplaced} />}
      <div className={`receipts-layout${selected !== undefined ? ' with-detail' : ''}`}>
        <ReceiptGrid table={table} rows={result.rows} selected={selected} onSelect={select} />
        {selected !== undefined && (
          <ReceiptDetail archiveId={archiveId} table={table} row={selected} onClose={() => select(undefined)} />
        )}
      </div>
    </div>
  );
}
