/**
 * The privacy report: for each data subject (hashed, as the receipts carry them in
 * `data.subjects`) and personal-data category, which agents touched it, with which
 * actions, sent to which recipients, and when. It answers a privacy auditor's first
 * questions (SOC 2 P4-P6: use, retention, disclosure) without any personal data itself.
 *
 * It is a collector with the shape of a control check (the engine can feed it like one)
 * that reports no findings; it is read with {@link PrivacyCollector.report}. Every
 * receipt with personal data counts, whatever its outcome, and outcomes are counted
 * apart: an attempt the gate blocked is evidence too, but not a disclosure.
 *
 * Map, then merge (projected.ts): a worker projects each receipt with personal data to
 * a {@link PrivacyProjection}; the fold counts them into the per-subject tables.
 */
import type { ControlCheck, ReceiptContext } from '../engine/types.ts';
import type { Receipt } from '../format/schema.ts';
import { parseTime } from '../format/time.ts';
import { projectedCheck } from './projected.ts';

export const PRIVACY_REPORT_FORMAT = 'tickmark.privacy.v1';
/** The category named when a receipt lists subjects but no personal-data category. */
export const UNSPECIFIED_CATEGORY = '(unspecified)';
/** The subject named when a receipt lists personal-data categories but no subject. */
export const UNIDENTIFIED_SUBJECT = '(unidentified)';

export interface PrivacyEntry {
  readonly subject: string;
  readonly category: string;
  readonly receipts: number;
  readonly outcomes: { readonly ok: number; readonly error: number; readonly blocked: number };
  /** Count per agent id, per action id, per recipient (receipts with a recipient only). */
  readonly agents: Readonly<Record<string, number>>;
  readonly actions: Readonly<Record<string, number>>;
  readonly recipients: Readonly<Record<string, number>>;
  readonly first: string;
  readonly last: string;
  /** Receipts whose bundle did not list this category in `personal_categories`. */
  readonly undeclared: number;
}

export interface PrivacyReport {
  readonly format: typeof PRIVACY_REPORT_FORMAT;
  /** Receipts that carried personal data or data subjects. */
  readonly receipts: number;
  readonly subjects: number;
  /** Sorted by subject, then category. */
  readonly entries: readonly PrivacyEntry[];
}

export interface PrivacyCollector extends ControlCheck {
  report(): PrivacyReport;
}

interface Accumulator {
  receipts: number;
  readonly outcomes: { ok: number; error: number; blocked: number };
  readonly agents: Map<string, number>;
  readonly actions: Map<string, number>;
  readonly recipients: Map<string, number>;
  firstMs: number;
  first: string;
  lastMs: number;
  last: string;
  undeclared: number;
}

/**
 * One receipt with personal data, as the fold needs it: subjects and categories are
 * de-duplicated and stand-ins already applied; `undeclared` lists the indexes of the
 * categories the receipt's bundle does not declare (usually none). The subject hashes
 * dominate its size: about 165 bytes structured-cloned for one subject, two categories.
 */
export type PrivacyProjection = readonly [
  ts: string,
  status: Receipt['exec']['status'],
  agent: string,
  action: string,
  recipient: string | null,
  subjects: readonly string[],
  categories: readonly string[],
  undeclared: readonly number[],
];

export function createPrivacyCollector(): PrivacyCollector {
  const bySubject = new Map<string, Map<string, Accumulator>>();
  let receipts = 0;
  const check = projectedCheck<PrivacyProjection>({
    id: 'privacy-report',
    name: 'privacy report',
    project: projectPrivacy,
    fold(projection) {
      receipts++;
      const [ts, , , , , subjects, categories, undeclared] = projection;
      const atMs = parseTime(ts) ?? Number.NaN;
      for (const subject of subjects) {
        let byCategory = bySubject.get(subject);
        if (!byCategory) bySubject.set(subject, (byCategory = new Map()));
        for (const [index, category] of categories.entries()) {
          let entry = byCategory.get(category);
          if (!entry) byCategory.set(category, (entry = emptyAccumulator(ts, atMs)));
          add(entry, projection, atMs, undeclared.includes(index));
        }
      }
    },
    finish: () => [],
  });
  return { ...check, report: () => buildReport(bySubject, receipts) };
}

/** Receipts without personal data or data subjects are not in the report: null. */
export function projectPrivacy(receipt: Receipt, context: ReceiptContext): PrivacyProjection | null {
  const { personal, subjects, recipient } = receipt.data;
  if (personal.length === 0 && subjects.length === 0) return null;
  const declared = context.bundle?.body.data_handling?.personal_categories;
  const categories = personal.length > 0 ? [...new Set(personal)] : [UNSPECIFIED_CATEGORY];
  const undeclared: number[] = [];
  // The stand-in is not a category the receipt names: no bundle could declare it.
  if (declared !== undefined && personal.length > 0)
    for (const [index, category] of categories.entries()) if (!declared.includes(category)) undeclared.push(index);
  return [
    receipt.ts,
    receipt.exec.status,
    receipt.agent.id,
    receipt.request.action.id,
    recipient,
    subjects.length > 0 ? [...new Set(subjects)] : [UNIDENTIFIED_SUBJECT],
    categories,
    undeclared,
  ];
}

function emptyAccumulator(ts: string, atMs: number): Accumulator {
  return {
    receipts: 0,
    outcomes: { ok: 0, error: 0, blocked: 0 },
    agents: new Map(),
    actions: new Map(),
    recipients: new Map(),
    firstMs: atMs,
    first: ts,
    lastMs: atMs,
    last: ts,
    undeclared: 0,
  };
}

function add(
  entry: Accumulator,
  [ts, status, agent, action, recipient]: PrivacyProjection,
  atMs: number,
  undeclared: boolean,
): void {
  entry.receipts++;
  entry.outcomes[status]++;
  increment(entry.agents, agent);
  increment(entry.actions, action);
  if (recipient !== null) increment(entry.recipients, recipient);
  // Compared as instants (FORMAT.md §1), not as text: fractional digits may differ.
  if (atMs < entry.firstMs) [entry.firstMs, entry.first] = [atMs, ts];
  if (atMs > entry.lastMs) [entry.lastMs, entry.last] = [atMs, ts];
  if (undeclared) entry.undeclared++;
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function buildReport(bySubject: Map<string, Map<string, Accumulator>>, receipts: number): PrivacyReport {
  const entries: PrivacyEntry[] = [];
  for (const subject of [...bySubject.keys()].sort(compareText)) {
    const categories = bySubject.get(subject) ?? new Map<string, Accumulator>();
    for (const category of [...categories.keys()].sort(compareText)) {
      const a = categories.get(category);
      if (!a) continue;
      entries.push({
        subject,
        category,
        receipts: a.receipts,
        outcomes: { ...a.outcomes },
        agents: sortedRecord(a.agents),
        actions: sortedRecord(a.actions),
        recipients: sortedRecord(a.recipients),
        first: a.first,
        last: a.last,
        undeclared: a.undeclared,
      });
    }
  }
  return { format: PRIVACY_REPORT_FORMAT, receipts, subjects: bySubject.size, entries };
}

function sortedRecord(counts: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of [...counts.keys()].sort(compareText)) out[key] = counts.get(key) ?? 0;
  return out;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
