/**
 * Entry-name safety (FORMAT.md §2): names must be relative, `/`-separated, without
 * `..`, `\`, drive letters, NUL or duplicates. An unsafe entry is refused, never read.
 * Tickmark never writes entries to disk under their own names, but a name is also shown
 * to people and used as a key, so ambiguity is refused too.
 */

/** Why `name` is unsafe, or null when it is a safe relative path. */
export function unsafePathReason(name: string): string | null {
  if (name.length === 0) return 'the name is empty';
  if (name.includes('\0')) return 'the name contains a NUL character';
  if (name.includes('\\')) return 'the name contains a backslash';
  if (name.startsWith('/')) return 'the name is an absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'the name starts with a drive letter';
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'the name contains a control character';
  const parts = name.replace(/\/$/, '').split('/');
  if (parts.some((p) => p === '..')) return 'the name contains a ".." segment';
  if (parts.some((p) => p === '.' || p === '')) return 'the name contains an empty or "." segment';
  return null;
}
