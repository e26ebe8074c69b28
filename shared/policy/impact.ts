/**
 * Decision impact of a policy change, from real traffic: every recorded request replayed
 * under both versions of a bundle (memoised: repeated requests, and requests differing only in
 * context attributes a version's policies do not read, are decided once per version), and each receipt whose outcome — effect or determining policies — differs.
 * Where Cedar cannot evaluate a request under a version (or the version's policies do not
 * parse), the receipt is counted as an error, never as unchanged.
 */
import type { CedarModule } from '../decisions/cedar.ts';
import type { CedarEntities, CedarRequest } from '../decisions/cedar.ts';
import {
  canonicalRequestDigest,
  DecisionEvaluator,
  type EvaluatorOptions,
  requestDigest,
  type ParsedRequest,
} from '../decisions/evaluator.ts';
import type { Receipt } from '../format/schema.ts';
import type { BundleSide } from './diff.ts';

/** What replay needs of a receipt. */
export type ReplayedRequest = Pick<Receipt, 'id' | 'ledger' | 'seq' | 'request' | 'entities'>;

export interface Outcome {
  readonly effect: 'allow' | 'deny';
  readonly policies: readonly string[];
}

export type ChangeKind = 'allow-to-deny' | 'deny-to-allow' | 'other-policies';

export interface ChangedOutcome {
  readonly receipt: string;
  readonly ledger: string;
  readonly seq: number;
  readonly action: string;
  readonly kind: ChangeKind;
  readonly from: Outcome;
  readonly to: Outcome;
}

export interface ImpactError {
  readonly receipt: string;
  readonly ledger: string;
  readonly seq: number;
  readonly side: 'from' | 'to';
  readonly message: string;
}

export interface Impact {
  readonly evaluated: number;
  readonly unchanged: number;
  readonly changed: readonly ChangedOutcome[];
  /** The first errors (at most 1,000), one per receipt; `errorCount` counts them all. */
  readonly errors: readonly ImpactError[];
  readonly errorCount: number;
  readonly counts: { readonly allowToDeny: number; readonly denyToAllow: number; readonly otherPolicies: number };
  /** Changed outcomes per policy id that determines one side and not the other. */
  readonly byPolicy: Readonly<Record<string, number>>;
  /** Changed outcomes per action id, by kind. */
  readonly byAction: Readonly<Record<string, { allowToDeny: number; denyToAllow: number; otherPolicies: number }>>;
  /** Cedar evaluations actually run (the rest were answered from the memo). */
  readonly cedarCalls: number;
}

/** Most errors kept in full (the count is always exact). */
const MAX_ERRORS_KEPT = 1000;

/**
 * What a collector gathered since it was last drained: a worker replays a piece of a
 * segment and hands this over; the collector on the main thread absorbs the parts in ledger
 * order, so the result is the one a single collector reading every receipt in order gives.
 */
export interface ImpactPart {
  readonly evaluated: number;
  readonly unchanged: number;
  readonly errorReceipts: number;
  readonly changed: readonly ChangedOutcome[];
  readonly errors: readonly ImpactError[];
  /** Cedar evaluations run for this part (the worker's memo answered the rest). */
  readonly cedarCalls: number;
}

export class ImpactCollector {
  readonly #evaluator: DecisionEvaluator;
  readonly #from: BundleSide;
  readonly #to: BundleSide;
  #evaluated = 0;
  #unchanged = 0;
  #errorReceipts = 0;
  #changed: ChangedOutcome[] = [];
  #errors: ImpactError[] = [];
  /** Cedar calls counted by parts absorbed from other collectors, and already drained from this one. */
  #absorbedCedarCalls = 0;
  #drainedCedarCalls = 0;

  /** `options`: the evaluator's (a pool's shared store of decisions, evaluator.ts). */
  constructor(cedar: CedarModule, from: BundleSide, to: BundleSide, options: EvaluatorOptions = {}) {
    this.#evaluator = new DecisionEvaluator(cedar, options);
    this.#from = from;
    this.#to = to;
  }

