/**
 * The link rule of a ledger's hash chain (FORMAT.md §5), as one pure function used both
 * inside a segment and where two segments join, so a split never changes an answer.
 */
import { ZERO_HASH } from '../format/hash.ts';
import type { FindingCode } from './findings.ts';
import type { Instant } from '../format/time.ts';

/** The last readable receipt so far, and the hash of an unreadable line after it, if any. */
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
 * What is wrong with receipt `r` following `last` (null at the ledger's start), when the
 * line right before `r` was unreadable and hashed to `unreadable` (null when it was `last`).
 */
export function linkProblems(last: ChainTail | null, unreadable: string | null, r: LinkInput): LinkProblem[] {
  const problems: LinkProblem[] = [];
  if (last && r.instant < last.instant) {
    problems.push({
      code: 'TIME_REGRESSION',
      message: `Receipt time ${r.ts} is earlier than the previous receipt's (${last.ts}, seq ${last.seq}).`,
    });
  }
  if (!last) {
    if (unreadable !== null) return problems; // the ledger starts with unreadable lines, already reported
    if (r.seq !== 1)
      problems.push({
        code: 'CHAIN_GAP',
        message: `The ledger starts at seq ${r.seq}; receipts 1 to ${r.seq - 1} are missing.`,
      });
    else if (r.prev !== ZERO_HASH)
      problems.push({
        code: 'CHAIN_BROKEN',
        message: `The first receipt's prev must be ${ZERO_HASH}, found ${r.prev}.`,
      });
    return problems;
  }
  if (r.seq <= last.seq) {
    problems.push({
      code: 'CHAIN_DUPLICATE_SEQ',
      message: `Seq ${r.seq} appears again after seq ${last.seq}: the ledger forks or is out of order.`,
    });
    return problems;
  }
  const expectedSeq = unreadable !== null ? last.seq + 2 : last.seq + 1;
  const expectedPrev = unreadable ?? last.hash;
  if (r.seq > expectedSeq) {
    const from = last.seq + 1;
    problems.push({
      code: 'CHAIN_GAP',
      message: `Seq jumps from ${last.seq} to ${r.seq}; ${r.seq - from === 1 ? `receipt ${from} is` : `receipts ${from} to ${r.seq - 1} are`} missing.`,
    });
  } else if (r.seq === expectedSeq && r.prev !== expectedPrev) {
    problems.push({
      code: 'CHAIN_BROKEN',
      message: `prev is ${r.prev}, but the hash of the line before (seq ${r.seq - 1}) is ${expectedPrev}.`,
    });
  }
  // r.seq === last.seq + 1 after an unreadable line: that line was reported where it is.
  return problems;
}
