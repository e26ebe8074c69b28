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
import { readLines, type LineRead } from '../shared/archive/lines.ts';
import { DEFAULT_LIMITS } from '../shared/archive/source.ts';
import type { VerifyReport } from '../shared/engine/types.ts';
import { DETECT_BYTES, firstRecord, isPyAuditRecord, isV4JournalRecord } from '../shared/execlayer/detect.ts';
import {
  explainExeclayerLine,
  lineGlance,
  type ExeclayerExplanation,
  type ExeclayerLineText,
} from '../shared/execlayer/explain.ts';
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

/** Which line of a log `tickmark explain` reconstructs: by its 1-based number, or by the receipt id it holds. */
export type LineLocator = { readonly line: number } | { readonly receipt: string };

/** The line asked for is not in the log (or cannot be read as one): the message names the file and why. */
export class LineNotFoundError extends Error {}

// Lines that are not UTF-8 are findings; their text is shown as decoding replaces the bad bytes.
const lenient = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * The reconstruction of one line of an ExecLayer log (shared/execlayer/explain.ts), from the
 * log's own verification: the file is read once through `verifyExeclayer` (the report `verify`
 * prints), keeping the asked line and the non-blank lines before and after it.
 * @throws LineNotFoundError naming the file when the line is not there, is blank or too long,
 *   or when no line (or more than one) holds the receipt id.
 */
export async function explainExeclayerPath(
  path: string,
  log: ExeclayerLog,
  options: ExeclayerOptions,
  locator: LineLocator,
): Promise<ExeclayerExplanation> {
  const headText = log.headFile ? await readFile(log.headFile, 'utf8').catch(() => null) : null;
  let previous: ExeclayerLineText | null = null;
  let current: ExeclayerLineText | null = null;
  let target: ExeclayerLineText | null = null;
  let before: ExeclayerLineText | null = null;
  let next: ExeclayerLineText | null = null;
  let lines = 0;
  let tooLong: { line: number; length: number } | null = null;
  const holding: number[] = [];
  const want = 'line' in locator ? locator.line : null;
  async function* tee(source: AsyncIterable<LineRead>): AsyncGenerator<LineRead> {
    for await (const read of source) {
      lines = read.line;
      if (read.kind === 'too-long') {
        if (read.line === want) tooLong = { line: read.line, length: read.length };
      } else {
        const text = lenient.decode(read.bytes);
        if (text.trim() !== '') {
          const here = { line: read.line, text };
          if (target !== null && next === null && read.line > target.line) next = here;
          previous = current;
          current = here;
          if (read.line === want) {
            target = here;
            before = previous;
          }
        }
      }
      yield read;
    }
  }
  const report = await verifyExeclayer({
    kind: log.kind,
    source: basename(path),
    logPath: log.logPath,
    lines: tee(readLines(createReadStream(log.logFile), DEFAULT_LIMITS.maxLineBytes)),
    headPath: log.headPath,
    headText,
    hmacSecret: options.hmacSecret,
    issuers: options.issuers,
    onLine: (info) => {
      // Called for the line just read (`current`), before the next is asked for.
      if ('receipt' in locator && info.id === locator.receipt) {
        holding.push(info.line);
        if (holding.length === 1) {
          target = current;
          before = previous;
        }
      }
    },
  });
  const file = log.logPath;
  const found = target as ExeclayerLineText | null;
  if ('line' in locator) {
    const limit = tooLong as { line: number; length: number } | null;
    if (limit)
      throw new LineNotFoundError(
        `line ${limit.line} of ${file} is ${limit.length} bytes, over the ${DEFAULT_LIMITS.maxLineBytes}-byte limit for one record: it is not read (verify reports it)`,
      );
    if (found === null)
      throw new LineNotFoundError(
        locator.line > lines
          ? `${file} has ${lines} line${lines === 1 ? '' : 's'}; there is no line ${locator.line}`
          : `line ${locator.line} of ${file} is blank`,
      );
  } else {
    if (holding.length === 0)
      throw new LineNotFoundError(
        `no line of ${file} holds receipt ${JSON.stringify(locator.receipt)} (${log.kind === 'execlayer-py' ? 'a receipt_id' : 'a receipt_hash'}, given in full)`,
      );
    if (holding.length > 1)
      throw new LineNotFoundError(
        `receipt ${JSON.stringify(locator.receipt)} is on ${holding.length} lines of ${file} (${holding.join(', ')}): name one with --line`,
      );
  }
  return explainExeclayerLine({
    kind: log.kind,
    path: log.logPath,
    headPath: log.headPath,
    target: found as ExeclayerLineText,
    previous: before,
    next,
    report,
  });
}

/** Every non-blank line of a log as `line<TAB>outcome<TAB>receipt` (`-` where the line has none). */
export async function listExeclayerLines(log: ExeclayerLog, write: (text: string) => void): Promise<void> {
  let batch = '';
  for await (const read of readLines(createReadStream(log.logFile), DEFAULT_LIMITS.maxLineBytes)) {
    if (read.kind === 'too-long') batch += `${read.line}\t(over the line limit)\t-\n`;
    else {
      const text = lenient.decode(read.bytes);
      if (text.trim() === '') continue;
      const glance = lineGlance(log.kind, text);
      batch += `${read.line}\t${glance.outcome ?? '(unreadable)'}\t${glance.receipt ?? '-'}\n`;
    }
    if (batch.length > 65_536) {
      write(batch);
      batch = '';
    }
  }
  write(batch);
}
