/**
 * Which of a request's context attributes a policy set can read, so that the decision memo
 * (evaluator.ts) keys a request by those alone. A producer may put per-request values in the
 * context (a request id, an hour, a channel) that no policy reads: keyed by the whole
 * context, every receipt then costs a Cedar call (about 130 µs with a handful of entities);
 * keyed by what the policies read, most are answered from the memo.
 *
 * Sound by construction:
 * - The policies are walked in Cedar's own JSON form (`policyToJson`). Cedar has no
 *   variables but its four, so every use of the context is a `{"Var": "context"}` node; one
 *   that is not directly under an attribute access (`context.a`) or test (`context has a`)
 *   reads it whole (`context == {…}`), and then nothing is left out. So does any policy
 *   Cedar cannot turn into JSON.
 * - An attribute left out of the key must be one Cedar accepts whatever it holds: strings,
 *   booleans, safe integers, and sets and records of those (no `__entity` or `__extn`
 *   escapes, no fractions, no null, which Cedar refuses). Otherwise the whole request keys
 *   the memo.
 * - Two requests alike in everything else and in the attributes read evaluate every policy
 *   alike; only a decision without errors is shared that way (the memo keeps no other under
 *   such a key), since an error's text could in principle name more than it read.
 * - Value classes: an attribute that every policy uses only by comparing it with integer
 *   literals (`context.hour < 7`, `19 <= context.hour`, `context.tier == 2`) is keyed, where it
 *   holds an integer, by where that integer lies among the literals, not by the integer itself:
 *   every such comparison gives the same answer for any two integers of one class, so Cedar's
 *   evaluation cannot tell them apart. Any other use (arithmetic, a comparison with anything
 *   but a literal, a method, a set) keys it by its value, and so does a value that is not an
 *   integer. A gate's hour of day then costs a Cedar call per class (three for `< 7 || >= 19`),
 *   not per hour.
 */
import type { CedarModule } from './cedar.ts';

/**
 * The context attributes a policy set reads: those some policy reads whatever the action,
 * and those read only by policies whose action scope names actions (`action == A`,
 * `action in A`, `action in [A, B]`), which matter only for a request whose action can match.
 */
export interface ContextReads {
  readonly always: ReadonlySet<string>;
  readonly scoped: readonly ScopedReads[];
  /**
   * Attributes every policy uses only by comparing them with integer literals, with those
   * literals in ascending order, without repeats (see {@link projectContextKey}).
   */
  readonly classes: ReadonlyMap<string, readonly number[]>;
}

interface ScopedReads {
  readonly op: '==' | 'in';
  /** Entity uid keys ({@link uidKey}). */
  readonly actions: readonly string[];
  /** Read by the policies of this scope and not already in `always`. */
  readonly reads: ReadonlySet<string>;
}

/** The context attributes `policies` read, by name and action scope; null where they read the context whole or cannot be walked. */
export function contextAttributesRead(
  cedar: Pick<CedarModule, 'policyToJson'>,
  policies: Readonly<Record<string, string>>,
): ContextReads | null {
  const always = new Set<string>();
  const byScope = new Map<string, { op: '==' | 'in'; actions: string[]; reads: Set<string> }>();
  const uses: AttributeUses = { literals: new Map(), otherwise: new Set() };
  for (const text of Object.values(policies)) {
    let answer: ReturnType<CedarModule['policyToJson']>;
    try {
      answer = cedar.policyToJson(text);
    } catch {
      return null;
    }
    if (answer.type !== 'success') return null;
    const attrs = new Set<string>();
    if (!readsByName(answer.json, attrs, uses, 0)) return null;
    const scope = actionScope((answer.json as { action?: unknown }).action);
    if (!scope) {
      for (const a of attrs) always.add(a);
      continue;
    }
    const id = JSON.stringify([scope.op, scope.actions]);
    let entry = byScope.get(id);
    if (!entry) byScope.set(id, (entry = { ...scope, reads: new Set() }));
    for (const a of attrs) entry.reads.add(a);
  }
  const scoped: ScopedReads[] = [];
  for (const entry of byScope.values()) {
    const reads = new Set([...entry.reads].filter((a) => !always.has(a)));
    if (reads.size > 0) scoped.push({ op: entry.op, actions: entry.actions, reads });
  }
  const classes = new Map<string, readonly number[]>();
  for (const [name, literals] of uses.literals)
    if (!uses.otherwise.has(name))
      classes.set(
        name,
        [...literals].sort((a, b) => a - b),
      );
  return { always, scoped, classes };
}

/** How the policies use each context attribute they read by name. */
interface AttributeUses {
  /** By attribute: the integer literals it is compared with (`<`, `<=`, `>`, `>=`, `==`, `!=`). */
  readonly literals: Map<string, Set<number>>;
  /** Attributes read in any other way (a test `context has a` is not a read of the value). */
  readonly otherwise: Set<string>;
}

const COMPARISONS = new Set(['<', '<=', '>', '>=', '==', '!=']);

