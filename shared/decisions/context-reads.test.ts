import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeCedar } from '../../cli/cedar-node.ts';
import { hashOf } from '../format/hash.ts';
import { decide, type CedarEntities, type CedarRequest, type Decision } from './cedar.ts';
import { countingCedar } from './cedar-counting.test-helper.ts';
import { contextAttributesRead, contextReadsFor, projectContextKey, valueClass } from './context-reads.ts';
import { DecisionEvaluator, type Reevaluation } from './evaluator.ts';
import { preparePolicies } from './policies.ts';

const read = (policies: Record<string, string>) => {
  const reads = contextAttributesRead(nodeCedar, policies);
  return reads === null ? null : [...reads.always, ...reads.scoped.flatMap((s) => [...s.reads])].sort();
};

describe('contextAttributesRead', () => {
  it('names the attributes read by access or test, however deep in the condition', () => {
    expect(
      read({
        a: 'permit (principal, action, resource) when { context.approval == "granted" && context has data_tier };',
        b: 'forbid (principal, action, resource) unless { context.limits.max > 3 || (if context.flag then true else false) };',
        c: 'permit (principal, action, resource) when { principal.tier < 3 };',
        d: 'permit (principal, action, resource);',
      }),
    ).toEqual(['approval', 'data_tier', 'flag', 'limits']);
  });

  it('says the context is read whole where it is used otherwise, or a policy cannot be walked', () => {
    expect(read({ a: 'permit (principal, action, resource) when { context == {"a": 1} };' })).toBeNull();
    expect(read({ a: 'permit (principal, action, resource) when { principal.r == context };' })).toBeNull();
    expect(read({ a: 'permit (principal, action, resource) when { [context].contains({}) };' })).toBeNull();
    expect(read({ a: 'permit (principal, action, resource) when {' })).toBeNull();
    expect(read({ a: 'permit (principal, action, resource); permit (principal, action, resource);' })).toBeNull();
  });
});

