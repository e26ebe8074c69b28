/**
 * Cedar for Node: the `/nodejs` build of cedar-wasm, loaded once.
 *
 * Node 20's V8 (11.3) can crash the whole process ("Fatal error … unreachable code" in
 * Deoptimizer::DoComputeBuiltinContinuation) when TurboFan has inlined a hot JS→Wasm call
 * and then deoptimizes it; Cedar's calls are exactly such hot calls. Seen here in about
 * half the runs of the tamper table, never with the inlining off, so it is turned off for
 * this process (V8 flags are process-wide: worker threads are covered too) before Cedar's
 * functions are ever optimized. The cost is one call boundary per Cedar decision.
 */
import { setFlagsFromString } from 'node:v8';
import * as cedarNode from '@cedar-policy/cedar-wasm/nodejs';
import type { CedarModule } from '../shared/decisions/cedar.ts';

setFlagsFromString('--no-turbo-inline-js-wasm-calls');

export const nodeCedar: CedarModule = cedarNode;
