/**
 * The seqs a segment check keeps the hashes of (those its ledger's checkpoints name), sent with
 * every segment task: as runs, so that what travels stays small whatever a producer's checkpoint
 * frequency. A checkpoint every k receipts is one run; a checkpoint for every receipt of a
 * million is one run too, where the list was a million numbers sent with each of a thousand
 * tasks (and made into a Set by each).
 */

/**
 * `seqs` (any order, repeats allowed) as sorted runs `[first, step, count, …]`, each run the
 * seqs `first + i × step` for `i` below `count`. At most one and a half times the numbers of
 * the plain list, however irregular the seqs.
 */
export function toSeqRuns(seqs: Iterable<number>): number[] {
  const sorted = [...new Set(seqs)].sort((a, b) => a - b);
  const runs: number[] = [];
  let i = 0;
  while (i < sorted.length) {
    const first = sorted[i] as number;
    if (i + 1 === sorted.length) {
      runs.push(first, 1, 1);
      break;
    }
    const step = (sorted[i + 1] as number) - first;
    let count = 2;
    while (i + count < sorted.length && (sorted[i + count] as number) - (sorted[i + count - 1] as number) === step)
      count++;
    runs.push(first, step, count);
    i += count;
  }
  return runs;
}

/** Membership in seqs given as runs ({@link toSeqRuns}): a binary search over the runs. */
export class SeqRunSet {
  private readonly runs: readonly number[];
  private readonly size: number;

  /** @throws TypeError when `runs` is not a whole number of runs (programmer misuse). */
  constructor(runs: readonly number[]) {
    if (runs.length % 3 !== 0) throw new TypeError('SeqRunSet: "runs" must hold [first, step, count] triples');
    this.runs = runs;
    this.size = runs.length / 3;
  }

  has(seq: number): boolean {
    const runs = this.runs;
    // The last run that starts at or before `seq`.
    let lo = 0;
    let hi = this.size - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((runs[mid * 3] as number) <= seq) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (at < 0) return false;
    const first = runs[at * 3] as number;
    const step = runs[at * 3 + 1] as number;
    const count = runs[at * 3 + 2] as number;
    const k = (seq - first) / step;
    return Number.isInteger(k) && k < count;
  }
}
