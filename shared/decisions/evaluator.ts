/**
 * Re-evaluating recorded authorization requests (FORMAT.md §5: "re-running Cedar on
 * `request` and `entities` with the bundle's policies must give `effect`").
 *
 * Two costs dominate and both are paid once: parsing a bundle's policies (pre-parsed,
 * stateful Cedar calls, see policies.ts) and evaluating a request that the gate has
 * already seen (real gate traffic repeats). Decisions are memoised under a hash of the
 * request and entities together with the policy set ({@link memoKey}), in a bounded LRU,
 * so memory does not grow with the archive.
 */
import { hashOf } from '../format/hash.ts';
import { decide, type CedarEntities, type CedarModule, type CedarRequest, type Decision } from './cedar.ts';
import { BoundedLru } from './lru.ts';
import type { DecisionStore } from './shared-memo.ts';
import {
  contextAttributesRead,
  contextReadsFor,
  projectContextKey,
  uidKey,
  type ContextReads,
} from './context-reads.ts';
import { preparePolicies, type PolicyError, type PreparedPolicies } from './policies.ts';

/** A request and its entities, with the entities' JSON text when the caller has it. */
export interface ParsedRequest {
  readonly request: CedarRequest;
  readonly entities: CedarEntities;
  readonly entitiesText?: string;
}

/** Default memo size: about 150 bytes an entry, so a few megabytes at most. */
export const DEFAULT_MEMO_CAPACITY = 32_768;

export interface EvaluatorOptions {
  /** Most decisions kept; 0 turns the memo off (used to measure it). */
  readonly memoCapacity?: number;
  /**
   * Decisions shared with the other threads of the same verification (shared-memo.ts), asked
   * after this evaluator's own memo and before Cedar. Keys put there name everything by text.
   */
  readonly shared?: DecisionStore;
}

/** Counters for tests and benchmarks: how often Cedar really ran. */
export interface EvaluatorStats {
  readonly requests: number;
  readonly cedarCalls: number;
  readonly memoHits: number;
  /** Of the memo hits, those answered by the store shared with other threads. */
  readonly sharedHits: number;
  readonly policySetsPrepared: number;
}

export type Reevaluation =
  /** The bundle's policies do not parse: nothing can be re-evaluated (`POLICY_INVALID`). */
  | { readonly kind: 'unparsable'; readonly errors: readonly PolicyError[] }
  /** Cedar's answer; `decision.ok` is false when Cedar could not evaluate the request. */
  | { readonly kind: 'decided'; readonly decision: Decision };

/**
 * Re-evaluates requests against bundles with one Cedar module.
 *
 * The module must be ready to call: in a browser or worker that means the `/web` build
 * after `await init()`; the constructor checks it and throws otherwise.
 */
export class DecisionEvaluator {
  readonly #cedar: CedarModule;
  readonly #bundles = new Map<string, PreparedPolicies>();
  /** By policy set id: the context attributes its policies read, or null (read whole). */
  readonly #contextReads = new Map<string, ContextReads | null>();
  readonly #memo: BoundedLru<string, Decision>;
  readonly #shared: DecisionStore | undefined;
  /** Entities by their JSON text: a number for memo keys, and the context reads by action (#entitiesKnown). */
  readonly #entities = new Map<string, KnownEntities>();
  #nextEntitiesId = 0;
  /** The next number for a slot (#slot): entities, policy set and action. */
  #nextSlot = 0;
  #requests = 0;
  #cedarCalls = 0;
  #memoHits = 0;
  #sharedHits = 0;

  /** @throws Error when `cedar` is not an initialised cedar-wasm module (misuse). */
  constructor(cedar: CedarModule, options: EvaluatorOptions = {}) {
    assertCedarReady(cedar);
    this.#cedar = cedar;
    this.#memo = new BoundedLru(options.memoCapacity ?? DEFAULT_MEMO_CAPACITY);
    this.#shared = options.memoCapacity === 0 ? undefined : options.shared;
  }

