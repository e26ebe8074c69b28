/**
 * Small helpers every control check shares: where a receipt is, and how to name a
 * bundle in a sentence.
 */
import type { FindingLocation } from '../engine/findings.ts';
import type { ReceiptContext, ResolvedBundle } from '../engine/types.ts';
import type { Receipt } from '../format/schema.ts';

/** The full location of a receipt, as every receipt-level finding carries it. */
export function receiptLocation(receipt: Receipt, context: ReceiptContext): FindingLocation {
  return { path: context.path, line: context.line, ledger: context.ledger, seq: receipt.seq, receipt: receipt.id };
}

/** How a sentence names a receipt: its id and place in the ledger. */
export function receiptName(receipt: Receipt, context: ReceiptContext): string {
  return receiptNameAt({ receipt: receipt.id, ledger: context.ledger, seq: receipt.seq });
}

/** {@link receiptName} from a finding's location (for checks that keep only that, not the receipt). */
export function receiptNameAt(where: {
  readonly receipt: string;
  readonly ledger: string;
  readonly seq: number;
}): string {
  return `Receipt ${where.receipt} (ledger ${where.ledger}, seq ${where.seq})`;
}

/** `agents-prod v7 (sha256:1d45a3eb…)`: enough for a person to find the policy file. */
export function bundleName(bundle: ResolvedBundle): string {
  return `policy bundle ${bundle.body.id} v${bundle.body.version} (${shortHash(bundle.hash)})`;
}

/** `sha256:` and the first 12 hex digits: recognisable without flooding a sentence. */
export function shortHash(hash: string): string {
  return hash.length > 19 ? `${hash.slice(0, 19)}…` : hash;
}

/** `[a, b]`, or `[none]` for an empty list, so an empty set reads as a statement. */
export function listOrNone(items: readonly string[]): string {
  return items.length === 0 ? '[none]' : `[${items.join(', ')}]`;
}
