/**
 * The link rule of a ledger's hash chain (FORMAT.md §5, §7), as one pure function used
 * both inside a segment and where two segments join, so a split never changes an answer.
 *
 * A link is judged on the order the lines are *stored* in: `CHAIN_BROKEN` when a line's
 * `prev` is not the hash of the line stored before it. Whether a seq is absent
 * (`CHAIN_GAP`) or stored twice (`CHAIN_DUPLICATE_SEQ`) is a question about the whole
 * ledger, answered by {@link SeqSet} once every line is read: two receipts stored in
 * swapped order are a broken chain, not two missing receipts and a fork.
 */
import { ZERO_HASH } from '../format/hash.ts';
import type { Instant } from '../format/time.ts';
import type { FindingCode } from './findings.ts';

/** The last readable receipt so far. */
export interface ChainTail {
  readonly seq: number;
  readonly hash: string;
  readonly ts: string;
  readonly instant: Instant;
}

export interface LinkInput {
  readonly seq: number;
  readonly prev: string;
  readonly ts: string;
  readonly instant: Instant;
}

export interface LinkProblem {
  readonly code: FindingCode;
  readonly message: string;
}

/**
 * Stands for "an unknown number of lines that could not be read" (a whole file refused
 * or failed part-way) in place of an unreadable line's hash: no link across it is judged.
 */
export const UNKNOWN_SPAN = 'unknown span';

/**
 * What is wrong with receipt `r` stored after `last` (null at the ledger's start), when the
 * line stored right before `r` was unreadable and hashed to `unreadable` (null when that
 * line is `last`'s; {@link UNKNOWN_SPAN} when lines of unknown number could not be read).
 */
export function linkProblems(last: ChainTail | null, unreadable: string | null, r: LinkInput): LinkProblem[] {
  const problems: LinkProblem[] = [];
  if (last && unreadable === null && r.seq === last.seq + 1 && r.instant < last.instant) {
    problems.push({
      code: 'TIME_REGRESSION',
      message: `Receipt time ${r.ts} is earlier than the previous receipt's (${last.ts}, seq ${last.seq}).`,
    });
  }
  if (unreadable === UNKNOWN_SPAN) return problems;
  if (!last) {
    // The ledger's first line; receipts absent before it are CHAIN_GAP, judged on the whole ledger.
    if (unreadable === null && r.seq === 1 && r.prev !== ZERO_HASH) {
      problems.push({
        code: 'CHAIN_BROKEN',
        message: `The first receipt's prev must be ${ZERO_HASH}, found ${r.prev}.`,
      });
    }
    return problems;
  }
  const expectedPrev = unreadable ?? last.hash;
  if (r.prev === expectedPrev) return problems;
  let message: string;
  if (unreadable !== null) {
    message = `prev is ${r.prev}, but the unreadable line stored before it hashes to ${unreadable}.`;
  } else if (r.seq === last.seq + 1) {
    message = `prev is ${r.prev}, but the hash of the line before (seq ${last.seq}) is ${last.hash}.`;
  } else if (r.seq < last.seq) {
    message = `Seq ${last.seq} is stored before seq ${r.seq}: the chain as stored is broken (prev is ${r.prev}, the line stored before it hashes to ${last.hash}).`;
  } else if (r.seq === last.seq) {
    message = `Seq ${r.seq} is stored again right after itself; its prev ${r.prev} is not the hash of the line stored before it (${last.hash}).`;
  } else {
    message = `Seq ${r.seq} is stored right after seq ${last.seq}; its prev ${r.prev} is not the hash of that line (${last.hash}).`;
  }
  problems.push({ code: 'CHAIN_BROKEN', message });
  return problems;
}

/**
 * Runs of a segment's receipts, as flat quadruples `[firstSeq, lastSeq, firstLine,
 * unreadableBefore]`: each run is consecutive seqs on consecutive readable lines;
 * `unreadableBefore` counts the unreadable lines stored just before it (Infinity for a
 * span of unknown size). Small: one run for an intact segment.
 */
export type SeqRuns = number[];

/** Builds {@link SeqRuns} line by line. */
export class SeqRunsBuilder {
  readonly runs: SeqRuns = [];
  private lastSeq = -2;
  private lastLine = -2;
  private unreadable = 0;

  /** Unreadable lines after the last receipt so far. */
  get unreadableAtEnd(): number {
    return this.unreadable;
  }

  /** A line that could not be read as a receipt (its seq is unknown). */
  unreadableLine(): void {
    this.unreadable++;
  }

  receipt(seq: number, line: number): void {
    const n = this.runs.length;
    if (n > 0 && this.unreadable === 0 && seq === this.lastSeq + 1 && line === this.lastLine + 1) {
      this.runs[n - 3] = seq;
    } else {
      this.runs.push(seq, seq, line, this.unreadable);
    }
    this.lastSeq = seq;
    this.lastLine = line;
    this.unreadable = 0;
  }
}

