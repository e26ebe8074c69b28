/**
 * Everything the command line plugs into the engine: the verifier, Cedar, control checks.
 * One place, so `verify`, `privacy` and the benchmarks run the same checks.
 */
import type { EngineOptions } from '../shared/engine/verify.ts';
import type { CommandIo } from './args.ts';

export async function engineOptions(_io?: CommandIo): Promise<Omit<EngineOptions, 'trustedRoots'>> {
  return {};
}
