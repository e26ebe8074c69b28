/**
 * The rules for naming a saved receipts filter, apart from the database so they are
 * tested on their own: a name is required, at most {@link MAX_FILTER_NAME} characters,
 * and unique within its engagement (ignoring case and runs of spaces: "Denied  payments"
 * and "denied payments" would be two rows an auditor cannot tell apart in a list).
 */

export const MAX_FILTER_NAME = 120;

export type NameCheck = { readonly ok: true; readonly name: string } | { readonly ok: false; readonly message: string };

/** The name as kept: trimmed, inner runs of white space as one space. */
export function normalizeFilterName(name: string): string {
  return name.trim().replace(/\s+/g, ' ');
}

/** The key two names collide on. */
function nameKey(name: string): string {
  return normalizeFilterName(name).toLocaleLowerCase('en-US');
}

/** Checks a new filter's name against the names the engagement already has. */
export function checkFilterName(name: string, existing: readonly string[]): NameCheck {
  const normalized = normalizeFilterName(name);
  if (normalized === '') return { ok: false, message: 'Give the filter a name.' };
  if (normalized.length > MAX_FILTER_NAME)
    return {
      ok: false,
      message: `A filter name has at most ${MAX_FILTER_NAME} characters (this one has ${normalized.length}).`,
    };
  const key = nameKey(normalized);
  const taken = existing.find((other) => nameKey(other) === key);
  if (taken !== undefined)
    return {
      ok: false,
      message: `This engagement already has a filter named "${taken}": choose another name, or delete that filter first.`,
    };
  return { ok: true, name: normalized };
}

/** Saved filters in the order the list shows them: by name, then oldest first. */
export function byName<T extends { readonly name: string; readonly createdAt: string }>(rows: readonly T[]): T[] {
  return [...rows].sort(
    (a, b) =>
      a.name.localeCompare(b.name, 'en-US', { sensitivity: 'base', numeric: true }) ||
      (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0),
  );
}
