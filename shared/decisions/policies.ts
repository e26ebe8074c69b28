/**
 * Parsing a bundle's Cedar policies (FORMAT.md §4, `POLICY_INVALID`), once per policy
 * text per Cedar module.
 *
 * Cedar keeps pre-parsed policy sets in the wasm instance's thread-local storage, so a
 * parse is only reusable by calls on the *same* module object (one per Web Worker, one in
 * Node). The registry below is keyed first by that module, then by the hash of the
 * policy texts themselves: the set id is content-addressed, so two bundles with the same
 * policies share a parse, and a caller can never get an answer for other policy text
 * than the one it passed.
 */
import { canonicalize } from '../format/canonical.ts';
import { hashOf, isHashString } from '../format/hash.ts';
import type { CedarModule } from './cedar.ts';

/** One policy that Cedar would not parse; `policyId` is absent when Cedar names none. */
export interface PolicyError {
  readonly policyId?: string;
  readonly message: string;
}

export type PolicyCheck = { readonly ok: true } | { readonly ok: false; readonly errors: readonly PolicyError[] };

/** A bundle's policies, prepared for `decide` under `setId`, or why they could not be. */
export type PreparedPolicies =
  { readonly ok: true; readonly setId: string } | { readonly ok: false; readonly errors: readonly PolicyError[] };

const prepared = new WeakMap<CedarModule, Map<string, PreparedPolicies>>();

/**
 * Parses `policies` (policy id → Cedar text) into `cedar` once and returns the set id to
 * pass to `decide`. Later calls with the same texts on the same module reuse the parse.
 * Never throws for bad policy text: the answer lists each policy that does not parse.
 */
export function preparePolicies(cedar: CedarModule, policies: Readonly<Record<string, string>>): PreparedPolicies {
  let sets = prepared.get(cedar);
  if (!sets) prepared.set(cedar, (sets = new Map()));
  const setId = `tickmark-policies/${hashOf(canonicalize(policies))}`;
  const known = sets.get(setId);
  if (known) return known;
  const answer = cedar.preparsePolicySet(setId, { staticPolicies: { ...policies } });
  const result: PreparedPolicies =
    answer.type === 'success'
      ? { ok: true, setId }
      : { ok: false, errors: attributeErrors(cedar, policies, answer.errors) };
  sets.set(setId, result);
  return result;
}

/**
 * Tells whether every policy of a bundle parses (the engine's `POLICY_INVALID` check),
 * and prepares the set for re-evaluation as a side effect, so the decision check does
 * not parse it again.
 *
 * @param bundleHash the bundle's identity `H(C(bundle))`; checked for shape only. The
 *   parse is keyed by the policy texts' own hash, so a wrong `bundleHash` can never make
 *   this answer for other text.
 * @throws TypeError when `bundleHash` is not a `sha256:` hash or `policies` is not a
 *   record of strings (programmer misuse: the engine validates bundles with zod first).
 * @example
 * const check = checkBundlePolicies(cedar, hash, bundle.cedar.policies);
 * if (!check.ok) for (const e of check.errors) report('POLICY_INVALID', e.policyId, e.message);
 */
export function checkBundlePolicies(
  cedar: CedarModule,
  bundleHash: string,
  policies: Readonly<Record<string, string>>,
): PolicyCheck {
  if (!isHashString(bundleHash))
    throw new TypeError('checkBundlePolicies: "bundleHash" must be "sha256:" followed by 64 lowercase hex digits');
  if (
    typeof policies !== 'object' ||
    policies === null ||
    Object.values(policies).some((text) => typeof text !== 'string')
  ) {
    throw new TypeError('checkBundlePolicies: "policies" must map policy ids to Cedar policy text');
  }
  const result = preparePolicies(cedar, policies);
  return result.ok ? { ok: true } : { ok: false, errors: result.errors };
}

/**
 * Cedar reports a failed set as a list of messages; to tell an auditor *which* policy is
 * wrong, each policy is parsed on its own. Errors that no single policy explains (a
 * conflict between policies) are kept without a policy id.
 */
function attributeErrors(
  cedar: CedarModule,
  policies: Readonly<Record<string, string>>,
  setErrors: ReadonlyArray<{ message: string; help: string | null }>,
): PolicyError[] {
  const errors: PolicyError[] = [];
  for (const [policyId, text] of Object.entries(policies).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const answer = cedar.checkParsePolicySet({ staticPolicies: { [policyId]: text } });
    if (answer.type === 'failure') for (const e of answer.errors) errors.push({ policyId, message: describe(e) });
  }
  if (errors.length === 0) for (const e of setErrors) errors.push({ message: describe(e) });
  return errors;
}

function describe(error: { message: string; help: string | null }): string {
  return error.help ? `${error.message} (${error.help})` : error.message;
}
