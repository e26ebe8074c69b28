/**
 * Everything the command line plugs into the engine: the verifier, Cedar, the control
 * checks, and the worker pool. One place, so `verify`, `privacy`, the workers and the
 * benchmarks run the same checks.
 */
import { checkBundlePolicies, controlChecks } from '../shared/controls/index.ts';
import { createMetricsCollector } from '../shared/controls/metrics.ts';
import { createPrivacyCollector } from '../shared/controls/privacy.ts';
import type { ControlCheckFactory } from '../shared/engine/types.ts';
import type { DecisionStore } from '../shared/decisions/shared-memo.ts';
import type { EngineOptions } from '../shared/engine/verify.ts';
import { nodeCedar } from './cedar-node.ts';
import { nativeStrictVerifier } from './native-ed25519.ts';
import { nodeInflate } from './node-zip.ts';
import { useNativeSha256 } from './native-sha256.ts';

/**
 * Every control check this build has (workers pick theirs by id from these); `decisions`, a
 * pool's store of Cedar decisions shared between its threads.
 */
export function controlFactories(decisions?: DecisionStore): ControlCheckFactory[] {
  return [
    ...controlChecks(nodeCedar, decisions ? { decisions: { shared: decisions } } : {}),
    () => createPrivacyCollector(),
    () => createMetricsCollector(),
  ];
}

/** The options of a full verification (every check), without the trust roots. */
export function engineOptions(): Omit<EngineOptions, 'trustedRoots'> {
  useNativeSha256();
  return {
    verifier: nativeStrictVerifier,
    inflate: nodeInflate,
    policyParser: (hash, policies) => checkBundlePolicies(nodeCedar, hash, policies),
    controls: controlChecks(nodeCedar),
  };
}
