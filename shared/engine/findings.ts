/**
 * The findings model: every problem the verifier can report, with a stable code,
 * a severity, a location and a sentence a person understands (FORMAT.md §7).
 *
 * Codes are the contract with auditors and CI pipelines: never rename one.
 */

import type { FindingCode, Severity } from '../codes.ts';
import { defaultSeverity } from '../codes.ts';
import { ATTACHMENTS_DIR, KEYS_PATH, LEDGERS_DIR, MANIFEST_PATH, POLICIES_DIR } from '../format/layout.ts';

// The codes and what each means live in one table (shared/codes.ts); these names stay here
// for the engine's callers.
export {
  CONTROL_CODES,
  INTEGRITY_CODES,
  breaksContinuity,
  categoryOf,
  defaultSeverity,
  tampers,
  type ControlCode,
  type FindingCode,
  type IntegrityCode,
  type Severity,
} from '../codes.ts';

export const SEVERITY_ORDER: Readonly<Record<Severity, number>> = Object.freeze({ critical: 0, high: 1, warning: 2 });

export interface FindingLocation {
  /** Archive path, `/`-separated, relative to the archive root. */
  readonly path?: string;
  /** 1-based line within `path`. */
  readonly line?: number;
  readonly ledger?: string;
  readonly seq?: number;
  /** Receipt id. */
  readonly receipt?: string;
}

export interface Finding extends FindingLocation {
  readonly code: FindingCode;
  readonly severity: Severity;
  readonly message: string;
  /** Extra machine-readable detail (for example both sides of a decision mismatch). */
  readonly detail?: Readonly<Record<string, unknown>>;
}

export function finding(
  code: FindingCode,
  message: string,
  location: FindingLocation = {},
  detail?: Record<string, unknown>,
): Finding {
  const f: Finding = { code, severity: defaultSeverity(code), message, ...dropUndefined(location) };
  return detail ? { ...f, detail } : f;
}

function dropUndefined(location: FindingLocation): FindingLocation {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(location)) if (v !== undefined) out[k] = v;
  return out as FindingLocation;
}

const PATH_RANK = (path: string | undefined): number => {
  if (path === undefined) return 0;
  if (path === MANIFEST_PATH) return 1;
  if (path === KEYS_PATH) return 2;
  if (path.startsWith(POLICIES_DIR)) return 3;
  if (path.startsWith(LEDGERS_DIR)) return 4;
  if (path.startsWith(ATTACHMENTS_DIR)) return 5;
  return 6;
};

/**
 * The one deterministic order of findings: archive-level first, then by file
 * (manifest, keys, policies, ledgers, attachments), line, seq, code and message.
 */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    PATH_RANK(a.path) - PATH_RANK(b.path) ||
    cmp(a.path ?? '', b.path ?? '') ||
    cmp(a.ledger ?? '', b.ledger ?? '') ||
    (a.line ?? 0) - (b.line ?? 0) ||
    (a.seq ?? 0) - (b.seq ?? 0) ||
    cmp(a.code, b.code) ||
    cmp(a.receipt ?? '', b.receipt ?? '') ||
    cmp(a.message, b.message)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(compareFindings);
}
