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
  const result = prepareBounded(cedar, setId, policies);
  sets.set(setId, result);
  return result;
}

/**
 * Most nesting a policy may have before Cedar sees it: brackets deep plus `if`s. Cedar's
 * Wasm parser recurses without a bound of its own and traps ("memory access out of
 * bounds") past about 100 nested brackets or a few hundred nested `if`s, and a trapped
 * instance answers nothing more in that process. Real policies nest a handful deep.
 */
export const MAX_POLICY_NESTING = 64;

/**
 * How deeply `text` nests, counted without parsing it: the deepest run of open `(`, `[`
 * and `{`, plus every `if` keyword, outside string literals and `//` comments. An upper
 * bound of what Cedar's parser recurses through.
 */
export function policyNesting(text: string): number {
  let depth = 0;
  let deepest = 0;
  let ifs = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '(' || c === '[' || c === '{') {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (c === ')' || c === ']' || c === '}') {
      depth = Math.max(0, depth - 1);
    } else if (c === 'i' && text[i + 1] === 'f' && !isWordChar(text[i - 1]) && !isWordChar(text[i + 2])) {
      ifs++;
    }
  }
  return deepest + ifs;
}

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_]/.test(c);
}

/** Parses the set in Cedar only when every policy is within the nesting bound; never throws. */
function prepareBounded(
  cedar: CedarModule,
  setId: string,
  policies: Readonly<Record<string, string>>,
): PreparedPolicies {
  const tooDeep: PolicyError[] = [];
  for (const [policyId, text] of Object.entries(policies)) {
    const nesting = policyNesting(text);
    if (nesting > MAX_POLICY_NESTING) {
      tooDeep.push({
        policyId,
        message: `it nests ${nesting} levels deep (brackets and ifs), over the ${MAX_POLICY_NESTING} this verifier gives to Cedar, so it was not parsed`,
      });
    }
  }
  if (tooDeep.length > 0) return { ok: false, errors: tooDeep };
  let answer: ReturnType<CedarModule['preparsePolicySet']>;
  try {
    answer = cedar.preparsePolicySet(setId, { staticPolicies: { ...policies } });
  } catch (error) {
    return { ok: false, errors: [{ message: `Cedar failed while parsing the policies: ${(error as Error).message}` }] };
  }
  return answer.type === 'success'
    ? { ok: true, setId }
    : { ok: false, errors: attributeErrors(cedar, policies, answer.errors) };
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
