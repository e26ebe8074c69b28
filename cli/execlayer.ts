/**
 * ExecLayer logs on disk, recognised by content, not by name (docs/FORMAT-EXECLAYER.md):
 * a Python-kernel audit log is a file whose first record is
 * `{payload, payload_hash, entry_hash, prev_entry_hash}`; a v4 journal is a folder holding
 * `data/ledger.jsonl` (or that `data` folder itself, holding `ledger.jsonl`) whose first
 * receipt has `receipt_hash` and `parent_receipt_hash`, next to `dag_head.json`.
 */
import { createReadStream, existsSync } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { readLines } from '../shared/archive/lines.ts';
import { DEFAULT_LIMITS } from '../shared/archive/source.ts';
import type { VerifyReport } from '../shared/engine/types.ts';
import { verifyExeclayer, type ExeclayerKind } from '../shared/execlayer/verify.ts';

export interface ExeclayerLog {
  readonly kind: ExeclayerKind;
  /** The log file to read. */
  readonly logFile: string;
  /** How findings name it. */
  readonly logPath: string;
  readonly headFile: string | null;
  readonly headPath: string;
}

/** The first non-empty line of a file (at most 1 MiB read), parsed; null when it is not a JSON object. */
async function firstRecord(file: string): Promise<Record<string, unknown> | null> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(1 << 20);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    const line = text.split('\n').find((l) => l.trim() !== '');
    if (line === undefined) return null;
    const value = JSON.parse(line) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}

const hasAll = (r: Record<string, unknown> | null, keys: readonly string[]) => r !== null && keys.every((k) => k in r);

/** Recognises an ExecLayer log at `path`; null when it is not one. */
export async function detectExeclayer(path: string): Promise<ExeclayerLog | null> {
  const info = await stat(path).catch(() => null);
  if (!info) return null;
  if (info.isFile()) {
    const record = await firstRecord(path);
    if (hasAll(record, ['payload', 'payload_hash', 'entry_hash', 'prev_entry_hash']))
      return { kind: 'execlayer-py', logFile: path, logPath: basename(path), headFile: null, headPath: '' };
    return null;
  }
  if (!info.isDirectory()) return null;
  for (const [dir, prefix] of [
    [join(path, 'data'), 'data/'],
    [path, ''],
  ] as const) {
    const ledger = join(dir, 'ledger.jsonl');
    if (!existsSync(ledger)) continue;
    const record = await firstRecord(ledger);
    const emptyJournal = (await stat(ledger)).size === 0;
    if (emptyJournal || hasAll(record, ['receipt_hash', 'parent_receipt_hash'])) {
      const head = join(dir, 'dag_head.json');
      return {
        kind: 'execlayer-v4',
        logFile: ledger,
        logPath: `${prefix}ledger.jsonl`,
        headFile: existsSync(head) ? head : null,
        headPath: `${prefix}dag_head.json`,
      };
    }
  }
  return null;
}

export interface ExeclayerOptions {
  readonly hmacSecret: Uint8Array | null;
  readonly issuers: readonly string[] | null;
}

export async function verifyExeclayerPath(
  path: string,
  log: ExeclayerLog,
  options: ExeclayerOptions,
): Promise<VerifyReport> {
  const headText = log.headFile ? await readFile(log.headFile, 'utf8').catch(() => null) : null;
  return verifyExeclayer({
    kind: log.kind,
    source: basename(path),
    logPath: log.logPath,
    lines: readLines(createReadStream(log.logFile), DEFAULT_LIMITS.maxLineBytes),
    headPath: log.headPath,
    headText,
    hmacSecret: options.hmacSecret,
    issuers: options.issuers,
  });
}

/** What `tickmark verify` reads, for the message on a file it cannot. */
export const ACCEPTED_INPUTS =
  'Tickmark reads a FORMAT.md evidence archive (a ZIP file or a folder with manifest.json), a Python ExecLayer audit log ' +
  '(JSON lines of {payload, payload_hash, entry_hash, prev_entry_hash}), or a v4 ExecLayer journal folder (data/ledger.jsonl and data/dag_head.json)';
