/**
 * What each policy of a bundle did for one recorded request: the decision reconstruction's
 * "which policy decided this, and what did the others do".
 *
 * Cedar reports the determining policies of a decision (`diagnostics.reason`): for an
 * allow, the permits that held; for a deny, the forbids that held (none when nothing
 * permitted). It does not say which other policies held. So each policy is also evaluated
 * alone, in a set of its own: a policy whose scope and conditions hold answers with itself
 * as the reason. That gives four statuses:
 *
 * - `determining`: in Cedar's reason for the whole set's decision;
 * - `satisfied`: it holds, but did not determine the decision (a permit overridden by a
 *   forbid, or one of several that held when the recorded set names fewer);
 * - `not-applicable`: its scope or conditions do not hold for this request;
 * - `errored`: Cedar could not evaluate one of its conditions (the policy is then skipped
 *   by Cedar, which is what "errored" means in Cedar's own semantics).
 *
 * The text shown is the policy's own, normalized with cedar-wasm's `formatPolicies` where
 * Cedar can format it (otherwise as stored, and `formatted` says so).
 */
import { decide, type CedarEntities, type CedarModule, type CedarRequest, type Decision } from './cedar.ts';
import { MAX_POLICY_NESTING, policyNesting, preparePolicies } from './policies.ts';

export type PolicyStatus = 'determining' | 'satisfied' | 'not-applicable' | 'errored';

/** The part of cedar-wasm this module needs beyond evaluation: formatting and the effect. */
export type CedarFormatting = CedarModule &
  Pick<typeof import('@cedar-policy/cedar-wasm'), 'formatPolicies' | 'policyToJson'>;

export interface PolicyVerdict {
  readonly id: string;
  /** From the policy itself; `unknown` when Cedar could not read it. */
  readonly effect: 'permit' | 'forbid' | 'unknown';
  readonly determining: boolean;
  readonly status: PolicyStatus;
  /** Cedar's evaluation errors for this policy, when `errored`. */
  readonly errors: readonly string[];
  /** The policy text, normalized by Cedar's formatter when `formatted`. */
  readonly text: string;
  readonly formatted: boolean;
}

export type PolicyEvaluation =
  | {
      readonly ok: true;
      /** Cedar's decision for the whole set. */
      readonly decision: Extract<Decision, { ok: true }>;
      /** Every policy of the set, in policy id order. */
      readonly policies: readonly PolicyVerdict[];
    }
  | {
      readonly ok: false;
      /** Why nothing was evaluated: the set does not parse, or Cedar failed on the request. */
      readonly error: string;
      /** The texts, still shown (formatted where possible), with no status. */
      readonly texts: readonly { readonly id: string; readonly text: string; readonly formatted: boolean }[];
    };

/**
 * Evaluates `request` + `entities` under `policies`, whole and each policy alone.
 * Never throws for bad policy text or a bad request: the answer says why.
 */
export function evaluatePolicies(
  cedar: CedarFormatting,
  policies: Readonly<Record<string, string>>,
  request: CedarRequest,
  entities: CedarEntities,
): PolicyEvaluation {
  const ids = Object.keys(policies).sort();
  const read = ids.map((id) => ({ id, ...readPolicy(cedar, policies[id] as string) }));
  const texts = read.map(({ id, text, formatted }) => ({ id, text, formatted }));
  const whole = preparePolicies(cedar, policies);
  if (!whole.ok)
    return {
      ok: false,
      error: `the bundle's policies do not parse: ${whole.errors.map((e) => (e.policyId ? `${e.policyId}: ${e.message}` : e.message)).join('; ')}`,
      texts,
    };
  const decision = decide(cedar, whole.setId, request, entities);
  if (!decision.ok) return { ok: false, error: decision.error, texts };
  const determining = new Set(decision.policies);
  const verdicts = read.map(({ id, text, formatted, effect }): PolicyVerdict => {
    const source = policies[id] as string;
    const alone = preparePolicies(cedar, { [id]: source });
    let status: PolicyStatus;
    let errors: string[] = decision.errors.filter((e) => e.startsWith(`${id}: `));
    if (!alone.ok) {
      status = 'errored';
      errors = alone.errors.map((e) => e.message);
    } else {
      const own = decide(cedar, alone.setId, request, entities);
      if (!own.ok) {
        status = 'errored';
        errors = [own.error];
      } else if (own.errors.length > 0 || errors.length > 0) {
        status = 'errored';
        if (errors.length === 0) errors = [...own.errors];
      } else if (own.policies.includes(id)) status = determining.has(id) ? 'determining' : 'satisfied';
      else status = 'not-applicable';
    }
    // Cedar's own reason decides "determining", whatever the single evaluation said.
    if (determining.has(id)) status = 'determining';
    return { id, effect, determining: determining.has(id), status, errors, text, formatted };
  });
  return { ok: true, decision, policies: verdicts };
}

interface ReadPolicy {
  readonly text: string;
  readonly formatted: boolean;
  readonly effect: PolicyVerdict['effect'];
}
/** Policy texts read (formatted, effect) by each Cedar module, at most `MAX_READ` of them. */
const readPolicies = new WeakMap<CedarFormatting, Map<string, ReadPolicy>>();
const MAX_READ = 4096;

/**
 * A policy text as Cedar formats it, and its effect: the same for every request, so read once
 * per text (walking an archive's receipts asks for the same few policies again and again).
 */
function readPolicy(cedar: CedarFormatting, source: string): ReadPolicy {
  let known = readPolicies.get(cedar);
  if (!known) readPolicies.set(cedar, (known = new Map()));
  let read = known.get(source);
  if (!read) {
    if (known.size >= MAX_READ) known.clear();
    read = { ...formatPolicy(cedar, source), effect: effectOf(cedar, source) };
    known.set(source, read);
  }
  return read;
}

/** The policy text as Cedar's formatter writes it, or as given when it cannot (or may not) be formatted. */
export function formatPolicy(cedar: CedarFormatting, text: string): { text: string; formatted: boolean } {
  if (policyNesting(text) > MAX_POLICY_NESTING) return { text, formatted: false };
  try {
    const answer = cedar.formatPolicies({ policyText: text, lineWidth: 88, indentWidth: 2 });
    if (answer.type === 'success') return { text: answer.formatted_policy.trimEnd(), formatted: true };
  } catch {
    // Shown as stored.
  }
  return { text, formatted: false };
}

function effectOf(cedar: CedarFormatting, text: string): PolicyVerdict['effect'] {
  if (policyNesting(text) > MAX_POLICY_NESTING) return 'unknown';
  try {
    const answer = cedar.policyToJson(text);
    if (answer.type === 'success') return answer.json.effect;
  } catch {
    // Unknown.
  }
  return 'unknown';
}
