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
  for (const text of Object.values(policies)) {
    let answer: ReturnType<CedarModule['policyToJson']>;
    try {
      answer = cedar.policyToJson(text);
    } catch {
      return null;
    }
    if (answer.type !== 'success') return null;
    const attrs = new Set<string>();
    if (!readsByName(answer.json, attrs, 0)) return null;
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
  return { always, scoped };
}

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

/** A key for an entity uid written plainly as `{"type": …, "id": …}`; null for any other form. */
export function uidKey(uid: unknown): string | null {
  if (typeof uid !== 'object' || uid === null || Array.isArray(uid)) return null;
  const u = uid as { type?: unknown; id?: unknown };
  if (typeof u.type !== 'string' || typeof u.id !== 'string' || Object.keys(u).length !== 2) return null;
  // The type's length first: unambiguous, and cheaper than JSON per receipt.
  return `${u.type.length}:${u.type}${u.id}`;
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

/** Adds to `attrs` the context attributes `node` reads by name; false when it reads the context otherwise. */
function readsByName(node: unknown, attrs: Set<string>, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  if (Array.isArray(node)) return node.every((n) => readsByName(n, attrs, depth + 1));
  if (typeof node !== 'object' || node === null) return true;
  if (isContextVar(node)) return false;
  const o = node as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1 && (keys[0] === '.' || keys[0] === 'has')) {
    const access = o[keys[0]] as { left?: unknown; attr?: unknown } | null;
    if (
      access !== null &&
      typeof access === 'object' &&
      Object.keys(access).length === 2 &&
      typeof access.attr === 'string' &&
      isContextVar(access.left)
    ) {
      attrs.add(access.attr);
      return true;
    }
  }
  return Object.values(o).every((v) => readsByName(v, attrs, depth + 1));
}

function isContextVar(node: unknown): boolean {
  return typeof node === 'object' && node !== null && (node as { Var?: unknown }).Var === 'context';
}

/**
 * `context` with only the attributes in `reads`, in name order; null when it has none other
 * (nothing to leave out) or when an attribute left out holds a value Cedar might refuse.
 */
export function projectContext(
  context: Readonly<Record<string, unknown>>,
  reads: ReadonlySet<string>,
): Record<string, unknown> | null {
  const kept: Record<string, unknown> = {};
  let left = false;
  for (const name of Object.keys(context).sort()) {
    const value = context[name];
    if (reads.has(name)) kept[name] = value;
    else if (acceptedWhatever(value, 0)) left = true;
    else return null;
  }
  return left ? kept : null;
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