  /**
   * Cedar's decision for `request` + `entities` under the policies of the bundle whose
   * identity is `bundleHash`. The policies are parsed on the first request for that bundle.
   */
  evaluate(
    bundleHash: string,
    policies: Readonly<Record<string, string>>,
    request: CedarRequest,
    entities: CedarEntities,
    /** {@link requestDigest} of the same request and entities, when the caller evaluates them more than once. */
    digest?: string,
  ): Reevaluation {
    this.#requests++;
    const prepared = this.#prepared(bundleHash, policies);
    if (!prepared.ok) return { kind: 'unparsable', errors: prepared.errors };
    return this.#decided(memoKey(prepared.setId, request, entities, digest), prepared.setId, () => ({
      request,
      entities,
    }));
  }

  /**
   * Cedar's decision for a receipt's request, memoised under only the context attributes the
   * bundle's policies read (context-reads.ts), where leaving the others out is safe; otherwise
   * under the whole request, by its canonical `texts` when the caller has them.
   */
  evaluateRequest(
    bundleHash: string,
    policies: Readonly<Record<string, string>>,
    request: CedarRequest,
    entities: CedarEntities,
    texts?: { readonly request: string; readonly entities: string },
  ): Reevaluation {
    this.#requests++;
    const prepared = this.#prepared(bundleHash, policies);
    if (!prepared.ok) return { kind: 'unparsable', errors: prepared.errors };
    const { setId } = prepared;
    const parse = () => ({ request, entities });
    const projected = this.#projectedKey(
      setId,
      policies,
      request,
      entities,
      () => texts?.entities ?? JSON.stringify(entities),
    );
    if (projected) return this.#decided(projected.key, setId, parse, projected.sharedKey);
    const key = texts
      ? `${setId}\n${canonicalRequestKey(texts.request, texts.entities)}`
      : memoKey(setId, request, entities);
    return this.#decided(key, setId, parse);
  }

  /**
   * As {@link evaluate}, for a request known by a digest its caller computed (see
   * ImpactCollector.addCanonical), which must identify it as surely as {@link requestDigest}
   * ({@link canonicalRequestKey} does, exactly); `parse` gives the request and entities, and is
   * called only when needed. On a miss under that key, as {@link evaluateRequest}: under only the context attributes the policies read where that is
   * safe. The answer is then remembered under both keys, so a request seen again costs no parse.
   * `parse` is called at most once per call; a caller asking under two bundles shares its result.
   */
  evaluateKnown(
    bundleHash: string,
    policies: Readonly<Record<string, string>>,
    digest: string,
    parse: () => ParsedRequest,
  ): Reevaluation {
    this.#requests++;
    const prepared = this.#prepared(bundleHash, policies);
    if (!prepared.ok) return { kind: 'unparsable', errors: prepared.errors };
    const { setId } = prepared;
    const whole = `${setId}\n${digest}`;
    const cached = this.#memo.get(whole);
    if (cached) {
      this.#memoHits++;
      return { kind: 'decided', decision: cached };
    }
    if (this.#reads(setId, policies)) {
      const parsed = parse();
      const projected = this.#projectedKey(
        setId,
        policies,
        parsed.request,
        parsed.entities,
        () => parsed.entitiesText ?? JSON.stringify(parsed.entities),
      );
      if (projected) {
        const result = this.#decided(projected.key, setId, () => parsed, projected.sharedKey);
        // The whole request's own answer, whichever key found it.
        if (result.kind === 'decided') this.#memo.set(whole, result.decision);
        return result;
      }
      return this.#decided(whole, setId, () => parsed);
    }
    return this.#decided(whole, setId, parse);
  }

  /** The context attributes the policies of `setId` read, by action scope, or null where they read it whole (context-reads.ts). */
  #reads(setId: string, policies: Readonly<Record<string, string>>): ContextReads | null {
    let reads = this.#contextReads.get(setId);
    if (reads === undefined) this.#contextReads.set(setId, (reads = contextAttributesRead(this.#cedar, policies)));
    return reads;
  }

  /**
   * The memo key of `request` by only the context attributes the policies read, or null where
   * the whole request must key it (the policies read the context whole, or a value left out
   * could make Cedar refuse the request: see projectContextKey).
   *
   * Most receipts end here in a memo hit, so the key is made with as little work as can be:
   * the entities, policy set and action by one number ({@link #slot}), the principal and the
   * resource by their type and id, the context by projectContextKey's text. The key for the
   * store shared with other threads names everything by text instead, and is made only on a miss.
   */
  #projectedKey(
    setId: string,
    policies: Readonly<Record<string, string>>,
    request: CedarRequest,
    entities: CedarEntities,
    entitiesText: () => string,
  ): { readonly key: string; readonly sharedKey: () => string } | null {
    const reads = this.#reads(setId, policies);
    if (!reads || typeof request.context !== 'object' || request.context === null) return null;
    const text = entitiesText();
    const slot = this.#slot(this.#entitiesKnown(text), setId, reads, request.action, entities);
    if (!slot) return null;
    const context = projectContextKey(request.context, slot.reads, reads.classes);
    if (context === null) return null;
    // Each part is written after its length or ends where the next begins (see uidPart), so
    // the key can be read back one way only; it starts with a character no other key starts with.
    const principal = uidPart(request.principal);
    const resource = uidPart(request.resource);
    const key = `${slot.prefix}${principal}${resource}${context}`;
    return {
      key: key.length <= RAW_KEY_MAX ? key : hashOf(key),
      // Between threads everything goes by its text: the numbers are this evaluator's own.
      sharedKey: () => `${setId}\nprojected\n${principal}${uidPart(request.action)}${resource}${context}\n${text}`,
    };
  }

  /**
   * The number this evaluator gave the entities whose JSON text is `text` (a new one the first
   * time), with what is known of them. A projected memo key names the entities by that number,
   * not by their text (about 450 characters a receipt, which made most keys long enough to
   * hash). Numbers are never reused: when the table is full it is emptied and numbering goes
   * on, so a key made under an old number can only miss, never answer for other entities.
   */
  #entitiesKnown(text: string): KnownEntities {
    // A long text by its SHA-256 (collision-resistant, as the memo's long keys): the table then
    // holds at most ENTITIES_KNOWN_MAX × ENTITIES_TEXT_KEPT_MAX characters, whatever a producer
    // writes. The two never meet: a JSON text does not start with "sha256:".
    const name = text.length <= ENTITIES_TEXT_KEPT_MAX ? text : hashOf(text);
    let known = this.#entities.get(name);
    if (!known) {
      if (this.#entities.size >= ENTITIES_KNOWN_MAX) this.#entities.clear();
      known = { id: this.#nextEntitiesId++, slots: new Map(), slotCount: 0 };
      // A copy of the text, not the caller's string: that may be a slice holding a whole line.
      this.#entities.set(name === text ? copyOf(text) : name, known);
    }
    return known;
  }

  /**
   * For these entities, this policy set and this action: the context attributes the policies
   * can read (contextReadsFor), and the start of their projected memo keys, which names the
   * three by a number of its own. Kept for the next receipt with the same three; a slot is
   * never numbered again, so a key made under it can only miss once it is gone.
   */
  #slot(
    known: KnownEntities,
    setId: string,
    reads: ContextReads,
    action: CedarRequest['action'],
    entities: CedarEntities,
  ): Slot | null {
    const actionKey = uidKey(action);
    // An action in any other form than a plain uid: the whole request keys the memo.
    if (actionKey === null) return null;
    let bySet = known.slots.get(setId);
    let slot = bySet?.get(actionKey);
    if (!slot) {
      if (known.slotCount >= SLOTS_MAX) {
        // Emptied, not refused: the pairs seen lately keep their hits; keys under old numbers only miss.
        known.slots.clear();
        known.slotCount = 0;
        bySet = undefined;
      }
      slot = { reads: contextReadsFor(reads, action, entities), prefix: `\u0001${this.#nextSlot++}\n` };
      if (bySet) bySet.set(actionKey, slot);
      else known.slots.set(setId, new Map([[actionKey, slot]]));
      known.slotCount++;
    }
    return slot;
  }

  #prepared(bundleHash: string, policies: Readonly<Record<string, string>>): PreparedPolicies {
    let prepared = this.#bundles.get(bundleHash);
    if (!prepared) {
      prepared = preparePolicies(this.#cedar, policies);
      this.#bundles.set(bundleHash, prepared);
    }
    return prepared;
  }

  /**
   * The memo's answer for `key`, else the shared store's (under `sharedKey`, or `key` itself),
   * else Cedar's (the request parsed only then), remembered.
   */
  #decided(
    key: string,
    setId: string,
    parse: () => ParsedRequest,
    /**
     * Given when `key` leaves context attributes out (a projected key): the key's text for the
     * shared store. Only a decision without errors is kept under such a key.
     */
    projectedSharedKey?: () => string,
  ): Reevaluation {
    const cached = this.#memo.get(key);
    if (cached) {
      this.#memoHits++;
      return { kind: 'decided', decision: cached };
    }
    const projected = projectedSharedKey !== undefined;
    const sharedKey = this.#shared ? (projectedSharedKey?.() ?? key) : undefined;
    if (sharedKey !== undefined) {
      const found = this.#shared!.get(sharedKey);
      if (found) {
        this.#memoHits++;
        this.#sharedHits++;
        this.#memo.set(key, found);
        return { kind: 'decided', decision: found };
      }
    }
    const { request, entities } = parse();
    this.#cedarCalls++;
    const decision = decide(this.#cedar, setId, request, entities);
    if (!projected || (decision.ok && decision.errors.length === 0)) {
      this.#memo.set(key, decision);
      if (sharedKey !== undefined) this.#shared!.set(sharedKey, decision);
    }
    return { kind: 'decided', decision };
  }

  stats(): EvaluatorStats {
    return {
      requests: this.#requests,
      cedarCalls: this.#cedarCalls,
      memoHits: this.#memoHits,
      sharedHits: this.#sharedHits,
      policySetsPrepared: this.#bundles.size,
    };
  }
}

