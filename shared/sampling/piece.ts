/**
 * The map step of `tickmark sample` (FORMAT.md §9): one piece of a segment file (pieces.ts)
 * ranked on its own, in a pool worker or in the command's thread alike. Every line's hash
 * is computed and scored; per stratum the piece gives how many lines it offered and its own
 * `size` lowest, and the command joins the pieces with `SampleSelector.absorb`: the `size`
 * lowest of the union of every piece's `size` lowest are the `size` lowest of the whole.
 */
import { decodeUtf8Strict } from '../format/bytes.ts';
import { hashOf } from '../format/hash.ts';
import { validateReceipt } from '../format/schema.ts';
import type { SegmentPiece } from '../engine/pieces.ts';
import { readStoredLine } from '../engine/record.ts';
import { pieceLines } from '../engine/segment-task.ts';
import { SampleSelector, stratumSeed, type Candidate } from './select.ts';

/** What defines the sample: the same for every piece of a draw. */
export interface SampleRule {
  readonly seed: string;
  readonly size: number;
  readonly stratify?: 'ledger' | 'agent' | 'action' | undefined;
  /** Only receipts of this agent or action (a ledger filter is applied by choosing segments). */
  readonly agent?: string | undefined;
  readonly action?: string | undefined;
}

/** A piece of a ledger's segment file, with the bytes of its whole lines. */
export interface SamplePieceTask {
  readonly ledger: string;
  readonly path: string;
  readonly piece: SegmentPiece;
}

/** A candidate's line: its number in the file and its text (strict UTF-8, '' when not). */
export interface PieceLine {
  readonly line: number;
  readonly text: string;
}

export interface SampleStratumPart {
  /** The stratum's name; '' when the sample is not stratified. */
  readonly name: string;
  /** Lines of the piece in the stratum's population. */
  readonly offered: number;
  /** The piece's `size` lowest of them (all, when fewer), lowest first. */
  readonly candidates: readonly Candidate<PieceLine>[];
}

export interface SamplePart {
  /** Only strata the piece offered lines to. */
  readonly strata: readonly SampleStratumPart[];
  /** Lines over the line limit: not in the population (their hash was never computed). */
  readonly tooLong: number;
  /** Lines that are not valid receipts where a filter or strata by agent or action need one. */
  readonly leftOut: number;
}

/** Ranks the lines of one piece under `rule`. */
export async function samplePiece(task: SamplePieceTask, rule: SampleRule, maxLineBytes: number): Promise<SamplePart> {
  const { seed, size, stratify } = rule;
  const needsReceipt =
    stratify === 'agent' || stratify === 'action' || rule.agent !== undefined || rule.action !== undefined;
  // A candidate keeps the line's bytes (a view into the piece); text only for the kept ones.
  const selectors = new Map<string, SampleSelector<{ line: number; bytes: Uint8Array }>>();
  let tooLong = 0;
  let leftOut = 0;
  for await (const read of pieceLines(task.piece, maxLineBytes)) {
    // One rule with the app (renderer/features/sampling/draw.ts): every line read is in
    // the population, a valid receipt or not (a malformed line can be sampled and seen);
    // a filter or strata by agent or action hold only lines the verifier reads as valid
    // receipts (the rest are RECORD_MALFORMED in tickmark verify), counted as left out.
    if (read.kind === 'too-long') {
      tooLong++;
      continue;
    }
    let stratum = task.ledger;
    if (needsReceipt) {
      const stored = readStoredLine(task.path, read, task.ledger);
      const checked = stored.value === undefined ? null : validateReceipt(stored.value);
      if (!checked?.ok) {
        leftOut++;
        continue;
      }
      const receipt = checked.value;
      if (rule.agent !== undefined && receipt.agent.id !== rule.agent) continue;
      if (rule.action !== undefined && receipt.request.action.id !== rule.action) continue;
      if (stratify === 'agent') stratum = receipt.agent.id;
      if (stratify === 'action') stratum = receipt.request.action.id;
    }
    const name = stratify ? stratum : '';
    let selector = selectors.get(name);
    if (!selector) {
      // Lines of one piece are in file order: the first copy of a repeated line is kept.
      selector = new SampleSelector(stratify ? stratumSeed(seed, name) : seed, size, (a, b) => a.line - b.line);
      selectors.set(name, selector);
    }
    selector.offer(hashOf(read.bytes), { line: read.line, bytes: read.bytes });
  }
  const strata = [...selectors].map(([name, selector]) => ({
    name,
    offered: selector.offered,
    candidates: selector.result().map(({ hash, score, item }) => ({
      hash,
      score,
      item: { line: item.line, text: decodeUtf8Strict(item.bytes) ?? '' },
    })),
  }));
  return { strata, tooLong, leftOut };
}
