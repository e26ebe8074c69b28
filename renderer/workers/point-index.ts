/**
 * The point index: what finds one receipt in the store without reading the whole table
 * (issue 10: a reconstruction opened by a link or after a reload). Built once at import from
 * the table the verify worker made, stored beside it (`receiptLookup` rows and the archive
 * row's `lookup`), and read a bucket at a time:
 * - receipt id → the global rows with that id, in row order;
 * - (ledger, transaction id) → the global rows of that transaction, in row order;
 * - per ledger, each segment's first and last global row (a neighbour across a segment
 *   boundary is the last line of the segment before, or the first of the one after);
 * - per finding, the row the table placed it on (stored with the findings).
 * Keys are spread over buckets by a 32-bit FNV-1a hash of the key's UTF-16 code units, so a
 * lookup reads one stored row of about {@link IDS_PER_BUCKET} ids and the transactions that
 * hash with them.
 */
import { receiptIdOf, txnOf, type ReceiptTable } from './receipt-table.ts';

/** Receipt ids per bucket, on average: a bucket row is a few tens of kilobytes. */
export const IDS_PER_BUCKET = 1024;

/** One stored bucket of the point index. */
export interface LookupBucket {
  readonly bucket: number;
  /** The receipt ids that hash to this bucket, in row order (an id repeated by an archive appears once per row). */
  readonly ids: readonly string[];
  /** Global row of each of {@link ids}. */
  readonly idRows: Uint32Array;
  /** Transaction keys ({@link txnKey}) that hash to this bucket. */
  readonly txns: readonly string[];
  /** CSR over {@link txnRows}: transaction k's rows are `txnRows[txnStart[k] .. txnStart[k + 1])`. */
  readonly txnStart: Uint32Array;
  readonly txnRows: Uint32Array;
}

/** A segment's rows in its ledger: `first` and `last` global rows (its rows are contiguous in the table). */
export interface SegmentRange {
  /** Index into the archive's path dictionary. */
  readonly path: number;
  readonly first: number;
  readonly last: number;
}

/** What the archive row keeps of the point index (small: read with the archive row). */
export interface LookupSummary {
  /** Number of buckets (at least 1). */
  readonly buckets: number;
  /** Per ledger, its segments' row ranges, in row order. */
  readonly segments: Readonly<Record<string, readonly SegmentRange[]>>;
}

export interface PointIndex {
  readonly summary: LookupSummary;
  readonly buckets: readonly LookupBucket[];
}

/** 32-bit FNV-1a over the UTF-16 code units of `key`. */
export function fnv1a(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function bucketOf(key: string, buckets: number): number {
  return fnv1a(key) % buckets;
}

/** The key of a transaction of a ledger (a transaction id is per ledger). */
export function txnKey(ledger: string, txnId: string): string {
  return JSON.stringify([ledger, txnId]);
}

export function bucketCount(rows: number): number {
  return Math.max(1, Math.ceil(rows / IDS_PER_BUCKET));
}

/**
 * Builds the point index of a table. Null when the table has no receipt ids or transactions
 * indexed (archives imported before those columns): the whole table is read instead.
 */
export function buildPointIndex(table: ReceiptTable): PointIndex | null {
  if (table.missing.includes('receiptId') || table.missing.includes('transaction')) return null;
  const count = bucketCount(table.count);
  const ids: string[][] = Array.from({ length: count }, () => []);
  const idRows: number[][] = Array.from({ length: count }, () => []);
  const txnRowsByKey = new Map<string, number[]>();
  // A table's transaction dictionary has one entry per block a transaction has rows in:
  // each entry's key is made once.
  const keyOfTxn = new Array<string | undefined>(table.txnIds.length);
  const segments: Record<string, SegmentRange[]> = {};
  for (const name of table.ledgers) segments[name] = [];
  let current: { ledger: number; path: number; first: number; last: number } | null = null;
  const closeSegment = () => {
    if (current) {
      const name = table.ledgers[current.ledger] as string;
      (segments[name] as SegmentRange[]).push({ path: current.path, first: current.first, last: current.last });
    }
  };
  for (let row = 0; row < table.count; row++) {
    const id = receiptIdOf(table, row);
    if (id !== '') {
      const b = bucketOf(id, count);
      (ids[b] as string[]).push(id);
      (idRows[b] as number[]).push(row);
    }
    const t = table.txn[row] as number;
    if (t !== 0) {
      let key = keyOfTxn[t];
      if (key === undefined) {
        key = txnKey(table.ledgers[table.ledgerOf[row] as number] as string, txnOf(table, row));
        keyOfTxn[t] = key;
      }
      const rows = txnRowsByKey.get(key);
      if (rows) rows.push(row);
      else txnRowsByKey.set(key, [row]);
    }
    const ledger = table.ledgerOf[row] as number;
    const path = table.path[row] as number;
    if (current && current.ledger === ledger && current.path === path && current.last === row - 1) current.last = row;
    else {
      closeSegment();
      current = { ledger, path, first: row, last: row };
    }
  }
  closeSegment();
  const txnKeys: string[][] = Array.from({ length: count }, () => []);
  const txnLists: number[][][] = Array.from({ length: count }, () => []);
  for (const [key, rows] of txnRowsByKey) {
    const b = bucketOf(key, count);
    (txnKeys[b] as string[]).push(key);
    (txnLists[b] as number[][]).push(rows);
  }
  const buckets: LookupBucket[] = [];
  for (let b = 0; b < count; b++) {
    const lists = txnLists[b] as number[][];
    const txnStart = new Uint32Array(lists.length + 1);
    lists.forEach((rows, k) => (txnStart[k + 1] = (txnStart[k] as number) + rows.length));
    const txnRows = new Uint32Array(txnStart[lists.length] as number);
    lists.forEach((rows, k) => txnRows.set(rows, txnStart[k] as number));
    buckets.push({
      bucket: b,
      ids: ids[b] as string[],
      idRows: Uint32Array.from(idRows[b] as number[]),
      txns: txnKeys[b] as string[],
      txnStart,
      txnRows,
    });
  }
  return { summary: { buckets: count, segments }, buckets };
}

/** The first row with this receipt id in a bucket, or undefined. */
export function rowOfId(bucket: LookupBucket, receiptId: string): number | undefined {
  const at = bucket.ids.indexOf(receiptId);
  return at < 0 ? undefined : (bucket.idRows[at] as number);
}

/** The rows of a ledger's transaction in a bucket, in row order ([] when none). */
export function rowsOfTxn(bucket: LookupBucket, ledger: string, txnId: string): number[] {
  const k = bucket.txns.indexOf(txnKey(ledger, txnId));
  if (k < 0) return [];
  return [...bucket.txnRows.subarray(bucket.txnStart[k] as number, bucket.txnStart[k + 1] as number)];
}

/** The buffers of a point index, for `postMessage(…, transfer)`. */
export function pointIndexBuffers(index: PointIndex): ArrayBuffer[] {
  return index.buckets.flatMap((b) => [b.idRows.buffer, b.txnStart.buffer, b.txnRows.buffer] as ArrayBuffer[]);
}
