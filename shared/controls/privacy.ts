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
 */
import type { ControlCheck, ReceiptContext } from '../engine/types.ts';
import type { Receipt } from '../format/schema.ts';
import { parseTime } from '../format/time.ts';

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

export function createPrivacyCollector(): PrivacyCollector {
  const bySubject = new Map<string, Map<string, Accumulator>>();
  let receipts = 0;
  return {
    name: 'privacy report',
    visit(receipt: Receipt, context: ReceiptContext) {
      const { personal, subjects } = receipt.data;
      if (personal.length === 0 && subjects.length === 0) return;
      receipts++;
      const declared = context.bundle?.body.data_handling?.personal_categories;
      const atMs = parseTime(receipt.ts) ?? Number.NaN;
      for (const subject of subjects.length > 0 ? new Set(subjects) : [UNIDENTIFIED_SUBJECT]) {
        let categories = bySubject.get(subject);
        if (!categories) bySubject.set(subject, (categories = new Map()));
        for (const category of personal.length > 0 ? new Set(personal) : [UNSPECIFIED_CATEGORY]) {
          let entry = categories.get(category);
          if (!entry) categories.set(category, (entry = emptyAccumulator(receipt.ts, atMs)));
          add(entry, receipt, atMs, declared !== undefined && !declared.includes(category));
        }
      }
    },
    finish: () => [],
    report: () => buildReport(bySubject, receipts),
  };
}

function emptyAccumulator(ts: string, atMs: number): Accumulator {
  return { receipts: 0, outcomes: { ok: 0, error: 0, blocked: 0 }, agents: new Map(), actions: new Map(), recipients: new Map(), firstMs: atMs, first: ts, lastMs: atMs, last: ts, undeclared: 0 };
}

function add(entry: Accumulator, receipt: Receipt, atMs: number, undeclared: boolean): void {
  entry.receipts++;
  entry.outcomes[receipt.exec.status]++;
  increment(entry.agents, receipt.agent.id);
  increment(entry.actions, receipt.request.action.id);
  if (receipt.data.recipient !== null) increment(entry.recipients, receipt.data.recipient);
  // Compared as instants (FORMAT.md §1), not as text: fractional digits may differ.
  if (atMs < entry.firstMs) [entry.firstMs, entry.first] = [atMs, receipt.ts];
  if (atMs > entry.lastMs) [entry.lastMs, entry.last] = [atMs, receipt.ts];
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
