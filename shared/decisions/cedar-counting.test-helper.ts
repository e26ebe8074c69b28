/**
 * A Cedar module that counts the calls it forwards, to prove parsing and evaluation
 * happen as often as the design says (once per policy text, once per distinct request).
 */
import type { CedarModule } from './cedar.ts';

export interface CountingCedar {
  readonly cedar: CedarModule;
  readonly calls: { preparse: number; authorize: number; checkParse: number };
}

export function countingCedar(inner: CedarModule): CountingCedar {
  const calls = { preparse: 0, authorize: 0, checkParse: 0 };
  const cedar: CedarModule = {
    getCedarVersion: () => inner.getCedarVersion(),
    preparsePolicySet: (id, policies) => (calls.preparse++, inner.preparsePolicySet(id, policies)),
    statefulIsAuthorized: (call) => (calls.authorize++, inner.statefulIsAuthorized(call)),
    checkParsePolicySet: (policies) => (calls.checkParse++, inner.checkParsePolicySet(policies)),
    policyToJson: (policy) => inner.policyToJson(policy),
  };
  return { cedar, calls };
}
