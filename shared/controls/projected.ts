/**
 * A control check that needs state across receipts, written as map, then merge
 * (docs/CONVENTIONS.md, "Map, then merge"): a pure `project` turns one receipt into a small
 * plain value (a worker computes it), and `fold` takes those values in ledger order,
 * then seq order, on one instance (the main side).
 *
 * `visit` is `fold(project(receipt, context))` and nothing else, so the one-thread run
 * and the worker-pool run share every line that decides a finding: they cannot drift.
 */
import type { Finding } from '../engine/findings.ts';
import type { ControlCheck, ReceiptContext } from '../engine/types.ts';
import type { Receipt } from '../format/schema.ts';

export interface ProjectedParts<P> {
  readonly id: string;
  readonly name: string;
  /**
   * Pure: reads only its arguments, never the instance, so any instance (or a fresh one
   * in a worker) gives the same answer. The value must survive `structuredClone`: plain
   * arrays, strings, numbers, null. Null means the receipt adds nothing to the fold.
   */
  project(receipt: Receipt, context: ReceiptContext): P | null;
  /** Adds one projection to the state, in ledger order, then seq order. */
  fold(projection: P): void;
  finish(): readonly Finding[];
  readonly ledgerUnreadable?: (ledger: string) => void;
}

export function projectedCheck<P>({
  id,
  name,
  project,
  fold,
  finish,
  ledgerUnreadable,
}: ProjectedParts<P>): ControlCheck {
  // Projections come back from `project` (possibly through a structured clone), so the
  // cast only restores the type the engine's `unknown` channel erased.
  const visitProjection = (projection: unknown): void => {
    if (projection !== null) fold(projection as P);
  };
  return {
    id,
    name,
    parallel: 'projected',
    project,
    visitProjection,
    visit: (receipt, context) => visitProjection(project(receipt, context)),
    finish,
    ...(ledgerUnreadable ? { ledgerUnreadable } : {}),
  };
}
