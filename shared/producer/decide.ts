/**
 * The gate's decision step: Cedar over the bundle in effect, through the same
 * shared/decisions/cedar.ts calls the verifier re-runs, so a correct verifier agrees with
 * every decision the gate records (FORMAT.md §5: `effect` and the sorted determining
 * policy ids).
 */
import {
  decide,
  preparePolicySet,
  type CedarEntities,
  type CedarModule,
  type CedarRequest,
} from '../decisions/cedar.ts';
import type { SignedBundle } from './policy.ts';

export interface GateDecision {
  readonly bundle: string;
  readonly effect: 'allow' | 'deny';
  readonly policies: string[];
}

export interface GateDeciderOptions {
  /**
   * Remember up to this many decisions, keyed by bundle, request and entities (default
   * 10,000; 0 turns memoizing off). Cedar is deterministic, so a repeated request need not
   * cross into WebAssembly again; a gate with few distinct requests decides much faster.
   */
  readonly memoize?: number;
}

export class GateDecider {
  private readonly cedar: CedarModule;
  private readonly prepared = new Map<string, string>();
  private readonly memo = new Map<string, GateDecision>();
  private readonly memoLimit: number;

  constructor(cedar: CedarModule, options: GateDeciderOptions = {}) {
    if (!cedar || typeof cedar.statefulIsAuthorized !== 'function')
      throw new TypeError('GateDecider: "cedar" must be a cedar-wasm module');
    this.cedar = cedar;
    this.memoLimit = options.memoize ?? 10_000;
  }

  /**
   * Parses a bundle's policies once for later {@link decide} calls.
   * @throws Error naming the policies that do not parse: a gate must never run a bundle
   *   a verifier would report as `POLICY_INVALID`.
   */
  prepare(bundle: SignedBundle): void {
    if (this.prepared.has(bundle.hash)) return;
    // A prefix keeps the producer's Cedar state apart from a verifier sharing the module.
    const setId = `producer:${bundle.hash}`;
    const result = preparePolicySet(this.cedar, setId, bundle.file.bundle.cedar.policies);
    if (!result.ok)
      throw new Error(`GateDecider.prepare: bundle ${bundle.hash} does not parse: ${result.errors.join('; ')}`);
    this.prepared.set(bundle.hash, setId);
  }

  /**
   * Cedar's decision on `request` with `entities` under a prepared bundle.
   * @throws Error when the bundle was not prepared or Cedar cannot evaluate the request,
   *   or reports policy errors (a receipt whose decision rests on an error is not evidence).
   */
  decide(bundleHash: string, request: CedarRequest, entities: CedarEntities): GateDecision {
    const setId = this.prepared.get(bundleHash);
    if (setId === undefined) throw new Error(`GateDecider.decide: bundle ${bundleHash} was not prepared`);
    // JSON.stringify (native, fast) is enough for a memo key: the same request built the same
    // way gives the same text, and a copy with other member order only misses the memo.
    const key = this.memoLimit > 0 ? JSON.stringify([bundleHash, request, entities]) : '';
    const known = this.memoLimit > 0 ? this.memo.get(key) : undefined;
    if (known) return { ...known, policies: [...known.policies] };
    const answer = decide(this.cedar, setId, request, entities);
    if (!answer.ok) throw new Error(`GateDecider.decide: ${answer.error}`);
    if (answer.errors.length > 0)
      throw new Error(`GateDecider.decide: Cedar reported policy errors: ${answer.errors.join('; ')}`);
    const decision: GateDecision = { bundle: bundleHash, effect: answer.effect, policies: [...answer.policies] };
    if (this.memoLimit > 0) {
      if (this.memo.size >= this.memoLimit) this.memo.clear();
      this.memo.set(key, decision);
    }
    return { ...decision, policies: [...decision.policies] };
  }
}
