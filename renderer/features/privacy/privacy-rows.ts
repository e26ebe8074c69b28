/**
 * The privacy screen's logic, pure: which rows a filter keeps, where a row's receipts are,
 * the warning when the evidence is not sound, and the CSV of what is shown. The report
 * itself is `tickmark privacy`'s (shared/controls/privacy.ts), made in the same
 * verification as the archive's report and stored with it.
 */
import { UNIDENTIFIED_SUBJECT, UNSPECIFIED_CATEGORY, type PrivacyEntry } from '../../../shared/controls/privacy.ts';
import { formatRoute } from '../../app/routes.ts';
import { csvRecord } from '../receipts/csv.ts';

/** What the warning needs of the verification report. */
export interface EvidenceSummary {
  readonly trusted: boolean;
  readonly integrity_findings: number;
}

/**
 * The warning `tickmark privacy` prints first when the evidence behind the report is not
 * sound (trust not anchored, or any integrity finding), in the same words; null when it is.
 */
export function evidenceWarning(summary: EvidenceSummary): string | null {
  const integrity = summary.integrity_findings;
  if (summary.trusted && integrity === 0) return null;
  return `The evidence behind this report is not sound (${integrity} integrity finding${integrity === 1 ? '' : 's'}, trust anchored: ${summary.trusted ? 'yes' : 'no'}).`;
}

/** `crm-01 ×2, support-07 ×1`, as the CLI writes counts; '' for none. */
export function formatCounts(counts: Readonly<Record<string, number>>, separator = ', ', times = ' ×'): string {
  return Object.entries(counts)
    .map(([name, n]) => `${name}${times}${n}`)
    .join(separator);
}

/**
 * Lower-cased text a filter is matched against, one per entry: subject, category, agents
 * and recipients (not actions), separated so a term never matches across two of them.
 */
export function searchTexts(entries: readonly PrivacyEntry[]): string[] {
  return entries.map((e) =>
    [e.subject, e.category, ...Object.keys(e.agents), ...Object.keys(e.recipients)].join('\n').toLowerCase(),
  );
}

/** The filter's terms: whitespace-separated, lower-cased; every term must match. */
export function filterTerms(text: string): string[] {
  return text.toLowerCase().split(/\s+/).filter(Boolean);
}

/** Positions of the entries whose text holds every term (all of them for no term), in order. */
export function filterEntries(texts: readonly string[], terms: readonly string[]): number[] {
  const out: number[] = [];
  rows: for (let i = 0; i < texts.length; i++) {
    const text = texts[i] as string;
    for (const term of terms) if (!text.includes(term)) continue rows;
    out.push(i);
  }
  return out;
}

export interface ReceiptsLink {
  readonly href: string;
  /** What the receipts screen will be narrowed to, in words (it can be wider than the row). */
  readonly describes: string;
}

/**
 * The receipts explorer narrowed to one row: `subject=` and `personal=`. The collector's
 * stand-ins are not values a receipt holds, so their filter is left out: a row of the
 * `(unspecified)` category links to every receipt of its subject, a row of the
 * `(unidentified)` subject to every receipt with its category.
 */
export function receiptsLink(archiveId: string, entry: Pick<PrivacyEntry, 'subject' | 'category'>): ReceiptsLink {
  const bySubject = entry.subject !== UNIDENTIFIED_SUBJECT;
  const byCategory = entry.category !== UNSPECIFIED_CATEGORY;
  const query = {
    ...(bySubject ? { subject: entry.subject } : {}),
    ...(byCategory ? { personal: entry.category } : {}),
  };
  const describes =
    bySubject && byCategory
      ? `receipts with this subject and the category ${entry.category}`
      : bySubject
        ? 'every receipt with this subject (the receipts of this row list no category)'
        : `every receipt with the category ${entry.category} (the receipts of this row list no subject)`;
  return { href: formatRoute({ name: 'receipts', archiveId, query }), describes };
}

/**
 * `9f86d081…b0f00a08` for `sha256:9f86…0a08` (every subject is a SHA-256 hash): enough to
 * tell subjects apart on screen; the full value goes in a title, the filter and the CSV.
 */
export function shortSubject(subject: string): string {
  const match = /^sha256:([0-9a-f]{64})$/.exec(subject);
  if (!match) return subject;
  const hex = match[1] as string;
  return `${hex.slice(0, 8)}…${hex.slice(-8)}`;
}

export const CSV_HEADER = [
  'subject',
  'category',
  'receipts',
  'ok',
  'error',
  'blocked',
  'agents',
  'actions',
  'recipients',
  'first',
  'last',
  'undeclared',
] as const;

/**
 * The rows shown (in their order) as CSV, written by the receipts export's RFC 4180 writer
 * with its formula-injection guard (../receipts/csv.ts): full subjects, exact times as the
 * receipts carry them, counts per name as `name (n)` joined by `; ` (ASCII, so any
 * spreadsheet reads it the same).
 */
export function privacyCsv(entries: readonly PrivacyEntry[], positions: readonly number[]): string {
  const list = (counts: Readonly<Record<string, number>>) =>
    Object.entries(counts)
      .map(([name, n]) => `${name} (${n})`)
      .join('; ');
  const parts = [csvRecord(CSV_HEADER)];
  for (const i of positions) {
    const e = entries[i];
    if (!e) continue;
    parts.push(
      csvRecord([
        e.subject,
        e.category,
        String(e.receipts),
        String(e.outcomes.ok),
        String(e.outcomes.error),
        String(e.outcomes.blocked),
        list(e.agents),
        list(e.actions),
        list(e.recipients),
        e.first,
        e.last,
        String(e.undeclared),
      ]),
    );
  }
  return parts.join('');
}

/** A file name for the export: the archive's name without its extension, safe on any system. */
export function csvFileName(archiveName: string, filtered: boolean): string {
  const base = archiveName.replace(/\.zip$/i, '').replace(/[^A-Za-z0-9._-]+/g, '_') || 'archive';
  return `privacy-${base}${filtered ? '-filtered' : ''}.csv`;
}
