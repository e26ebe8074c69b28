/**
 * Receipt ids seen in the whole archive (FORMAT.md §7 RECEIPT_ID_DUPLICATE), held compactly:
 * a million receipts are a million entries, so each keeps its id's bytes and one number
 * (where it was first seen: ledger and seq packed together) in a {@link TextMap}, about
 * 40 bytes an id instead of some 100 in a `Map`.
 *
 * A repeat is reported only when the very same id was stored before: the table compares
 * the text itself, never just a hash, so no collision can make a duplicate that is not one.
 *
 * {@link SpilledReceiptIds} does the same with the ids on disk (spill.ts), for archives of
 * millions of receipts: it answers at the end of the run, partition by partition, with this
 * table.
 */
import { Names, SpillPartitions, type SpillStore } from './spill.ts';
import { textHash32, TextMap, type TextHash } from './text-map.ts';

const LEDGER_SLOTS = 4096;

/** Where an id is claimed: its ledger and seq, and the line that holds it. */
export interface ReceiptIdClaims {
  /** Where `id` was first seen when it is a repeat known now; null otherwise. */
  claim(id: string, ledger: string, seq: number, path: string, line: number): string | null;
}

export class ReceiptIds implements ReceiptIdClaims {
  private readonly first: TextMap;

  /**
   * @param hash Only for tests: a tiny hash forces collisions.
   * @param ledgers Ledger numbers, shared by the tables that settle one spill.
   */
  constructor(
    hash?: TextHash,
    private readonly ledgers: Names = new Names(),
  ) {
    this.first = new TextMap(hash);
  }

  /** Number of distinct ids seen. */
  get size(): number {
    return this.first.size;
  }

  /** Records `id` at (ledger, seq); returns where it was first seen when it is a repeat. */
  claim(id: string, ledger: string, seq: number): string | null {
    return this.claimAt(id, this.ledgers.numberOf(ledger), seq);
  }

  /** {@link claim} with the ledger's number in this table's {@link Names}. */
  claimAt(id: string, ledger: number, seq: number): string | null {
    const seen = this.first.get(id);
    if (seen !== undefined) return this.describe(seen);
    // Seqs beyond 2^40 or ledgers beyond 4,096 keep the id but not where it was seen.
    this.first.set(id, ledger < LEDGER_SLOTS && seq < 2 ** 40 ? seq * LEDGER_SLOTS + ledger : -1);
    return null;
  }

  private describe(packed: number): string {
    if (packed < 0) return 'earlier in this archive';
    return `${this.ledgers.nameOf(packed % LEDGER_SLOTS)} seq ${Math.floor(packed / LEDGER_SLOTS)}`;
  }
}

/** A repeated id found when a spill is settled, with where it was first seen. */
export interface IdRepeat {
  readonly id: string;
  readonly ledger: string;
  readonly seq: number;
  readonly path: string;
  readonly line: number;
  readonly seen: string;
}

/** Receipt ids written to disk as they come; the repeats are known when {@link settle} reads them back. */
export class SpilledReceiptIds implements ReceiptIdClaims {
  readonly #ledgers = new Names();
  readonly #paths = new Names();
  readonly #spill: SpillPartitions;

  constructor(store: SpillStore) {
    this.#spill = new SpillPartitions(store, 'receipt-ids');
  }

  /** Writes the id down; always null: a repeat is told by {@link settle}. */
  claim(id: string, ledger: string, seq: number, path: string, line: number): null {
    this.#spill.begin().text(id).u32(this.#ledgers.numberOf(ledger)).f64(seq).u32(this.#paths.numberOf(path)).u32(line);
    this.#spill.end(textHash32(id));
    return null;
  }

  /** Each repeat, as {@link ReceiptIds} run over the ids in claim order would find it. */
  settle(onRepeat: (repeat: IdRepeat) => void): void {
    for (const records of this.#spill.partitions()) {
      const ids = new ReceiptIds(undefined, this.#ledgers);
      while (!records.done) {
        const id = records.text();
        const ledger = records.u32();
        const seq = records.f64();
        const path = records.u32();
        const line = records.u32();
        const seen = ids.claimAt(id, ledger, seq);
        if (seen !== null)
          onRepeat({ id, ledger: this.#ledgers.nameOf(ledger), seq, path: this.#paths.nameOf(path), line, seen });
      }
    }
  }
}
