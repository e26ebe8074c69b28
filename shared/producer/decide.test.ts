import * as cedarWasm from '@cedar-policy/cedar-wasm/nodejs';
import { describe, expect, it } from 'vitest';
import { nodeCedar } from '../../cli/cedar-node.ts';
import { GateDecider } from './decide.ts';
import { keyFromSeed } from './keys.ts';
import { signBundle } from './policy.ts';

const policyKey = keyFromSeed('decide-test/policy');
const policies = {
  'tier-read':
    'permit(principal is Agent, action == Action::"db.read", resource is Table) when { resource.tier >= principal.tier };',
  'no-legacy': 'forbid(principal == Agent::"legacy-bot", action, resource);',
  open: 'permit(principal, action == Action::"db.read", resource == Table::"kb");',
};
const bundle = signBundle(
  { id: 'b', version: 1, effective_from: '2026-01-01T00:00:00.000Z', supersedes: null, cedar: { policies } },
  [policyKey],
);
const request = (agent: string, table: string) => ({
  principal: { type: 'Agent', id: agent },
  action: { type: 'Action', id: 'db.read' },
  resource: { type: 'Table', id: table },
  context: {},
});
const entities = (agent: string, agentTier: number, table: string, tableTier: number) => [
  { uid: { type: 'Agent', id: agent }, attrs: { tier: agentTier }, parents: [] },
  { uid: { type: 'Table', id: table }, attrs: { tier: tableTier }, parents: [] },
];

describe('GateDecider', () => {
  it.each([
    ['crm-01', 2, 'customers', 2],
    ['crm-01', 2, 'payments', 1],
    ['crm-01', 3, 'kb', 4],
    ['legacy-bot', 3, 'kb', 4],
  ])('agrees with stateless Cedar for %s (tier %i) reading %s (tier %i)', (agent, agentTier, table, tableTier) => {
    const decider = new GateDecider(nodeCedar);
    decider.prepare(bundle);
    const got = decider.decide(bundle.hash, request(agent, table), entities(agent, agentTier, table, tableTier));
    const answer = cedarWasm.isAuthorized({
      ...request(agent, table),
      policies: { staticPolicies: policies },
      entities: entities(agent, agentTier, table, tableTier),
    });
    if (answer.type !== 'success') throw new Error('Cedar failed');
    expect(got).toEqual({
      bundle: bundle.hash,
      effect: answer.response.decision,
      policies: [...answer.response.diagnostics.reason].sort(),
    });
    // A memoized answer is the same, and a caller changing it does not change the memo.
    got.policies.push('tampered');
    expect(
      decider.decide(bundle.hash, request(agent, table), entities(agent, agentTier, table, tableTier)).policies,
    ).not.toContain('tampered');
  });

  it('sorts the determining policy ids', () => {
    const decider = new GateDecider(nodeCedar, { memoize: 0 });
    decider.prepare(bundle);
    expect(decider.decide(bundle.hash, request('a', 'kb'), entities('a', 1, 'kb', 4)).policies).toEqual([
      'open',
      'tier-read',
    ]);
  });

  it('refuses an unprepared bundle and a bundle that does not parse', () => {
    const decider = new GateDecider(nodeCedar);
    expect(() => decider.decide(bundle.hash, request('a', 'kb'), [])).toThrow(/not prepared/);
    const broken = signBundle({ ...bundle.file.bundle, cedar: { policies: { bad: 'permit(' } } }, [policyKey]);
    expect(() => decider.prepare(broken)).toThrow(/does not parse/);
  });
});
