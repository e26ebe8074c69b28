/**
 * Archive lifecycle in the database: all or nothing. Rows are written under status
 * `importing`; one final transaction writes the findings and report and flips the
 * status to `complete`. Cancel, failure and an interrupted window all end in
 * {@link deleteArchive}.
 */
import type { ControlMetricsReport } from '../../shared/controls/metrics.ts';
import type { PrivacyReport } from '../../shared/controls/privacy.ts';
import type { Finding } from '../../shared/engine/findings.ts';
import type { KeptFile, VerifyReport } from '../../shared/engine/types.ts';
import type { ColumnBlock, Dictionaries, LineChunk } from '../workers/receipt-columns.ts';
import { chunkOf, LINES_PER_CHUNK, linesPerChunkOf } from '../workers/receipt-columns.ts';
import { storedLine } from '../workers/packed-lines.ts';
import { decodeUtf8Strict } from '../../shared/format/bytes.ts';
import { CHECKPOINTS_PATH } from '../../shared/format/layout.ts';
import { cutCheckpoints, type CheckpointPiecesSummary } from './checkpoint-pieces.ts';
import {
  archiveTables,
  db,
  FINDINGS_PER_CHUNK,
  type ArchiveFileRow,
  type ArchiveKeyRow,
  type ArchiveRow,
  type CheckpointPieceRow,
  type ReceiptLinesRow,
  type ResumePointRow,
  type SegmentFileRow,
} from './db.ts';
import { ensureCurrentEngagement } from './engagements.ts';
import { readLineChunk } from './line-files.ts';
import type { PointIndex } from '../workers/point-index.ts';
import { buildReceiptTable, type ReceiptTable } from '../workers/receipt-table.ts';

const LOCK_PREFIX = 'tickmark-import:';

export interface ImportStart {
  readonly name: string;
  readonly size: number;
  readonly origin: ArchiveRow['origin'];
  readonly trustedRoots: readonly string[];
  /**
   * The engagement to store it under; by default the current one. An import that replaces
   * an earlier one (verified again after pinning its root) should pass that archive's.
   */
  readonly engagementId?: string;
  /** The ExecLayer log's files and options, when the evidence is one (never its HMAC secret). */
  readonly execlayer?: ArchiveRow['execlayer'];
}

/** Creates the `importing` row, under the given engagement or the one current when the import starts. */
export async function beginImport(start: ImportStart): Promise<string> {
  const engagementId =
    start.engagementId !== undefined && (await db.engagements.get(start.engagementId))
      ? start.engagementId
      : (await ensureCurrentEngagement()).id;
  const id = crypto.randomUUID();
  await db.archives.add({
    id,
    engagementId,
    name: start.name,
    size: start.size,
    origin: start.origin,
    status: 'importing',
    startedAt: new Date().toISOString(),
    trustedRoots: [...start.trustedRoots],
    // The workers' ColumnBuilder cuts chunks of this many lines (its default).
    linesPerChunk: LINES_PER_CHUNK,
    ...(start.execlayer ? { execlayer: start.execlayer } : {}),
  });
  return id;
}

/**
 * Holds a Web Lock for the whole import, so that start-up clean-up in another window
 * never removes an import that is still running.
 */
export function withImportLock<T>(archiveId: string, work: () => Promise<T>): Promise<T> {
  if (typeof navigator === 'undefined' || !navigator.locks) return work();
  // The lock is held until `work` settles; request() resolves with work's own result.
  return navigator.locks.request(LOCK_PREFIX + archiveId, work) as unknown as Promise<T>;
}

/**
 * About how many bytes of line chunks one write puts. IndexedDB copies a value as `put` is called,
 * on the window's thread, at several milliseconds a chunk of lines: a write of every chunk that
 * had arrived (tens, from large segment files) held the window for up to a quarter of a second.
 * Written a group at a time, each group is put when the one before has been written, in a task
 * of its own, so input is handled in between (docs/PERFORMANCE.md, issue 18).
 */