/** What the evaluator knows of one set of entities (by its JSON text). */
interface KnownEntities {
  readonly id: number;
  /** By policy set id, then action uid key ({@link uidKey}): see DecisionEvaluator's #slot. */
  readonly slots: Map<string, Map<string, Slot>>;
  slotCount: number;
}

/** One set of entities under one policy set, for one action. */
interface Slot {
  /** The context attributes the policies can read for such a request. */
  readonly reads: ReadonlySet<string>;
  /** The start of such a request's projected memo key: a character no other key starts with, the slot's number, a newline. */
  readonly prefix: string;
}

/**
 * An entity uid as a part of a projected memo key: a plain `{"type", "id"}` by its
 * {@link uidKey} (its two strings, each after its length); any other form by its JSON after
 * its length and a `J`. So a part ends where its lengths say, and never reads as a part of the
 * other form (a uid key starts with a digit).
 */
function uidPart(uid: unknown): string {
  const plain = uidKey(uid);
  if (plain !== null) return plain;
  const json = String(JSON.stringify(uid));
  return `J${json.length}:${json}`;
}

/**
 * Most entity texts numbered at once. Gate traffic has far fewer distinct sets: about 160 in
 * 100,000 receipts of the independent producer's archive, a few hundred characters each.
 */
export const ENTITIES_KNOWN_MAX = 4096;
/** Entities texts longer than this are known by their SHA-256 (8 MiB of text at most in the table). */
const ENTITIES_TEXT_KEPT_MAX = 1024;
/** Most (policy set, action) pairs remembered for one set of entities. */
const SLOTS_MAX = 64;

