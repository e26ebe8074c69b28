/**
 * The receipts a replay covers: every stored line, or the rows a saved filter selects,
 * chosen exactly as the receipts explorer chooses them for the same query (its search and
 * its filters), so "this filter's receipts" means the same on both screens.
 */
import { filterOf, parseQueryString } from '../../app/routes.ts';
import { codesForCriterion } from '../../components/soc2-criteria.ts';
import type { LoadedArchive } from '../../store/archives.ts';
import type { SavedFilter } from '../../store/saved-filters.ts';
import { filterRows, searchReceipts, unavailableFilters, type ReceiptFilter } from '../../workers/receipt-table.ts';
import type { ChunkTask } from '../../workers/impact-protocol.ts';
import { linesPerChunkOf } from '../../workers/receipt-columns.ts';
import { planAll, planRows } from './impact-plan.ts';

export type Population =
  | { readonly ok: true; readonly tasks: ChunkTask[]; readonly label: string; readonly key: string }
  | { readonly ok: false; readonly message: string };

export function populationOf(loaded: LoadedArchive, filter: SavedFilter | null): Population {
  if (!filter)
    return {
      ok: true,
      tasks: planAll(loaded.archive.rowsByLedger ?? {}, linesPerChunkOf(loaded.archive)),
      label: 'every recorded receipt',
      key: 'all',
    };
  const { table } = loaded;
  const query = parseQueryString(filter.query);
  const search = query.q === undefined ? null : searchReceipts(table, query.q);
  if (search && search.unavailable.length === 3)
    return {
      ok: false,
      message: `The saved filter “${filter.name}” searches for ${query.q}, which this import did not index: import the archive again.`,
    };
  const member: ReceiptFilter = {
    ...filterOf(query, codesForCriterion),
    ...(search ? { within: search.rows } : {}),
  };
  const missing = unavailableFilters(table, member);
  if (missing.length > 0)
    return {
      ok: false,
      message: `The saved filter “${filter.name}” filters by ${missing.join(', ')}, which this import did not index: import the archive again.`,
    };
  const rows = filterRows(table, member);
  return {
    ok: true,
    tasks: planRows(table, rows, linesPerChunkOf(loaded.archive)),
    label: `the ${rows.length.toLocaleString('en-US')} receipts of the saved filter “${filter.name}”`,
    key: `filter:${filter.id}:${filter.query}`,
  };
}
