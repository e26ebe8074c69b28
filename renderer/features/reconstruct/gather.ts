/**
 * Gathers one receipt's materials for `explainReceipt` from the store: the stored lines
 * (the receipt, the lines before and after it in its ledger, its transaction's steps),
 * the archive's files kept at import (manifest, keys, bundles, the ledger's checkpoints,
 * the receipt's attachments), and what the full verification at import found and proved.
 * Nothing is judged here: the explain worker does that with the engine's own checks.
 */
import type { AttachmentMaterial, LineAt } from '../../../shared/explain/explain.ts';
import { parseDocument, type MaterialsWithManifestText } from '../../../shared/explain/materials-text.ts';
import type { FileDigest } from '../../../shared/format/hash.ts';
import { POLICIES_DIR, checkpointsPath } from '../../../shared/format/layout.ts';
import type { Finding } from '../../../shared/engine/findings.ts';
import { jsonlLines, type CheckpointPiece } from '../../store/checkpoint-pieces.ts';
import { db, type ArchiveFileRow, type ReceiptLinesRow } from '../../store/db.ts';
import { chunkOf } from '../../workers/receipt-columns.ts';
import { storedLine } from '../../workers/packed-lines.ts';
import {
  attachmentPathOf,
  inStoredOrder,
  ledgerPartlyRead,
  pointersOf,
  neighbourRowsRead,
  neighboursIn,
  sealingCheckpointLines,
  sealingCheckpointLinesFromPieces,
  firstSealingPiece,
  selectFindings,
  type SelectedFindings,
} from './material-rules.ts';
import type { RowSource } from './row-source.ts';
import { documentRows, documentsIdOf } from './archive-documents.ts';

/** A receipt of the table, by its place: what the view links to. */
export interface RowRef {
  readonly row: number;
  /** '' when the line is not a valid receipt or this import did not index ids. */
  readonly receiptId: string;
}

export interface Gathered {
  readonly materials: MaterialsWithManifestText;
  readonly row: number;
  readonly ledger: string;
  /** The lines stored before and after it in its ledger (null: none, or not in the store). */
  readonly previous: RowRef | null;
  readonly next: RowRef | null;
  /** Why the line before (after) it is not known: then nothing is claimed about that link. */
  readonly previousUnknown: string | null;
  readonly nextUnknown: string | null;
  /** Rows of the transaction's steps by `path:line`, to walk to a step. */
  readonly stepRows: ReadonlyMap<string, RowRef>;
  /** False when this import did not index transactions: only the receipt itself is a step. */
  readonly transactionIndexed: boolean;
  /** The archive's files were kept at import (none kept: imported before reconstruction existed). */
  readonly filesKept: boolean;
  /** Files that exist but whose content the store did not keep (over the import's cap), by path. */
  readonly notKept: readonly string[];
  readonly findings: SelectedFindings;
  readonly ms: number;
  /** Where gathering's time went, step by step (said on the page for the benchmark). */
  readonly phases: string;
}

export type Locate = { readonly ok: true; readonly row: number } | { readonly ok: false; readonly message: string };

/**
 * The row a route names: `row` when it holds that receipt, or when the route names no id (a
 * link by row; a line that is not a valid receipt has none) or ids are not indexed; else the
 * first row with the id.
 */
export async function locateReceipt(source: RowSource, receiptId: string, row: number | undefined): Promise<Locate> {
  if (row !== undefined && Number.isInteger(row) && row >= 0 && row < source.count) {
    if (receiptId === '' || !source.idsIndexed) return { ok: true, row };
    await source.load([row]);
    if (source.receiptIdAt(row) === receiptId) return { ok: true, row };
  }
  if (!source.idsIndexed)
    return {
      ok: false,
      message:
        'This archive was imported before receipt ids were indexed, so a receipt cannot be found by its id: open it from the receipts explorer, or import the archive again.',
    };
  const found = await source.findRow(receiptId);
  if (found === undefined)
    return {
      ok: false,
      message:
        receiptId === '' ? 'The address names no receipt.' : `This archive has no receipt with id “${receiptId}”.`,
    };
  return { ok: true, row: found };
}

/** Reads stored lines, one chunk row per `linesPerChunk` lines, each chunk once. */
class LineReader {
  private readonly chunks = new Map<string, Promise<ReceiptLinesRow | undefined>>();
  constructor(private readonly source: RowSource) {}

  /** The stored line of a row (the row must be loaded in the source). */
  async at(row: number): Promise<LineAt | null> {
    const { ledger, local } = this.source.ledgerOf(row);
    const { chunkNo, offset } = chunkOf(local, this.source.linesPerChunk);
    const key = `${ledger}\n${chunkNo}`;
    let chunk = this.chunks.get(key);
    if (!chunk) {
      chunk = this.source.lineChunk(ledger, chunkNo);
      this.chunks.set(key, chunk);
    }
    const stored = await chunk;
    const text = stored && storedLine(stored, offset);
    const hash = stored?.hashes[offset];
    if (text === undefined || hash === undefined) return null;
    return {
      ledger,
      path: this.source.paths[this.source.pathAt(row)] ?? '',
      line: this.source.lineAt(row),
      text,
      hash,
    };
  }
}