/**
 * A policy's action scope when it names actions by plain uids (`==` one, `in` one or a list);
 * null for `action` alone or any form not recognised here (its reads then count for every request).
 */
function actionScope(scope: unknown): { op: '==' | 'in'; actions: string[] } | null {
  if (typeof scope !== 'object' || scope === null) return null;
  const s = scope as { op?: unknown; entity?: unknown; entities?: unknown };
  const keys = Object.keys(s).sort().join();
  if (s.op === '==' && keys === 'entity,op') {
    const key = uidKey(s.entity);
    return key === null ? null : { op: '==', actions: [key] };
  }
  if (s.op === 'in' && (keys === 'entity,op' || keys === 'entities,op')) {
    const list = keys === 'entity,op' ? [s.entity] : s.entities;
    if (!Array.isArray(list)) return null;
    const actions: string[] = [];
    for (const e of list) {
      const key = uidKey(e);
      if (key === null) return null;
      actions.push(key);
    }
    return { op: 'in', actions: actions.sort() };
  }
  return null;
}

/**
 * A key for an entity uid written plainly as `{"type": …, "id": …}`; null for any other form.
 * Each string comes after its length: unambiguous, cheaper than JSON per receipt, and a key
 * ends where its lengths say, so keys can be joined into a longer one (the memo's, evaluator.ts).
 */
export function uidKey(uid: unknown): string | null {
  if (typeof uid !== 'object' || uid === null || Array.isArray(uid)) return null;
  const u = uid as { type?: unknown; id?: unknown };
  if (typeof u.type !== 'string' || typeof u.id !== 'string' || Object.keys(u).length !== 2) return null;
  return `${u.type.length}:${u.type}${u.id.length}:${u.id}`;
}

/**
 * The attributes the policies can read for a request with this action and these entities:
 * those read whatever the action, and those of every scope the action can match. A scope is
 * left out only when it surely cannot match: for `==`, the action is another uid; for `in`,
 * no uid of the list is the action or an ancestor of it through the entities' `parents`, and
 * every uid in the entities and the action is written plainly (else Cedar might see an
 * ancestor this walk does not, and every scope counts).
 */
export function contextReadsFor(reads: ContextReads, action: unknown, entities: unknown): ReadonlySet<string> {
  if (reads.scoped.length === 0) return reads.always;
  const all = (): ReadonlySet<string> => {
    const set = new Set(reads.always);
    for (const s of reads.scoped) for (const a of s.reads) set.add(a);
    return set;
  };
  const self = uidKey(action);
  if (self === null) return all();
  let ancestors: Set<string> | null | undefined;
  const set = new Set(reads.always);
  for (const s of reads.scoped) {
    let matches: boolean;
    if (s.op === '==') matches = s.actions[0] === self;
    else {
      if (ancestors === undefined) ancestors = ancestorsOrSelf(self, entities);
      if (ancestors === null) return all();
      const known = ancestors;
      matches = s.actions.some((a) => known.has(a));
    }
    if (matches) for (const a of s.reads) set.add(a);
  }
  return set;
}

/** `self` and every uid it is in through the entities' `parents`; null where any uid is not written plainly. */
function ancestorsOrSelf(self: string, entities: unknown): Set<string> | null {
  if (!Array.isArray(entities)) return null;
  const parents = new Map<string, string[]>();
  for (const entity of entities) {
    if (typeof entity !== 'object' || entity === null) return null;
    const e = entity as { uid?: unknown; parents?: unknown };
    const key = uidKey(e.uid);
    if (key === null) return null;
    const list = e.parents === undefined ? [] : e.parents;
    if (!Array.isArray(list)) return null;
    const keys: string[] = [];
    for (const p of list) {
      const pk = uidKey(p);
      if (pk === null) return null;
      keys.push(pk);
    }
    if (keys.length === 0) continue;
    const known = parents.get(key);
    if (known) known.push(...keys);
    else parents.set(key, keys);
  }
  const out = new Set([self]);
  const queue = [self];
  while (queue.length > 0) {
    for (const p of parents.get(queue.pop()!) ?? []) {
      if (!out.has(p)) {
        out.add(p);
        queue.push(p);
      }
    }
  }
  return out;
}

/** Deeper than this, a policy's JSON is not walked (and the context counts as read whole). */
const MAX_DEPTH = 256;

/**
 * Adds to `attrs` the context attributes `node` reads by name, and to `uses` how it reads them;
 * false when it reads the context otherwise.
 */
function readsByName(node: unknown, attrs: Set<string>, uses: AttributeUses, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  if (Array.isArray(node)) return node.every((n) => readsByName(n, attrs, uses, depth + 1));
  if (typeof node !== 'object' || node === null) return true;
  if (isContextVar(node)) return false;
  const o = node as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1 && (keys[0] === '.' || keys[0] === 'has')) {
    const attr = contextAttribute(o[keys[0]]);
    if (attr !== null) {
      attrs.add(attr);
      if (keys[0] === '.') uses.otherwise.add(attr);
      return true;
    }
  }
  if (keys.length === 1 && COMPARISONS.has(keys[0] as string)) {
    const compared = comparedWithLiteral(o[keys[0] as string]);
    if (compared) {
      attrs.add(compared.attr);
      let literals = uses.literals.get(compared.attr);
      if (!literals) uses.literals.set(compared.attr, (literals = new Set()));
      literals.add(compared.literal);
      return true;
    }
  }
  return Object.values(o).every((v) => readsByName(v, attrs, uses, depth + 1));
}

