/**
 * Everything the command line plugs into the engine: the verifier, Cedar, control checks.
 * One place, so `verify`, `privacy` and the benchmarks run the same checks.
 */
import { checkBundlePolicies, controlChecks } from '../shared/controls/index.ts';
import type { EngineOptions } from '../shared/engine/verify.ts';
import type { CommandIo } from './args.ts';
import { nodeCedar } from './cedar-node.ts';
import { nativeStrictVerifier } from './native-ed25519.ts';

export async function engineOptions(_io?: CommandIo): Promise<Omit<EngineOptions, 'trustedRoots'>> {
  return {
    verifier: nativeStrictVerifier,
    policyParser: (hash, policies) => checkBundlePolicies(nodeCedar, hash, policies),
    controls: controlChecks(nodeCedar),
  };
}
