/**
 * The checkpoint that seals one receipt, read from its ledger's checkpoints.jsonl exactly as
 * full verification reads that file (`LedgerMerger.addCheckpointLine`), without checking
 * every checkpoint's signature: a ledger of 250,000 receipts has thousands of checkpoints,
 * and a receipt's reconstruction needs one.
 *
 * Verification accepts a checkpoint when it is well formed, of this ledger, signed by a
 * usable gate key, and its seq is greater than every checkpoint accepted before it. The one
 * that seals seq S is the first accepted whose seq is ≥ S. Two facts make a shorter read
 * exact:
 * - a line whose seq is < S can neither seal S nor stop a line whose seq is ≥ S from being
 *   accepted (its seq is smaller), so it can be left out;
 * - lines after the first accepted one with seq ≥ S do not change which one that is.
 * So the lines with seq ≥ S, in stored order, go through the engine's own merger until it
 * accepts one. A line is left out only when `JSON.parse` reads it as an object whose `seq`
 * is a number below S (the merger parses the same text with `JSON.parse`), or is empty (never
 * a record); any other line goes to the merger, which judges it.
 */
import { utf8 } from '../format/bytes.ts';
import type { SignatureVerifier } from '../format/ed25519.ts';
import type { Checkpoint } from '../format/schema.ts';
import type { Finding } from '../engine/findings.ts';
import { LedgerMerger } from '../engine/ledger.ts';
import { ReceiptIds } from '../engine/receipt-ids.ts';
import type { Keyring } from '../engine/types.ts';

export interface SealingRead {
  /** The checkpoint that seals the seq asked about, as verification accepts it; null when none does. */
  readonly sealing: { readonly checkpoint: Checkpoint; readonly line: number } | null;
  /** What the merger found on the lines it read (the sealing one among them). */
  readonly findings: readonly Finding[];
  /** How many lines the merger read (the rest were left out as above). */
  readonly linesRead: number;
}

export function readSealingCheckpoint(
  ledger: string,
  keyring: Keyring,
  verifier: SignatureVerifier,
  lines: readonly string[],
  seq: number,
): SealingRead {
  const merger = new LedgerMerger(ledger, keyring, verifier, new ReceiptIds());
  let linesRead = 0;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i] as string;
    // An empty line is never accepted (the app blanks the lines it need not send).
    if (text === '' || sealsBelow(text, seq)) continue;
    linesRead++;
    merger.addCheckpointLine({ kind: 'line', line: i + 1, bytes: utf8(text) });
    const sealing = merger.validCheckpoints.find((c) => c.checkpoint.seq >= seq);
    if (sealing) return { sealing, findings: merger.findings, linesRead };
  }
  return { sealing: null, findings: merger.findings, linesRead };
}

/** True when the line certainly names a seq below `seq` (so it can neither seal it nor block one that does). */
function sealsBelow(text: string, seq: number): boolean {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return false;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const at = (value as { seq?: unknown }).seq;
  return typeof at === 'number' && at < seq;
}
