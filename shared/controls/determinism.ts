/**
 * `NONDETERMINISTIC_OUTPUT` (FORMAT.md §7): two receipts with `exec.status` ok and the
 * same agent id, action, resource, `io.input` and bundle hash must have the same
 * `io.output`.
 *
 * Map, then merge (projected.ts): a worker reduces each successful receipt to an
 * {@link OutputProjection}: the 128-bit hash of what must determine the output, the
 * output's leading 52 bits and where the receipt is. The fold on the main side compares
 * it with the first receipt of the same key.
 *
 * Memory is the design constraint: a million receipts can mean a million distinct
 * inputs. Each distinct key keeps only (about 44 bytes, in typed arrays: {@link KeyTable128})
 *   - its 128-bit hash as four 32-bit words, in an open-addressing table,
 *   - the first output's leading 52 bits and where that first receipt was (ledger
 *     number, seq), in columns indexed like the keys.
 * A false finding would need a 128-bit collision between different keys; a missed
 * finding would need two different outputs to share their first 52 bits. Receipts are
 * never kept, and never shipped: the finding names the receipts by their place, and a
 * reader finds agent, action, resource and input in them.
 */
import { finding, type Finding } from '../engine/findings.ts';
import { Names, SpillPartitions, type SpillStore } from '../engine/spill.ts';
import type { ControlCheck, ControlCheckFactory, ReceiptContext } from '../engine/types.ts';
import { utf8Transient } from '../format/bytes.ts';
import { HASH_PREFIX, sha256Transient } from '../format/hash.ts';
import type { Receipt } from '../format/schema.ts';
import { GrowableFloat64, GrowableUint32 } from '../format/growable.ts';
import { KeyTable128 } from './key-table.ts';
import { receiptNameAt } from './location.ts';
import { projectedCheck } from './projected.ts';

/** Hex digits of an output hash kept per key: 13 × 4 = 52 bits, exact in a double. */
const OUTPUT_PREFIX_DIGITS = 13;

/**
 * A successful receipt as the fold needs it (about 100 bytes structured-cloned):
 * `key` is {@link determinismKey}, `output` the leading 52 bits of `io.output`.
 */
export type OutputProjection = readonly [
  key: string,
  output: number,
  ledger: string,
  seq: number,
  receipt: string,
  path: string,
  line: number,
];

export interface DeterminismState {
  /** Key hash → index into the columns below. */
  readonly firstByKey: KeyTable128;
  readonly firstOutput: GrowableFloat64;
  readonly firstSeq: GrowableFloat64;
  readonly firstLedger: GrowableUint32;
  /** Ledger names by number, so each key stores a number, not a string. */
  readonly ledgers: string[];
}

export function emptyDeterminismState(): DeterminismState {
  return {
    firstByKey: new KeyTable128(),
    firstOutput: new GrowableFloat64(),
    firstSeq: new GrowableFloat64(),
    firstLedger: new GrowableUint32(),
    ledgers: [],
  };
}

/** The check's id and name, the same whether its projections are spilled or not. */
const CHECK = { id: 'determinism', name: 'output determinism' } as const;

export const determinismCheck: ControlCheckFactory = (archive): ControlCheck => {
  if (archive.spill) return spilledDeterminismCheck(archive.spill);
  const state = emptyDeterminismState();
  const findings: Finding[] = [];
  return projectedCheck<OutputProjection>({
    ...CHECK,
    project: projectOutput,
    fold(projection) {
      const found = foldOutput(state, projection);
      if (found) findings.push(found);
    },
    finish: () => findings,
  });
};

/**
 * The same check with its projections on disk (spill.ts), partitioned by key: each
 * partition is folded at the end with {@link foldOutput} and a fresh state, in the order the
 * projections came, so every key meets the same first receipt as in memory.
 */
function spilledDeterminismCheck(store: SpillStore): ControlCheck {
  const spill = new SpillPartitions(store, 'outputs');
  const ledgers = new Names();
  const paths = new Names();
  return projectedCheck<OutputProjection>({
    ...CHECK,
    project: projectOutput,
    fold([key, output, ledger, seq, receipt, path, line]) {
      spill
        .begin()
        .text(key)
        .f64(output)
        .u32(ledgers.numberOf(ledger))
        .f64(seq)
        .text(receipt)
        .u32(paths.numberOf(path))
        .u32(line);
      spill.end(keyHash(key));
    },
    finish() {
      const findings: Finding[] = [];
      for (const records of spill.partitions()) {
        const state = emptyDeterminismState();
        while (!records.done) {
          const projection: OutputProjection = [
            records.text(),
            records.f64(),
            ledgers.nameOf(records.u32()),
            records.f64(),
            records.text(),
            paths.nameOf(records.u32()),
            records.u32(),
          ];
          const found = foldOutput(state, projection);
          if (found) findings.push(found);
        }
      }
      return findings;
    },
  });
}

