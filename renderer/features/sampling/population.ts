/**
 * A sample's population: every stored receipt line of the archive, or the rows a saved
 * filter's query selects, chosen exactly as the receipts explorer chooses them for the
 * same query (its search and its filters). Pure (tested under Node).
 */
import { filterOf, parseQueryString, type ReceiptQuery } from '../../app/routes.ts';
import { codesForCriterion } from '../../components/soc2-criteria.ts';
import {
  filterRows,
  searchReceipts,
  unavailableFilters,
  type ReceiptFilter,
  type ReceiptTable,
} from '../../workers/receipt-table.ts';

export type Stratify = 'ledger' | 'agent' | 'action';
export const STRATIFY_BY: readonly Stratify[] = ['ledger', 'agent', 'action'];

export type PopulationResult =
  { readonly ok: true; readonly rows: Uint32Array } | { readonly ok: false; readonly message: string };

const REIMPORT = 'import the archive again to sample it';

/**
 * The rows of the population a query text (a saved filter's, '' for every receipt) selects.
 * Refused, with the sentence to show, when this import cannot answer the query or has no
 * line hashes and receipt ids (a sample is ranked by line hash and names receipts by id).
 */
export function populationRows(table: ReceiptTable, queryText: string): PopulationResult {
  for (const column of ['hash', 'receiptId'] as const)
    if (table.missing.includes(column))
      return {
        ok: false,
        message: `This import did not keep each receipt's ${column === 'hash' ? 'line hash' : 'id'} in its index: ${REIMPORT}.`,
      };
  const query: ReceiptQuery = parseQueryString(queryText);
  const search = query.q === undefined ? null : searchReceipts(table, query.q);
  if (search && search.unavailable.length === 3)
    return { ok: false, message: `The filter searches for ${query.q}, which this import did not index: ${REIMPORT}.` };
  const filter: ReceiptFilter = {
    ...filterOf(query, codesForCriterion),
    ...(search ? { within: search.rows } : {}),
  };
  const missing = unavailableFilters(table, filter);
  if (missing.length > 0)
    return {
      ok: false,
      message: `The filter needs ${missing.join(', ')}, which this import did not index: ${REIMPORT}.`,
    };
  return { ok: true, rows: filterRows(table, filter) };
}

/** The stratum a row belongs to ('' when the row has no value for it: a line that is not a valid receipt). */
export function stratumOf(table: ReceiptTable, row: number, by: Stratify): string {
  switch (by) {
    case 'ledger':
      return table.ledgers[table.ledgerOf[row] as number] ?? '';
    case 'agent':
      return table.dictionaries.agents[table.agent[row] as number] ?? '';
    case 'action':
      return table.dictionaries.actions[table.action[row] as number] ?? '';
  }
}

/**
 * The options of `tickmark sample` that select the same population, or null when the query
 * uses a filter the command does not have (it filters by ledger, agent and action only).
 */
export function cliFilterOf(queryText: string): string[] | null {
  const query = parseQueryString(queryText);
  const args: string[] = [];
  for (const [key, value] of Object.entries(query) as [keyof ReceiptQuery, unknown][]) {
    if (key !== 'ledger' && key !== 'agent' && key !== 'action') return null;
    args.push(`--${key}`, String(value));
  }
  return args;
}

/** Receipts per stratum of the population (rows with no value left out), by name. */
export function strataCounts(table: ReceiptTable, rows: ArrayLike<number>, by: Stratify): Map<string, number> {
  const column = by === 'ledger' ? table.ledgerOf : by === 'agent' ? table.agent : table.action;
  const counts = new Map<number, number>();
  for (let i = 0; i < rows.length; i++) {
    const id = column[rows[i] as number] as number;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  const out = new Map<string, number>();
  for (const [id, n] of counts) {
    const name =
      by === 'ledger'
        ? (table.ledgers[id] ?? '')
        : ((by === 'agent' ? table.dictionaries.agents : table.dictionaries.actions)[id] ?? '');
    if (name !== '') out.set(name, n);
  }
  return out;
}
