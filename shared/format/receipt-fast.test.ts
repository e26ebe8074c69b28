/**
 * The receipt check written out by hand (`isPlainValidReceipt`) against the schema it
 * mirrors (`ReceiptSchema`): on receipts changed at random (a member removed, replaced by
 * an edge value or any JSON, an unknown one added, `__proto__` included), the hand check
 * says yes exactly when zod does, and then zod's output equals the value it was given.
 * Where the hand check says no, `validateReceipt` gives zod's own answer and message.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPlainValidReceipt, ReceiptSchema, validate, validateReceipt } from './schema.ts';

const H = 'sha256:' + 'ab'.repeat(32);
const KID = '0123456789abcdef'.repeat(2);
const SIG = 'cd'.repeat(64);
const uid = (type: string, id: string) => ({ type, id });

/** A valid receipt, with its optional members present or not. */
const validReceipt = fc
  .record({
    seq: fc.integer({ min: 1, max: 2 ** 40 }),
    ts: fc.constantFrom('2026-01-01T00:00:00Z', '2026-03-31T23:59:59.123456Z', '0001-01-01T00:00:00.0Z'),
    summary: fc.option(fc.string(), { nil: undefined }),
    approval: fc.boolean(),
    cache: fc.option(fc.constantFrom('hit', 'miss', ''), { nil: undefined }),
    end: fc.constantFrom(null, 'commit', 'abort'),
    effect: fc.constantFrom('allow', 'deny'),
    status: fc.constantFrom('ok', 'error', 'blocked'),
    entities: fc.integer({ min: 0, max: 3 }),
    recipient: fc.constantFrom(null, '', 'vendor.example'),
    extra: fc.option(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 2 }), { nil: undefined }),
  })
  .map((o) => {
    const r: Record<string, unknown> = {
      v: 1,
      ledger: 'payments',
      seq: o.seq,
      prev: H,
      id: 'r-1',
      ts: o.ts,
      agent: { id: 'agent-1', role: 'payer', tier: 2 },
      txn: { id: 'txn-1', step: 0, end: o.end },
      request: {
        principal: uid('Agent', 'agent-1'),
        action: uid('Action', 'pay'),
        resource: uid('Account', ''),
        context: { amount: 5, nested: { deep: [1, 'two'] } },
      },
      entities: Array.from({ length: o.entities }, (_, i) => ({
        uid: uid('Agent', `a${i}`),
        attrs: { n: i, tags: ['x'] },
        parents: i % 2 ? [uid('Team', 't')] : [],
      })),
      data: { tier: 1, personal: ['email'], subjects: [H, H], recipient: o.recipient },
      io: { input: H, reasoning: H, output: H },
      decision: {
        bundle: H,
        effect: o.effect,
        policies: ['p1', ''],
        ...(o.approval ? { approval: { approver: 'ann', kid: KID, sig: SIG } } : {}),
      },
      exec: { status: o.status, latency_ms: 12, ...(o.cache !== undefined ? { cache: o.cache } : {}) },
      kid: KID,
      sig: SIG,
      ...(o.summary !== undefined ? { reasoning_summary: o.summary } : {}),
    };
    // Unknown members, as a later producer may add: kept and signed over.
    if (o.extra) for (const [k, v] of Object.entries(o.extra)) if (!(k in r) && k !== '__proto__') r[k] = v;
    return r;
  });

/** Values each rule has an edge at. */
const edgeValue = fc.constantFrom<unknown>(
  undefined,
  null,
  true,
  0,
  -0,
  1,
  2,
  -1,
  1.5,
  2 ** 53 - 1,
  2 ** 53,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  '',
  'x',
  '1',
  H,
  H.toUpperCase(),
  H.slice(0, -1),
  'sha256:' + 'g'.repeat(64),
  // Each neighbour of the hex digits' ranges, and text around a valid hash.
  ...['/', ':', '@', 'G', '`', 'g', 'F', 'é', '\n'].flatMap((c) => [
    H.slice(0, -1) + c,
    c + KID.slice(1),
    SIG.slice(0, -1) + c,
  ]),
  H + '\n',
  ' ' + H,
  'SHA256:' + 'ab'.repeat(32),
  KID,
  KID + '0',
  KID.toUpperCase(),
  SIG,
  SIG.slice(1),
  '2026-01-01T00:00:00Z',
  '2026-02-30T00:00:00Z',
  '2026-01-01T00:00:00+00:00',
  '2026-01-01 00:00:00Z',
  'commit',
  'abort',
  'allow',
  'deny',
  'ok',
  'error',
  'blocked',
  [],
  [''],
  [H],
  [1],
  [uid('Team', 't')],
  [uid('', 't')],
  {},
  uid('Agent', 'a'),
  uid('', 'a'),
  { type: 'Agent' },
  { approver: 'a', kid: KID, sig: SIG },
  new Date(0),
  Object.create(null) as object,
);