/** Lines of `path` that a finding of the full verification is on. */
function flaggedLines(findings: readonly Finding[], path: string): Set<number> {
  const out = new Set<number>();
  for (const f of findings) if (f.path === path && f.line !== undefined) out.add(f.line);
  return out;
}

function refOf(source: RowSource, row: number): RowRef {
  return { row, receiptId: source.receiptIdAt(row) };
}

/** Everything the explain worker needs for the receipt at `row`, read from the store. */
export async function gatherMaterials(source: RowSource, row: number): Promise<Gathered> {
  const started = performance.now();
  const phases: string[] = [];
  let last = started;
  const phase = (name: string) => {
    const now = performance.now();
    phases.push(`${name} ${(now - last).toFixed(0)}`);
    last = now;
  };
  const { archive } = source;
  const archiveId = archive.id;
  const { ledger, local } = source.ledgerOf(row);
  const range = source.ledgerRange(ledger) ?? { from: row, to: row + 1 };
  const summary = archive.report.ledgers.find((l) => l.ledger === ledger);
  const view = { paths: source.paths, from: range.from, to: range.to, segments: summary?.segments ?? [] };
  // The rows stored next to it in its ledger (the chain's links, unless at a segment's edge).
  const near = [row - 1, row + 1].filter((r) => r >= view.from && r < view.to);
  // The receipt's own line chunk is asked for first, with its neighbours' (another chunk at
  // a chunk's edge, read beside it): IndexedDB answers in about the order it is asked, and
  // the files below (a ledger's checkpoints are megabytes at 1,000,000 receipts) would
  // otherwise be read before it.
  const placed = source.load([row, ...near]);
  // The ledger's checkpoints file in pieces (imports since they were stored): only the piece
  // that can seal the receipt is read, once its seq is known. Else the file is read whole.
  const pieces = archive.checkpointPieces?.[ledger];
  const pieceReads = new Map<number, Promise<CheckpointPiece | undefined>>();
  const readPiece = (pieceNo: number) => {
    let read = pieceReads.get(pieceNo);
    if (!read) {
      read = db.checkpointPieces.get([archiveId, ledger, pieceNo]);
      read.catch(() => undefined); // awaited where it is used
      pieceReads.set(pieceNo, read);
    }
    return read;
  };
  // The archive's files do not depend on the receipt's line: asked for at once.
  const fileRow = (path: string) => db.archiveFiles.get([archiveId, path]);
  const files = Promise.all([
    documentRows(archiveId),
    pieces ? Promise.resolve(undefined) : fileRow(checkpointsPath(ledger)),
    db.archiveFiles
      .where('[archiveId+path]')
      .between([archiveId, POLICIES_DIR], [archiveId, POLICIES_DIR + '\uffff'])
      .toArray(),
    db.archiveFiles.where('archiveId').equals(archiveId).limit(1).primaryKeys(),
  ]);
  // Nor do the full verification's findings: asked for now too.
  const storedFindings = source.findings();
  // Awaited below; a failure before that is the one reported.
  files.catch(() => undefined);
  storedFindings.catch(() => undefined);
  let filesAt = -1;
  void files.then(() => (filesAt = performance.now() - started));
  await placed;
  const lines = new LineReader(source);
  const target = await lines.at(row);
  phase('line');
  if (!target)
    throw new Error(`The stored line of ledger ${ledger}, row ${local + 1}, could not be read from the store.`);
  const pointers = pointersOf(target.text);
  // The first piece that can hold the seal, asked for now (read beside what follows).
  if (pieces && pointers.seq !== null) {
    const first = firstSealingPiece(pieces, pointers.seq);
    if (first >= 0) void readPiece(first);
  }
  const transactionIndexed = source.transactionsIndexed;
  const [ranges, stored, txnFound] = await Promise.all([
    source.segmentRanges(ledger),
    storedFindings,
    transactionIndexed && pointers.txnId !== null ? source.transactionRows(ledger, pointers.txnId) : [row],
  ]);
  const found = txnFound.includes(row) ? [...txnFound] : [...txnFound, row];
  phase('findings+transaction');
  // The transaction's rows and those next to it, then (only at a segment's edge) those of the
  // segments around it. A source keeps what its last load asked for: each load names every
  // row read below.
  await source.load([row, ...found, ...near]);
  const at = { ...view, pathAt: (r: number) => source.pathAt(r), lineAt: (r: number) => source.lineAt(r) };
  const edges = neighbourRowsRead(at, ranges, row);
  if (edges.length > 0) await source.load([row, ...found, ...near, ...edges]);
  phase('neighbours');
  const neighbours = neighboursIn(at, ranges, row);
  const previousRow = neighbours.previous.kind === 'row' ? neighbours.previous.row : null;
  const nextRow = neighbours.next.kind === 'row' ? neighbours.next.row : null;
  const txnRows = inStoredOrder(found, at);

  const flagged = flaggedLines(stored.findings, checkpointsPath(ledger));
  const [
    previous,
    next,
    transaction,
    [documents, checkpointsRow, bundleRows, anyFile],
    attachmentRows,
    sealingFromPieces,
  ] = await Promise.all([
    previousRow === null ? null : lines.at(previousRow),
    nextRow === null ? null : lines.at(nextRow),
    Promise.all(txnRows.map((r) => lines.at(r))),
    files,
    Promise.all(pointers.ioHashes.map((h) => fileRow(attachmentPathOf(h)))),
    pieces ? sealingCheckpointLinesFromPieces(pieces, readPiece, pointers.seq, flagged) : null,
  ]);

  phase('lines+files');
  const { manifest: manifestRow, keys: keysRow } = documents;
  const notKept: string[] = [];
  const textOf = (file: ArchiveFileRow | undefined): string | undefined => {
    if (!file) return undefined;
    if (file.text === undefined) notKept.push(file.path);
    return file.text;
  };
  const digests = new Map<string, FileDigest>();
  const digest = (file: ArchiveFileRow | undefined) => {
    if (file) digests.set(file.path, { bytes: file.size, sha256: file.sha256 });
  };
  digest(keysRow);
  const bundles: { path: string; value: unknown }[] = [];
  for (const file of bundleRows.filter((f) => f.kind === 'bundle').sort((a, b) => (a.path < b.path ? -1 : 1))) {
    digest(file);
    const value = parseDocument(textOf(file));
    if (value !== undefined) bundles.push({ path: file.path, value });
  }
  const attachments = new Map<string, AttachmentMaterial>();
  pointers.ioHashes.forEach((hash, i) => {
    const file = attachmentRows[i];
    if (!file) return;
    attachments.set(hash, {
      name: hash,
      path: file.path,
      size: file.size,
      sha256: file.sha256,
      ...(file.bytes ? { bytes: file.bytes } : {}),
    });
  });
  const checkpointsText = textOf(checkpointsRow);
  const bundlePath =
    pointers.bundleHash === null
      ? null
      : (archive.report.bundles.find((b) => b.hash === pointers.bundleHash)?.path ?? null);

  const stepRows = new Map<string, RowRef>();
  txnRows.forEach((r, i) => {
    const line = transaction[i];
    if (line) stepRows.set(`${line.path}:${line.line}`, refOf(source, r));
  });
  const materials: MaterialsWithManifestText = {
    source: archive.name,
    target,
    previous,
    ...(neighbours.previous.kind === 'unknown' ? { previousUnknown: neighbours.previous.why } : {}),
    next,
    transaction: transaction.filter((l): l is LineAt => l !== null),
    ledgerPartlyRead: ledgerPartlyRead(archive.report.checks, ledger),
    manifestText: textOf(manifestRow),
    keys: parseDocument(textOf(keysRow)),
    // The stored documents of an archive do not change: its id and their hashes name them.
    documentsId: documentsIdOf(archiveId, documents),
    bundles,
    checkpointLines:
      sealingFromPieces ??
      (checkpointsText === undefined ? [] : sealingCheckpointLines(jsonlLines(checkpointsText), pointers.seq, flagged)),
    seal: summary
      ? { via: 'report', sealedSeq: summary.sealedSeq, ledgerState: summary.state }
      : { via: 'none', reason: `the stored report has no summary of ledger ${ledger}` },
    attachments,
    digests,
    reportFindings: [],
  };
  const findings = selectFindings({
    findings: stored.findings,
    findingRow: stored.findingRow,
    row,
    stepRows: txnRows,
    ledger,
    segmentPath: target.path,
    ioHashes: pointers.ioHashes,
    bundlePath,
  });
  return {
    materials: {
      ...materials,
      reportFindings: [...findings.receipt, ...findings.transaction, ...findings.evidence],
    },
    row,
    ledger,
    previous: previousRow === null ? null : refOf(source, previousRow),
    next: nextRow === null ? null : refOf(source, nextRow),
    previousUnknown: neighbours.previous.kind === 'unknown' ? neighbours.previous.why : null,
    nextUnknown: neighbours.next.kind === 'unknown' ? neighbours.next.why : null,
    stepRows,
    transactionIndexed,
    filesKept: anyFile.length > 0,
    notKept,
    findings,
    ms: performance.now() - started,
    phases: (phase('materials'), `${phases.join(', ')} (files read at ${filesAt.toFixed(0)})`),
  };
}