  /** Replays one recorded request under both versions. */
  add(receipt: ReplayedRequest): void {
    // Serialized and hashed once for both versions' memo lookups.
    const digest = requestDigest(receipt.request, receipt.entities);
    const parsed = { request: receipt.request, entities: receipt.entities };
    this.#replay(
      digest,
      () => parsed,
      () => receipt,
    );
  }

  /**
   * Replays the request of a stored line that is its own canonical form, known by the text
   * of its `request` and `entities` members (equal texts are equal values): they are parsed
   * only when Cedar must run, and the whole line only when its outcome changed or could not
   * be evaluated (to name the receipt). Memo keys of this kind never meet those of {@link add}.
   */
  addCanonical(requestText: string, entitiesText: string, parseLine: () => ReplayedRequest): void {
    const digest = canonicalRequestDigest(requestText, entitiesText);
    this.#replay(
      digest,
      () => ({
        request: JSON.parse(requestText) as CedarRequest,
        entities: JSON.parse(entitiesText) as CedarEntities,
        entitiesText,
      }),
      parseLine,
    );
  }

  #replay(digest: string, parseOnce: () => ParsedRequest, receiptOf: () => ReplayedRequest): void {
    this.#evaluated++;
    // Parsed at most once for both versions, and only where a memo key needs it or Cedar runs.
    let parsed: ParsedRequest | undefined;
    const parse = () => (parsed ??= parseOnce());
    const a = this.#decide(this.#from, digest, parse);
    const b = this.#decide(this.#to, digest, parse);
    if (typeof a !== 'string' && typeof b !== 'string') {
      if (a.effect === b.effect && sameSet(a.policies, b.policies)) {
        this.#unchanged++;
        return;
      }
      const receipt = receiptOf();
      const kind: ChangeKind =
        a.effect === b.effect ? 'other-policies' : a.effect === 'allow' ? 'allow-to-deny' : 'deny-to-allow';
      this.#changed.push({
        receipt: receipt.id,
        ledger: receipt.ledger,
        seq: receipt.seq,
        action: receipt.request.action.id,
        kind,
        from: a,
        to: b,
      });
      return;
    }
    this.#errorReceipts++;
    // One error per receipt is enough to say it was not evaluated.
    const receipt = receiptOf();
    const which = typeof a === 'string' ? 'from' : 'to';
    const message = typeof a === 'string' ? a : (b as string);
    if (this.#errors.length < MAX_ERRORS_KEPT)
      this.#errors.push({ receipt: receipt.id, ledger: receipt.ledger, seq: receipt.seq, side: which, message });
  }

  /** The outcome under one version, or why it could not be evaluated. */
  #decide(side: BundleSide, digest: string, parse: () => ParsedRequest): Outcome | string {
    const result = this.#evaluator.evaluateKnown(side.hash, side.body.cedar.policies, digest, parse);
    if (result.kind === 'unparsable')
      return `the policies of ${side.body.id} v${side.body.version} do not parse: ${result.errors.map((e) => (e.policyId ? `${e.policyId}: ${e.message}` : e.message)).join('; ')}`;
    if (!result.decision.ok) return result.decision.error;
    return { effect: result.decision.effect, policies: result.decision.policies };
  }

  /** What was gathered since the last drain, handed over and forgotten here (the memo stays). */
  drain(): ImpactPart {
    const calls = this.#evaluator.stats().cedarCalls;
    const part: ImpactPart = {
      evaluated: this.#evaluated,
      unchanged: this.#unchanged,
      errorReceipts: this.#errorReceipts,
      changed: this.#changed,
      errors: this.#errors,
      cedarCalls: calls - this.#drainedCedarCalls,
    };
    this.#drainedCedarCalls = calls;
    this.#evaluated = 0;
    this.#unchanged = 0;
    this.#errorReceipts = 0;
    this.#changed = [];
    this.#errors = [];
    return part;
  }

  /** Adds another collector's part, as if its receipts had been added here, after those before. */
  absorb(part: ImpactPart): void {
    this.#evaluated += part.evaluated;
    this.#unchanged += part.unchanged;
    this.#errorReceipts += part.errorReceipts;
    for (const c of part.changed) this.#changed.push(c);
    for (const e of part.errors) if (this.#errors.length < MAX_ERRORS_KEPT) this.#errors.push(e);
    this.#absorbedCedarCalls += part.cedarCalls;
  }

  result(): Impact {
    const counts = { allowToDeny: 0, denyToAllow: 0, otherPolicies: 0 };
    // Without a prototype: ids come from the evidence, and one may be "__proto__".
    const byPolicy: Record<string, number> = Object.create(null) as Record<string, number>;
    const byAction = Object.create(null) as Record<
      string,
      { allowToDeny: number; denyToAllow: number; otherPolicies: number }
    >;
    const key = {
      'allow-to-deny': 'allowToDeny',
      'deny-to-allow': 'denyToAllow',
      'other-policies': 'otherPolicies',
    } as const;
    for (const c of this.#changed) {
      counts[key[c.kind]]++;
      const perAction = (byAction[c.action] ??= { allowToDeny: 0, denyToAllow: 0, otherPolicies: 0 });
      perAction[key[c.kind]]++;
      const a = new Set(c.from.policies);
      const b = new Set(c.to.policies);
      for (const p of new Set([...a, ...b])) if (a.has(p) !== b.has(p)) byPolicy[p] = (byPolicy[p] ?? 0) + 1;
    }
    return {
      evaluated: this.#evaluated,
      unchanged: this.#unchanged,
      changed: this.#changed,
      errors: this.#errors,
      errorCount: this.#errorReceipts,
      counts,
      byPolicy,
      byAction,
      cedarCalls: this.#evaluator.stats().cedarCalls - this.#drainedCedarCalls + this.#absorbedCedarCalls,
    };
  }

  /** How many receipts could not be evaluated under one version or both (every one, not only those kept). */
  get errorCount(): number {
    return this.#errorReceipts;
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const s = new Set(a);
  return b.every((x) => s.has(x));
}
