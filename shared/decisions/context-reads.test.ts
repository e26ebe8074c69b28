import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeCedar } from '../../cli/cedar-node.ts';
import { hashOf } from '../format/hash.ts';
import { decide, type CedarEntities, type CedarRequest } from './cedar.ts';
import { countingCedar } from './cedar-counting.test-helper.ts';
import { contextAttributesRead, projectContext } from './context-reads.ts';
import { DecisionEvaluator } from './evaluator.ts';
import { preparePolicies } from './policies.ts';

const read = (policies: Record<string, string>) => {
  const attrs = contextAttributesRead(nodeCedar, policies);
  return attrs === null ? null : [...attrs].sort();
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
  const request = (context: Record<string, unknown>): CedarRequest => ({
    principal: { type: 'Agent', id: 'a' },
    action: { type: 'Action', id: 'pay' },
    resource: { type: 'Account', id: 'x' },
    context,
  });

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
