/**
 * Pure rules for gathering one receipt's materials from the store (no database here, so
 * they are tested under Node): what the stored report says about the ledger, which of the
 * stored findings bear on the receipt, how stored text becomes the values `explainReceipt`
 * reads. Nothing here judges evidence: shared/explain/explain.ts does.
 */
import type { Finding } from '../../../shared/engine/findings.ts';
import type { CheckStatus } from '../../../shared/engine/types.ts';
import { HASH_PATTERN } from '../../../shared/format/hash.ts';
import { KEYS_PATH, MANIFEST_PATH, attachmentPath, checkpointsPath } from '../../../shared/format/layout.ts';
import { parseDocument } from '../../../shared/explain/materials-text.ts';
import { seqOfLine, type CheckpointPiece, type CheckpointPiecesSummary } from '../../store/checkpoint-pieces.ts';

/**
 * Whether the full verification said it could not check transactions in `ledger`
 * because part of it could not be read (shared/engine/verify.ts writes one check,
 * "Transactions complete (…) in l1, l2", status `not checked`).
 */
export function ledgerPartlyRead(checks: readonly CheckStatus[], ledger: string): boolean {
  return checks.some((c) => {
    if (c.status !== 'not checked' || !c.check.startsWith('Transactions complete')) return false;
    const at = c.check.lastIndexOf(') in ');
    return (
      at >= 0 &&
      c.check
        .slice(at + ') in '.length)
        .split(', ')
        .includes(ledger)
    );
  });
}

/**
 * The ledger's checkpoint lines as `explainReceipt` needs them here. The checkpoint that
 * seals the receipt is the first valid one at or after its seq (`shared/explain/sealing.ts`
 * reads only lines with seq ≥ the receipt's, in stored order, until it accepts one), and the
 * full verification at import already judged every checkpoint (each one it found wrong has a
 * finding on its line). So only the lines that choice depends on are passed, to be judged
 * again: from the first at or after the seq through the first without a finding. The others
 * are passed empty, so line numbers stay those of the file. Verifying them all again (one
 * Ed25519 signature each, ~2 ms in the worker's pure-JS verifier) took ~10 s for the 5,000
 * checkpoints of a 1,000,000-receipt ledger.
 * @param flaggedLines lines of checkpoints.jsonl the full verification reported a finding on.
 */
export function sealingCheckpointLines(
  lines: readonly string[],
  seq: number | null,
  flaggedLines: ReadonlySet<number>,
): string[] {
  const out = lines.map(() => '');
  if (seq !== null) keepSealingLines(lines, 0, seq, flaggedLines, out);
  return out;
}

/**
 * The scan both {@link sealingCheckpointLines} and {@link sealingCheckpointLinesFromPieces}
 * make: copies into `out` each of `lines` (file lines `first + 1`…) with seq ≥ `seq`, until
 * one without a finding. Returns true when that one was found (the choice is made).
 */
function keepSealingLines(
  lines: readonly string[],
  first: number,
  seq: number,
  flaggedLines: ReadonlySet<number>,
  out: string[],
): boolean {
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k] as string;
    const lineSeq = seqOfLine(line);
    if (lineSeq === null || lineSeq < seq) continue;
    out[first + k] = line;
    if (!flaggedLines.has(first + k + 1)) return true;
  }
  return false;
}

/** Whether stored piece `pieceNo` holds a line at or after `seq` (one {@link keepSealingLines} may keep). */
function mayHoldSeal(summary: CheckpointPiecesSummary, pieceNo: number, seq: number): boolean {
  return (summary.maxSeq[pieceNo] as number) >= seq;
}

/**
 * The first stored piece that can hold the checkpoint sealing a receipt of `seq` (the first
 * {@link sealingCheckpointLinesFromPieces} reads), or -1 when none can: gathering asks for it
 * as soon as the receipt's seq is known.
 */
export function firstSealingPiece(summary: CheckpointPiecesSummary, seq: number): number {
  return summary.maxSeq.findIndex((_, pieceNo) => mayHoldSeal(summary, pieceNo, seq));
}

