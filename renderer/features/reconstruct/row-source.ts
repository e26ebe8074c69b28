/**
 * Where the reconstruction view reads a receipt's place in the archive from: the whole
 * table when the archive is already in memory (after its import, or once another screen read
 * it), else the store itself through the point index (renderer/workers/point-index.ts), which
 * reads the one or two column blocks and lookup buckets a receipt needs instead of every
 * block of the archive (1.1–1.5 s for 1,000,000 receipts). Both answer the same questions
 * the same way; `row-source.test.ts` checks that on stored archives.
 */
import type { Finding } from '../../../shared/engine/findings.ts';
import { onForgetArchive, peekLoadedArchive, useLoadedArchive } from '../../app/loaded-archives.ts';
import type { LoadedArchive } from '../../store/archives.ts';
import { db, type ArchiveRow, type ReceiptLinesRow } from '../../store/db.ts';
import { prefetchFileLines, readLineChunk } from '../../store/line-files.ts';
import {
  bucketOf,
  POINT_INDEX_LAYOUT,
  rowOfId,
  rowsOfTxn,
  txnKey,
  type LookupSummary,
} from '../../workers/point-index.ts';
import {
  chunkOf,
  linesPerChunkOf,
  ROWS_PER_BLOCK,
  unescapeId,
  type ChunkPlaces,
  type ColumnBlock,
} from '../../workers/receipt-columns.ts';
import { storedLineCount } from '../../workers/packed-lines.ts';
import {
  findReceiptRow,
  ledgerRange,
  localRow,
  receiptIdOf,
  transactionRows,
  type ReceiptTable,
} from '../../workers/receipt-table.ts';
import { segmentRangesOf, type RowRange } from './material-rules.ts';
import { useEffect, useState } from 'react';

export type StoredArchive = LoadedArchive['archive'];

/** A receipt's place in the archive, asked row by row. */
export interface RowSource {
  readonly archive: StoredArchive;
  /** Rows of the archive (every ledger). */
  readonly count: number;
  readonly paths: readonly string[];
  /** False when this import did not index receipt ids: no receipt is found by its id. */
  readonly idsIndexed: boolean;
  /** False when this import did not index transactions: only the receipt itself is a step. */
  readonly transactionsIndexed: boolean;
  /** Which of the two this is (said on the page for the benchmark and the tests). */
  readonly kind: 'table' | 'store';
  ledgerOf(row: number): { ledger: string; local: number };
  ledgerRange(ledger: string): { from: number; to: number } | null;
  /**
   * Makes `pathAt`, `lineAt` and `receiptIdAt` answer for these rows (until the next `load`:
   * ask for every row needed at once).
   */
  load(rows: readonly number[]): Promise<void>;
  pathAt(row: number): number;
  lineAt(row: number): number;
  /** '' where the line is not a valid receipt, or ids are not indexed. */
  receiptIdAt(row: number): string;
  /** The first row with this id, or undefined (ids indexed). */
  findRow(receiptId: string): Promise<number | undefined>;
  /** The rows of a ledger's transaction in row order (transactions indexed). */
  transactionRows(ledger: string, txnId: string): Promise<number[]>;
  /** Each segment's first and last row in the ledger, by path id. */
  segmentRanges(ledger: string): Promise<ReadonlyMap<number, RowRange>>;
  /** The full verification's findings and, per finding, the row it is on (-1: none). */
  findings(): Promise<{ readonly findings: readonly Finding[]; readonly findingRow: ArrayLike<number> }>;
  /** Raw lines per stored chunk of this archive (`linesPerChunkOf`): where `chunkOf` places a row. */
  readonly linesPerChunk: number;
  /** A stored chunk of a ledger's raw lines ({@link linesPerChunk} a chunk; the store source keeps those it read). */
  lineChunk(ledger: string, chunkNo: number): Promise<ReceiptLinesRow | undefined>;
}

