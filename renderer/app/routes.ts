/**
 * The workbench's places as hash URLs, so a reload shows the same screen and a count on
 * the dashboard is an ordinary link. Pure: parse and format only.
 */
import type { Severity } from '../../shared/engine/findings.ts';
import { HASH_PATTERN } from '../../shared/format/hash.ts';
import type { ReceiptFilter } from '../workers/receipt-table.ts';

/** What the receipts view is narrowed to, as it appears in the address. */
export interface ReceiptQuery {
  readonly ledger?: string;
  /** Time range, both ends included: `YYYY-MM-DD` (a whole UTC day) or an RFC 3339 time. */
  readonly from?: string;
  readonly to?: string;
  readonly agent?: string;
  readonly action?: string;
  /** `Type::id`, as the grid shows it. */
  readonly resource?: string;
  readonly effect?: 'allow' | 'deny';
  readonly status?: 'ok' | 'error' | 'blocked';
  /** `data.tier`. */
  readonly tier?: number;
  /** `any` (any personal data) or one category's name. */
  readonly personal?: string;
  /** A data subject, `sha256:` and 64 hex digits. */
  readonly subject?: string;
  /** A transaction id. */
  readonly txn?: string;
  readonly code?: string;
  readonly severity?: Severity;
  readonly category?: 'integrity' | 'control';
  readonly criterion?: string;
  readonly withFindings?: boolean;
  /** The search box's text: a receipt id or its start, a transaction id, a hash prefix. */
  readonly q?: string;
}

export type Route =
  | { readonly name: 'start' }
  | { readonly name: 'trust' }
  | { readonly name: 'import' }
  | { readonly name: 'dashboard'; readonly archiveId: string }
  | { readonly name: 'receipts'; readonly archiveId: string; readonly query: ReceiptQuery; readonly row?: number }
  /** The privacy report of an archive; `text` is the table's filter (kept in the address for Back). */
  | { readonly name: 'privacy'; readonly archiveId: string; readonly text?: string }
  /** The control library with each control's checks, metrics, trend and the engagement's manual attributes. */
  | { readonly name: 'controls'; readonly archiveId: string }
  /** Control metrics as the client could show them: population, exceptions, rate and trend per control. */
  | { readonly name: 'metrics'; readonly archiveId: string }
  /**
   * One receipt's decision reconstructed. `row` (the table's global row) picks one copy
   * when an id repeats, or a stored line that is not a valid receipt (its id is '').
   */
  | {
      readonly name: 'receipt';
      readonly archiveId: string;
      readonly receiptId: string;
      readonly row?: number;
      /** An ExecLayer log's line (1-based, in its file): the line reconstructed, whatever the id says. */
      readonly line?: number;
      /** Replay the decision under this bundle as well (what-if): its hash, in the archive or a proposed file. */
      readonly bundle?: string;
    }
  /** Each bundle id's versions on a timeline. */
  | { readonly name: 'bundles'; readonly archiveId: string }
  /** The engagement's signed workpaper for this archive: draft, sign-offs, keys, export. */
  | { readonly name: 'workpaper'; readonly archiveId: string }
  /** Checks a workpaper file (signers, content, review, the archive and PDF it names). */
  | { readonly name: 'verify-workpaper' }
  /** The archive's samples for tests of controls; `creating`: the new-sample form (`/samples/new`). */
  | { readonly name: 'samples'; readonly archiveId: string; readonly creating?: boolean }
  /** One sample: its items and results, evaluation and conclusion. */
  | { readonly name: 'sample'; readonly archiveId: string; readonly sampleId: number }
  /**
   * Two bundle versions side by side, by hash (absent: the screen picks consecutive ones),
   * and the decision impact: replayed over a saved filter's receipts (`filter`, its id) or
   * every one, with the list of changed receipts narrowed by `list`, `policy`, `action`.
   */
  | {
      readonly name: 'bundle-diff';
      readonly archiveId: string;
      readonly from?: string;
      readonly to?: string;
      readonly filter?: number;
      readonly list?: ImpactList;
      readonly policy?: string;
      readonly action?: string;
    };

/** Which receipts of a decision impact are listed. */
export type ImpactList = 'changed' | 'allow-to-deny' | 'deny-to-allow' | 'other-policies' | 'errors';
const IMPACT_LISTS: readonly ImpactList[] = ['changed', 'allow-to-deny', 'deny-to-allow', 'other-policies', 'errors'];