/**
 * {@link sealingCheckpointLines} over a checkpoints file stored in pieces, reading only the
 * pieces that can hold a line it keeps: those whose largest seq is at or after the receipt's,
 * in order, until the line that ends the choice. Gives exactly what it gives over the whole
 * file (`material-rules.test.ts`).
 * @param readPiece reads one piece by number (undefined: not in the store).
 */
export async function sealingCheckpointLinesFromPieces(
  summary: CheckpointPiecesSummary,
  readPiece: (pieceNo: number) => Promise<CheckpointPiece | undefined>,
  seq: number | null,
  flaggedLines: ReadonlySet<number>,
): Promise<string[]> {
  const out = new Array<string>(summary.lines).fill('');
  if (seq === null) return out;
  for (let pieceNo = firstSealingPiece(summary, seq); pieceNo >= 0 && pieceNo < summary.maxSeq.length; pieceNo++) {
    if (!mayHoldSeal(summary, pieceNo, seq)) continue;
    const piece = await readPiece(pieceNo);
    if (!piece || piece.firstLine < 1 || piece.firstLine - 1 + piece.lines.length > summary.lines)
      throw new Error(
        `Stored checkpoint piece ${pieceNo} is missing or does not fit its file: import the archive again.`,
      );
    if (keepSealingLines(piece.lines, piece.firstLine - 1, seq, flaggedLines, out)) return out;
  }
  return out;
}

/** What the window reads from the receipt's line before anything is judged: where to look for more. */
export interface LinePointers {
  readonly seq: number | null;
  readonly txnId: string | null;
  /** The io hashes that are well-formed `sha256:` names, each once. */
  readonly ioHashes: readonly string[];
  readonly bundleHash: string | null;
}

export function pointersOf(text: string): LinePointers {
  const value = parseDocument(text) as
    | {
        seq?: unknown;
        txn?: { id?: unknown };
        io?: { input?: unknown; reasoning?: unknown; output?: unknown };
        decision?: { bundle?: unknown };
      }
    | null
    | undefined;
  if (typeof value !== 'object' || value === null) return { seq: null, txnId: null, ioHashes: [], bundleHash: null };
  const io = value.io ?? {};
  const ioHashes = [...new Set([io.input, io.reasoning, io.output])].filter(
    (h): h is string => typeof h === 'string' && HASH_PATTERN.test(h),
  );
  const txnId = typeof value.txn?.id === 'string' && value.txn.id !== '' ? value.txn.id : null;
  const bundleHash = typeof value.decision?.bundle === 'string' ? value.decision.bundle : null;
  const seq = typeof value.seq === 'number' ? value.seq : null;
  return { seq, txnId, ioHashes, bundleHash };
}

/** The line stored next to a receipt in its ledger, as far as the store can say. */
export type Neighbour =
  | { readonly kind: 'row'; readonly row: number }
  /** There is none: the receipt is the ledger's first (or last) line. */
  | { readonly kind: 'none' }
  /** The store does not hold it: say why, and claim nothing about the link. */
  | { readonly kind: 'unknown'; readonly why: string };

export interface LedgerRows {
  /** The table's path dictionary and its path and line columns. */
  readonly paths: readonly string[];
  readonly path: ArrayLike<number>;
  readonly line: ArrayLike<number>;
  /** The ledger's rows: `from` to `to` (excluded). */
  readonly from: number;
  readonly to: number;
  /** The ledger's segments in name order, as the verification read them (the report's list). */
  readonly segments: readonly string[];
}

/**
 * The lines stored before and after `row` in its ledger: the previous and next line of its
 * segment, or across segments (in name order) the last line of the one before and the
 * first of the one after. Found by segment and line, not by row number: the store keeps a
 * ledger's segments in the order the import finished them, which need not be name order.
 * A segment with no stored line (it could not be read) or a line missing inside a segment
 * makes the neighbour unknown, never "none".
 */
export function storedNeighbours(t: LedgerRows, row: number): { previous: Neighbour; next: Neighbour } {
  return neighboursIn(
    { ...t, pathAt: (r) => t.path[r] as number, lineAt: (r) => t.line[r] as number },
    segmentRangesOf(t),
    row,
  );
}

/** A segment's rows in the ledger: its first and last row. */
export interface RowRange {
  readonly first: number;
  readonly last: number;
}