/** The attribute of an access or test `{left: {Var: "context"}, attr}` written plainly; else null. */
function contextAttribute(access: unknown): string | null {
  if (access === null || typeof access !== 'object') return null;
  const a = access as { left?: unknown; attr?: unknown };
  return Object.keys(a).length === 2 && typeof a.attr === 'string' && isContextVar(a.left) ? a.attr : null;
}

/**
 * `context.a` against an integer literal, either way round (`{left, right}` of a comparison);
 * null for anything else. A literal beyond 2^53 is not one here: its JSON has lost digits.
 */
function comparedWithLiteral(operands: unknown): { attr: string; literal: number } | null {
  if (operands === null || typeof operands !== 'object') return null;
  const { left, right, ...rest } = operands as { left?: unknown; right?: unknown };
  if (Object.keys(rest).length > 0) return null;
  const get = (access: unknown): string | null => {
    if (access === null || typeof access !== 'object') return null;
    const keys = Object.keys(access);
    return keys.length === 1 && keys[0] === '.' ? contextAttribute((access as { '.': unknown })['.']) : null;
  };
  const literal = (value: unknown): number | null => {
    if (value === null || typeof value !== 'object') return null;
    const keys = Object.keys(value);
    const v = (value as { Value?: unknown }).Value;
    return keys.length === 1 && keys[0] === 'Value' && Number.isSafeInteger(v) ? (v as number) : null;
  };
  const attrLeft = get(left);
  const attrRight = get(right);
  if (attrLeft !== null && literal(right) !== null) return { attr: attrLeft, literal: literal(right) as number };
  if (attrRight !== null && literal(left) !== null) return { attr: attrRight, literal: literal(left) as number };
  return null;
}

function isContextVar(node: unknown): boolean {
  return typeof node === 'object' && node !== null && (node as { Var?: unknown }).Var === 'context';
}

/**
 * `context` as a memo key sees it, as text: only the attributes in `reads`, each by its value
 * or, for an attribute of `classes` holding an integer, by its value class ({@link valueClass}).
 * Null when that leaves nothing out and groups nothing (the whole request keys the memo), or
 * when an attribute left out holds a value Cedar might refuse.
 *
 * The text names every attribute read and present exactly once, in name order, with its value's
 * JSON or its class; each name and value is written after its length and each class before a
 * colon, so the text is a sequence that can be read back one way only (two contexts give the same text exactly when they agree on
 * every attribute read: each present in both with the same value or class, or absent from both),
 * and a sequence that ends before any character other than a digit. Two contexts with the same
 * text differ only where no policy can tell. Built as text rather than as an object to be
 * serialized: this runs for every receipt, and most receipts are then memo hits.
 */
export function projectContextKey(
  context: Readonly<Record<string, unknown>>,
  reads: ReadonlySet<string>,
  classes: ReadonlyMap<string, readonly number[]> = NO_CLASSES,
): string | null {
  let key = '';
  let classed = false;
  let left = false;
  for (const name of Object.keys(context).sort()) {
    const value = context[name];
    if (reads.has(name)) {
      const literals = classes.get(name);
      if (literals !== undefined && Number.isSafeInteger(value)) {
        classed = true;
        key += `${name.length}:${name}c${valueClass(value as number, literals)}:`;
      } else {
        const json = String(JSON.stringify(value));
        key += `${name.length}:${name}v${json.length}:${json}`;
      }
    } else if (acceptedWhatever(value, 0)) left = true;
    else return null;
  }
  return left || classed ? key : null;
}

const NO_CLASSES: ReadonlyMap<string, readonly number[]> = new Map();

/**
 * Where `value` lies among `literals` (ascending, no repeats): 2k when exactly k literals are
 * below it and it is none of them, 2k + 1 when it equals the (k+1)th. Two integers of one class
 * compare alike (`<`, `<=`, `>`, `>=`, `==`, `!=`) with every literal.
 */
export function valueClass(value: number, literals: readonly number[]): number {
  let below = 0;
  while (below < literals.length && (literals[below] as number) < value) below++;
  return 2 * below + (literals[below] === value ? 1 : 0);
}

/** A value Cedar reads as a context attribute without a schema and without an error. */
function acceptedWhatever(value: unknown, depth: number): boolean {
  if (depth > 32) return false;
  if (typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isSafeInteger(value);
  if (Array.isArray(value)) return value.every((v) => acceptedWhatever(v, depth + 1));
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).every(([k, v]) => !k.startsWith('__') && acceptedWhatever(v, depth + 1));
}
