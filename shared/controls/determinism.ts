/**
 * `NONDETERMINISTIC_OUTPUT` (FORMAT.md §7): two receipts with `exec.status` ok and the
 * same agent id, action, resource, `io.input` and bundle hash must have the same
 * `io.output`.
 *
 * Memory is the design constraint: a million receipts can mean a million distinct
 * inputs. Each distinct key keeps only
 *   - its 128-bit hash as a 16-character string (the Map key),
 *   - a small integer index into typed columns holding the first output's leading
 *     52 bits and where that first receipt was (ledger number, seq).
 * A false finding would need a 128-bit collision between different keys; a missed
 * finding would need two different outputs to share their first 52 bits. Receipts are
 * never kept.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { finding, type Finding } from '../engine/findings.ts';
import type { ControlCheck, ControlCheckFactory, ReceiptContext } from '../engine/types.ts';
import { utf8 } from '../format/bytes.ts';
import { canonicalize } from '../format/canonical.ts';
import type { Receipt } from '../format/schema.ts';
import { GrowableFloat64 } from './growable.ts';
import { receiptLocation, shortHash } from './location.ts';

/** Hex digits of an output hash kept per key: 13 × 4 = 52 bits, exact in a double. */
const OUTPUT_PREFIX_DIGITS = 13;
const HASH_PREFIX_LENGTH = 'sha256:'.length;

export interface DeterminismState {
  /** Key hash → index into the columns below. */
  readonly firstByKey: Map<string, number>;
  readonly firstOutput: GrowableFloat64;
  readonly firstSeq: GrowableFloat64;
  readonly firstLedger: GrowableFloat64;
  /** Ledger names by number, so each key stores a number, not a string. */
  readonly ledgers: string[];
}

export function emptyDeterminismState(): DeterminismState {
  return { firstByKey: new Map(), firstOutput: new GrowableFloat64(), firstSeq: new GrowableFloat64(), firstLedger: new GrowableFloat64(), ledgers: [] };
}

export const determinismCheck: ControlCheckFactory = (): ControlCheck => {
  const state = emptyDeterminismState();
  const findings: Finding[] = [];
  return {
    name: 'output determinism',
    visit(receipt, context) {
      const found = visitOutput(state, receipt, context);
      if (found) findings.push(found);
    },
    finish: () => findings,
  };
};

/** The 128-bit key of what must determine the output, as a compact one-byte string. */
export function determinismKey(receipt: Receipt): string {
  const { action, resource } = receipt.request;
  const digest = sha256(utf8(canonicalize([receipt.agent.id, action.type, action.id, resource.type, resource.id, receipt.io.input, receipt.decision.bundle])));
  return String.fromCharCode(...digest.subarray(0, 16));
}

/** Records one receipt's output; returns a finding when it differs from the first one seen. */
export function visitOutput(state: DeterminismState, receipt: Receipt, context: ReceiptContext): Finding | null {
  if (receipt.exec.status !== 'ok') return null;
  const key = determinismKey(receipt);
  const output = outputPrefix(receipt.io.output);
  const index = state.firstByKey.get(key);
  if (index === undefined) {
    state.firstByKey.set(key, state.firstOutput.length);
    state.firstOutput.push(output);
    state.firstSeq.push(receipt.seq);
    state.firstLedger.push(ledgerNumber(state, context.ledger));
    return null;
  }
  const first = state.firstOutput.at(index);
  if (first === output) return null;
  const firstLedger = state.ledgers[state.firstLedger.at(index) ?? -1] ?? '?';
  const firstSeq = state.firstSeq.at(index) ?? 0;
  const firstOutputText = `sha256:${(first ?? 0).toString(16).padStart(OUTPUT_PREFIX_DIGITS, '0')}…`;
  const { action, resource } = receipt.request;
  return finding(
    'NONDETERMINISTIC_OUTPUT',
    `Receipt ${receipt.id} (ledger ${context.ledger}, seq ${receipt.seq}): agent ${receipt.agent.id} ran ${action.id} on ${resource.id} with input ${shortHash(receipt.io.input)} under the same policy bundle as the receipt at ledger ${firstLedger}, seq ${firstSeq}, and both succeeded, so the outputs should be identical; this one is ${shortHash(receipt.io.output)}, the earlier one ${firstOutputText}.`,
    receiptLocation(receipt, context),
    { first: { ledger: firstLedger, seq: firstSeq, outputPrefix: firstOutputText }, output: receipt.io.output, input: receipt.io.input, bundle: receipt.decision.bundle },
  );
}

function outputPrefix(hash: string): number {
  return parseInt(hash.slice(HASH_PREFIX_LENGTH, HASH_PREFIX_LENGTH + OUTPUT_PREFIX_DIGITS), 16);
}

function ledgerNumber(state: DeterminismState, ledger: string): number {
  // Ledgers are few and visited one after another, so the last one is almost always it.
  const last = state.ledgers.length - 1;
  if (state.ledgers[last] === ledger) return last;
  const found = state.ledgers.indexOf(ledger);
  if (found >= 0) return found;
  state.ledgers.push(ledger);
  return state.ledgers.length - 1;
}
