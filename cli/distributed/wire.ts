/**
 * Values through Redis, exactly. BullMQ stores a job's data and its return value as JSON
 * text, and JSON loses some values the engine's objects can hold: `-0` becomes `0`,
 * `NaN` and `±Infinity` become `null`, an `undefined` member disappears (and in an array
 * becomes `null`), a hole becomes `null`, an object without a prototype comes back with
 * one. Most of these never occur in a segment's result, but the result carries values
 * read from the evidence (finding details, projections), and `JSON.parse` of a receipt can
 * give `-0` (a latency of `-0`) — a verification over the queue must give the report a
 * local one gives, for any archive. So the queue carries {@link toWire}'s output, plain
 * JSON that {@link fromWire} turns back into an equal value, and refuses loudly (a
 * `TypeError` naming where) any value that has no exact JSON form: typed arrays, `Map`,
 * `Set`, `Date`, `bigint`, functions, class instances.
 *
 * Encoding: JSON values stand for themselves, except
 * - a number JSON cannot write: `{"$":"n","v":"-0" | "NaN" | "Infinity" | "-Infinity"}`;
 * - `undefined` (an array element or an object member): `{"$":"u"}`;
 * - a hole of a sparse array: `{"$":"h"}`;
 * - an object that has a member named `$`, or no prototype:
 *   `{"$":"o","v":{…its members…}}`, with `"null":true` for no prototype.
 * So every object with a `$` member on the wire is a tag, and no evidence value can pass
 * for one.
 */

/** A JSON value as `JSON.parse` returns it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const TAG = '$';

function special(value: number): string | null {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (Object.is(value, -0)) return '-0';
  return null;
}

const NUMBERS: Readonly<Record<string, number>> = Object.freeze({
  NaN: NaN,
  Infinity: Infinity,
  '-Infinity': -Infinity,
  '-0': -0,
});

/** A new object with these members as own data properties (`__proto__` included, as `JSON.parse` makes it). */
function objectOf(entries: Iterable<readonly [string, unknown]>, prototype: object | null): Record<string, unknown> {
  const out = Object.create(prototype) as Record<string, unknown>;
  for (const [key, value] of entries)
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
}

/**
 * The JSON form of `value` (see the module comment).
 * @throws TypeError naming the first value, by its path, that has no exact JSON form.
 * @example JSON.stringify(toWire({ latency: -0 })) // '{"latency":{"$":"n","v":"-0"}}'
 */
export function toWire(value: unknown, at = '$'): Json {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number': {
      const name = special(value);
      return name === null ? value : { [TAG]: 'n', v: name };
    }
    case 'undefined':
      return { [TAG]: 'u' };
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype) {
        const out: Json[] = [];
        for (let i = 0; i < value.length; i++) out.push(i in value ? toWire(value[i], `${at}[${i}]`) : { [TAG]: 'h' });
        return out;
      }
      const prototype = Object.getPrototypeOf(value) as unknown;
      if (prototype === Object.prototype || prototype === null) {
        const members: Record<string, Json> = objectOf(
          Object.keys(value).map((key) => [key, toWire((value as Record<string, unknown>)[key], `${at}.${key}`)]),
          Object.prototype,
        ) as Record<string, Json>;
        if (prototype === null) return { [TAG]: 'o', v: members, null: true };
        return Object.hasOwn(value, TAG) ? { [TAG]: 'o', v: members } : members;
      }
      throw new TypeError(`${at} cannot be sent through the queue exactly: it is ${describe(value)}, not plain data`);
    }
    case 'bigint':
    case 'function':
    case 'symbol':
      throw new TypeError(`${at} cannot be sent through the queue exactly: it is a ${typeof value}`);
  }
}

function describe(value: object): string {
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? `a ${name}` : 'an object of a class';
}

/**
 * The value `toWire` was given, from its JSON form (after `JSON.parse`).
 * @throws TypeError on a tag this version does not know (the wire came from elsewhere).
 */
export function fromWire(wire: unknown, at = '$'): unknown {
  if (wire === null || typeof wire !== 'object') return wire;
  if (Array.isArray(wire)) {
    const out: unknown[] = new Array(wire.length);
    for (let i = 0; i < wire.length; i++) {
      const element = wire[i] as unknown;
      if (isTag(element, 'h')) continue;
      out[i] = fromWire(element, `${at}[${i}]`);
    }
    return out;
  }
  const object = wire as Record<string, unknown>;
  if (!Object.hasOwn(object, TAG)) return decodeMembers(object, Object.prototype, at);
  switch (object[TAG]) {
    case 'n': {
      const name = object.v;
      if (typeof name === 'string' && Object.hasOwn(NUMBERS, name)) return NUMBERS[name];
      break;
    }
    case 'u':
      return undefined;
    case 'o':
      if (object.v !== null && typeof object.v === 'object' && !Array.isArray(object.v))
        return decodeMembers(object.v as Record<string, unknown>, object.null === true ? null : Object.prototype, at);
      break;
  }
  throw new TypeError(`${at} is not a value this version of the queue protocol knows: ${JSON.stringify(object)}`);
}

function decodeMembers(object: Record<string, unknown>, prototype: object | null, at: string): Record<string, unknown> {
  return objectOf(
    Object.keys(object).map((key) => [key, fromWire(object[key], `${at}.${key}`)]),
    prototype,
  );
}

function isTag(value: unknown, tag: string): boolean {
  return (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    (value as Record<string, unknown>)[TAG] === tag &&
    Object.hasOwn(value, TAG)
  );
}
