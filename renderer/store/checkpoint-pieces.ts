/**
 * A ledger's checkpoints file as the store keeps it beside the whole text: in pieces of
 * {@link CHECKPOINT_LINES_PER_PIECE} lines, with a summary on the archive row of each piece's
 * largest seq, so a reconstruction reads only the piece that can hold the checkpoint sealing its
 * receipt (renderer/features/reconstruct/material-rules.ts, `sealingCheckpointLinesFromPieces`).
 * Pure functions: cut at import (archives.ts), tested under Node.
 */

/** The lines of a JSONL text as stored (a final newline ends the last line; it does not start another). */
export function jsonlLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/** Checkpoint lines per stored piece (a ledger's checkpoints file is 1.6 MB at 1,000,000 receipts). */
export const CHECKPOINT_LINES_PER_PIECE = 250;

/** One stored piece of a ledger's checkpoints file: its lines from `firstLine` (1-based). */
export interface CheckpointPiece {
  readonly pieceNo: number;
  readonly firstLine: number;
  readonly lines: readonly string[];
}

/** What the archive row says of a ledger's stored checkpoint pieces: lines in all, each piece's largest seq. */
export interface CheckpointPiecesSummary {
  readonly lines: number;
  /** Per piece, the largest numeric `seq` among its lines (-Infinity: none has one). */
  readonly maxSeq: readonly number[];
}

/** The seq a checkpoint line names, or null when it is not JSON with a numeric seq. */
export function seqOfLine(line: string): number | null {
  let value: { seq?: unknown } | null;
  try {
    value = JSON.parse(line) as { seq?: unknown } | null;
  } catch {
    return null;
  }
  return typeof value?.seq === 'number' ? value.seq : null;
}

/**
 * A checkpoints file cut into pieces of {@link CHECKPOINT_LINES_PER_PIECE} lines (its lines as
 * {@link jsonlLines} reads them), and the summary that says which pieces hold which seqs.
 */
export function cutCheckpoints(
  text: string,
  linesPerPiece = CHECKPOINT_LINES_PER_PIECE,
): { readonly pieces: CheckpointPiece[]; readonly summary: CheckpointPiecesSummary } {
  if (!Number.isSafeInteger(linesPerPiece) || linesPerPiece < 1)
    throw new RangeError('cutCheckpoints: "linesPerPiece" must be a positive integer');
  const lines = jsonlLines(text);
  const pieces: CheckpointPiece[] = [];
  const maxSeq: number[] = [];
  for (let start = 0; start < lines.length; start += linesPerPiece) {
    const part = lines.slice(start, start + linesPerPiece);
    let max = -Infinity;
    for (const line of part) {
      const seq = seqOfLine(line);
      if (seq !== null && seq > max) max = seq;
    }
    pieces.push({ pieceNo: pieces.length, firstLine: start + 1, lines: part });
    maxSeq.push(max);
  }
  return { pieces, summary: { lines: lines.length, maxSeq } };
}
