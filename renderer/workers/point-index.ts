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
import { unescapeId } from './receipt-columns.ts';
import { txnOf, type ReceiptTable } from './receipt-table.ts';

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

/**
 * The point index's layout (bucket hash, key forms). A stored index of another layout is not
 * read: the archive is then read whole, never looked up with the wrong keys.
 */
export const POINT_INDEX_LAYOUT = 1;

/** What the archive row keeps of the point index (small: read with the archive row). */
export interface LookupSummary {
  /** {@link POINT_INDEX_LAYOUT} when it was built. */
  readonly layout: number;
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

/**
 * The key of a transaction of a ledger (a transaction id is per ledger): the ledger's length,
 * a colon, the ledger, the id. The length makes it unambiguous whatever either contains.
 */
export function txnKey(ledger: string, txnId: string): string {
  return `${ledger.length}:${ledger}${txnId}`;
}

export function bucketCount(rows: number): number {
  return Math.max(1, Math.ceil(rows / IDS_PER_BUCKET));
}

/** Rows between two calls of `buildPointIndex`'s `onRows` (about 0.1 s at this machine's speed). */
export const INDEX_ROWS_PER_REPORT = 100_000;

/**
 * Builds the point index of a table. Null when the table has no receipt ids or transactions
 * indexed (archives imported before those columns): the whole table is read instead.
 * @param onRows told how far the build is, every `rowsPerReport` rows of its two
 *   passes over the table and at the end (`done` of `of`, twice the rows: at 1,000,000 receipts
 *   the build takes about a second, which progress must not spend standing still).
 */
export function buildPointIndex(
  table: ReceiptTable,
  onRows: (done: number, of: number) => void = () => undefined,
  rowsPerReport: number = INDEX_ROWS_PER_REPORT,
): PointIndex | null {
  if (table.missing.includes('receiptId') || table.missing.includes('transaction')) return null;
  const count = bucketCount(table.count);
  // Every row's escaped id in one native split of the table's id text (a newline, then each
  // id followed by one): row r's is element r + 1.
  const escapedIds = table.receiptIdText.split('\n');
  if (escapedIds.length !== table.count + 2) throw new Error('buildPointIndex: the id text does not match the rows');
  // Pass 1: each row's id bucket and transaction, counted per bucket and per transaction, and
  // the segments' row ranges. A table's transaction dictionary has one entry per block a
  // transaction has rows in: each entry is mapped once to its transaction (ledger, id).
  const idBucket = new Int32Array(table.count).fill(-1);
  const idsPerBucket = new Uint32Array(count);
  const rowGroup = new Int32Array(table.count).fill(-1);
  const groupOf = new Int32Array(table.txnIds.length).fill(-1);
  const groupByKey = new Map<string, number>();
  const groupKeys: string[] = [];
  const rowsPerGroup: number[] = [];
  const segments: Record<string, SegmentRange[]> = {};
  for (const name of table.ledgers) segments[name] = [];
  let current: { ledger: number; path: number; first: number; last: number } | null = null;
  const closeSegment = () => {
    if (current) {
      const name = table.ledgers[current.ledger] as string;
      (segments[name] as SegmentRange[]).push({ path: current.path, first: current.first, last: current.last });
    }
  };
  const of = 2 * table.count;
  for (let row = 0; row < table.count; row++) {
    if (row % rowsPerReport === 0 && row > 0) onRows(row, of);
    const escaped = escapedIds[row + 1] as string;
    if (escaped !== '') {
      const id = escaped.includes('\\') ? unescapeId(escaped) : escaped;
      escapedIds[row + 1] = id;
      const b = bucketOf(id, count);
      idBucket[row] = b;
      idsPerBucket[b] = (idsPerBucket[b] as number) + 1;
    }
    const t = table.txn[row] as number;
    if (t !== 0) {
      let group = groupOf[t] as number;
      if (group < 0) {
        const key = txnKey(table.ledgers[table.ledgerOf[row] as number] as string, txnOf(table, row));
        const known = groupByKey.get(key);
        if (known === undefined) {
          group = groupKeys.length;
          groupByKey.set(key, group);
          groupKeys.push(key);
          rowsPerGroup.push(0);
        } else group = known;
        groupOf[t] = group;
      }
      rowGroup[row] = group;
      rowsPerGroup[group] = (rowsPerGroup[group] as number) + 1;
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

  // Each transaction's bucket, its place among the bucket's transactions and where its rows go.
  const groupBucket = new Uint32Array(groupKeys.length);
  const groupsPerBucket = new Uint32Array(count);
  const txnRowsPerBucket = new Uint32Array(count);
  const groupAt = new Uint32Array(groupKeys.length);
  const groupOffset = new Uint32Array(groupKeys.length);
  groupKeys.forEach((key, group) => {
    const b = bucketOf(key, count);
    groupBucket[group] = b;
    groupAt[group] = groupsPerBucket[b] as number;
    groupsPerBucket[b] = (groupsPerBucket[b] as number) + 1;
    groupOffset[group] = txnRowsPerBucket[b] as number;
    txnRowsPerBucket[b] = (txnRowsPerBucket[b] as number) + (rowsPerGroup[group] as number);
  });
  const buckets = Array.from({ length: count }, (_, b) => ({
    bucket: b,
    ids: new Array<string>(idsPerBucket[b] as number),
    idRows: new Uint32Array(idsPerBucket[b] as number),
    txns: new Array<string>(groupsPerBucket[b] as number),
    txnStart: new Uint32Array((groupsPerBucket[b] as number) + 1),
    txnRows: new Uint32Array(txnRowsPerBucket[b] as number),
  }));
  groupKeys.forEach((key, group) => {
    const bucket = buckets[groupBucket[group] as number] as (typeof buckets)[number];
    const k = groupAt[group] as number;
    bucket.txns[k] = key;
    bucket.txnStart[k + 1] = (groupOffset[group] as number) + (rowsPerGroup[group] as number);
  });

  // Pass 2: rows into their buckets, in row order.
  const idsFilled = new Uint32Array(count);
  const groupFilled = new Uint32Array(groupKeys.length);
  for (let row = 0; row < table.count; row++) {
    if (row % rowsPerReport === 0) onRows(table.count + row, of);
    const b = idBucket[row] as number;
    if (b >= 0) {
      const bucket = buckets[b] as (typeof buckets)[number];
      const i = idsFilled[b] as number;
      bucket.ids[i] = escapedIds[row + 1] as string;
      bucket.idRows[i] = row;
      idsFilled[b] = i + 1;
    }
    const group = rowGroup[row] as number;
    if (group >= 0) {
      const bucket = buckets[groupBucket[group] as number] as (typeof buckets)[number];
      bucket.txnRows[(groupOffset[group] as number) + (groupFilled[group] as number)] = row;
      groupFilled[group] = (groupFilled[group] as number) + 1;
    }
  }
  onRows(of, of);
  return { summary: { layout: POINT_INDEX_LAYOUT, buckets: count, segments }, buckets };
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

/** Buckets a `lookup` message carries (about 65,536 receipt ids and their transactions). */
export const LOOKUP_BUCKETS_PER_MESSAGE = 16;

/**
 * A point index cut for posting to the window: its buckets in groups, each with the buffers to
 * move, and the index without them (`head`, sent with the import's `done`). The buckets hold
 * every receipt id and transaction key as strings, which the window reads when it receives
 * them: in one message, that was one task of 0.4 s on the window's thread at 1,000,000
 * receipts; in groups, each is its own task, and input is answered between them.
 */
export function pointIndexParts(index: PointIndex): {
  readonly head: PointIndex;
  readonly groups: readonly { readonly buckets: readonly LookupBucket[]; readonly transfer: ArrayBuffer[] }[];
} {
  const groups: { buckets: readonly LookupBucket[]; transfer: ArrayBuffer[] }[] = [];
  for (let i = 0; i < index.buckets.length; i += LOOKUP_BUCKETS_PER_MESSAGE) {
    const buckets = index.buckets.slice(i, i + LOOKUP_BUCKETS_PER_MESSAGE);
    groups.push({ buckets, transfer: pointIndexBuffers({ summary: index.summary, buckets }) });
  }
  return { head: { summary: index.summary, buckets: [] }, groups };
}

/**
 * The point index again from its `head` and the buckets received before it, in order.
 * @throws Error when buckets are missing or out of order (the import then fails, and stores nothing).
 */
export function joinPointIndex(head: PointIndex, received: readonly LookupBucket[]): PointIndex {
  const buckets = [...head.buckets, ...received];
  if (buckets.length !== head.summary.buckets || buckets.some((b, i) => b.bucket !== i))
    throw new Error(
      `the point index arrived incomplete: ${buckets.length} of ${head.summary.buckets} buckets, or out of order`,
    );
  return { summary: head.summary, buckets };
}