/** The source over an archive read whole. */
export function tableSource(loaded: LoadedArchive): RowSource {
  const table: ReceiptTable = loaded.table;
  const ranges = new Map<string, Map<number, RowRange>>();
  return {
    archive: loaded.archive,
    count: table.count,
    paths: table.dictionaries.paths,
    idsIndexed: !table.missing.includes('receiptId'),
    transactionsIndexed: !table.missing.includes('transaction'),
    kind: 'table',
    ledgerOf: (row) => localRow(table, row),
    ledgerRange: (ledger) => ledgerRange(table, ledger),
    load: () => Promise.resolve(),
    pathAt: (row) => table.path[row] as number,
    lineAt: (row) => table.line[row] as number,
    receiptIdAt: (row) => (table.missing.includes('receiptId') ? '' : receiptIdOf(table, row)),
    findRow: (receiptId) => Promise.resolve(findReceiptRow(table, receiptId)),
    transactionRows: (ledger, txnId) => Promise.resolve(transactionRows(table, ledger, txnId)),
    segmentRanges(ledger) {
      let found = ranges.get(ledger);
      if (!found) {
        const range = ledgerRange(table, ledger) ?? { from: 0, to: 0 };
        found = segmentRangesOf({ path: table.path, ...range });
        ranges.set(ledger, found);
      }
      return Promise.resolve(found);
    },
    findings: () => Promise.resolve({ findings: table.findings, findingRow: table.findingRow }),
    linesPerChunk: linesPerChunkOf(loaded.archive),
    lineChunk: (ledger, chunkNo) => readLineChunk(loaded.archive.id, ledger, chunkNo),
  };
}

/**
 * Rows' places as the store source read them, from a column block or a line chunk: row i of
 * it is ledger-local row `start + i`; `receiptIds.slice(idStart[i], idStart[i + 1] - 1)` is
 * its escaped id.
 */
interface ReadPlaces {
  readonly start: number;
  readonly count: number;
  readonly path: ArrayLike<number>;
  readonly line: ArrayLike<number>;
  readonly receiptIds: string;
  readonly idStart: Uint32Array;
}

/** Where each of `count` newline-ended ids starts in `ids`; null when there are fewer. */
function idStarts(ids: string, count: number): Uint32Array | null {
  const idStart = new Uint32Array(count + 1);
  let pos = 0;
  for (let i = 0; i < count; i++) {
    idStart[i] = pos;
    pos = ids.indexOf('\n', pos) + 1;
    if (pos === 0) return null;
  }
  idStart[count] = pos;
  return idStart;
}

/** A line chunk's places when they were stored whole (imports since 2026-12-01), else null. */
function chunkPlaces(chunk: ReceiptLinesRow | undefined, chunkNo: number, linesPerChunk: number): ReadPlaces | null {
  const places: ChunkPlaces | undefined = chunk?.places;
  if (!chunk || !places) return null;
  const count = storedLineCount(chunk);
  if (places.path.length !== count || places.line.length !== count) return null;
  const idStart = idStarts(places.receiptIds, count);
  if (!idStart) return null;
  return {
    start: chunkNo * linesPerChunk,
    count,
    path: places.path,
    line: places.line,
    receiptIds: places.receiptIds,
    idStart,
  };
}

/**
 * Column blocks and line chunks kept in memory per archive (a block is a few megabytes, a
 * chunk about 1.5): walking stays in one or two. A `load` keeps every one it was asked for,
 * even more than this.
 */
const BLOCKS_KEPT = 8;
const CHUNKS_KEPT = 16;

type CompleteWithLookup = StoredArchive & {
  lookup: LookupSummary;
  rowsByLedger: Record<string, number>;
  dictionaries: NonNullable<ArchiveRow['dictionaries']>;
};

/**
 * The source over the store, through the archive's point index. Reads a column block when a
 * row of it is first asked for, a lookup bucket per id or transaction, and the findings once.
 */
