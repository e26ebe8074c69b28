import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeCedar } from '../../cli/cedar-node.ts';
import { hashOf } from '../format/hash.ts';
import { decide, type CedarEntities, type CedarRequest, type Decision } from './cedar.ts';
import { countingCedar } from './cedar-counting.test-helper.ts';
import { contextAttributesRead, contextReadsFor, projectContext } from './context-reads.ts';
import { DecisionEvaluator } from './evaluator.ts';
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

describe('projectContext', () => {
  const reads = new Set(['a']);
  it('keeps what is read, in name order, and only when something is left out', () => {
    expect(projectContext({ z: 'x', a: 1, b: [true, 'y', { c: 2 }] }, reads)).toEqual({ a: 1 });
    expect(projectContext({ a: 1 }, reads)).toBeNull();
    expect(projectContext({}, reads)).toBeNull();
  });
  it('leaves nothing out where an attribute left out holds what Cedar might refuse', () => {
    for (const bad of [
      1.5,
      null,
      { __extn: { fn: 'ip', arg: '1.2.3.4' } },
      { __entity: { type: 'A', id: 'b' } },
      [2 ** 60],
    ])
      expect(projectContext({ a: 1, b: bad }, reads), JSON.stringify(bad)).toBeNull();
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
          // From one call to the next, Cedar names a cycle in the parents by any of its
          // vertices, and lists the errors of several policies in any order.
          if (!alone.ok) expect(got.kind === 'decided' && !got.decision.ok).toBe(true);
          else {
            const sorted = (d: Decision) => (d.ok ? { ...d, errors: [...d.errors].sort() } : d);
            expect(got.kind === 'decided' && sorted(got.decision)).toEqual(sorted(alone));
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
