/**
 * Everything the command line plugs into the engine: the verifier, Cedar, control checks.
 * One place, so `verify`, `privacy` and the benchmarks run the same checks.
 */
import type { EngineOptions } from '../shared/engine/verify.ts';
import type { CommandIo } from './args.ts';
import { nativeStrictVerifier } from './native-ed25519.ts';

export async function engineOptions(_io?: CommandIo): Promise<Omit<EngineOptions, 'trustedRoots'>> {
  return { verifier: nativeStrictVerifier };
}