/** Each path's first and last row among the ledger's rows, by path id. */
export function segmentRangesOf(t: Pick<LedgerRows, 'path' | 'from' | 'to'>): Map<number, RowRange> {
  const ranges = new Map<number, { first: number; last: number }>();
  for (let r = t.from; r < t.to; r++) {
    const p = t.path[r] as number;
    const range = ranges.get(p);
    if (range) range.last = r;
    else ranges.set(p, { first: r, last: r });
  }
  return ranges;
}

/** A ledger's rows read through accessors: only `row`, the rows next to it and those {@link neighbourRowsRead} names are read. */
export interface LedgerView extends Omit<LedgerRows, 'path' | 'line'> {
  pathAt(row: number): number;
  lineAt(row: number): number;
}

/** The segments before and after the one of path id `pathId`, in name order, with their path ids. */
function adjacentSegments(
  t: Pick<LedgerRows, 'paths' | 'segments'>,
  ranges: ReadonlyMap<number, RowRange>,
  pathId: number,
) {
  const path = t.paths[pathId] as string;
  const byName = new Map<string, number>();
  for (const id of ranges.keys()) byName.set(t.paths[id] as string, id);
  const segments = t.segments.includes(path) ? t.segments : [...byName.keys()].sort();
  const at = segments.indexOf(path);
  const before = at > 0 ? (segments[at - 1] as string) : null;
  const after = at >= 0 && at + 1 < segments.length ? (segments[at + 1] as string) : null;
  return {
    path,
    before: before === null ? null : { name: before, id: byName.get(before) },
    after: after === null ? null : { name: after, id: byName.get(after) },
  };
}

/**
 * The rows {@link neighboursIn} reads besides `row` and the rows next to it (which `t` must
 * answer for already): the last row of the segment before when `row` is line 1 of its
 * segment with no row of it before; the first row of the segment after when no row of its
 * segment follows. Read in a second step, and only then: a receipt inside a segment needs
 * nothing beyond its own neighbours.
 */
export function neighbourRowsRead(t: LedgerView, ranges: ReadonlyMap<number, RowRange>, row: number): number[] {
  const pathId = t.pathAt(row);
  const { before, after } = adjacentSegments(t, ranges, pathId);
  const out: number[] = [];
  const sameBefore = row - 1 >= t.from && t.pathAt(row - 1) === pathId;
  if (!sameBefore && t.lineAt(row) === 1 && before?.id !== undefined)
    out.push((ranges.get(before.id) as RowRange).last);
  const sameAfter = row + 1 < t.to && t.pathAt(row + 1) === pathId;
  if (!sameAfter && after?.id !== undefined) out.push((ranges.get(after.id) as RowRange).first);
  return out;
}

/** {@link storedNeighbours} over accessors and the ledger's segment ranges ({@link segmentRangesOf}). */
export function neighboursIn(
  t: LedgerView,
  ranges: ReadonlyMap<number, RowRange>,
  row: number,
): { previous: Neighbour; next: Neighbour } {
  const pathId = t.pathAt(row);
  const line = t.lineAt(row);
  const { path, before, after } = adjacentSegments(t, ranges, pathId);
  const missing = (segment: string) =>
    ({ kind: 'unknown', why: `segment ${segment} has no line in the store (it could not be read at import)` }) as const;

  let previous: Neighbour;
  if (row - 1 >= t.from && t.pathAt(row - 1) === pathId)
    previous =
      t.lineAt(row - 1) === line - 1
        ? { kind: 'row', row: row - 1 }
        : { kind: 'unknown', why: `line ${line - 1} of ${path} is not in the store` };
  else if (line !== 1)
    previous = { kind: 'unknown', why: `the lines before line ${line} of ${path} are not in the store` };
  else if (before === null) previous = { kind: 'none' };
  else
    previous =
      before.id === undefined ? missing(before.name) : { kind: 'row', row: (ranges.get(before.id) as RowRange).last };

  let next: Neighbour;
  if (row + 1 < t.to && t.pathAt(row + 1) === pathId)
    next =
      t.lineAt(row + 1) === line + 1
        ? { kind: 'row', row: row + 1 }
        : { kind: 'unknown', why: `line ${line + 1} of ${path} is not in the store` };
  else if (after === null) next = { kind: 'none' };
  else if (after.id === undefined) next = missing(after.name);
  else {
    const first = (ranges.get(after.id) as RowRange).first;
    next =
      t.lineAt(first) === 1
        ? { kind: 'row', row: first }
        : { kind: 'unknown', why: `the first lines of ${after.name} are not in the store` };
  }
  return { previous, next };
}