interface Interval {
  start: number;
  end: number;
  /** Where `start` is stored: its file and line (lines run on by one through the interval). */
  readonly path: string;
  readonly line: number;
  /** Unreadable lines stored just before `start` (they may hold the seqs missing before it). */
  readonly unreadableBefore: number;
}

export interface SeqEvent {
  readonly code: 'CHAIN_DUPLICATE_SEQ' | 'CHAIN_GAP';
  readonly message: string;
  readonly path: string;
  readonly line: number;
  readonly seq: number;
}

/**
 * Every seq a ledger holds, as sorted intervals (one for an intact ledger, a few for a
 * damaged one): a seq stored twice is a fork (`CHAIN_DUPLICATE_SEQ`), reported where the
 * second copy is; a seq held by no line is absent (`CHAIN_GAP`), reported at the first
 * receipt after it, unless unreadable lines stored just before that receipt may hold it.
 */
export class SeqSet {
  private readonly intervals: Interval[] = [];
  /** Unreadable lines waiting to be attributed to the next run (across segments). */
  private unreadableCarry = 0;

  /** Unreadable lines of unknown number stored here (a file that could not be read). */
  unknownSpan(): void {
    this.unreadableCarry = Infinity;
  }

  /** Adds a segment's runs in stored order; returns the duplicates found. */
  add(path: string, runs: SeqRuns, unreadableAfter: number): SeqEvent[] {
    const events: SeqEvent[] = [];
    for (let i = 0; i < runs.length; i += 4) {
      const start = runs[i] as number;
      const end = runs[i + 1] as number;
      const line = runs[i + 2] as number;
      const before = (runs[i + 3] as number) + (i === 0 ? this.unreadableCarry : 0);
      this.insert({ start, end, path, line, unreadableBefore: before }, events);
    }
    this.unreadableCarry = runs.length > 0 ? unreadableAfter : this.unreadableCarry + unreadableAfter;
    return events;
  }

  private insert(run: Interval, events: SeqEvent[]): void {
    const list = this.intervals;
    const last = list.at(-1);
    if (!last || run.start > last.end) {
      // The usual case: after everything so far.
      const continues =
        last &&
        run.start === last.end + 1 &&
        run.unreadableBefore === 0 &&
        run.path === last.path &&
        run.line === last.line + (run.start - last.start);
      if (continues) last.end = run.end;
      else list.push({ ...run });
      return;
    }
    // Out of order or overlapping: report the overlap, keep the rest.
    let s = run.start;
    let k = firstIndex(list, (at) => at.end >= run.start);
    const pieces: Interval[] = [];
    while (s <= run.end) {
      const at = list[k];
      if (at && at.start <= s) {
        const overlapEnd = Math.min(at.end, run.end);
        for (let seq = s; seq <= overlapEnd; seq++) {
          const line = run.line + (seq - run.start);
          const first = at.line + (seq - at.start);
          events.push({
            code: 'CHAIN_DUPLICATE_SEQ',
            message: `Seq ${seq} is stored again (first at ${at.path} line ${first}): the ledger forks.`,
            path: run.path,
            line,
            seq,
          });
        }
        s = overlapEnd + 1;
        k++;
        continue;
      }
      const pieceEnd = Math.min(run.end, at ? at.start - 1 : run.end);
      pieces.push({
        start: s,
        end: pieceEnd,
        path: run.path,
        line: run.line + (s - run.start),
        unreadableBefore: s === run.start ? run.unreadableBefore : 0,
      });
      s = pieceEnd + 1;
    }
    for (const piece of pieces)
      list.splice(
        firstIndex(list, (at) => at.start >= piece.start),
        0,
        piece,
      );
  }

  /** The absent seqs, from 1 to the highest seq held. */
  gaps(): SeqEvent[] {
    const events: SeqEvent[] = [];
    let expected = 1;
    for (const at of this.intervals) {
      if (at.start > expected) {
        const absent = at.start - expected;
        if (absent > at.unreadableBefore) {
          const from = expected;
          const to = at.start - 1;
          const which = from === to ? `receipt ${from} is` : `receipts ${from} to ${to} are`;
          const unreadable =
            at.unreadableBefore > 0
              ? ` (${at.unreadableBefore} unreadable line${at.unreadableBefore === 1 ? '' : 's'} stored before seq ${at.start} may hold some of them)`
              : '';
          events.push({
            code: 'CHAIN_GAP',
            message:
              from === 1
                ? `The ledger starts at seq ${at.start}; ${which} not in it${unreadable}.`
                : `Seq ${to + 1} is the next receipt after seq ${from - 1} in the ledger; ${which} not in it${unreadable}.`,
            path: at.path,
            line: at.line,
            seq: at.start,
          });
        }
      }
      expected = Math.max(expected, at.end + 1);
    }
    return events;
  }
}

/** The first index of sorted `list` whose item satisfies `from` (false, then true), by bisection. */
function firstIndex(list: readonly Interval[], from: (at: Interval) => boolean): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (from(list[mid] as Interval)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
