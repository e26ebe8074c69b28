/**
 * Receipt ids seen in the whole archive (FORMAT.md §7 RECEIPT_ID_DUPLICATE), held compactly:
 * a million receipts are a million entries, so each keeps its id's bytes and one number
 * (where it was first seen: ledger and seq packed together) in a {@link TextMap}, about
 * 40 bytes an id instead of some 100 in a `Map`.
 *
 * A repeat is reported only when the very same id was stored before: the table compares
 * the text itself, never just a hash, so no collision can make a duplicate that is not one.
 */
import { TextMap, type TextHash } from './text-map.ts';

const LEDGER_SLOTS = 4096;

export class ReceiptIds {
  private readonly first: TextMap;
  private readonly ledgers: string[] = [];

  /** @param hash Only for tests: a tiny hash forces collisions. */
  constructor(hash?: TextHash) {
    this.first = new TextMap(hash);
  }

  /** Number of distinct ids seen. */
  get size(): number {
    return this.first.size;
  }

  /** Records `id` at (ledger, seq); returns where it was first seen when it is a repeat. */
  claim(id: string, ledger: string, seq: number): string | null {
    const seen = this.first.get(id);
    if (seen !== undefined) return this.describe(seen);
    let index = this.ledgers.indexOf(ledger);
    if (index < 0) index = this.ledgers.push(ledger) - 1;
    // Seqs beyond 2^40 or ledgers beyond 4,096 keep the id but not where it was seen.
    this.first.set(id, index < LEDGER_SLOTS && seq < 2 ** 40 ? seq * LEDGER_SLOTS + index : -1);
    return null;
  }

  private describe(packed: number): string {
    if (packed < 0) return 'earlier in this archive';
    return `${this.ledgers[packed % LEDGER_SLOTS]} seq ${Math.floor(packed / LEDGER_SLOTS)}`;
  }
}