/** Rows in stored order: by segment name, then line (the store's row order need not be it). */
export function inStoredOrder(rows: readonly number[], t: Pick<LedgerView, 'paths' | 'pathAt' | 'lineAt'>): number[] {
  const key = (r: number) => t.paths[t.pathAt(r)] as string;
  return [...rows].sort((a, b) => {
    const pa = key(a);
    const pb = key(b);
    return pa < pb ? -1 : pa > pb ? 1 : t.lineAt(a) - t.lineAt(b);
  });
}

/** Where the attachment named after io hash `hash` is stored. */
export function attachmentPathOf(hash: string): string {
  return attachmentPath(hash.slice('sha256:'.length));
}

/** Findings of the full verification that bear on one receipt, grouped as the view shows them. */
export interface SelectedFindings {
  /** On the receipt's own line, or on one of its attachments. */
  readonly receipt: readonly Finding[];
  /** On the other steps of its transaction. */
  readonly transaction: readonly Finding[];
  /** On what its evidence rests on: the manifest, the keys, its bundle, its ledger's checkpoints, its segment file. */
  readonly evidence: readonly Finding[];
}

export interface FindingScope {
  readonly findings: readonly Finding[];
  /** Per finding, the global row it was placed on (-1: none): the receipt table's `findingRow`. */
  readonly findingRow: ArrayLike<number>;
  readonly row: number;
  /** The rows of the other steps of its transaction. */
  readonly stepRows: readonly number[];
  readonly ledger: string;
  /** The receipt's segment: a finding on the whole file (its bytes against the manifest) bears on it. */
  readonly segmentPath: string;
  readonly ioHashes: readonly string[];
  /** Path of the receipt's bundle in the archive, when the report lists it. */
  readonly bundlePath: string | null;
}

/**
 * Selects the findings that bear on the receipt: placed on its row or a step's row, or
 * about a file it rests on. Checkpoint findings of its ledger are all selected; the view
 * shows those on the sealing checkpoint's line (known once it is judged).
 */
export function selectFindings(scope: FindingScope): SelectedFindings {
  const steps = new Set(scope.stepRows);
  steps.delete(scope.row);
  const attachments = new Set(scope.ioHashes.map(attachmentPathOf));
  const files = new Set([MANIFEST_PATH, KEYS_PATH, checkpointsPath(scope.ledger), scope.segmentPath]);
  if (scope.bundlePath !== null) files.add(scope.bundlePath);
  const receipt: Finding[] = [];
  const transaction: Finding[] = [];
  const evidence: Finding[] = [];
  scope.findings.forEach((f, i) => {
    const row = scope.findingRow[i] as number;
    if (row === scope.row || (f.path !== undefined && attachments.has(f.path))) receipt.push(f);
    else if (row >= 0 && steps.has(row)) transaction.push(f);
    else if (row < 0 && f.path !== undefined && files.has(f.path)) evidence.push(f);
  });
  return { receipt, transaction, evidence };
}

/** Evidence findings to show: all but those on checkpoint lines other than the sealing one. */
export function evidenceShown(
  evidence: readonly Finding[],
  ledger: string,
  sealingLine: number | null,
): readonly Finding[] {
  const checkpoints = checkpointsPath(ledger);
  return evidence.filter((f) => f.path !== checkpoints || f.line === undefined || f.line === sealingLine);
}

/** Step numbers missing between 1 and the highest step found (a transaction's gaps, to mark on its timeline). */
export function missingSteps(steps: readonly number[]): number[] {
  const found = new Set(steps);
  const highest = steps.reduce((a, b) => Math.max(a, b), 0);
  const out: number[] = [];
  // A bound on what is drawn: a step number of a billion must not draw a billion gaps.
  for (let s = 1; s <= highest && out.length < 1000; s++) if (!found.has(s)) out.push(s);
  return out;
}