/**
 * A string with the same UTF-16 code units that holds no reference to `text`'s storage: V8 may
 * keep a substring as a view of its parent (here a whole stored line), and a map key lives
 * long. `join` writes a new flat string; once per distinct entities text, so its cost is small.
 */
function copyOf(text: string): string {
  return text.split('').join('');
}

/** Requests and entities whose JSON is at most this long key the memo as themselves. */
export const RAW_KEY_MAX = 512;

/**
 * The memo key: the policy set id (itself the policies' hash) with the request and entities,
 * so a hit can never answer for another request or policy text, even in an archive crafted
 * to collide (a non-cryptographic hash could be steered).
 * - Up to {@link RAW_KEY_MAX} characters (a typical receipt's request: ~360), the key is that
 *   text itself: exact, and no hashing (SHA-256 in JavaScript took 5% of a browser segment
 *   worker's time). The memo's bound keeps such keys to a few MiB.
 * - Longer, its SHA-256, so a memo of large requests stays small. The two kinds never meet:
 *   a text key holds a newline followed by `[`, a hash key no newline.
 *
 * `JSON.stringify` rather than `C()`: it is injective, which is all a key needs, and
 * three to four times faster. For receipts parsed from canonical lines (FORMAT.md §1) it
 * gives the same text as `C()` except for integer-like member names, which V8 orders
 * numerically: that can only cost a missed hit, never a wrong answer.
 */
