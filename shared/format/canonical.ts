/**
 * RFC 8785 JSON Canonicalization Scheme, `C(x)` in FORMAT.md.
 *
 * The serializer is the `canonicalize` library (RFC 8785 reference behaviour, checked
 * against the RFC's test data in canonical.test.ts). What this module adds is the
 * *stored form* rule of FORMAT.md §1: a stored line is valid only if it is byte for byte
 * its own canonical form, which rules out duplicate keys, other key orders and re-encodings.
 */
import canonicalizeLibrary from 'canonicalize';
import { scanCanonical } from './canonical-scan.ts';

/**
 * `C(value)`.
 * @throws TypeError for values JSON cannot represent (undefined, functions, non-finite
 *   numbers): signed content is built by code, so that is programmer misuse.
 * @example canonicalize({ b: 1, a: 'x' }) // '{"a":"x","b":1}'
 */
export function canonicalize(value: unknown): string {
  const text = (canonicalizeLibrary as (input: unknown) => string | undefined)(value);
  if (typeof text !== 'string') throw new TypeError('canonicalize: "value" is not representable as JSON');
  return text;
}

export type ParsedLine =
  | {
      readonly ok: true;
      readonly value: unknown;
      /** `C(value without its top-level sig)`, when the line was found canonical by the scan and has one. */
      readonly withoutSig?: string;
      /** Where the sig member cut out of the text for `withoutSig` was: [start, end) in UTF-16 units. */
      readonly sigAt?: readonly [number, number];
      /**
       * Where the values of the top-level members asked for are ([start, end) in UTF-16 units;
       * the text of each is its canonical form), when the line was found canonical by the scan.
       */
      readonly members?: ReadonlyMap<string, readonly [number, number]>;
    }
  | { readonly ok: false; readonly reason: 'json'; readonly message: string }
  | {
      readonly ok: false;
      /** `noncanonical`: not its own RFC 8785 form; `number`: a number FORMAT.md §1 forbids. */
      readonly reason: 'noncanonical' | 'number';
      readonly value: unknown;
      readonly message: string;
    };

/**
 * Deepest nesting of arrays and objects a stored JSON value may have. Deeper values are
 * refused before anything recursive (canonicalization, Cedar, memo keys) sees them; no
 * receipt, key set or bundle of the format comes near it.
 */
export const MAX_JSON_DEPTH = 64;

/** Largest integer FORMAT.md §1 allows (2^53 - 1). */
const MAX_INTEGER = Number.MAX_SAFE_INTEGER;

function allowedNumber(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= MAX_INTEGER && !Object.is(n, -0);
}

/**
 * One pass over a parsed value without recursion: whether it nests deeper than
 * {@link MAX_JSON_DEPTH}, and whether it holds a number the format forbids.
 */
function shapeProblem(value: unknown): 'depth' | 'number' | null {
  const stack: unknown[] = [value];
  const depths: number[] = [0];
  let number = false;
  while (stack.length > 0) {
    const v = stack.pop();
    const depth = depths.pop() as number;
    if (typeof v === 'number') {
      if (!allowedNumber(v)) number = true;
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) return 'depth';
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') {
        stack.push(child);
        depths.push(depth + 1);
      } else if (typeof child === 'number' && !allowedNumber(child)) number = true;
    }
  }
  return number ? 'number' : null;
}

/** Where the first forbidden number is, as a member path (`request.context.amount`), and its value. */
function firstForbiddenNumber(value: unknown, path = ''): { path: string; value: number } | null {
  if (typeof value === 'number') return allowedNumber(value) ? null : { path: path || '(the value)', value };
  if (value === null || typeof value !== 'object') return null;
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [`${path}[${i}]`, v])
    : Object.entries(value).map(([k, v]) => [path ? `${path}.${k}` : k, v]);
  for (const [at, child] of entries) {
    const found = firstForbiddenNumber(child, at);
    if (found) return found;
  }
  return null;
}

/**
 * @param members top-level members whose values' places to give (`ParsedLine.members`), for a
 *   line the scan finds canonical: their texts are their canonical forms, so equal texts are
 *   equal values.
 */
