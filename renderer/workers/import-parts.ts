/**
 * The end of an import, cut for the window: what the verify and execution-layer workers post
 * ahead of `done`, and how the window puts it back together.
 *
 * Whatever one message holds, the window reads in one task (the structured clone of its
 * strings), and input waits for it. At 1,000,000 receipts the point index's buckets were one
 * task of 0.44 s, the blocks and table's strings (every receipt id and transaction id, held
 * by both) another of 0.15 s. So each column block goes in its own `block` message and the
 * point index's buckets in groups (`lookup`); `done` carries the table without the strings
 * its blocks hold, which the window joins again a block at a time, as they come.
 * Pure: no DOM (tested under Node).
 */
import { blockBuffers, type ColumnBlock } from './receipt-columns.ts';
import { joinPointIndex, pointIndexParts, type LookupBucket, type PointIndex } from './point-index.ts';
import {
  ExplorerStringsJoiner,
  placeBlocks,
  tableBuffers,
  tableWithBlockStrings,
  tableWithoutStrings,
  type ReceiptTable,
  type TableWithoutStrings,
} from './receipt-table.ts';

/** A message posted ahead of `done`. */
export type AheadMessage =
  | { readonly type: 'block'; readonly block: ColumnBlock }
  /** A group of the point index's buckets (point-index.ts, pointIndexParts). */
  | { readonly type: 'lookup'; readonly buckets: readonly LookupBucket[] };

/** What `done` carries of the table, its blocks and its point index. */
export interface DoneParts {
  /** How many `block` messages came ahead (the blocks, in row order). */
  readonly blocks: number;
  readonly table: TableWithoutStrings;
  /** The point index without its buckets (they came ahead), or null when the table has none. */
  readonly pointIndex: PointIndex | null;
}

/** A message to post, with the buffers it moves. */
export interface PartToPost {
  readonly message: AheadMessage;
  readonly transfer: ArrayBuffer[];
}

/**
 * The column blocks' messages, in row order, each moving its block's buffers. Posted as soon as
 * the table is built, before the point index: the window stores the blocks while the worker
 * builds the index (the table shares no buffer with the blocks, so moving them leaves it whole).
 */
export function blockParts(blocks: readonly ColumnBlock[], table: ReceiptTable): PartToPost[] {
  // In row order, as the table placed them: the window joins their strings as they come.
  return placeBlocks(blocks, table.ledgers, table.ledgerStart, table.count).map(({ block }) => ({
    message: { type: 'block', block } as const,
    transfer: blockBuffers(block),
  }));
}

/**
 * The rest of an import's end, after the blocks: the point index's groups of buckets to post,
 * then what `done` carries and the buffers it moves. Every buffer is moved, none copied.
 * @param blocks how many block messages were posted ahead ({@link blockParts})
 */
export function indexParts(
  blocks: number,
  table: ReceiptTable,
  pointIndex: PointIndex | null,
): { readonly ahead: readonly PartToPost[]; readonly done: DoneParts; readonly transfer: ArrayBuffer[] } {
  const lookup = pointIndex ? pointIndexParts(pointIndex) : null;
  return {
    ahead: (lookup?.groups ?? []).map((g) => ({
      message: { type: 'lookup', buckets: g.buckets } as const,
      transfer: g.transfer,
    })),
    done: { blocks, table: tableWithoutStrings(table), pointIndex: lookup?.head ?? null },
    transfer: tableBuffers(table),
  };
}

/** The window's side: collects what comes ahead of `done`, then joins it with `done`. */
export class ImportPartsCollector {
  readonly #blocks: ColumnBlock[] = [];
  readonly #buckets: LookupBucket[] = [];
  /** The blocks' strings, joined as they come (null once a block lacks them: the table has none). */
  #strings: ExplorerStringsJoiner | null = new ExplorerStringsJoiner();

  receive(message: AheadMessage): void {
    if (message.type === 'lookup') {
      for (const bucket of message.buckets) this.#buckets.push(bucket);
      return;
    }
    const { block } = message;
    this.#blocks.push(block);
    if (block.txnIds === undefined || block.receiptIds === undefined) this.#strings = null;
    else this.#strings?.add(block);
  }

  /**
   * The blocks, the whole table and the whole point index.
   * @throws Error naming what is missing or does not fit (the import then fails, and keeps nothing).
   */
  join(done: DoneParts): { blocks: ColumnBlock[]; table: ReceiptTable; pointIndex: PointIndex | null } {
    if (this.#blocks.length !== done.blocks)
      throw new Error(`${this.#blocks.length} of the table's ${done.blocks} column blocks arrived`);
    const table = tableWithBlockStrings(done.table, this.#blocks, this.#strings ?? undefined);
    const pointIndex = done.pointIndex && joinPointIndex(done.pointIndex, this.#buckets);
    return { blocks: this.#blocks, table, pointIndex };
  }
}
