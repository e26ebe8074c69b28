/**
 * The workbench's places as hash URLs, so a reload shows the same screen and a count on
 * the dashboard is an ordinary link. Pure: parse and format only.
 */
import type { Severity } from '../../shared/engine/findings.ts';
import type { ReceiptFilter } from '../workers/receipt-table.ts';

/** What the receipts view is narrowed to, as it appears in the address. */
export interface ReceiptQuery {
  readonly ledger?: string;
  readonly agent?: string;
  readonly action?: string;
  readonly effect?: 'allow' | 'deny';
  readonly status?: 'ok' | 'error' | 'blocked';
  readonly code?: string;
  readonly severity?: Severity;
  readonly category?: 'integrity' | 'control';
  readonly criterion?: string;
  readonly withFindings?: boolean;
}

export type Route =
  | { readonly name: 'start' }
  | { readonly name: 'trust' }
  | { readonly name: 'import' }
  | { readonly name: 'dashboard'; readonly archiveId: string }
  | { readonly name: 'receipts'; readonly archiveId: string; readonly query: ReceiptQuery; readonly row?: number };

const QUERY_KEYS = [
  'ledger',
  'agent',
  'action',
  'effect',
  'status',
  'code',
  'severity',
  'category',
  'criterion',
] as const;
const ENUMS: Partial<Record<(typeof QUERY_KEYS)[number], readonly string[]>> = {
  effect: ['allow', 'deny'],
  status: ['ok', 'error', 'blocked'],
  severity: ['critical', 'high', 'warning'],
  category: ['integrity', 'control'],
};

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '');
  const [pathname = '', search = ''] = path.split('?', 2);
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'trust') return { name: 'trust' };
  if (parts[0] === 'import') return { name: 'import' };
  if (parts[0] === 'archive' && parts[1]) {
    if (parts[2] === 'receipts') {
      const params = new URLSearchParams(search);
      const query: Record<string, string | boolean> = {};
      for (const key of QUERY_KEYS) {
        const value = params.get(key);
        if (value === null || value === '') continue;
        const allowed = ENUMS[key];
        if (allowed && !allowed.includes(value)) continue;
        query[key] = value;
      }
      if (params.get('findings') === '1') query.withFindings = true;
      const row = Number(params.get('row'));
      const withRow = params.has('row') && Number.isInteger(row) && row >= 0;
      return { name: 'receipts', archiveId: parts[1], query: query as ReceiptQuery, ...(withRow ? { row } : {}) };
    }
    return { name: 'dashboard', archiveId: parts[1] };
  }
  return { name: 'start' };
}

export function formatRoute(route: Route): string {
  switch (route.name) {
    case 'start':
      return '#/';
    case 'trust':
      return '#/trust';
    case 'import':
      return '#/import';
    case 'dashboard':
      return `#/archive/${encodeURIComponent(route.archiveId)}`;
    case 'receipts': {
      const params = new URLSearchParams();
      for (const key of QUERY_KEYS) {
        const value = route.query[key];
        if (value !== undefined) params.set(key, value);
      }
      if (route.query.withFindings) params.set('findings', '1');
      if (route.row !== undefined) params.set('row', String(route.row));
      const search = params.toString();
      return `#/archive/${encodeURIComponent(route.archiveId)}/receipts${search ? `?${search}` : ''}`;
    }
  }
}

/** The table filter a query stands for; a criterion becomes the codes that bear on it. */
export function filterOf(query: ReceiptQuery, codesForCriterion: (id: string) => string[]): ReceiptFilter {
  const codes =
    query.code !== undefined
      ? [query.code]
      : query.criterion !== undefined
        ? codesForCriterion(query.criterion)
        : undefined;
  return {
    ...(query.ledger !== undefined ? { ledger: query.ledger } : {}),
    ...(query.agent !== undefined ? { agent: query.agent } : {}),
    ...(query.action !== undefined ? { action: query.action } : {}),
    ...(query.effect !== undefined ? { effect: query.effect } : {}),
    ...(query.status !== undefined ? { status: query.status } : {}),
    ...(codes !== undefined ? { codes } : {}),
    ...(query.severity !== undefined ? { severity: query.severity } : {}),
    ...(query.category !== undefined ? { category: query.category } : {}),
    ...(query.withFindings ? { withFindings: true } : {}),
  };
}
