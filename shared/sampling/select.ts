/**
 * Reproducible sample selection (FORMAT.md §9): each receipt of the population, represented
 * by its hash `H(line)`, scores the lowercase hex SHA-256 of `seed + "\n" + hash`; the
 * sample of size n is the n smallest scores (ties by hash), in score order. A larger sample
 * with the same seed keeps every receipt of the smaller one. Stratified: the same rule
 * within each stratum with the seed `seed + "/" + stratum`. Anyone can re-perform it with
 * nothing but SHA-256.
 */
import { utf8 } from '../format/bytes.ts';
import { hashOf } from '../format/hash.ts';

/** The score of a receipt hash under a seed: 64 lowercase hex digits. */
export function scoreOf(seed: string, receiptHash: string): string {
  return hashOf(utf8(`${seed}\n${receiptHash}`)).slice('sha256:'.length);
}

export interface Candidate<T> {
  readonly hash: string;
  readonly score: string;
  readonly item: T;
}

/**
 * Keeps the `size` lowest-scored candidates offered, in O(log size) per offer (a max-heap
 * on score), so a population of millions is ranked in one pass with `size` items in memory.
 *
 * Parts of a population ranked apart (a pool's workers, each with its own selector of the
 * same seed and size) join with {@link absorb}: the `size` lowest of the union of every
 * part's `size` lowest are the `size` lowest of the whole.
 */
export class SampleSelector<T> {
  readonly #heap: Candidate<T>[] = [];
  readonly #tie: ((a: T, b: T) => number) | undefined;
  #offered = 0;

  /**
   * @param tie orders two candidates of the same score and hash (the same line stored
   *   twice): without it, which copy is kept depends on the order of the offers, so a
   *   caller whose parts arrive in any order gives one (the CLI: where the line is stored).
   */
  constructor(
    readonly seed: string,
    readonly size: number,
    tie?: (a: T, b: T) => number,
  ) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError('SampleSelector: "size" must be a whole number of at least 1');
    this.#tie = tie;
  }

  get offered(): number {
    return this.#offered;
  }

  /** Offers one receipt of the population; `score` may be given when already computed. */
  offer(hash: string, item: T, score = scoreOf(this.seed, hash)): void {
    this.#offered++;
    this.#keep({ hash, score, item });
  }

  /**
   * Joins a part of the population ranked elsewhere under the same seed: `offered`
   * receipts, of which `candidates` hold at least the part's `size` lowest (or all of them).
   */
  absorb(offered: number, candidates: Iterable<Candidate<T>>): void {
    this.#offered += offered;
    for (const candidate of candidates) this.#keep(candidate);
  }

  /** The sample, lowest score first. */
  result(): Candidate<T>[] {
    return [...this.#heap].sort((a, b) => (this.#before(a, b) ? -1 : this.#before(b, a) ? 1 : 0));
  }

  /** Ranked first: the lower score, then the lower hash, then the caller's tie. */
  #before(a: Candidate<T>, b: Candidate<T>): boolean {
    if (a.score !== b.score) return a.score < b.score;
    if (a.hash !== b.hash) return a.hash < b.hash;
    return this.#tie !== undefined && this.#tie(a.item, b.item) < 0;
  }

  #keep(candidate: Candidate<T>): void {
    const heap = this.#heap;
    if (heap.length < this.size) {
      heap.push(candidate);
      this.#up(heap.length - 1);
    } else if (this.#before(candidate, heap[0] as Candidate<T>)) {
      heap[0] = candidate;
      this.#down(0);
    }
  }

  #up(i: number): void {
    const heap = this.#heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(heap[parent] as Candidate<T>, heap[i] as Candidate<T>)) break;
      [heap[parent], heap[i]] = [heap[i] as Candidate<T>, heap[parent] as Candidate<T>];
      i = parent;
    }
  }

  #down(i: number): void {
    const heap = this.#heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let largest = i;
      if (l < heap.length && this.#before(heap[largest] as Candidate<T>, heap[l] as Candidate<T>)) largest = l;
      if (r < heap.length && this.#before(heap[largest] as Candidate<T>, heap[r] as Candidate<T>)) largest = r;
      if (largest === i) return;
      [heap[largest], heap[i]] = [heap[i] as Candidate<T>, heap[largest] as Candidate<T>];
      i = largest;
    }
  }
}

/** The seed of a stratum (FORMAT.md §9). */
export function stratumSeed(seed: string, stratum: string): string {
  return `${seed}/${stratum}`;
}
