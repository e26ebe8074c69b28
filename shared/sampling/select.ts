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

const before = <T>(a: Candidate<T>, b: Candidate<T>): boolean =>
  a.score < b.score || (a.score === b.score && a.hash < b.hash);

/**
 * Keeps the `size` lowest-scored candidates offered, in O(log size) per offer (a max-heap
 * on score), so a population of millions is ranked in one pass with `size` items in memory.
 */
export class SampleSelector<T> {
  readonly #heap: Candidate<T>[] = [];
  #offered = 0;

  constructor(
    readonly seed: string,
    readonly size: number,
  ) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError('SampleSelector: "size" must be a whole number of at least 1');
  }

  get offered(): number {
    return this.#offered;
  }

  /** Offers one receipt of the population; `score` may be given when already computed. */
  offer(hash: string, item: T, score = scoreOf(this.seed, hash)): void {
    this.#offered++;
    const candidate = { hash, score, item };
    const heap = this.#heap;
    if (heap.length < this.size) {
      heap.push(candidate);
      this.#up(heap.length - 1);
    } else if (before(candidate, heap[0] as Candidate<T>)) {
      heap[0] = candidate;
      this.#down(0);
    }
  }

  /** The sample, lowest score first. */
  result(): Candidate<T>[] {
    return [...this.#heap].sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  }

  #up(i: number): void {
    const heap = this.#heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[parent] as Candidate<T>, heap[i] as Candidate<T>)) break;
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
      if (l < heap.length && before(heap[largest] as Candidate<T>, heap[l] as Candidate<T>)) largest = l;
      if (r < heap.length && before(heap[largest] as Candidate<T>, heap[r] as Candidate<T>)) largest = r;
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
