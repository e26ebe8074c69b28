/**
 * The control checks of FORMAT.md §7, ready to pass to the engine:
 *
 * @example
 * import { nodeCedar } from '../../cli/cedar-node.ts';
 * const report = await verify(source, { trustedRoots, controls: controlChecks(nodeCedar) });
 *
 * In a browser or worker, pass the `/web` build of cedar-wasm after `await init()`.
 */
import type { CedarModule } from '../decisions/cedar.ts';
import type { EvaluatorOptions } from '../decisions/evaluator.ts';
import type { ControlCheckFactory } from '../engine/types.ts';
import { approvalCheck } from './approval.ts';
import { decisionMismatchCheck } from './decision-mismatch.ts';
import { deniedButExecutedCheck } from './denied-but-executed.ts';
import { determinismCheck } from './determinism.ts';
import { recipientUnapprovedCheck } from './recipient-unapproved.ts';
import { sloCheck } from './slo.ts';
import { tierViolationCheck } from './tier-violation.ts';
import { transactionCheck } from './transactions.ts';

export interface ControlOptions {
  /** Options of the Cedar re-evaluation (memo size). */
  readonly decisions?: EvaluatorOptions;
}

/**
 * Every control check, one factory each: `DECISION_MISMATCH`, `DENIED_BUT_EXECUTED`,
 * `TIER_VIOLATION`, `RECIPIENT_UNAPPROVED`, `APPROVAL_MISSING`/`APPROVAL_INVALID`,
 * `TXN_INCOMPLETE`/`TXN_STEP_GAP`, `NONDETERMINISTIC_OUTPUT`, `SLO_BREACH`.
 * Each factory makes fresh state, so one list serves any number of verifications.
 * Each check declares how it runs in a worker pool (`ControlCheck.parallel`): the ones
 * that judge a receipt alone are `stateless`; transactions, determinism and the SLO are
 * `projected` (projected.ts), as is the privacy collector.
 */
export function controlChecks(cedar: CedarModule, options: ControlOptions = {}): ControlCheckFactory[] {
  return [decisionMismatchCheck(cedar, options.decisions), ...controlChecksWithoutCedar()];
}

/**
 * Every control check but the decision's re-evaluation, in the same order: what can be
 * judged before Cedar is loaded (the reconstruction view shows these first).
 */
export function controlChecksWithoutCedar(): ControlCheckFactory[] {
  return [
    deniedButExecutedCheck,
    tierViolationCheck,
    recipientUnapprovedCheck,
    approvalCheck,
    transactionCheck,
    determinismCheck,
    sloCheck,
  ];
}

export { checkBundlePolicies } from '../decisions/policies.ts';