/** Keys whose value is kept as text (after the checks below); order is the address's. */
const QUERY_KEYS = [
  'ledger',
  'from',
  'to',
  'agent',
  'action',
  'resource',
  'effect',
  'status',
  'personal',
  'subject',
  'txn',
  'code',
  'severity',
  'category',
  'criterion',
  'q',
] as const;
type TextKey = (typeof QUERY_KEYS)[number];
const ENUMS: Partial<Record<TextKey, readonly string[]>> = {
  effect: ['allow', 'deny'],
  status: ['ok', 'error', 'blocked'],
  severity: ['critical', 'high', 'warning'],
  category: ['integrity', 'control'],
};
const CHECKS: Partial<Record<TextKey, (value: string) => boolean>> = {
  from: (v) => timeBound(v, 'from') !== null,
  to: (v) => timeBound(v, 'to') !== null,
  subject: (v) => HASH_PATTERN.test(v),
};

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/i;

/**
 * A time range bound in milliseconds since the epoch, or null when `text` is neither a
 * date (`YYYY-MM-DD`, a whole UTC day: `from` its first millisecond, `to` its last) nor an
 * RFC 3339 time (any offset; compared to the millisecond, as the index keeps times).
 */
export function timeBound(text: string, end: 'from' | 'to'): number | null {
  const date = DATE.exec(text);
  if (date) {
    const [y, m, d] = date.slice(1, 4).map(Number) as [number, number, number];
    const start = Date.UTC(y, m - 1, d);
    const back = new Date(start);
    if (back.getUTCFullYear() !== y || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== d) return null;
    return end === 'from' ? start : Date.UTC(y, m - 1, d + 1) - 1;
  }
  const time = RFC3339.exec(text);
  if (!time) return null;
  const [y, mo, d, h, mi, s] = time.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const oh = time[9] === undefined ? 0 : Number(time[9]);
  const om = time[10] === undefined ? 0 : Number(time[10]);
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 60 || oh > 23 || om > 59) return null;
  const back = new Date(Date.UTC(y, mo - 1, d));
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  const ms = Date.parse(text.toUpperCase());
  return Number.isNaN(ms) ? null : ms;
}

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '');
  const [pathname = '', search = ''] = path.split('?', 2);
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'trust') return { name: 'trust' };
  if (parts[0] === 'import') return { name: 'import' };
  if (parts[0] === 'verify-workpaper') return { name: 'verify-workpaper' };
  if (parts[0] === 'archive' && parts[1]) {
    if (parts[2] === 'receipts') {
      const params = new URLSearchParams(search);
      const query: Record<string, string | number | boolean> = {};
      for (const key of QUERY_KEYS) {
        const value = params.get(key);
        if (value === null || value.trim() === '') continue;
        const allowed = ENUMS[key];
        if (allowed && !allowed.includes(value)) continue;
        if (CHECKS[key]?.(value) === false) continue;
        query[key] = value;
      }
      const tier = params.get('tier');
      if (tier !== null && /^\d{1,15}$/.test(tier)) query.tier = Number(tier);
      if (params.get('findings') === '1') query.withFindings = true;
      const row = Number(params.get('row'));
      const withRow = params.has('row') && Number.isInteger(row) && row >= 0;
      return { name: 'receipts', archiveId: parts[1], query: query as ReceiptQuery, ...(withRow ? { row } : {}) };
    }
    if (parts[2] === 'privacy') {
      const text = new URLSearchParams(search).get('q');
      return { name: 'privacy', archiveId: parts[1], ...(text ? { text } : {}) };
    }
    if (parts[2] === 'controls') return { name: 'controls', archiveId: parts[1] };
    if (parts[2] === 'metrics') return { name: 'metrics', archiveId: parts[1] };
    if (parts[2] === 'receipt') {
      const params = new URLSearchParams(search);
      const row = params.get('row');
      const withRow = row !== null && /^\d{1,15}$/.test(row);
      const line = params.get('line');
      const withLine = line !== null && /^[1-9]\d{0,14}$/.test(line);
      const bundle = params.get('bundle');
      return {
        name: 'receipt',
        archiveId: parts[1],
        receiptId: parts[3] ?? '',
        ...(withRow ? { row: Number(row) } : {}),
        ...(withLine ? { line: Number(line) } : {}),
        ...(bundle !== null && HASH_PATTERN.test(bundle) ? { bundle } : {}),
      };
    }
    if (parts[2] === 'bundles' && parts[3] === 'diff') {
      const params = new URLSearchParams(search);
      const hash = (key: string) => {
        const value = params.get(key);
        return value !== null && HASH_PATTERN.test(value) ? { [key]: value } : {};
      };
      const text = (key: string) => {
        const value = params.get(key);
        return value !== null && value !== '' ? { [key]: value } : {};
      };
      const filter = params.get('filter');
      const list = params.get('list') as ImpactList | null;
      return {
        name: 'bundle-diff',
        archiveId: parts[1],
        ...hash('from'),
        ...hash('to'),
        ...(filter !== null && /^\d{1,15}$/.test(filter) ? { filter: Number(filter) } : {}),
        ...(list !== null && IMPACT_LISTS.includes(list) ? { list } : {}),
        ...text('policy'),
        ...text('action'),
      };
    }
    if (parts[2] === 'bundles') return { name: 'bundles', archiveId: parts[1] };
    if (parts[2] === 'workpaper') return { name: 'workpaper', archiveId: parts[1] };
    if (parts[2] === 'samples') {
      if (parts[3] !== undefined && /^[1-9]\d{0,14}$/.test(parts[3]))
        return { name: 'sample', archiveId: parts[1], sampleId: Number(parts[3]) };
      return { name: 'samples', archiveId: parts[1], ...(parts[3] === 'new' ? { creating: true } : {}) };
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
      for (const key of [...QUERY_KEYS, 'tier'] as const) {
        const value = route.query[key];
        if (value !== undefined) params.set(key, String(value));
      }
      if (route.query.withFindings) params.set('findings', '1');
      if (route.row !== undefined) params.set('row', String(route.row));
      const search = params.toString();
      return `#/archive/${encodeURIComponent(route.archiveId)}/receipts${search ? `?${search}` : ''}`;
    }
    case 'privacy': {
      const search = route.text ? `?${new URLSearchParams({ q: route.text }).toString()}` : '';
      return `#/archive/${encodeURIComponent(route.archiveId)}/privacy${search}`;
    }
    case 'controls':
      return `#/archive/${encodeURIComponent(route.archiveId)}/controls`;
    case 'metrics':
      return `#/archive/${encodeURIComponent(route.archiveId)}/metrics`;
    case 'receipt': {
      const params = new URLSearchParams();
      if (route.row !== undefined) params.set('row', String(route.row));
      if (route.line !== undefined) params.set('line', String(route.line));
      if (route.bundle !== undefined) params.set('bundle', route.bundle);
      const search = params.toString();
      return `#/archive/${encodeURIComponent(route.archiveId)}/receipt/${encodeURIComponent(route.receiptId)}${search ? `?${search}` : ''}`;
    }
    case 'bundles':
      return `#/archive/${encodeURIComponent(route.archiveId)}/bundles`;
    case 'workpaper':
      return `#/archive/${encodeURIComponent(route.archiveId)}/workpaper`;
    case 'verify-workpaper':
      return '#/verify-workpaper';
    case 'samples':
      return `#/archive/${encodeURIComponent(route.archiveId)}/samples${route.creating ? '/new' : ''}`;
    case 'sample':
      return `#/archive/${encodeURIComponent(route.archiveId)}/samples/${route.sampleId}`;
    case 'bundle-diff': {
      const params = new URLSearchParams();
      for (const key of ['from', 'to', 'filter', 'list', 'policy', 'action'] as const) {
        const value = route[key];
        if (value !== undefined) params.set(key, String(value));
      }
      const search = params.toString();
      return `#/archive/${encodeURIComponent(route.archiveId)}/bundles/diff${search ? `?${search}` : ''}`;
    }
  }
}

