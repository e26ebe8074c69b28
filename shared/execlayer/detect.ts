/**
 * Recognising an ExecLayer log by its content (docs/FORMAT-EXECLAYER.md), one rule for the
 * command line (a path) and the app (files picked or dropped):
 *
 * * a **Python-kernel audit log** is a file whose first record (first non-empty line) is a
 *   JSON object with `payload`, `payload_hash`, `entry_hash` and `prev_entry_hash`;
 * * a **v4 journal** is its `ledger.jsonl`, whose first record has `receipt_hash` and
 *   `parent_receipt_hash` (an empty `ledger.jsonl` is an empty journal, known by its name
 *   since it has no content), with its head file `dag_head.json` beside it.
 *
 * Only the start of a file is looked at ({@link DETECT_BYTES}); a first line longer than that
 * is not a record. Pure: no file system, no DOM.
 */
import type { VerifyReport } from '../engine/types.ts';
import type { ExeclayerKind } from './verify.ts';

/** How much of a file's start recognition reads. */
export const DETECT_BYTES = 1 << 20;

export const PY_RECORD_MEMBERS = Object.freeze(['payload', 'payload_hash', 'entry_hash', 'prev_entry_hash'] as const);
export const V4_RECORD_MEMBERS = Object.freeze(['receipt_hash', 'parent_receipt_hash'] as const);
/** The v4 journal's file names (inside its `data` folder). */
export const V4_LEDGER_NAME = 'ledger.jsonl';
export const V4_HEAD_NAME = 'dag_head.json';