export const PUT_BYTES_PER_TASK = 1 << 20;

/** `items` in order, in groups of about `limit` bytes by `size` (at least one item a group). */
export function groupsOfBytes<T>(items: readonly T[], size: (item: T) => number, limit: number): T[][] {
  const groups: T[][] = [];
  let group: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const n = size(item);
    if (group.length > 0 && bytes + n > limit) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(item);
    bytes += n;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/** What a chunk of lines costs to put, about: its lines' bytes and their hashes' text. */
const chunkBytes = (row: ReceiptLinesRow): number => (row.lines?.bytes.byteLength ?? 0) + row.hashes.length * 64;

/**
 * Stores line chunks in one transaction (a chunk that fails rejects it, and the import then fails
 * and is removed), about `bytesPerPut` at a time ({@link PUT_BYTES_PER_TASK}).
 */
export async function putLineChunks(
  archiveId: string,
  chunks: readonly LineChunk[],
  bytesPerPut = PUT_BYTES_PER_TASK,
): Promise<void> {
  const rows = chunks.map((chunk): ReceiptLinesRow => ({
    archiveId,
    ledger: chunk.ledger,
    chunkNo: chunk.chunkNo,
    lines: chunk.lines,
    hashes: [...chunk.hashes],
    places: chunk.places,
    ...(chunk.inFiles ? { inFiles: chunk.inFiles } : {}),
    ...(chunk.pieces ? { pieces: chunk.pieces } : {}),
  }));
  const files = chunks.flatMap((chunk) => chunk.files ?? []).map((file): SegmentFileRow => ({ archiveId, ...file }));
  const points = chunks
    .flatMap((chunk) => chunk.points ?? [])
    .map((point): ResumePointRow => ({ archiveId, ...point }));
  // The files a chunk reads its lines from, and the points to read them from, are stored with
  // it: never a chunk without them.
  await db.transaction('rw', db.receiptLines, db.segmentFiles, db.resumePoints, async () => {
    if (files.length > 0) await db.segmentFiles.bulkPut(files);
    if (points.length > 0) await db.resumePoints.bulkPut(points);
    for (const group of groupsOfBytes(rows, chunkBytes, bytesPerPut)) await db.receiptLines.bulkPut(group);
  });
}

/** What a column block costs to put, about: its columns' bytes, its receipt ids' and transaction ids' text. */
function blockBytes(block: ColumnBlock): number {
  let bytes = block.receiptIds?.length ?? 0;
  for (const value of Object.values(block) as unknown[]) if (ArrayBuffer.isView(value)) bytes += value.byteLength;
  for (const id of block.txnIds ?? []) bytes += id.length;
  return bytes;
}

/**
 * Stores column blocks of an import (the archive still `importing`: an interruption leaves rows
 * that start-up removes, as for the line chunks) in one transaction, about `bytesPerPut` at a
 * time: a block is 10–15 MB at 65,536 rows (alone in its `put`, which copies it on this thread),
 * and a ledger of a few receipts is a block of its own (2,000 such blocks, a transaction each,
 * took 1.8 s after the verification; docs/PERFORMANCE.md, fifty-sixth session).
 */
export async function putColumnBlocks(
  archiveId: string,
  blocks: readonly ColumnBlock[],
  bytesPerPut = PUT_BYTES_PER_TASK,
): Promise<void> {
  await db.transaction('rw', db.receiptIndex, async () => {
    for (const group of groupsOfBytes(blocks, blockBytes, bytesPerPut))
      await db.receiptIndex.bulkPut(group.map((block) => ({ ...block, archiveId })));
  });
}

/** Splits findings into rows of at most `size`. */
export function chunkFindings(findings: readonly Finding[], size = FINDINGS_PER_CHUNK): Finding[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError('chunkFindings: "size" must be a positive integer');
  const out: Finding[][] = [];
  for (let i = 0; i < findings.length; i += size) out.push(findings.slice(i, i + size));
  return out;
}

export interface ImportResult {
  readonly report: VerifyReport;
  /** The column blocks not stored yet (an import stores them as they come: {@link putColumnBlocks}). */
  readonly blocks: readonly ColumnBlock[];
  readonly dictionaries: Dictionaries;
  readonly rowsByLedger: Readonly<Record<string, number>>;
  readonly keys: readonly Omit<ArchiveKeyRow, 'archiveId'>[];
  /** The privacy report of the same verification; null or absent when none was made. */
  readonly privacy?: PrivacyReport | null;
  /** The control metrics of the same verification; null or absent when none were computed. */
  readonly metrics?: ControlMetricsReport | null;
  /** Files other than segments, as the verification read them (absent: none kept). */
  readonly files?: readonly KeptFile[];
  /** Hex SHA-256 of the archive file's bytes; null or absent when not known. */
  readonly fileSha256?: string | null;
  /** The point index of the table (renderer/workers/point-index.ts); null or absent: none made. */
  readonly pointIndex?: PointIndex | null;
}

/** Point index buckets per stored write (each a few tens of kilobytes). */
const LOOKUP_BUCKETS_PER_PUT = 64;

/**
 * Writes the index blocks left to store and the point index (small transactions, like the line chunks: the archive
 * is still `importing`, so an interruption leaves rows that start-up removes), then the
 * findings, bundles, keys and privacy report and flips the archive to `complete` in one transaction.
 * Fails, and leaves it `importing` for the caller to delete, when `cancelled()` says so
 * part-way or the archive is no longer `importing`. Returns the archive as loaded, for the cache.
 */
export async function completeImport(
  archiveId: string,
  result: ImportResult,
  table: ReceiptTable,
  cancelled: () => boolean = () => false,
  onSaved: (done: number, of: number) => void = () => {},
): Promise<LoadedArchive> {
  const { findings, ...report } = result.report;
  const refuseIfCancelled = () => {
    if (cancelled()) throw new Error('The import was cancelled before it completed.');
  };
  const pointIndex = result.pointIndex ?? null;
  // The blocks not stored yet (an import stores them as they come: putColumnBlocks), a group at a time.
  const blockGroups = groupsOfBytes(result.blocks, blockBytes, PUT_BYTES_PER_TASK);
  // The parts written, for the progress (a part takes up to a few hundred milliseconds at 1,000,000 receipts).
  const parts =
    blockGroups.length + (pointIndex ? Math.ceil(pointIndex.buckets.length / LOOKUP_BUCKETS_PER_PUT) : 0) + 1;
  let saved = 0;
  onSaved(saved, parts);
  for (const group of blockGroups) {
    refuseIfCancelled();
    await putColumnBlocks(archiveId, group);
    onSaved(++saved, parts);
  }
  for (let i = 0; pointIndex && i < pointIndex.buckets.length; i += LOOKUP_BUCKETS_PER_PUT) {
    refuseIfCancelled();
    await db.receiptLookup.bulkPut(
      pointIndex.buckets.slice(i, i + LOOKUP_BUCKETS_PER_PUT).map((b) => ({ ...b, archiveId })),
    );
    onSaved(++saved, parts);
  }
  // Each finding's row as the table placed it, stored with it (the point index reads findings without the table).
  const findingRows = table.findingRow.length === findings.length ? table.findingRow : null;
  let completed: ArchiveRow | undefined;
  await db.transaction(
    'rw',
    [db.archives, db.findings, db.bundles, db.keys, db.archiveFiles, db.checkpointPieces],
    async () => {
      refuseIfCancelled();
      const row = await db.archives.get(archiveId);
      if (!row || row.status !== 'importing') throw new Error('The import was cancelled before it completed.');
      await db.findings.bulkPut(
        chunkFindings(findings).map((items, chunkNo) => ({
          archiveId,
          chunkNo,
          items,
          ...(findingRows
            ? {
                rows: findingRows.slice(chunkNo * FINDINGS_PER_CHUNK, chunkNo * FINDINGS_PER_CHUNK + items.length),
              }
            : {}),
        })),
      );
      await db.bundles.bulkPut(
        report.bundles.map((b) => ({ archiveId, hash: b.hash, id: b.id, version: b.version, path: b.path })),
      );
      await db.keys.bulkPut(result.keys.map((k) => ({ ...k, archiveId })));
      const fileRows = (result.files ?? []).map((f) => archiveFileRow(archiveId, f));
      await db.archiveFiles.bulkPut(fileRows);
      // Each kept checkpoints file also in pieces (a receipt's seal is then read without the whole file).
      // Every file's pieces in one put: a put awaited for each file was 2,000 of them with 2,000 ledgers.
      const checkpointPieces: Record<string, CheckpointPiecesSummary> = {};
      const pieceRows: CheckpointPieceRow[] = [];
      for (const file of fileRows) {
        const ledger = CHECKPOINTS_PATH.exec(file.path)?.[1];
        if (ledger === undefined || file.text === undefined) continue;
        const { pieces, summary } = cutCheckpoints(file.text);
        for (const piece of pieces) pieceRows.push({ ...piece, archiveId, ledger });
        checkpointPieces[ledger] = summary;
      }
      await db.checkpointPieces.bulkPut(pieceRows);
      const changes = {
        status: 'complete',
        completedAt: new Date().toISOString(),
        report,
        rowsByLedger: { ...result.rowsByLedger },
        dictionaries: result.dictionaries,
        findingCount: findings.length,
        checkpointPieces,
        ...(pointIndex && findingRows ? { lookup: pointIndex.summary } : {}),
        ...(result.privacy ? { privacy: result.privacy } : {}),
        ...(result.metrics ? { metrics: result.metrics } : {}),
        ...(result.fileSha256 ? { fileSha256: result.fileSha256 } : {}),
      } as const;
      await db.archives.update(archiveId, changes);
      completed = { ...row, ...changes };
    },
  );
  onSaved(++saved, parts);
  return { archive: completed as LoadedArchive['archive'], findings, table };
}

/** A kept file as stored: JSON and JSONL as text, attachments as bytes; content over the cap not kept. */
export function archiveFileRow(archiveId: string, file: KeptFile): ArchiveFileRow {
  const row: ArchiveFileRow = {
    archiveId,
    path: file.path,
    kind: file.kind,
    size: file.size,
    sha256: file.sha256,
    kept: file.bytes !== null,
  };
  if (!file.bytes) return row;
  if (file.kind === 'attachment') return { ...row, bytes: file.bytes };
  const text = decodeUtf8Strict(file.bytes);
  // A document that is not UTF-8 cannot be shown as text; its bytes are kept instead.
  return text === null ? { ...row, bytes: file.bytes } : { ...row, text };
}

/**
 * Removes an archive and every row that belongs to it, in one transaction: the rows keyed
 * by `archiveId` and the items of its samples (keyed by sample).
 */
export async function deleteArchive(archiveId: string): Promise<void> {
  const tables = archiveTables(db);
  await db.transaction('rw', [db.archives, db.sampleItems, ...tables], async () => {
    const sampleIds = (await db.samples.where('archiveId').equals(archiveId).primaryKeys()).filter(
      (id): id is number => id !== undefined,
    );
    if (sampleIds.length > 0) await db.sampleItems.where('sampleId').anyOf(sampleIds).delete();
    for (const table of tables) await table.where('archiveId').equals(archiveId).delete();
    await db.archives.delete(archiveId);
  });
}

/**
 * Deletes archives left `importing` by a window that closed mid-import. An import still
 * running in another window holds its lock and is left alone.
 * @returns the ids removed.
 */
export async function removeInterruptedImports(): Promise<string[]> {
  const stale = await db.archives.where('status').equals('importing').primaryKeys();
  const removed: string[] = [];
  for (const id of stale) if (await runUnlessLocked(id, () => deleteArchive(id))) removed.push(id);
  return removed;
}

async function runUnlessLocked(archiveId: string, work: () => Promise<void>): Promise<boolean> {
  if (typeof navigator === 'undefined' || !navigator.locks) {
    await work();
    return true;
  }
  return navigator.locks.request(LOCK_PREFIX + archiveId, { ifAvailable: true }, async (lock) => {
    if (!lock) return false;
    await work();
    return true;
  });
}

export interface LoadedArchive {
  readonly archive: ArchiveRow & { report: NonNullable<ArchiveRow['report']> };
  readonly findings: readonly Finding[];
  readonly table: ReceiptTable;
}

/** Reads a complete archive's report, findings and columns into memory. */
export async function loadArchive(archiveId: string): Promise<LoadedArchive | null> {
  const archive = await db.archives.get(archiveId);
  if (!archive || archive.status !== 'complete' || !archive.report || !archive.dictionaries || !archive.rowsByLedger)
    return null;
  const [blocks, findingRows] = await Promise.all([
    db.receiptIndex.where('archiveId').equals(archiveId).toArray(),
    db.findings.where('archiveId').equals(archiveId).sortBy('chunkNo'),
  ]);
  const findings = findingRows.flatMap((r) => r.items);
  const table = buildReceiptTable(blocks, archive.dictionaries, archive.rowsByLedger, findings);
  return { archive: archive as LoadedArchive['archive'], findings, table };
}

export interface ReceiptLine {
  readonly text: string;
  readonly hash: string;
}

/** The stored line of one receipt (ledger-local row) of an archive stored in chunks of `linesPerChunk`. */
export async function readReceiptLine(
  archiveId: string,
  linesPerChunk: number,
  ledger: string,
  local: number,
): Promise<ReceiptLine | null> {
  const { chunkNo, offset } = chunkOf(local, linesPerChunk);
  const chunk = await readLineChunk(archiveId, ledger, chunkNo);
  const text = chunk && storedLine(chunk, offset);
  const hash = chunk?.hashes[offset];
  return text === undefined || hash === undefined ? null : { text, hash };
}

/**
 * The stored texts of these table rows of an archive with one ledger (an ExecLayer log), each
 * chunk read once; a row outside the table, or whose line is not stored, is absent.
 */
export async function readSingleLedgerTexts(
  loaded: LoadedArchive,
  rows: readonly number[],
): Promise<Map<number, string>> {
  const { table } = loaded;
  const size = linesPerChunkOf(loaded.archive);
  const ledger = table.ledgers[0] as string;
  const start = table.ledgerStart[0] ?? 0;
  const wanted = rows.filter((r) => r >= 0 && r < table.count);
  const chunks = [...new Set(wanted.map((r) => chunkOf(r - start, size).chunkNo))];
  const stored = await Promise.all(chunks.map((n) => readLineChunk(loaded.archive.id, ledger, n)));
  const out = new Map<number, string>();
  for (const r of wanted) {
    const { chunkNo, offset } = chunkOf(r - start, size);
    const row = stored[chunks.indexOf(chunkNo)];
    const text = row && storedLine(row, offset);
    if (text !== undefined) out.set(r, text);
  }
  return out;
}

/**
 * Complete archives, newest first: of one engagement, or all of them.
 * Read through the `status` index and narrowed here: a live query over the `engagementId`
 * index kept showing the list from before an import completed, until a reload (seen in
 * Chromium with Dexie 4.4; the cause was not pinned down, the `status` query has none).
 */
export async function listArchives(engagementId?: string): Promise<ArchiveRow[]> {
  const rows = (await db.archives.where('status').equals('complete').toArray()).filter(
    (a) => engagementId === undefined || a.engagementId === engagementId,
  );
  return rows.sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1));
}