export function storeSource(archive: CompleteWithLookup): RowSource {
  const archiveId = archive.id;
  const lookup = archive.lookup;
  const linesPerChunk = linesPerChunkOf(archive);
  const ledgers = Object.keys(archive.rowsByLedger).sort();
  const ledgerStart: number[] = [];
  let count = 0;
  for (const name of ledgers) {
    ledgerStart.push(count);
    count += archive.rowsByLedger[name] ?? 0;
  }
  // Reads in flight or done, most recently used last, and the places of those done.
  const blocks = new Map<string, Promise<ReadPlaces>>();
  const chunks = new Map<string, Promise<ReceiptLinesRow | undefined>>();
  const placed = new Map<string, ReadPlaces>();
  let findings: Promise<{ findings: Finding[]; findingRow: Int32Array }> | null = null;

  const ledgerOf = (row: number) => {
    if (!Number.isInteger(row) || row < 0 || row >= count) throw new RangeError(`No row ${row} in this archive.`);
    let i = ledgers.length - 1;
    while (i > 0 && (ledgerStart[i] as number) > row) i--;
    return { ledger: ledgers[i] as string, local: row - (ledgerStart[i] as number) };
  };
  const used = <T>(cache: Map<string, T>, key: string): T | undefined => {
    const found = cache.get(key);
    if (found !== undefined) {
      cache.delete(key);
      cache.set(key, found);
    }
    return found;
  };
  const blockKey = (ledger: string, local: number) => `block\n${ledger}\n${Math.floor(local / ROWS_PER_BLOCK)}`;
  const chunkKey = (ledger: string, local: number) => `chunk\n${ledger}\n${chunkOf(local, linesPerChunk).chunkNo}`;
  const readBlock = (ledger: string, blockNo: number): Promise<ReadPlaces> => {
    const key = `block\n${ledger}\n${blockNo}`;
    let pending = used(blocks, key);
    if (pending) return pending;
    pending = db.receiptIndex.get([archiveId, ledger, blockNo]).then((block: ColumnBlock | undefined) => {
      if (!block)
        throw new Error(`The stored index of ledger ${ledger} has no block ${blockNo}: import the archive again.`);
      if (block.receiptIds === undefined)
        throw new Error(`The stored index of ledger ${ledger}, block ${blockNo}, has no receipt ids.`);
      const idStart = idStarts(block.receiptIds, block.count);
      if (!idStart) throw new Error(`The stored index of ledger ${ledger}, block ${blockNo}, lacks receipt ids.`);
      const read: ReadPlaces = { ...block, receiptIds: block.receiptIds, idStart };
      if (blocks.get(key) === pending) placed.set(key, read);
      return read;
    });
    pending.catch(() => blocks.delete(key));
    blocks.set(key, pending);
    return pending;
  };
  /**
   * The segment files a chunk's lines come from, by the point index's segment ranges: asked
   * for beside the chunk row, so that a kept file (line-files.ts) is read at once, not after
   * the chunk row names it, behind the reads the view asks for meanwhile.
   */
  const prefetchFiles = (ledger: string, chunkNo: number) => {
    const at = ledgers.indexOf(ledger);
    if (at < 0) return;
    const from = (ledgerStart[at] as number) + chunkNo * linesPerChunk;
    const to = Math.min(from + linesPerChunk, (ledgerStart[at] as number) + (archive.rowsByLedger[ledger] ?? 0)) - 1;
    for (const range of lookup.segments[ledger] ?? [])
      if (range.first <= to && range.last >= from) {
        const path = archive.dictionaries.paths[range.path];
        if (path) prefetchFileLines(archiveId, path);
      }
  };
  const lineChunk = (ledger: string, chunkNo: number): Promise<ReceiptLinesRow | undefined> => {
    const key = `chunk\n${ledger}\n${chunkNo}`;
    let pending = used(chunks, key);
    if (pending) return pending;
    pending = readLineChunk(archiveId, ledger, chunkNo);
    prefetchFiles(ledger, chunkNo);
    pending.catch(() => chunks.delete(key));
    chunks.set(key, pending);
    return pending;
  };
  /** The places of a row: from its line chunk when that holds them, else from its column block. */
  const readPlaces = async (ledger: string, local: number): Promise<string> => {
    const { chunkNo } = chunkOf(local, linesPerChunk);
    const key = chunkKey(ledger, local);
    const chunk = await lineChunk(ledger, chunkNo);
    if (placed.has(key)) return key;
    const places = chunkPlaces(chunk, chunkNo, linesPerChunk);
    if (places) {
      placed.set(key, places);
      return key;
    }
    await readBlock(ledger, Math.floor(local / ROWS_PER_BLOCK));
    return blockKey(ledger, local);
  };
  const at = (row: number): { read: ReadPlaces; i: number } => {
    const { ledger, local } = ledgerOf(row);
    const read = placed.get(chunkKey(ledger, local)) ?? placed.get(blockKey(ledger, local));
    if (!read) throw new Error(`Row ${row} was not read from the store (call load first).`);
    const i = local - read.start;
    if (i < 0 || i >= read.count) throw new Error(`Row ${row} is not in its stored block.`);
    return { read, i };
  };
  /** Forgets the reads done longest ago beyond `kept`, never one of `wanted`. */
  const forget = <T>(cache: Map<string, T>, kept: number, wanted: ReadonlySet<string>) => {
    for (const key of [...cache.keys()]) {
      if (cache.size <= kept) break;
      if (wanted.has(key)) continue;
      cache.delete(key);
      placed.delete(key);
    }
  };
  const bucket = (key: string) => db.receiptLookup.get([archiveId, bucketOf(key, lookup.buckets)]);

  return {
    archive,
    count,
    paths: archive.dictionaries.paths,
    idsIndexed: true,
    transactionsIndexed: true,
    kind: 'store',
    ledgerOf,
    ledgerRange(ledger) {
      const i = ledgers.indexOf(ledger);
      if (i < 0) return null;
      return { from: ledgerStart[i] as number, to: (ledgerStart[i + 1] as number | undefined) ?? count };
    },
    async load(rows) {
      const wanted = new Map<string, { ledger: string; local: number }>();
      for (const row of rows) {
        const { ledger, local } = ledgerOf(row);
        wanted.set(chunkKey(ledger, local), { ledger, local });
      }
      const read = new Set(await Promise.all([...wanted.values()].map((w) => readPlaces(w.ledger, w.local))));
      const asked = new Set([...wanted.keys(), ...read]);
      forget(chunks, CHUNKS_KEPT, asked);
      forget(blocks, BLOCKS_KEPT, asked);
    },
    pathAt(row) {
      const { read, i } = at(row);
      return read.path[i] as number;
    },
    lineAt(row) {
      const { read, i } = at(row);
      return read.line[i] as number;
    },
    receiptIdAt(row) {
      const { read, i } = at(row);
      return unescapeId(read.receiptIds.slice(read.idStart[i] as number, (read.idStart[i + 1] as number) - 1));
    },
    async findRow(receiptId) {
      if (receiptId === '') return undefined;
      const found = await bucket(receiptId);
      return found ? rowOfId(found, receiptId) : undefined;
    },
    async transactionRows(ledger, txnId) {
      if (txnId === '') return [];
      const found = await bucket(txnKey(ledger, txnId));
      return found ? rowsOfTxn(found, ledger, txnId) : [];
    },
    segmentRanges(ledger) {
      const ranges = new Map<number, { first: number; last: number }>();
      for (const s of lookup.segments[ledger] ?? []) {
        const range = ranges.get(s.path);
        if (range) range.last = s.last;
        else ranges.set(s.path, { first: s.first, last: s.last });
      }
      return Promise.resolve(ranges);
    },
    findings() {
      findings ??= db.findings
        .where('archiveId')
        .equals(archiveId)
        .sortBy('chunkNo')
        .then((rows) => {
          const items = rows.flatMap((r) => r.items);
          const findingRow = new Int32Array(items.length).fill(-1);
          let k = 0;
          for (const r of rows) {
            if (r.rows === undefined || r.rows.length !== r.items.length)
              throw new Error('The stored findings do not say which receipt each is on: import the archive again.');
            findingRow.set(r.rows, k);
            k += r.items.length;
          }
          return { findings: items, findingRow };
        });
      findings.catch(() => (findings = null));
      return findings;
    },
    linesPerChunk,
    lineChunk,
  };
}