export function parseCanonical(text: string, members: readonly string[] = []): ParsedLine {
  // The common case, decided in one pass without serializing again; anything the scan does
  // not decide takes the reference path below, which words the finding.
  const scan = scanCanonical(text, MAX_JSON_DEPTH, members);
  if (scan) {
    try {
      const value: unknown = JSON.parse(text);
      const found = members.length > 0 ? scan.members : undefined;
      if (!scan.sig) return found ? { ok: true, value, members: found } : { ok: true, value };
      const withoutSig = text.slice(0, scan.sig[0]) + text.slice(scan.sig[1]);
      const sigAt = [scan.sig[0], scan.sig[1]] as const;
      return found ? { ok: true, value, withoutSig, sigAt, members: found } : { ok: true, value, withoutSig, sigAt };
    } catch {
      // Not reached for text the scan accepts; the reference path words it if ever.
    }
  }
  return parseCanonicalByReference(text);
}

/**
 * {@link parseCanonical} without the scan: parse, serialize with the `canonicalize` library
 * and compare. Every finding's wording comes from here; exported for the scan's tests.
 */
export function parseCanonicalByReference(text: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: 'json', message: `not valid JSON (${(error as Error).message})` };
  }
  const shape = shapeProblem(value);
  if (shape === 'depth') {
    return {
      ok: false,
      reason: 'json',
      message: `nested more than ${MAX_JSON_DEPTH} levels deep, beyond what this verifier reads`,
    };
  }
  let canonical: string;
  try {
    canonical = canonicalize(value);
  } catch (error) {
    return { ok: false, reason: 'json', message: `not representable as canonical JSON (${(error as Error).message})` };
  }
  if (canonical !== text) {
    return { ok: false, reason: 'noncanonical', value, message: describeFirstDifference(text, canonical) };
  }
  if (shape === 'number') {
    const found = firstForbiddenNumber(value) as { path: string; value: number };
    return {
      ok: false,
      reason: 'number',
      value,
      message: `holds the number ${canonicalize(found.value)} at ${found.path}: signed content may hold only integers from 0 to 2^53-1, without fractions or exponents (FORMAT.md §1)`,
    };
  }
  return { ok: true, value };
}

function describeFirstDifference(actual: string, canonical: string): string {
  let i = 0;
  while (i < actual.length && i < canonical.length && actual[i] === canonical[i]) i++;
  const excerpt = (s: string) => JSON.stringify(s.slice(Math.max(0, i - 10), i + 20));
  return `not in RFC 8785 canonical form: first difference at character ${i + 1} (found ${excerpt(actual)}, canonical form has ${excerpt(canonical)})`;
}

/** `C(object without sig)`: the bytes a `sig` member signs (FORMAT.md §1, "Signed content"). */
export function signedText(object: Readonly<Record<string, unknown>>, omit: string = 'sig'): string {
  // fromEntries defines own properties: an assignment loop would turn a "__proto__" member
  // into a prototype and silently drop it from the signed bytes.
  return canonicalize(Object.fromEntries(Object.entries(object).filter(([key]) => key !== omit)));
}

/**
 * `C(object without sig)` taken from `line`, the object's stored canonical form, by cutting
 * the top-level `sig` member out instead of serializing everything again (the members are in
 * canonical order, so only those after `sig` are serialized, to find where it ends).
 * Returns null when `line` is not laid out as that (then use {@link signedText}).
 * Only valid for a line already checked to be canonical.
 */
export function signedTextOfCanonicalLine(line: string, object: Readonly<Record<string, unknown>>): string | null {
  const sig = object.sig;
  if (typeof sig !== 'string') return null;
  const keys = Object.keys(object).sort();
  const at = keys.indexOf('sig');
  let tail = '';
  for (let i = at + 1; i < keys.length; i++)
    tail += `,${JSON.stringify(keys[i])}:${canonicalize(object[keys[i] as string])}`;
  const member = `"sig":${JSON.stringify(sig)}`;
  if (at === 0) {
    const expected = keys.length === 1 ? `{${member}}` : `{${member}${tail}}`;
    return line === expected ? `{${tail.slice(1)}}` : null;
  }
  const suffix = `,${member}${tail}}`;
  if (!line.endsWith(suffix)) return null;
  return `${line.slice(0, line.length - suffix.length)}${tail}}`;
}