// Like Node's Buffer#toString('utf8'): invalid bytes replaced, a byte-order mark kept (JSON.parse refuses it).
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** The first non-empty line of `start` (a file's first bytes), parsed; null when it is not a JSON object. */
export function firstRecord(start: Uint8Array): Record<string, unknown> | null {
  const text = decoder.decode(start.subarray(0, DETECT_BYTES));
  const line = text.split('\n').find((l) => l.trim() !== '');
  if (line === undefined) return null;
  try {
    const value = JSON.parse(line) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

const hasAll = (record: Record<string, unknown> | null, members: readonly string[]) =>
  record !== null && members.every((m) => Object.hasOwn(record, m));

/** A Python-kernel audit log's record: `{payload, payload_hash, entry_hash, prev_entry_hash}`. */
export const isPyAuditRecord = (record: Record<string, unknown> | null) => hasAll(record, PY_RECORD_MEMBERS);
/** A v4 journal's receipt: it has `receipt_hash` and `parent_receipt_hash`. */
export const isV4JournalRecord = (record: Record<string, unknown> | null) => hasAll(record, V4_RECORD_MEMBERS);

/** Which kernel's log a first record belongs to (the Python log's rule first), or null. */
export function execlayerKindOf(record: Record<string, unknown> | null): ExeclayerKind | null {
  if (isPyAuditRecord(record)) return 'execlayer-py';
  if (isV4JournalRecord(record)) return 'execlayer-v4';
  return null;
}

/** A file given to the app: its name, size and first bytes (at least {@link DETECT_BYTES}, or all of it). */
export interface GivenFile {
  readonly name: string;
  readonly size: number;
  readonly start: Uint8Array;
}

/** What one given file is. */
export type GivenFileRole = 'py-log' | 'v4-ledger' | 'v4-head' | 'other';

export function roleOf(file: GivenFile): GivenFileRole {
  const kind = execlayerKindOf(firstRecord(file.start));
  if (kind === 'execlayer-py') return 'py-log';
  if (kind === 'execlayer-v4') return 'v4-ledger';
  if (file.size === 0 && file.name === V4_LEDGER_NAME) return 'v4-ledger';
  // The head file is read by name, as beside a journal on disk; by content, an object naming a head_hash.
  if (file.name === V4_HEAD_NAME) return 'v4-head';
  const record = firstRecord(file.start);
  if (record !== null && Object.hasOwn(record, 'head_hash')) return 'v4-head';
  return 'other';
}

/** What the app makes of the files given together. Indexes are into the given list. */
export type GivenFiles =
  | { readonly kind: 'execlayer-py'; readonly log: number }
  | { readonly kind: 'execlayer-v4'; readonly ledger: number; readonly head: number | null }
  /** One file that is no ExecLayer log: read it as an evidence archive (a ZIP file). */
  | { readonly kind: 'archive'; readonly file: number }
  | { readonly kind: 'unrecognised'; readonly message: string };

/** What the app reads, for the message on files it cannot. */
export const ACCEPTED_FILES =
  'Tickmark reads one evidence archive (a ZIP file, FORMAT.md), one Python ExecLayer audit log ' +
  '(JSON lines of {payload, payload_hash, entry_hash, prev_entry_hash}), or a v4 ExecLayer journal: its ' +
  `${V4_LEDGER_NAME} and ${V4_HEAD_NAME} given together (or the folder holding them)`;

const quoted = (files: readonly GivenFile[]) => files.map((f) => `"${f.name}"`).join(', ');

/**
 * Recognises the files given together (picked or dropped at once): one Python-kernel log;
 * a v4 journal's ledger with or without its head file (without it, verification reports the
 * head missing); else one file is an archive. Anything else is refused, naming the files.
 */
export function recogniseGivenFiles(files: readonly GivenFile[]): GivenFiles {
  if (files.length === 0) return { kind: 'unrecognised', message: `No file was given. ${ACCEPTED_FILES}.` };
  const roles = files.map(roleOf);
  const count = (role: GivenFileRole) => roles.filter((r) => r === role).length;
  if (files.length === 1) {
    if (roles[0] === 'py-log') return { kind: 'execlayer-py', log: 0 };
    if (roles[0] === 'v4-ledger') return { kind: 'execlayer-v4', ledger: 0, head: null };
    if (roles[0] === 'v4-head')
      return {
        kind: 'unrecognised',
        message: `${quoted(files)} is a v4 ExecLayer journal's head file: give it together with the journal's ${V4_LEDGER_NAME}.`,
      };
    return { kind: 'archive', file: 0 };
  }
  if (files.length === 2 && count('v4-ledger') === 1 && count('v4-head') === 1)
    return { kind: 'execlayer-v4', ledger: roles.indexOf('v4-ledger'), head: roles.indexOf('v4-head') };
  const seen = files.map((f, i) => `"${f.name}" (${DESCRIBE[roles[i] as GivenFileRole]})`).join(', ');
  return { kind: 'unrecognised', message: `${files.length} files were given together: ${seen}. ${ACCEPTED_FILES}.` };
}

const DESCRIBE: Readonly<Record<GivenFileRole, string>> = {
  'py-log': 'a Python ExecLayer audit log',
  'v4-ledger': `a v4 journal's ${V4_LEDGER_NAME}`,
  'v4-head': `a v4 journal's ${V4_HEAD_NAME}`,
  other: 'not an ExecLayer log',
};

/**
 * Where a v4 journal may be inside a folder given whole, in the order the command line
 * looks: `data/ledger.jsonl`, then `ledger.jsonl` in the folder itself; each with its head
 * file beside it (null when absent). The caller takes the first whose ledger is a journal
 * ({@link roleOf}). `paths` are the folder's files, relative to it, with `/`.
 */
export function journalCandidates(paths: readonly string[]): { ledger: string; head: string | null }[] {
  const present = new Set(paths);
  const out: { ledger: string; head: string | null }[] = [];
  for (const prefix of ['data/', '']) {
    const ledger = `${prefix}${V4_LEDGER_NAME}`;
    const head = `${prefix}${V4_HEAD_NAME}`;
    if (present.has(ledger)) out.push({ ledger, head: present.has(head) ? head : null });
  }
  return out;
}

/**
 * A file the app read as an archive and could not (the engine's lone ARCHIVE_UNREADABLE,
 * naming the file): its message also says what the app reads, as the command line's does.
 */
export function withAcceptedFiles(report: VerifyReport): VerifyReport {
  const only = report.findings.length === 1 ? report.findings[0] : undefined;
  if (!only || only.code !== 'ARCHIVE_UNREADABLE' || report.archive !== null || report.ledgers.length > 0)
    return report;
  return { ...report, findings: [{ ...only, message: `${only.message.replace(/\.?$/, '.')} ${ACCEPTED_FILES}.` }] };
}
