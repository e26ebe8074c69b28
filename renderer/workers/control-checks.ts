/**
 * Decision re-evaluation and control checks for the worker: Cedar's `/web` build (its
 * wasm is fetched from the app's own origin and initialised before use; the package's
 * default entry builds but fails at run time under Vite) handed to `controlChecks` and
 * to the engine's policy parser (POLICY_INVALID).
 */
import init, * as cedarWeb from '@cedar-policy/cedar-wasm/web';
import { controlChecks, checkBundlePolicies } from '../../shared/controls/index.ts';
import type { CedarModule } from '../../shared/decisions/cedar.ts';
import type { DecisionStore } from '../../shared/decisions/shared-memo.ts';
import type { PolicyParser } from '../../shared/engine/verify.ts';
import type { ControlCheckFactory } from '../../shared/engine/types.ts';

export interface LoadedControls {
  readonly factories: ControlCheckFactory[];
  /** The same checks, their Cedar decisions shared with a pool's other workers through `store` (shared-memo.ts). */
  readonly sharing: (store: DecisionStore) => ControlCheckFactory[];
  readonly policyParser: PolicyParser | undefined;
  /** Why the control checks could not run, or null when they are loaded. */
  readonly unavailable: string | null;
}

let cedarReady: Promise<CedarModule> | null = null;

function loadCedar(): Promise<CedarModule> {
  cedarReady ??= init().then(() => cedarWeb as unknown as CedarModule);
  return cedarReady;
}

export async function loadControlChecks(): Promise<LoadedControls> {
  try {
    const cedar = await loadCedar();
    return {
      factories: controlChecks(cedar),
      sharing: (store) => controlChecks(cedar, { decisions: { shared: store } }),
      policyParser: (bundleHash, policies) => checkBundlePolicies(cedar, bundleHash, policies),
      unavailable: null,
    };
  } catch (error) {
    cedarReady = null;
    return {
      factories: [],
      sharing: () => [],
      policyParser: undefined,
      unavailable: `Cedar could not be loaded, so decisions and controls were not checked: ${(error as Error).message}`,
    };
  }
}
