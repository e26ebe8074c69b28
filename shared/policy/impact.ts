/**
 * Decision impact of a policy change, from real traffic: every recorded request replayed
 * under both versions of a bundle (memoised: repeated requests are decided once per
 * version), and each receipt whose outcome — effect or determining policies — differs.
 * Where Cedar cannot evaluate a request under a version (or the version's policies do not
 * parse), the receipt is counted as an error, never as unchanged.
 */
import type { CedarModule } from '../decisions/cedar.ts';
import { DecisionEvaluator, requestDigest } from '../decisions/evaluator.ts';
import type { Receipt } from '../format/schema.ts';
import type { BundleSide } from './diff.ts';

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

export class ImpactCollector {
  readonly #evaluator: DecisionEvaluator;
  readonly #from: BundleSide;
  readonly #to: BundleSide;
  #evaluated = 0;
  #unchanged = 0;
  #errorReceipts = 0;
  readonly #changed: ChangedOutcome[] = [];
  readonly #errors: ImpactError[] = [];

  constructor(cedar: CedarModule, from: BundleSide, to: BundleSide) {
    this.#evaluator = new DecisionEvaluator(cedar);
    this.#from = from;
    this.#to = to;
  }

  /** Replays one recorded request under both versions. */
  add(receipt: Pick<Receipt, 'id' | 'ledger' | 'seq' | 'request' | 'entities'>): void {
    this.#evaluated++;
    // Serialized and hashed once for both versions' memo lookups.
    const digest = requestDigest(receipt.request, receipt.entities);
    const a = this.#decide(this.#from, receipt, 'from', digest);
    const b = this.#decide(this.#to, receipt, 'to', digest);
    if (!a || !b) {
      this.#errorReceipts++;
      return;
    }
    if (a.effect === b.effect && sameSet(a.policies, b.policies)) {
      this.#unchanged++;
      return;
    }
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
  }

  #decide(
    side: BundleSide,
    receipt: Pick<Receipt, 'id' | 'ledger' | 'seq' | 'request' | 'entities'>,
    which: 'from' | 'to',
    digest: string,
  ): Outcome | null {
    const result = this.#evaluator.evaluate(
      side.hash,
      side.body.cedar.policies,
      receipt.request,
      receipt.entities,
      digest,
    );
    let message: string;
    if (result.kind === 'unparsable')
      message = `the policies of ${side.body.id} v${side.body.version} do not parse: ${result.errors.map((e) => (e.policyId ? `${e.policyId}: ${e.message}` : e.message)).join('; ')}`;
    else if (!result.decision.ok) message = result.decision.error;
    else return { effect: result.decision.effect, policies: result.decision.policies };
    // One error per receipt is enough to say it was not evaluated.
    if ((which === 'from' || this.#errors.at(-1)?.receipt !== receipt.id) && this.#errors.length < MAX_ERRORS_KEPT)
      this.#errors.push({ receipt: receipt.id, ledger: receipt.ledger, seq: receipt.seq, side: which, message });
    return null;
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
      cedarCalls: this.#evaluator.stats().cedarCalls,
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