type Path = (string | number)[];
type Spoilable = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- members spoiled at any depth
/** Every member's path in `value`, nested values included. */
function pathsOf(value: unknown, at: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return keys.flatMap((k) => [[...at, k], ...pathsOf((value as Record<string | number, unknown>)[k], [...at, k])]);
}
function valueAt(root: unknown, path: Path): unknown {
  let cur = root;
  for (const k of path) cur = (cur as Record<string | number, unknown>)[k];
  return cur;
}
const parentOf = (root: unknown, path: Path) => valueAt(root, path.slice(0, -1)) as Record<string | number, unknown>;
/** Defines a member as JSON.parse does: `__proto__` becomes an own member, not the prototype. */
function define(target: object, key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

type Change =
  | { kind: 'remove'; pick: number }
  | { kind: 'replace'; pick: number; value: unknown }
  | { kind: 'add'; pick: number; key: string; value: unknown };
const change: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), pick: fc.nat(), value: fc.oneof(edgeValue, fc.jsonValue()) }),
  fc.record({
    kind: fc.constant('add' as const),
    pick: fc.nat(),
    key: fc.oneof(fc.constantFrom('__proto__', 'extra', 'constructor', 'sig', 'v'), fc.string()),
    value: fc.oneof(edgeValue, fc.jsonValue()),
  }),
);

function apply(receipt: Record<string, unknown>, c: Change): void {
  const paths = pathsOf(receipt);
  if (c.kind === 'add') {
    // Onto the receipt itself or any object in it.
    const objects = [[], ...paths]
      .map((p) => valueAt(receipt, p))
      .filter((v): v is object => v !== null && typeof v === 'object' && !Array.isArray(v));
    const target = objects[c.pick % objects.length] as object;
    define(target, c.key, structuredCloneable(c.value));
    return;
  }
  if (paths.length === 0) return;
  const path = paths[c.pick % paths.length] as Path;
  const parent = parentOf(receipt, path);
  const key = path[path.length - 1] as string | number;
  if (c.kind === 'remove') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  } else define(parent, key, structuredCloneable(c.value));
}
/** A fresh copy of an edge value that is an object, so one value is never shared between receipts. */
function structuredCloneable(v: unknown): unknown {
  if (v instanceof Date) return new Date(v.getTime());
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === null) return Object.create(null) as object;
  return v === undefined ? undefined : (JSON.parse(JSON.stringify(v) ?? 'null') as unknown);
}

/** Whether `value` holds an own `__proto__` member or an object that is not plain anywhere. */
function holdsUnusualObject(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (!Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Object.prototype) return true;
    if (Object.prototype.hasOwnProperty.call(value, '__proto__')) return true;
  }
  return Object.values(value).some(holdsUnusualObject);
}

