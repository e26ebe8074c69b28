/**
 * `DECISION_MISMATCH` (FORMAT.md §7): re-running Cedar on a receipt's `request` and
 * `entities` under the bundle it names must give the recorded `effect`, and the recorded
 * `policies` must be the set of determining policies Cedar reports.
 *
 * Receipts whose bundle is not in the archive (`POLICY_UNKNOWN`) or whose bundle's
 * policies do not parse (`POLICY_INVALID`) are the engine's findings and skipped here, and
 * so are receipts under a bundle whose text was not given to Cedar (no valid signature, or
 * not as the manifest lists it: the report's checks say so):
 * reporting them twice would not tell an auditor anything new.
 */
import type { CedarModule, Decision } from '../decisions/cedar.ts';
import { DecisionEvaluator, type EvaluatorOptions, type EvaluatorStats } from '../decisions/evaluator.ts';
import { finding, type Finding } from '../engine/findings.ts';
import type { ControlCheck, ControlCheckFactory, ReceiptContext, ResolvedBundle } from '../engine/types.ts';
import type { Receipt } from '../format/schema.ts';
import { bundleName, listOrNone, receiptLocation, receiptName } from './location.ts';

/** The decision check, with its evaluator's counters (tests and benchmarks read them). */
export interface DecisionCheck extends ControlCheck {
  stats(): EvaluatorStats;
}

/**
 * The `DECISION_MISMATCH` check, re-evaluating with `cedar` (an initialised module).
 * @throws Error (when the check is created) if `cedar` is not ready to call.
 */
export function decisionMismatchCheck(cedar: CedarModule, options: EvaluatorOptions = {}): ControlCheckFactory {
  // One evaluator for every check this factory makes: a pool's worker makes one check per
  // segment, and its memo and parsed policy sets then carry over from one to the next (a
  // producer's traffic repeats across segments). It is only a cache, bounded (evaluator.ts):
  // each check decides every receipt as a fresh evaluator would.
  let shared: DecisionEvaluator | undefined;
  return () => createDecisionCheck(cedar, options, (shared ??= new DecisionEvaluator(cedar, options)));
}

/** A decision check; `evaluator`, when given, is shared with other checks (its stats count theirs too). */
export function createDecisionCheck(
  cedar: CedarModule,
  options: EvaluatorOptions = {},
  evaluator: DecisionEvaluator = new DecisionEvaluator(cedar, options),
): DecisionCheck {
  const findings: Finding[] = [];
  return {
    id: 'decision-mismatch',
    name: 'decision re-evaluation',
    // The evaluator's memo and parsed policy sets are caches: a check per segment decides
    // every receipt the same, whichever receipts its evaluator saw before.
    parallel: 'stateless',
    visit(receipt: Receipt, context: ReceiptContext): void {
      const bundle = context.bundle;
      // Unsigned or unlisted policy text is never given to Cedar (the engine says why).
      if (!bundle || !bundle.policiesUsable) return;
      const policies = bundle.body.cedar.policies;
      // Read from its canonical line, the request is known by its stored text: nothing to serialize.
      const result = evaluator.evaluateRequest(
        bundle.hash,
        policies,
        receipt.request,
        receipt.entities,
        context.requestText !== undefined && context.entitiesText !== undefined
          ? { request: context.requestText, entities: context.entitiesText }
          : undefined,
      );
      if (result.kind === 'unparsable') return;
      const mismatch = compareDecision(receipt, result.decision);
      if (mismatch) findings.push(mismatchFinding(receipt, context, bundle, result.decision, mismatch));
    },
    finish: () => findings,
    stats: () => evaluator.stats(),
  };
}

type Mismatch = 'effect' | 'policies' | 'effect and policies' | 'not evaluable';

/** What differs between the recorded decision and Cedar's; null when they agree. */
export function compareDecision(receipt: Receipt, decision: Decision): Mismatch | null {
  if (!decision.ok) return 'not evaluable';
  const effectDiffers = decision.effect !== receipt.decision.effect;
  const policiesDiffer = !sameSet(receipt.decision.policies, decision.policies);
  if (effectDiffers && policiesDiffer) return 'effect and policies';
  if (effectDiffers) return 'effect';
  return policiesDiffer ? 'policies' : null;
}

function sameSet(recorded: readonly string[], evaluated: readonly string[]): boolean {
  const a = new Set(recorded);
  const b = new Set(evaluated);
  if (a.size !== b.size) return false;
  for (const id of a) if (!b.has(id)) return false;
  return true;
}

function mismatchFinding(
  receipt: Receipt,
  context: ReceiptContext,
  bundle: ResolvedBundle,
  decision: Decision,
  mismatch: Mismatch,
): Finding {
  const recorded = { effect: receipt.decision.effect, policies: [...receipt.decision.policies].sort() };
  const recordedText = `${recorded.effect} by ${listOrNone(recorded.policies)}`;
  const what = `${receiptName(receipt, context)}, ${receipt.request.action.id} on ${receipt.request.resource.type}::"${receipt.request.resource.id}" by ${receipt.request.principal.type}::"${receipt.request.principal.id}"`;
  if (!decision.ok) {
    return finding(
      'DECISION_MISMATCH',
      `${what}: the recorded decision (${recordedText}) cannot be reproduced, because Cedar could not evaluate the recorded request under ${bundleName(bundle)}: ${decision.error}.`,
      receiptLocation(receipt, context),
      { bundle: bundle.hash, recorded, reevaluated: { error: decision.error } },
    );
  }
  const evaluatedText = `${decision.effect} by ${listOrNone(decision.policies)}`;
  const notes = decision.errors.length > 0 ? ` Cedar also reported policy errors: ${decision.errors.join('; ')}.` : '';
  return finding(
    'DECISION_MISMATCH',
    `${what}: the receipt records ${recordedText}, but re-evaluating it under ${bundleName(bundle)} gives ${evaluatedText} (the ${mismatch} differ${mismatch === 'effect' ? 's' : ''}).${notes}`,
    receiptLocation(receipt, context),
    {
      bundle: bundle.hash,
      recorded,
      reevaluated: { effect: decision.effect, policies: decision.policies, errors: decision.errors },
    },
  );
}