describe('projectContextKey', () => {
  const reads = new Set(['a']);
  const key = projectContextKey;
  it('keys by what is read, whatever is left out, and only when something is left out', () => {
    const k = key({ z: 'x', a: 1, b: [true, 'y', { c: 2 }] }, reads);
    expect(k).not.toBeNull();
    expect(key({ a: 1, z: 'another' }, reads)).toBe(k);
    expect(key({ a: 1, q: 0 }, reads)).toBe(k);
    expect(key({ a: 2, z: 'x' }, reads)).not.toBe(k);
    expect(key({ a: '1', z: 'x' }, reads)).not.toBe(k);
    expect(key({ z: 'x' }, reads)).not.toBe(k); // absent is not a value
    expect(key({ a: 1 }, reads)).toBeNull();
    expect(key({}, reads)).toBeNull();
  });
  it('leaves nothing out where an attribute left out holds what Cedar might refuse', () => {
    for (const bad of [
      1.5,
      null,
      { __extn: { fn: 'ip', arg: '1.2.3.4' } },
      { __entity: { type: 'A', id: 'b' } },
      [2 ** 60],
    ])
      expect(key({ a: 1, b: bad }, reads), JSON.stringify(bad)).toBeNull();
  });
  it('keys an attribute of a value class by its class where it holds an integer, by its value otherwise', () => {
    const classes = new Map([['hour', [7, 19]]]);
    const both = new Set(['a', 'hour']);
    const below = key({ a: 1, hour: 3 }, both, classes);
    expect(below).not.toBeNull();
    expect(key({ a: 1, hour: 0 }, both, classes)).toBe(below);
    expect(key({ a: 1, hour: -40 }, both, classes)).toBe(below);
    expect(key({ a: 1, hour: 7 }, both, classes)).not.toBe(below);
    expect(key({ a: 1, hour: 20 }, both, classes)).toBe(key({ a: 1, hour: 23 }, both, classes));
    expect(key({ a: 1, hour: 20 }, both, classes)).not.toBe(key({ a: 1, hour: 19 }, both, classes));
    // Nothing left out, but hours grouped: still a projection.
    expect(key({ hour: 3 }, both, classes)).toBe(key({ hour: 4 }, both, classes));
    expect(key({ hour: 3 }, both, classes)).not.toBeNull();
    for (const other of ['3', 3.5, null, 2 ** 60, [3], { v: 3 }])
      expect(key({ a: 1, hour: other }, both, classes), JSON.stringify(other)).toBeNull();
    // A string is a value, not a class: "3" and 3 differ, as do "3" and "4".
    expect(key({ a: 1, hour: '3', z: 0 }, both, classes)).not.toBe(key({ a: 1, hour: 3, z: 0 }, both, classes));
    expect(key({ a: 1, hour: '3', z: 0 }, both, classes)).not.toBe(key({ a: 1, hour: '4', z: 0 }, both, classes));
    // Absent is neither kept nor classed.
    expect(key({ a: 1, z: 0 }, both, classes)).not.toBe(key({ a: 1, z: 0, hour: 3 }, both, classes));
  });
  it('never runs names, values and classes together: a name holding what another context writes after one', () => {
    const reads = new Set(['a', 'b', 'ac2:b', 'p', 'q', 'pv1q']);
    const classes = new Map(['a', 'b', 'ac2:b'].map((n) => [n, [0, 7]]));
    const pairs: [Record<string, unknown>, Record<string, unknown>][] = [
      // p's value, then q, against one name holding both.
      [{ p: 1, q: 2 }, { pv1q: 2 }],
      // a's class (3 lies between 0 and 7), then b's value or class, against one name holding both.
      [{ a: 3, b: 'x' }, { 'ac2:b': 'x' }],
      [{ a: 3, b: -1 }, { 'ac2:b': -1 }],
      [{ b: '1' }, { b: 1 }],
    ];
    for (const [one, two] of pairs) {
      const k1 = key({ ...one, z: 0 }, reads, classes);
      const k2 = key({ ...two, z: 0 }, reads, classes);
      expect(k1, JSON.stringify(one)).not.toBeNull();
      expect(k1, `${JSON.stringify(one)} against ${JSON.stringify(two)}`).not.toBe(k2);
    }
  });
  it('gives two contexts one key exactly when every attribute read agrees (value, class, or absent in both)', () => {
    // The reference: the projection as values, compared whole.
    const projection = (
      context: Record<string, unknown>,
      read: ReadonlySet<string>,
      classes: ReadonlyMap<string, readonly number[]>,
    ) =>
      JSON.stringify(
        Object.keys(context)
          .filter((name) => read.has(name))
          .sort()
          .map((name) => {
            const value = context[name];
            const literals = classes.get(name);
            return literals !== undefined && Number.isSafeInteger(value)
              ? [name, 'class', valueClass(value as number, literals)]
              : [name, 'value', value];
          }),
      );
    // Names and values chosen to tempt a careless encoding: digits, colons, the letters used as tags, nesting.
    const name = fc.constantFrom('a', 'b', 'c1', '1', ':', 'v', 'c', 'a:1', '');
    const value = fc.oneof(
      fc.integer({ min: -3, max: 25 }),
      fc.constantFrom('1', ':', 'v1:', 'c0:', '', 'a'),
      fc.boolean(),
      fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 2 }),
      fc.dictionary(fc.constantFrom('x', '1'), fc.integer({ min: 0, max: 2 }), { maxKeys: 2 }),
    );
    const context = fc.dictionary(name, value, { maxKeys: 5 });
    const read = fc.subarray(['a', 'b', 'c1', '1', ':', 'v', 'c', 'a:1', '']).map((r) => new Set(r));
    const classes = fc.subarray(['a', '1', 'c']).map((names) => new Map(names.map((n) => [n, [0, 7, 19]] as const)));
    let equal = 0;
    fc.assert(
      fc.property(context, context, read, classes, fc.boolean(), (one, other, r, cl, alike) => {
        // Half the time the second context is the first with its unread attributes changed,
        // added or dropped: the two keys must then be equal.
        const unread = (c: Record<string, unknown>) => Object.entries(c).filter(([n]) => !r.has(n));
        const two = alike
          ? Object.fromEntries([...Object.entries(one).filter(([n]) => r.has(n)), ...unread(other)])
          : other;
        const k1 = key(one, r, cl);
        const k2 = key(two, r, cl);
        if (k1 === null || k2 === null) return;
        const same = projection(one, r, cl) === projection(two, r, cl);
        if (same) equal++;
        expect(k1 === k2).toBe(same);
      }),
      { numRuns: 3000 },
    );
    // Both answers were tried often.
    expect(equal).toBeGreaterThan(300);
  });
});

