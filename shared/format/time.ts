/**
 * RFC 3339 UTC timestamps (`…Z`), compared as instants (FORMAT.md §1).
 * Precision below a millisecond is kept in the text but not in comparisons.
 */
const RFC3339_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?Z$/;

/** Milliseconds since the epoch, or null when `text` is not an RFC 3339 UTC time. */
export function parseTime(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const m = RFC3339_UTC.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return null;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return null;
  const back = new Date(Date.UTC(y, mo - 1, d));
  if (back.getUTCDate() !== d) return null; // 2026-02-30 and the like
  return ms;
}

export function isTime(text: unknown): text is string {
  return parseTime(text) !== null;
}
