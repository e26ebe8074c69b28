/**
 * Cedar evaluation behind an injected module, so shared/ stays runtime-neutral:
 * the command line passes `@cedar-policy/cedar-wasm/nodejs` (cli/cedar-node.ts), a Web
 * Worker passes the `/web` build after `await init()`.
 *
 * A bundle's policy set is parsed once (Cedar's pre-parsed, stateful calls) and every
 * request against it reuses that parse.
 */
import type * as CedarWasm from '@cedar-policy/cedar-wasm';

/** The part of cedar-wasm the engine uses. */
export type CedarModule = Pick<
  typeof CedarWasm,
  'preparsePolicySet' | 'statefulIsAuthorized' | 'checkParsePolicySet' | 'getCedarVersion' | 'policyToJson'
>;

export interface CedarRequest {
  readonly principal: { readonly type: string; readonly id: string };
  readonly action: { readonly type: string; readonly id: string };
  readonly resource: { readonly type: string; readonly id: string };
  readonly context: Readonly<Record<string, unknown>>;
}

export type CedarEntities = ReadonlyArray<{
  readonly uid: { readonly type: string; readonly id: string };
  readonly attrs: Readonly<Record<string, unknown>>;
  readonly parents: ReadonlyArray<{ readonly type: string; readonly id: string }>;
}>;

export type Decision =
  | {
      readonly ok: true;
      readonly effect: 'allow' | 'deny';
      readonly policies: readonly string[];
      readonly errors: readonly string[];
    }
  | { readonly ok: false; readonly error: string };

export type PrepareResult = { readonly ok: true } | { readonly ok: false; readonly errors: readonly string[] };

/**
 * Parses `policies` (policy id → Cedar text) under `setId` for later {@link decide} calls.
 * Never throws for bad policy text: the answer names what did not parse.
 */
export function preparePolicySet(
  cedar: CedarModule,
  setId: string,
  policies: Readonly<Record<string, string>>,
): PrepareResult {
  const answer = cedar.preparsePolicySet(setId, { staticPolicies: { ...policies } });
  if (answer.type === 'success') return { ok: true };
  return { ok: false, errors: answer.errors.map((e) => e.message) };
}

/** Runs one authorization request against a prepared policy set. */
export function decide(cedar: CedarModule, setId: string, request: CedarRequest, entities: CedarEntities): Decision {
  let answer: CedarWasm.AuthorizationAnswer;
  try {
    answer = cedar.statefulIsAuthorized({
      principal: request.principal,
      action: request.action,
      resource: request.resource,
      context: request.context as CedarWasm.Context,
      preparsedPolicySetId: setId,
      entities: entities as CedarWasm.Entities,
    });
  } catch (error) {
    return { ok: false, error: `Cedar could not evaluate the request: ${(error as Error).message}` };
  }
  if (answer.type === 'failure') return { ok: false, error: answer.errors.map((e) => e.message).join('; ') };
  const { decision, diagnostics } = answer.response;
  return {
    ok: true,
    effect: decision === 'allow' ? 'allow' : 'deny',
    policies: [...diagnostics.reason].sort(),
    errors: diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`),
  };
}