/** The key's first 32 bits (it is the start of a SHA-256: uniform). */
function keyHash(key: string): number {
  return ((key.charCodeAt(0) << 24) | (key.charCodeAt(1) << 16) | (key.charCodeAt(2) << 8) | key.charCodeAt(3)) >>> 0;
}

/**
 * The 128-bit key of what must determine the output, as a 16-character string of
 * one-byte characters: half the size of hex, both in the Map and across threads.
 */
export function determinismKey(receipt: Receipt): string {
  const { action, resource } = receipt.request;
  // C() of an array of strings is JSON.stringify's text (RFC 8785 §3.2.2.2 serializes strings as
  // ECMAScript's JSON.stringify does), and a receipt's strings are well formed (a lone surrogate
  // makes its line unreadable, parseCanonical): the same bytes as canonicalize, without its walk.
  const text = JSON.stringify([
    receipt.agent.id,
    action.type,
    action.id,
    resource.type,
    resource.id,
    receipt.io.input,
    receipt.decision.bundle,
  ]);
  // The run's SHA-256 (native in the command line and its workers), not always the reference;
  // both the text's bytes and the digest are read at once, so they may live in kept buffers.
  const d = sha256Transient(utf8Transient(text));
  // Sixteen arguments, not a spread of the array (a third of the time in Chromium).
  return String.fromCharCode(
    d[0]!,
    d[1]!,
    d[2]!,
    d[3]!,
    d[4]!,
    d[5]!,
    d[6]!,
    d[7]!,
    d[8]!,
    d[9]!,
    d[10]!,
    d[11]!,
    d[12]!,
    d[13]!,
    d[14]!,
    d[15]!,
  );
}

/** Only successful receipts must agree (FORMAT.md §7); the others project to null. */
export function projectOutput(receipt: Receipt, context: ReceiptContext): OutputProjection | null {
  if (receipt.exec.status !== 'ok') return null;
  return [
    determinismKey(receipt),
    outputPrefix(receipt.io.output),
    context.ledger,
    receipt.seq,
    receipt.id,
    context.path,
    context.line,
  ];
}

/** Records one output; returns a finding when it differs from the first one of its key. */
export function foldOutput(state: DeterminismState, projection: OutputProjection): Finding | null {
  const [key, output, ledger, seq, receipt, path, line] = projection;
  const index = state.firstByKey.indexOf(key);
  if (index < 0) {
    state.firstByKey.add(key);
    state.firstOutput.push(output);
    state.firstSeq.push(seq);
    state.firstLedger.push(ledgerNumber(state, ledger));
    return null;
  }
  const first = state.firstOutput.at(index) ?? 0;
  if (first === output) return null;
  const firstLedger = state.ledgers[state.firstLedger.at(index) ?? -1] ?? '?';
  const firstSeq = state.firstSeq.at(index) ?? 0;
  const [thisText, firstText] = [prefixText(output), prefixText(first)];
  return finding(
    'NONDETERMINISTIC_OUTPUT',
    `${receiptNameAt({ receipt, ledger, seq })} has the same agent, action, resource and input under the same policy bundle as the receipt at ledger ${firstLedger}, seq ${firstSeq}, and both succeeded, so the outputs should be identical; this one's output is ${thisText}, the earlier one's ${firstText}.`,
    { path, line, ledger, seq, receipt },
    { first: { ledger: firstLedger, seq: firstSeq, outputPrefix: firstText }, outputPrefix: thisText },
  );
}

function outputPrefix(hash: string): number {
  return parseInt(hash.slice(HASH_PREFIX.length, HASH_PREFIX.length + OUTPUT_PREFIX_DIGITS), 16);
}

/** `sha256:` and the kept 13 hex digits, marked as a prefix. */
function prefixText(prefix: number): string {
  return `${HASH_PREFIX}${prefix.toString(16).padStart(OUTPUT_PREFIX_DIGITS, '0')}…`;
}

function ledgerNumber(state: DeterminismState, ledger: string): number {
  // Ledgers are few and folded one after another, so the last one is almost always it.
  const last = state.ledgers.length - 1;
  if (state.ledgers[last] === ledger) return last;
  const found = state.ledgers.indexOf(ledger);
  if (found >= 0) return found;
  state.ledgers.push(ledger);
  return state.ledgers.length - 1;
}