/** The route's query as text (no `?`, no row): what a saved filter keeps. */
export function queryString(query: ReceiptQuery): string {
  const hash = formatRoute({ name: 'receipts', archiveId: '-', query });
  const at = hash.indexOf('?');
  return at < 0 ? '' : hash.slice(at + 1);
}

/** A saved query string read back with the same checks as an address. */
export function parseQueryString(text: string): ReceiptQuery {
  const route = parseRoute(`#/archive/-/receipts?${text}`);
  return route.name === 'receipts' ? route.query : {};
}

/**
 * The table filter a query stands for; a criterion becomes the codes that bear on it.
 * The search text (`q`) is not a filter member: the page searches and passes the rows.
 */
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
    ...(query.resource !== undefined ? { resource: query.resource } : {}),
    ...(query.txn !== undefined ? { txn: query.txn } : {}),
    ...(query.tier !== undefined ? { tier: query.tier } : {}),
    ...(query.personal !== undefined
      ? { personal: query.personal === 'any' ? ('any' as const) : { category: query.personal } }
      : {}),
    ...(query.subject !== undefined ? { subject: query.subject } : {}),
    ...(query.from !== undefined ? { fromMs: timeBound(query.from, 'from') ?? -Infinity } : {}),
    ...(query.to !== undefined ? { toMs: timeBound(query.to, 'to') ?? Infinity } : {}),
  };
}
