/**
 * RFC 3339 UTC timestamps (`…Z`), compared as instants (FORMAT.md §1), exactly, at
 * whatever precision they carry: 0.8 ms matters when it separates a signature from its
 * key's revocation.
 */
const RFC3339_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?Z$/;

/**
 * An instant as a text that orders exactly like time: the 19 fixed-width characters of
 * date and time, then the fraction's digits without trailing zeros. Fixed width first and
 * no trailing zeros after make plain string comparison exact (".5" = ".50" < ".51").
 */
export type Instant = string & { readonly __instant: unique symbol };

/** The last text asked about and its answer: a receipt's time is asked about by several checks in turn. */
let lastText = '';
let lastInstant: Instant | null = null;

/** The instant of `text`, or null when it is not an RFC 3339 UTC time. */
export function instantOf(text: unknown): Instant | null {
  if (typeof text !== 'string') return null;
  if (text === lastText) return lastInstant;
  lastInstant = readInstant(text);
  lastText = text;
  return lastInstant;
}

function readInstant(text: string): Instant | null {
  const m = RFC3339_UTC.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return null;
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0 to 99 as 1900 to 1999.
  const back = new Date(0);
  back.setUTCFullYear(y, mo - 1, d);
  if (back.getUTCDate() !== d || back.getUTCFullYear() !== y) return null; // 2026-02-30 and the like
  return (text.slice(0, 19) + (m[7] ?? '').replace(/0+$/, '')) as Instant;
}

/** Instants compared: negative when `a` is earlier, 0 when the same, positive when later. */
export function compareInstants(a: Instant, b: Instant): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Milliseconds since the epoch (for display and arithmetic, never for deciding an order
 * that the evidence depends on: use {@link instantOf}), or null when `text` is not an
 * RFC 3339 UTC time.
 */
export function parseTime(text: unknown): number | null {
  if (instantOf(text) === null) return null;
  const ms = Date.parse(text as string);
  return Number.isNaN(ms) ? null : ms;
}

export function isTime(text: unknown): text is string {
  return instantOf(text) !== null;
}
