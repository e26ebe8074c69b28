/**
 * ExecLayer logs on disk, recognised by content, not by name (docs/FORMAT-EXECLAYER.md; the
 * rule is shared with the app: shared/execlayer/detect.ts):
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
import { DETECT_BYTES, firstRecord, isPyAuditRecord, isV4JournalRecord } from '../shared/execlayer/detect.ts';
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

/** The first record of a file by the shared rule (shared/execlayer/detect.ts), from its first bytes. */
async function firstRecordOf(file: string): Promise<Record<string, unknown> | null> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(DETECT_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return firstRecord(buffer.subarray(0, bytesRead));
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}

/** Recognises an ExecLayer log at `path`; null when it is not one. */
export async function detectExeclayer(path: string): Promise<ExeclayerLog | null> {
  const info = await stat(path).catch(() => null);
  if (!info) return null;
  if (info.isFile()) {
    if (isPyAuditRecord(await firstRecordOf(path)))
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
    const emptyJournal = (await stat(ledger)).size === 0;
    if (emptyJournal || isV4JournalRecord(await firstRecordOf(ledger))) {
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