/** Store sources by archive id (the blocks they read stay for the next receipt); the last few archives. */
const stores = new Map<string, RowSource>();
const STORES_KEPT = 2;
onForgetArchive((archiveId) => stores.delete(archiveId));

/**
 * Whether the store can answer for this archive through its point index: complete, with an
 * index of this layout (archives imported before it, or with another layout, are read whole).
 */
export function pointIndexUsable(archive: ArchiveRow | undefined): archive is CompleteWithLookup {
  return (
    archive !== undefined &&
    archive.status === 'complete' &&
    archive.report !== undefined &&
    archive.lookup?.layout === POINT_INDEX_LAYOUT &&
    archive.rowsByLedger !== undefined &&
    archive.dictionaries !== undefined
  );
}

export type SourceState =
  | { readonly status: 'loading' }
  | { readonly status: 'missing' }
  | { readonly status: 'failed'; readonly message: string }
  | { readonly status: 'ready'; readonly source: RowSource };

/** The source known without reading anything: the table in memory, or a store source made before. */
function sourceAtHand(archiveId: string): RowSource | null {
  const inMemory = peekLoadedArchive(archiveId);
  return inMemory ? tableSourceOf(inMemory) : (stores.get(archiveId) ?? null);
}

/**
 * The row source for an archive: its table when in memory; else the store, when the archive
 * has a point index; else (imported before it existed) the whole archive read into memory.
 * The source chosen for an archive stays while the page shows it (one receipt is not
 * gathered twice because the table arrived meanwhile).
 */
