/**
 * The findings model: every problem the verifier can report, with a stable code,
 * a severity, a location and a sentence a person understands (FORMAT.md §7).
 *
 * Codes are the contract with auditors and CI pipelines: never rename one.
 */

export const INTEGRITY_CODES = Object.freeze([
  'ARCHIVE_UNREADABLE',
  'ENTRY_UNSAFE_PATH',
  'ENTRY_TOO_LARGE',
  'FORMAT_UNSUPPORTED',
  'MANIFEST_MISSING',
  'MANIFEST_SIGNATURE_INVALID',
  'FILE_MISSING',
  'FILE_HASH_MISMATCH',
  'FILE_UNLISTED',
  'KEY_UNTRUSTED_ROOT',
  'KEY_ID_MISMATCH',
  'KEY_UNKNOWN',
  'KEY_CERT_INVALID',
  'KEY_ROLE_MISMATCH',
  'KEY_NOT_VALID_AT',
  'KEY_REVOKED',
  'RECORD_MALFORMED',
  'RECORD_NONCANONICAL',
  'SIGNATURE_INVALID',
  'CHAIN_BROKEN',
  'CHAIN_GAP',
  'CHAIN_DUPLICATE_SEQ',
  'RECEIPT_ID_DUPLICATE',
  'TIME_REGRESSION',
  'CHECKPOINT_INVALID',
  'CHECKPOINT_MISMATCH',
  'CHAIN_TRUNCATED',
  'CHAIN_UNSEALED',
  'POLICY_SIGNATURE_INVALID',
  'POLICY_INVALID',
  'POLICY_LINEAGE_BROKEN',
  'POLICY_UNKNOWN',
  'POLICY_NOT_IN_EFFECT',
  'ATTACHMENT_HASH_MISMATCH',
] as const);

export const CONTROL_CODES = Object.freeze([
  'DECISION_MISMATCH',
  'DENIED_BUT_EXECUTED',
  'TIER_VIOLATION',
  'RECIPIENT_UNAPPROVED',
  'APPROVAL_MISSING',
  'APPROVAL_INVALID',
  'TXN_INCOMPLETE',
  'TXN_STEP_GAP',
  'NONDETERMINISTIC_OUTPUT',
  'SLO_BREACH',
] as const);

export type IntegrityCode = (typeof INTEGRITY_CODES)[number];
export type ControlCode = (typeof CONTROL_CODES)[number];
export type FindingCode = IntegrityCode | ControlCode;

/**
 * `critical`: the evidence itself cannot be relied on (tampering, bad signatures).
 * `high`: the evidence is not anchored or not complete, or a control failed.
 * `warning`: noted, not a failure (an unsealed tail).
 */
export type Severity = 'critical' | 'high' | 'warning';
export const SEVERITY_ORDER: Readonly<Record<Severity, number>> = Object.freeze({ critical: 0, high: 1, warning: 2 });

/** `APPROVAL_INVALID` is a control code that also names a bad approver signature (FORMAT.md §3). */
export function categoryOf(code: FindingCode): 'integrity' | 'control' {
  return (CONTROL_CODES as readonly string[]).includes(code) ? 'control' : 'integrity';
}

const HIGH_INTEGRITY: ReadonlySet<FindingCode> = new Set<FindingCode>([
  'KEY_UNTRUSTED_ROOT',
  'CHAIN_TRUNCATED',
  'FORMAT_UNSUPPORTED',
  'KEY_NOT_VALID_AT',
  'POLICY_NOT_IN_EFFECT',
  'POLICY_LINEAGE_BROKEN',
  'ENTRY_TOO_LARGE',
]);

export function defaultSeverity(code: FindingCode): Severity {
  if (code === 'CHAIN_UNSEALED') return 'warning';
  if (categoryOf(code) === 'control') return 'high';
  return HIGH_INTEGRITY.has(code) ? 'high' : 'critical';
}

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
  if (path === 'manifest.json') return 1;
  if (path === 'keys.json') return 2;
  if (path.startsWith('policies/')) return 3;
  if (path.startsWith('ledgers/')) return 4;
  if (path.startsWith('attachments/')) return 5;
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
