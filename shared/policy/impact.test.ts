/** ImpactCollector counts by ids that come from the evidence, whatever they are. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeCedar } from '../../cli/cedar-node.ts';
import { decide, type CedarEntities, type CedarRequest } from '../decisions/cedar.ts';
import { countingCedar } from '../decisions/cedar-counting.test-helper.ts';
import { preparePolicies } from '../decisions/policies.ts';
import { canonicalize } from '../format/canonical.ts';
import { side } from './bundle-side.test-helper.ts';
import { ImpactCollector, type ReplayedRequest } from './impact.ts';

describe('ImpactCollector', () => {
  it('counts an action and a policy named __proto__ without touching Object.prototype', () => {
    const from = side(`sha256:${'1'.repeat(64)}`, { __proto__x: 'permit(principal, action, resource);' });
    const to = side(`sha256:${'2'.repeat(64)}`, { stop: 'forbid(principal, action, resource);' });
    const collector = new ImpactCollector(nodeCedar, from, to);
    collector.add({
      id: 'r1',
      ledger: 'l',
      seq: 1,
      request: {
        principal: { type: 'Agent', id: 'a' },
        action: { type: 'Action', id: '__proto__' },
        resource: { type: 'T', id: 't' },
        context: {},
      },
      entities: [],
    });
    const result = collector.result();
    expect(result.changed).toHaveLength(1);
    expect(Object.keys(result.byAction)).toEqual(['__proto__']);
    expect(result.byAction['__proto__']).toEqual({ allowToDeny: 1, denyToAllow: 0, otherPolicies: 0 });
    expect(result.byPolicy).toMatchObject({ __proto__x: 1, stop: 1 });
    expect(({} as Record<string, unknown>).allowToDeny).toBeUndefined();
  });
});

describe('ImpactCollector under a memo keyed by the context attributes each version reads', () => {
  // v1 reads amount and night; v2 reads approval and amount: each side keys by its own.
  const V1 = {
    limit: 'permit (principal is Agent, action == Action::"pay", resource) when { context.amount < 1000 };',
    'no-night': 'forbid (principal, action, resource) when { context has night && context.night };',
  };
  const V2 = {
    approved:
      'permit (principal is Agent, action == Action::"pay", resource) when { context.approval == "granted" && context.amount < 1000 };',
  };
  const from = side(`sha256:${'1'.repeat(64)}`, V1);
  const to = side(`sha256:${'2'.repeat(64)}`, V2);
  const entities: CedarEntities = [{ uid: { type: 'Agent', id: 'a' }, attrs: {}, parents: [] }];
  const request = (context: Record<string, unknown>): CedarRequest => ({
    principal: { type: 'Agent', id: 'a' },
    action: { type: 'Action', id: 'pay' },
    resource: { type: 'Account', id: 'x' },
    context,
  });
  const receipt = (i: number, context: Record<string, unknown>): ReplayedRequest => ({
    id: `r${i}`,
    ledger: 'l',
    seq: i,
    request: request(context) as ReplayedRequest['request'],
    entities: entities as ReplayedRequest['entities'],
  });

  it('decides requests that differ only in attributes neither version reads with one Cedar call per version', () => {
    const { cedar, calls } = countingCedar(nodeCedar);
    const collector = new ImpactCollector(cedar, from, to);
    for (let i = 1; i <= 50; i++) {
      const r = receipt(i, { approval: 'denied', amount: 5, request_id: `q-${i}`, hour: i % 24 });
      if (i % 2) collector.add(r);
      else collector.addCanonical(canonicalize(r.request), canonicalize(r.entities), () => r);
    }
    const result = collector.result();
    expect(result.evaluated).toBe(50);
    expect(result.counts).toEqual({ allowToDeny: 50, denyToAllow: 0, otherPolicies: 0 });
    // Once per version for the parsed requests, and once more per version for the canonical
    // texts (their entities' text orders members otherwise, so the keys differ): four, not a hundred.
    expect(calls.authorize).toBe(4);
    expect(result.cedarCalls).toBe(4);
  });

  it('gives every receipt the outcomes Cedar gives its request alone under each version', () => {
    const a = preparePolicies(nodeCedar, V1);
    const b = preparePolicies(nodeCedar, V2);
    if (!a.ok || !b.ok) throw new Error('the policies parse');
    const value = fc.oneof(
      fc.string({ maxLength: 3 }),
      fc.boolean(),
      fc.integer({ min: -5, max: 2000 }),
      fc.constant(0.5),
      fc.constant(null),
    );
    const contextArb = fc.record(
      {
        approval: fc.constantFrom('granted', 'denied', 7),
        amount: fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.constant('x')),
        night: fc.boolean(),
        extra: value,
        other: value,
      },
      { requiredKeys: [] },
    );
    const outcome = (setId: string, r: CedarRequest) => {
      const d = decide(nodeCedar, setId, r, entities);
      return d.ok ? { effect: d.effect, policies: [...d.policies].sort() } : null;
    };
    fc.assert(
      fc.property(fc.array(fc.tuple(contextArb, fc.boolean()), { minLength: 1, maxLength: 30 }), (items) => {
        const collector = new ImpactCollector(nodeCedar, from, to);
        let changed = 0;
        let errors = 0;
        items.forEach(([context, canonical], i) => {
          const r = receipt(i + 1, context);
          if (canonical) collector.addCanonical(canonicalize(r.request), canonicalize(r.entities), () => r);
          else collector.add(r);
          const x = outcome(a.setId, r.request);
          const y = outcome(b.setId, r.request);
          if (!x || !y) errors++;
          else if (x.effect !== y.effect || x.policies.join() !== y.policies.join()) changed++;
        });
        const result = collector.result();
        expect(result.errorCount).toBe(errors);
        expect(result.changed).toHaveLength(changed);
        expect(result.unchanged).toBe(items.length - changed - errors);
        for (const c of result.changed) {
          const r = receipt(c.seq, items[c.seq - 1]![0]).request;
          expect({ effect: c.from.effect, policies: [...c.from.policies].sort() }).toEqual(outcome(a.setId, r));
          expect({ effect: c.to.effect, policies: [...c.to.policies].sort() }).toEqual(outcome(b.setId, r));
        }
      }),
      { numRuns: 100 },
    );
  });
});
