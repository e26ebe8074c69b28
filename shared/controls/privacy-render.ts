/**
 * Renderers of the privacy report (privacy.ts): plain text for a person, JSON for tools.
 * Both are deterministic: the same archive gives the same bytes.
 */
import { pushAll } from '../engine/append.ts';
import type { PrivacyEntry, PrivacyReport } from './privacy.ts';

/** Pretty-printed JSON of the report, with a final newline. */
export function renderPrivacyJson(report: PrivacyReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/**
 * Plain text, one block per data subject, e.g.
 * ```
 * Data subject sha256:9f86…
 *   email: 3 receipts (2 ok, 1 blocked), 2026-04-01T10:00:00.000Z to 2026-04-02T09:00:00.000Z
 *     agents:     crm-01 ×2, support-07 ×1
 *     actions:    data.share ×2, db.read ×1
 *     recipients: crm.example.com ×2
 * ```
 */
export function renderPrivacyText(report: PrivacyReport): string {
  const lines = [
    `Privacy report: ${report.subjects} data subject(s), ${report.entries.length} subject/category pair(s), from ${report.receipts} receipt(s) with personal data.`,
  ];
  if (report.entries.length === 0) lines.push('No receipt carries personal data or data subjects.');
  let subject: string | null = null;
  for (const entry of report.entries) {
    if (entry.subject !== subject) {
      subject = entry.subject;
      lines.push('', `Data subject ${subject}`);
    }
    pushAll(lines, entryLines(entry));
  }
  return `${lines.join('\n')}\n`;
}

function entryLines(entry: PrivacyEntry): string[] {
  const { ok, error, blocked } = entry.outcomes;
  const outcomes = [ok && `${ok} ok`, error && `${error} error`, blocked && `${blocked} blocked`]
    .filter(Boolean)
    .join(', ');
  const lines = [
    `  ${entry.category}: ${entry.receipts} receipt(s) (${outcomes}), ${entry.first} to ${entry.last}`,
    `    agents:     ${counts(entry.agents)}`,
    `    actions:    ${counts(entry.actions)}`,
    `    recipients: ${Object.keys(entry.recipients).length > 0 ? counts(entry.recipients) : 'none (not sent outside)'}`,
  ];
  if (entry.undeclared > 0)
    lines.push(
      `    note: in ${entry.undeclared} receipt(s) the policy bundle does not declare "${entry.category}" as a personal-data category`,
    );
  return lines;
}

function counts(record: Readonly<Record<string, number>>): string {
  return Object.entries(record)
    .map(([name, n]) => `${name} ×${n}`)
    .join(', ');
}
