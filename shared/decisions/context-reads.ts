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

/** The context attributes `policies` read, by name; null where they read the context whole or cannot be walked. */
export function contextAttributesRead(
  cedar: Pick<CedarModule, 'policyToJson'>,
  policies: Readonly<Record<string, string>>,
): ReadonlySet<string> | null {
  const attrs = new Set<string>();
  for (const text of Object.values(policies)) {
    let answer: ReturnType<CedarModule['policyToJson']>;
    try {
      answer = cedar.policyToJson(text);
    } catch {
      return null;
    }
    if (answer.type !== 'success' || !readsByName(answer.json, attrs, 0)) return null;
  }
  return attrs;
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