describe('valueClass', () => {
  it('tells integers apart exactly where a comparison with a literal can', () => {
    const literals = [-3, 7, 19];
    const classes = [-10, -4, -3, -2, 0, 6, 7, 8, 18, 19, 20, 2 ** 53 - 1].map((v) => valueClass(v, literals));
    expect(classes).toEqual([0, 0, 1, 2, 2, 2, 3, 4, 4, 5, 6, 6]);
    expect(valueClass(5, [])).toBe(0);
  });
  it('gives two integers one class only when every comparison with every literal answers alike', () => {
    const ops = [(a: number, b: number) => a < b, (a: number, b: number) => a <= b, (a: number, b: number) => a === b];
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: -50, max: 50 }), { maxLength: 5 }).map((l) => l.sort((a, b) => a - b)),
        fc.integer({ min: -60, max: 60 }),
        fc.integer({ min: -60, max: 60 }),
        (literals, x, y) => {
          const alike = literals.every((t) => ops.every((op) => op(x, t) === op(y, t) && op(t, x) === op(t, y)));
          expect(valueClass(x, literals) === valueClass(y, literals)).toBe(alike);
        },
      ),
    );
  });
});

describe('value classes of the attributes compared with integer literals', () => {
  const classesOf = (policies: Record<string, string>) => {
    const reads = contextAttributesRead(nodeCedar, policies);
    if (!reads) throw new Error('the policies walk');
    return Object.fromEntries(reads.classes);
  };
  const when = (condition: string) => `permit (principal, action, resource) when { ${condition} };`;

  it('collects the literals an attribute is compared with, either way round, over every policy', () => {
    expect(
      classesOf({
        a: when('context.hour < 7 || 19 <= context.hour'),
        b: when('context has hour && context.hour == 12 && context.hour != -2'),
        c: when('context.amount_cents >= 100000 && context.approval == "granted"'),
        d: 'forbid (principal, action == Action::"x", resource) when { context.hour > 22 };',
      }),
    ).toEqual({ hour: [-2, 7, 12, 19, 22], amount_cents: [100000] });
  });

  it('keys an attribute by its value wherever a policy uses it otherwise', () => {
    for (const other of [
      'context.hour + 1 > 3',
      'context.hour < principal.tier',
      '[1, 2].contains(context.hour)',
      'context.hour < 2 + 3',
      'context.hour > -(5)',
      'context.hour == "7"',
      'context.hour == 9223372036854775807',
      'context.hour.lessThan(3)',
      'context.hour',
      'context.hour.x < 3',
      'if context.flag then context.hour else 0 < 3',
    ])
      expect(classesOf({ a: when('context.hour < 7'), b: when(other) }), other).toEqual({});
  });

  const BUNDLE_CLASSES = hashOf('bundle, value classes');
  const entities: CedarEntities = [{ uid: { type: 'Agent', id: 'a' }, attrs: {}, parents: [] }];
  const CLASSED = {
    night: 'forbid (principal, action, resource) when { context.hour < 7 || 19 <= context.hour };',
    big: 'forbid (principal, action == Action::"pay", resource) when { context.amount > 1000 && context.amount != 5000 };',
    exact: 'permit (principal, action, resource) when { context.level == -1 || context.level >= 3 };',
    also: 'permit (principal, action, resource) when { context has level && context.tier <= context.level };',
    tier: 'permit (principal, action, resource) when { context.tier == 2 };',
  };

  it('answers every hour of a day with one Cedar call per class', () => {
    const { cedar, calls } = countingCedar(nodeCedar);
    const evaluator = new DecisionEvaluator(cedar);
    for (let hour = 0; hour < 24; hour++)
      evaluator.evaluateRequest(
        BUNDLE_CLASSES,
        { night: CLASSED.night, tier: CLASSED.tier },
        request({ hour, tier: 2 }),
        [],
      );
    // Five classes: 0–6, 7, 8–18, 19, 20–23 (a literal is a class of its own: `==` could tell it apart).
    expect(calls.authorize).toBe(5);
  });

  it('gives, for any request, the decision Cedar gives it alone', () => {
    const prepared = preparePolicies(nodeCedar, CLASSED);
    if (!prepared.ok) throw new Error('the policies parse');
    const near = fc.oneof(
      fc.integer({ min: -4, max: 25 }),
      fc.constantFrom(999, 1000, 1001, 4999, 5000, 5001, 2 ** 53 - 1, -(2 ** 53) + 1),
    );
    const value = fc.oneof(
      { weight: 6, arbitrary: near },
      { weight: 1, arbitrary: fc.constantFrom('7', 3.5, true, null, 2 ** 60, [3], { v: 3 }) },
    );
    const contextArb = fc.record(
      { hour: value, amount: value, level: value, tier: value, extra: fc.constantFrom('', 'x') },
      { requiredKeys: [] },
    );
    const requestArb = fc.record({ act: fc.constantFrom('pay', 'read'), context: contextArb });
    const evaluator = new DecisionEvaluator(nodeCedar);
    fc.assert(
      fc.property(fc.array(requestArb, { minLength: 1, maxLength: 40 }), (items) => {
        for (const { act, context } of items) {
          const req: CedarRequest = { ...request(context), action: { type: 'Action', id: act } };
          const got = evaluator.evaluateRequest(BUNDLE_CLASSES, CLASSED, req, entities);
          const alone = decide(nodeCedar, prepared.setId, req, entities);
          expectAsAlone(got, alone);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('the memo keyed by the context attributes read', () => {
  const BUNDLE = hashOf('bundle');
  const POLICIES = {
    approved:
      'permit (principal is Agent, action == Action::"pay", resource) when { context.approval == "granted" && context.amount < 1000 };',
    'no-night': 'forbid (principal, action, resource) when { context has night && context.night };',
  };
  const entities: CedarEntities = [{ uid: { type: 'Agent', id: 'a' }, attrs: {}, parents: [] }];

  it('answers requests that differ only in attributes no policy reads with one Cedar call', () => {
    const { cedar, calls } = countingCedar(nodeCedar);
    const evaluator = new DecisionEvaluator(cedar);
    const answers = ['r-1', 'r-2', 'r-3'].map((id) =>
      evaluator.evaluateRequest(
        BUNDLE,
        POLICIES,
        request({ approval: 'granted', amount: 5, request_id: id }),
        entities,
      ),
    );
    expect(calls.authorize).toBe(1);
    for (const a of answers)
      expect(a).toEqual({
        kind: 'decided',
        decision: { ok: true, effect: 'allow', policies: ['approved'], errors: [] },
      });
    // An attribute read differs: Cedar again.
    evaluator.evaluateRequest(
      BUNDLE,
      POLICIES,
      request({ approval: 'granted', amount: 5000, request_id: 'r-4' }),
      entities,
    );
    expect(calls.authorize).toBe(2);
  });

  it('keeps no decision with errors under such a key, and keys a request whole where a value left out could be refused', () => {
    const { cedar, calls } = countingCedar(nodeCedar);
    const evaluator = new DecisionEvaluator(cedar);
    // No `amount`: the permit errs; each such request goes to Cedar.
    for (const id of ['a', 'b'])
      evaluator.evaluateRequest(BUNDLE, POLICIES, request({ approval: 'granted', id }), entities);
    expect(calls.authorize).toBe(2);
    // A fraction in an attribute no policy reads: Cedar refuses the request, and says so each time.
    const refused = evaluator.evaluateRequest(
      BUNDLE,
      POLICIES,
      request({ approval: 'granted', amount: 5, ratio: 0.5 }),
      entities,
    );
    expect(refused.kind === 'decided' && refused.decision.ok).toBe(false);
  });

  it('gives, for any request, the decision Cedar gives it alone', () => {
    const prepared = preparePolicies(nodeCedar, POLICIES);
    if (!prepared.ok) throw new Error('the policies parse');
    const value = fc.oneof(
      fc.string({ maxLength: 4 }),
      fc.boolean(),
      fc.integer({ min: -5, max: 2000 }),
      fc.constant(0.5),
      fc.constant(null),
    );
    const contextArb = fc.record(
      {
        approval: fc.constantFrom('granted', 'denied', 7),
        amount: fc.integer({ min: 0, max: 2000 }),
        night: fc.boolean(),
        extra: value,
        other: value,
      },
      { requiredKeys: [] },
    );
    const evaluator = new DecisionEvaluator(nodeCedar);
    fc.assert(
      fc.property(fc.array(contextArb, { minLength: 1, maxLength: 30 }), (contexts) => {
        for (const context of contexts) {
          const got = evaluator.evaluateRequest(BUNDLE, POLICIES, request(context), entities);
          expect(got).toEqual({
            kind: 'decided',
            decision: decide(nodeCedar, prepared.setId, request(context), entities),
          });
        }
      }),
      { numRuns: 150 },
    );
  });
});

const BUNDLE_SCOPED = hashOf('bundle, scoped');

/**
 * The evaluator's answer is Cedar's for the request alone. From one call to the next, Cedar
 * names a cycle in the parents by any of its vertices, and lists the errors of several
 * policies in any order: a refusal must be a refusal, and errors are compared sorted.
 */
function expectAsAlone(got: Reevaluation, alone: Decision): void {
  if (!alone.ok) expect(got.kind === 'decided' && !got.decision.ok).toBe(true);
  else {
    const sorted = (d: Decision) => (d.ok ? { ...d, errors: [...d.errors].sort() } : d);
    expect(got.kind === 'decided' && sorted(got.decision)).toEqual(sorted(alone));
  }
}
const request = (context: Record<string, unknown>): CedarRequest => ({
  principal: { type: 'Agent', id: 'a' },
  action: { type: 'Action', id: 'pay' },
  resource: { type: 'Account', id: 'x' },
  context,
});

describe('the attributes read, by action scope', () => {
  const SCOPED = {
    money:
      'permit (principal, action in Action::"money", resource) when { context.approval == "granted" && context.amount < 1000 };',
    read: 'permit (principal, action in [Action::"read", Action::"list"], resource) when { context.hour < 19 };',
    export: 'forbid (principal, action == Action::"export", resource) when { context.bulk };',
    any: 'forbid (principal, action, resource) when { context has night && context.night };',
  };
  const action = (id: string) => ({ type: 'Action', id });
  const entity = (id: string, parents: unknown[] = []) => ({ uid: action(id), attrs: {}, parents });
  const readsOf = (act: unknown, entities: unknown) => {
    const reads = contextAttributesRead(nodeCedar, SCOPED);
    if (!reads) throw new Error('the policies walk');
    return [...contextReadsFor(reads, act, entities)].sort();
  };

  it('counts a scope only where the action can match it', () => {
    expect(readsOf(action('pay'), [entity('pay', [action('money')])])).toEqual(['amount', 'approval', 'night']);
    expect(readsOf(action('pay'), [entity('pay')])).toEqual(['night']);
    expect(readsOf(action('money'), [])).toEqual(['amount', 'approval', 'night']);
    expect(readsOf(action('list'), [])).toEqual(['hour', 'night']);
    expect(readsOf(action('export'), [])).toEqual(['bulk', 'night']);
    // Through a chain of parents.
    expect(readsOf(action('pay'), [entity('pay', [action('finance')]), entity('finance', [action('money')])])).toEqual([
      'amount',
      'approval',
      'night',
    ]);
  });

  it('counts every scope where a uid is not written plainly', () => {
    const every = ['amount', 'approval', 'bulk', 'hour', 'night'];
    expect(readsOf({ __entity: action('pay') }, [])).toEqual(every);
    expect(readsOf(action('pay'), [entity('pay', [{ __entity: action('money') }])])).toEqual(every);
    expect(readsOf(action('pay'), [{ uid: { __entity: action('pay') }, attrs: {}, parents: [] }])).toEqual(every);
    expect(readsOf(action('pay'), 'not entities')).toEqual(every);
  });

  it('gives, for any request and action hierarchy, the decision Cedar gives it alone', () => {
    const prepared = preparePolicies(nodeCedar, SCOPED);
    if (!prepared.ok) throw new Error('the policies parse');
    const ids = ['pay', 'money', 'read', 'list', 'export', 'other'];
    const uid = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...ids).map(action) },
      { weight: 1, arbitrary: fc.constantFrom(...ids).map((id) => ({ __entity: action(id) })) },
    );
    const randomEntities = fc
      .uniqueArray(fc.record({ id: fc.constantFrom(...ids), parents: fc.array(uid, { maxLength: 2 }) }), {
        selector: (e) => e.id,
        maxLength: 4,
      })
      .map((list) => list.map((e) => entity(e.id, e.parents)));
    // A few hierarchies, so that requests meet under one memo key; and random ones.
    const entitiesArb = fc.oneof(
      fc.constantFrom(
        [],
        [entity('pay', [action('money')])],
        [entity('pay', [action('finance')]), entity('finance', [action('money')])],
        [entity('list', [action('read')]), entity('export', [action('money')])],
        [entity('pay', [{ __entity: action('money') }])],
        [entity('pay', [action('money')]), entity('money', [action('pay')])],
      ),
      randomEntities,
    );
    const contextArb = fc.record(
      {
        approval: fc.constantFrom('granted', 'denied'),
        amount: fc.constantFrom(5, 5000),
        hour: fc.constantFrom(3, 20),
        bulk: fc.boolean(),
        night: fc.boolean(),
        extra: fc.constantFrom('', 'x'),
      },
      { requiredKeys: [] },
    );
    const requestArb = fc.record({ act: fc.constantFrom(...ids), context: contextArb, entities: entitiesArb });
    const evaluator = new DecisionEvaluator(nodeCedar);
    fc.assert(
      fc.property(fc.array(requestArb, { minLength: 1, maxLength: 30 }), (items) => {
        for (const { act, context, entities } of items) {
          const ents = entities as CedarEntities;
          const req: CedarRequest = { ...request(context), action: action(act) };
          const got = evaluator.evaluateRequest(BUNDLE_SCOPED, SCOPED, req, ents);
          const alone = decide(nodeCedar, prepared.setId, req, ents);
          expectAsAlone(got, alone);
        }
      }),
      { numRuns: 200 },
    );
  });
});