describe('isPlainValidReceipt, against ReceiptSchema', () => {
  it('accepts every valid receipt, and zod gives back the same value', () => {
    fc.assert(
      fc.property(validReceipt, (r) => {
        expect(isPlainValidReceipt(r)).toBe(true);
        const z = ReceiptSchema.safeParse(r);
        expect(z.success).toBe(true);
        expect(z.data).toStrictEqual(r);
      }),
      { numRuns: 300 },
    );
  });

  it('says yes exactly when zod does, on receipts changed at random', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(validReceipt, fc.array(change, { minLength: 1, maxLength: 3 }), (r, changes) => {
        for (const c of changes) apply(r, c);
        const fast = isPlainValidReceipt(r);
        const z = ReceiptSchema.safeParse(r);
        if (fast) {
          // Never accepted where zod refuses, and zod's output is the value itself.
          expect(z.success).toBe(true);
          expect(z.data).toStrictEqual(r);
          accepted++;
        } else {
          refused++;
          // Refused only where zod refuses, or where an unusual object sends it to zod.
          if (z.success) expect(holdsUnusualObject(r)).toBe(true);
          expect(validateReceipt(r)).toEqual(validate(ReceiptSchema, r));
        }
      }),
      { numRuns: 4000 },
    );
    // Both sides were reached often enough to mean something.
    expect(accepted).toBeGreaterThan(200);
    expect(refused).toBeGreaterThan(1000);
  });

  it('each rule at its edge, one by one', () => {
    const base = (): Record<string, unknown> => {
      const r = fc.sample(validReceipt, { numRuns: 1, seed: 7 })[0] as Record<string, unknown>;
      return JSON.parse(JSON.stringify(r)) as Record<string, unknown>;
    };
    const cases: [string, (r: Spoilable) => void][] = [
      ['seq 0', (r) => (r.seq = 0)],
      ['seq 2^53', (r) => (r.seq = 2 ** 53)],
      ['tier 1.5', (r) => (r.agent.tier = 1.5)],
      ['latency -1', (r) => (r.exec.latency_ms = -1)],
      ['ts 2026-02-30', (r) => (r.ts = '2026-02-30T00:00:00Z')],
      ['ts with an offset', (r) => (r.ts = '2026-01-01T00:00:00+00:00')],
      ['prev in capitals', (r) => (r.prev = H.toUpperCase())],
      ['kid one digit short', (r) => (r.kid = KID.slice(1))],
      ['sig one digit long', (r) => (r.sig = SIG + '0')],
      ['empty id', (r) => (r.id = '')],
      ['empty ledger', (r) => (r.ledger = '')],
      ['empty entity type', (r) => (r.request.action.type = '')],
      ['entity id a number', (r) => (r.request.action.id = 1)],
      ['end missing', (r) => delete r.txn.end],
      ['effect "permit"', (r) => (r.decision.effect = 'permit')],
      ['status "done"', (r) => (r.exec.status = 'done')],
      ['subject not a hash', (r) => (r.data.subjects = ['x'])],
      ['personal holds a number', (r) => (r.data.personal = [1])],
      ['recipient missing', (r) => delete r.data.recipient],
      ['context an array', (r) => (r.request.context = [])],
      ['attrs null', (r) => (r.entities = [{ uid: uid('A', 'a'), attrs: null, parents: [] }])],
      ['approval without sig', (r) => (r.decision.approval = { approver: 'a', kid: KID })],
      ['cache a number', (r) => (r.exec.cache = 1)],
      ['summary null', (r) => (r.reasoning_summary = null)],
      ['v 2', (r) => (r.v = 2)],
      ['prev with a newline after', (r) => (r.prev = H + '\n')],
      ['kid with a digit more', (r) => (r.kid = KID + 'a')],
      ['sig with a digit more', (r) => (r.sig = SIG + 'a')],
      ['prefix in capitals', (r) => (r.io.input = 'SHA256:' + H.slice(7))],
      // Each neighbour of the hex digits' ranges, in each kind of hex member.
      ...['/', ':', '@', 'G', '`', 'g', 'F', 'é'].flatMap((c): [string, (r: Spoilable) => void][] => [
        [`hash ending in ${c}`, (r) => (r.decision.bundle = H.slice(0, -1) + c)],
        [`kid beginning with ${c}`, (r) => (r.kid = c + KID.slice(1))],
        [`sig ending in ${c}`, (r) => (r.sig = SIG.slice(0, -1) + c)],
      ]),
    ];
    for (const [name, spoil] of cases) {
      const r = base();
      spoil(r);
      expect(ReceiptSchema.safeParse(r).success, name).toBe(false);
      expect(isPlainValidReceipt(r), name).toBe(false);
      const answer = validateReceipt(r);
      expect(answer.ok, name).toBe(false);
      expect(answer).toEqual(validate(ReceiptSchema, r));
    }
  });

  it('sends an own __proto__ member to zod, which leaves it out of its copy', () => {
    const r = JSON.parse(
      JSON.stringify(fc.sample(validReceipt, { numRuns: 1, seed: 3 })[0]).replace(/^\{/, '{"__proto__":{"x":1},'),
    ) as Record<string, unknown>;
    expect(Object.prototype.hasOwnProperty.call(r, '__proto__')).toBe(true);
    expect(isPlainValidReceipt(r)).toBe(false);
    const answer = validateReceipt(r);
    expect(answer.ok).toBe(true);
    expect(answer.ok && Object.prototype.hasOwnProperty.call(answer.value, '__proto__')).toBe(false);
  });
});