export function useRowSource(archiveId: string): SourceState {
  const [picked, setPicked] = useState<{ id: string; state: SourceState | 'read whole' }>(() => {
    const source = sourceAtHand(archiveId);
    return { id: archiveId, state: source ? { status: 'ready', source } : { status: 'loading' } };
  });
  let current = picked;
  if (current.id !== archiveId) {
    const source = sourceAtHand(archiveId);
    current = { id: archiveId, state: source ? { status: 'ready', source } : { status: 'loading' } };
    setPicked(current);
  }
  const whole = useLoadedArchive(current.state === 'read whole' ? archiveId : null);
  const needsReading = current.state !== 'read whole' && current.state.status === 'loading';
  useEffect(() => {
    if (!needsReading) return undefined;
    let live = true;
    db.archives.get(archiveId).then(
      (archive) => {
        if (!live) return;
        if (!pointIndexUsable(archive)) return setPicked({ id: archiveId, state: 'read whole' });
        const source = storeSource(archive);
        stores.set(archiveId, source);
        while (stores.size > STORES_KEPT) stores.delete(stores.keys().next().value as string);
        setPicked({ id: archiveId, state: { status: 'ready', source } });
      },
      (error: Error) => live && setPicked({ id: archiveId, state: { status: 'failed', message: error.message } }),
    );
    return () => {
      live = false;
    };
  }, [archiveId, needsReading]);
  if (current.state !== 'read whole') return current.state;
  return whole.status === 'ready' ? { status: 'ready', source: tableSourceOf(whole.loaded) } : whole;
}

/** One table source per loaded archive (its segment ranges are worked out once). */
const tableSources = new WeakMap<LoadedArchive, RowSource>();
function tableSourceOf(loaded: LoadedArchive): RowSource {
  let source = tableSources.get(loaded);
  if (!source) {
    source = tableSource(loaded);
    tableSources.set(loaded, source);
  }
  return source;
}