export function memoKey(setId: string, request: CedarRequest, entities: CedarEntities, digest?: string): string {
  // With a digest of the request, the key is the pair (policy set hash, request hash): still
  // collision-resistant, and one request replayed under two bundles is serialized and hashed once.
  if (digest !== undefined) return `${setId}\n${digest}`;
  const text = JSON.stringify([request, entities]);
  return text.length <= RAW_KEY_MAX ? `${setId}\n${text}` : hashOf(`${setId}\n${text}`);
}

/**
 * SHA-256 identifying a request by the canonical texts of a stored line's `request` and
 * `entities` members (equal canonical texts are equal values). A key for
 * {@link DecisionEvaluator.evaluateKnown}; never equal to a {@link requestDigest} of the same request.
 */
export function canonicalRequestDigest(requestText: string, entitiesText: string): string {
  return hashOf(`canonical\n${requestText}\n${entitiesText}`);
}

/**
 * As {@link canonicalRequestDigest}, but the texts themselves when short (up to
 * {@link RAW_KEY_MAX} characters, as {@link memoKey}): exact, and nothing to serialize or hash,
 * the cheapest key for a receipt read from its canonical line. The two forms never meet: this
 * one holds newlines, a digest none.
 */
export function canonicalRequestKey(requestText: string, entitiesText: string): string {
  return requestText.length + 1 + entitiesText.length <= RAW_KEY_MAX
    ? `canonical\n${requestText}\n${entitiesText}`
    : canonicalRequestDigest(requestText, entitiesText);
}

/** SHA-256 of a request and its entities as the memo serializes them (see {@link memoKey}). */
export function requestDigest(request: CedarRequest, entities: CedarEntities): string {
  return hashOf(JSON.stringify([request, entities]));
}

/**
 * cedar-wasm's `/web` build throws an obscure TypeError from inside the bindings when
 * called before `await init()`; failing early with a sentence saves a debugging session.
 * @throws Error when the module cannot answer `getCedarVersion()`.
 */
export function assertCedarReady(cedar: CedarModule): void {
  let version: unknown;
  try {
    version = cedar.getCedarVersion();
  } catch (error) {
    throw new Error(
      `Cedar module is not ready (${(error as Error).message}); in a browser or worker, pass the /web build only after "await init()"`,
    );
  }
  if (typeof version !== 'string') throw new Error('Cedar module is not ready: getCedarVersion() returned no version');
}
