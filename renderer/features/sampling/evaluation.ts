/**
 * A tested sample's evaluation: each item's state from its results, deviations counted,
 * the one-sided upper deviation limit (Clopper-Pearson, shared/sampling/attribute.ts) at
 * the sample's confidence compared exactly with its tolerable rate, per stratum when the
 * sample is stratified (each stratum is sized and drawn as its own population), and what
 * that allows the auditor to conclude. Pure.
 */
import { evaluateSample, type Evaluation } from '../../../shared/sampling/attribute.ts';
import type { SampleItemRow } from '../../store/db.ts';
import type { ConclusionValue, SampleAttribute, SampleStratum } from '../../store/samples.ts';

/**
 * `deviation`: an attribute failed (whatever the others show); `untested`: an attribute has
 * no result yet; `not-applicable`: the auditor found the item does not test the control
 * (every manual attribute not applicable; every attribute when there is no manual one), so
 * it is left out of the evaluation; otherwise `no-deviation`.
 */
export type ItemState = 'deviation' | 'untested' | 'not-applicable' | 'no-deviation';

export function itemState(results: SampleItemRow['results'], attributes: readonly SampleAttribute[]): ItemState {
  const values = attributes.map((a) => results[a.id] ?? null);
  if (values.includes('fail')) return 'deviation';
  if (values.includes(null)) return 'untested';
  const manual = attributes.filter((a) => a.kind === 'manual');
  const judged = manual.length > 0 ? manual : attributes;
  if (judged.every((a) => results[a.id] === 'not-applicable')) return 'not-applicable';
  return 'no-deviation';
}

export interface StratumEvaluation {
  readonly name: string;
  readonly drawn: number;
  readonly deviations: number;
  readonly untested: number;
  readonly notApplicable: number;
  /** Items evaluated: drawn less not applicable. */
  readonly evaluated: number;
  /** The evaluation, once every item is tested (null before, or when no item applies). */
  readonly evaluation: Evaluation | null;
  /**
   * Before every item is tested: true when the deviations found already put the upper
   * limit above the tolerable rate whatever the rest show.
   */
  readonly alreadyExceeds: boolean;
}

export type Outcome = 'supports' | 'does-not-support' | 'incomplete';

export interface SampleEvaluation {
  readonly strata: readonly StratumEvaluation[];
  readonly deviations: number;
  readonly untested: number;
  readonly outcome: Outcome;
  /** One sentence for the screen and the CSV. */
  readonly sentence: string;
  /** A text that changes when anything the conclusion rests on changes. */
  readonly basis: string;
}

const memo = new Map<string, Evaluation>();

/** evaluateSample, remembered: a screen evaluates again on every result recorded (a large n costs ~0.4 s). */
function evaluated(n: number, k: number, confidence: string, tolerable: string): Evaluation {
  const key = `${n} ${k} ${confidence} ${tolerable}`;
  let e = memo.get(key);
  if (!e) {
    e = evaluateSample(n, k, confidence, tolerable);
    if (memo.size > 500) memo.clear();
    memo.set(key, e);
  }
  return e;
}

export function evaluate(
  items: readonly Pick<SampleItemRow, 'index' | 'results'>[],
  strata: readonly SampleStratum[],
  attributes: readonly SampleAttribute[],
  confidence: string,
  tolerable: string,
): SampleEvaluation {
  const byIndex = new Map(items.map((i) => [i.index, i]));
  const out: StratumEvaluation[] = strata.map((s) => {
    let deviations = 0;
    let untested = 0;
    let notApplicable = 0;
    for (let k = s.first; k < s.first + s.count; k++) {
      const item = byIndex.get(k);
      const state = item ? itemState(item.results, attributes) : 'untested';
      if (state === 'deviation') deviations++;
      else if (state === 'untested') untested++;
      else if (state === 'not-applicable') notApplicable++;
    }
    const size = s.count - notApplicable;
    const evaluation = untested === 0 && size > 0 ? evaluated(size, deviations, confidence, tolerable) : null;
    const alreadyExceeds = untested > 0 && evaluated(size, deviations, confidence, tolerable).withinTolerable === false;
    return {
      name: s.name,
      drawn: s.count,
      deviations,
      untested,
      notApplicable,
      evaluated: size,
      evaluation,
      alreadyExceeds,
    };
  });
  const deviations = out.reduce((n, s) => n + s.deviations, 0);
  const untested = out.reduce((n, s) => n + s.untested, 0);
  const failing = out.filter((s) => s.evaluation?.withinTolerable === false || s.alreadyExceeds);
  const empty = out.filter((s) => s.untested === 0 && s.evaluated === 0);
  const outcome: Outcome =
    failing.length > 0 ? 'does-not-support' : untested > 0 || empty.length > 0 ? 'incomplete' : 'supports';
  const stratified = strata.length > 1 || (strata[0]?.name ?? '') !== '';
  const where = (s: StratumEvaluation) => (stratified ? ` in stratum ${s.name}` : '');
  let sentence: string;
  if (outcome === 'supports') {
    const limits = out.map((s) => `${s.evaluation?.upperLimit}%${where(s)}`).join(', ');
    sentence = `The upper deviation limit at ${confidence}% confidence (${limits}) is within the tolerable rate of ${tolerable}%: the sample supports reliance on the control.`;
  } else if (outcome === 'does-not-support') {
    const f = failing[0] as StratumEvaluation;
    sentence = f.evaluation
      ? `With ${f.deviations} deviation(s) in ${f.evaluated} items${where(f)}, the upper deviation limit at ${confidence}% confidence is ${f.evaluation.upperLimit}%, above the tolerable rate of ${tolerable}%: the sample does not support reliance on the control.`
      : f.deviations === 0
        ? `${f.evaluated} items${where(f)} cannot bring the upper deviation limit at ${confidence}% confidence within the tolerable rate of ${tolerable}% even with no deviation: the sample cannot support reliance on the control unless it is extended.`
        : `${f.deviations} deviation(s) found so far${where(f)} already put the upper deviation limit above the tolerable rate of ${tolerable}%, whatever the ${f.untested} untested item(s) show: the sample does not support reliance on the control.`;
  } else if (untested > 0) sentence = `Not evaluated yet: ${untested} item(s) not fully tested.`;
  else
    sentence = `Not evaluated: no item${empty[0]?.name ? ` of stratum ${empty[0].name}` : ''} applies to the control. Extend the sample.`;
  const basis = JSON.stringify([
    confidence,
    tolerable,
    out.map((s) => [s.name, s.drawn, s.deviations, s.untested, s.notApplicable]),
  ]);
  return { strata: out, deviations, untested, outcome, sentence, basis };
}

/** Whether the auditor may record `value` on this evaluation, or why not. */
export function conclusionProblem(value: ConclusionValue, evaluation: SampleEvaluation): string | null {
  if (value === 'supports' && evaluation.outcome !== 'supports')
    return evaluation.outcome === 'incomplete'
      ? 'Reliance can be concluded only once every item is tested and the sample is evaluated.'
      : 'The evaluation does not support reliance: the upper deviation limit is above the tolerable rate.';
  if (value === 'does-not-support' && evaluation.outcome === 'incomplete' && evaluation.deviations === 0)
    return 'Test every item first, or record a deviation: nothing found so far stands against reliance.';
  return null;
}
