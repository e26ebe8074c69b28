/**
 * Per-policy statuses on cases built by hand, where the right answer is known from
 * Cedar's semantics: a permit overridden by a forbid, two permits that hold, a condition
 * that errors, a policy whose scope does not match, a set that does not parse.
 */
import { describe, expect, it } from 'vitest';
import { nodeCedar } from '../../cli/cedar-node.ts';
import type { CedarEntities, CedarRequest } from './cedar.ts';
import { evaluatePolicies, formatPolicy, type CedarFormatting } from './policy-status.ts';

const cedar = nodeCedar as CedarFormatting;

const request = (action: string, table = 'customers', context: Record<string, unknown> = {}): CedarRequest => ({
  principal: { type: 'Agent', id: 'crm-01' },
  action: { type: 'Action', id: action },
  resource: { type: 'Table', id: table },
  context,
});
const entities = (agentTier: number, tableTier: number): CedarEntities => [
  { uid: { type: 'Agent', id: 'crm-01' }, attrs: { tier: agentTier }, parents: [] },
  { uid: { type: 'Table', id: 'customers' }, attrs: { tier: tableTier }, parents: [] },
];

const POLICIES = {
  'tier-read':
    'permit(principal is Agent, action == Action::"db.read", resource is Table) when { resource.tier >= principal.tier };',
  'read-any': 'permit(principal, action == Action::"db.read", resource);',
  'no-night': 'forbid(principal, action, resource) when { context has night && context.night };',
  writes: 'permit(principal, action == Action::"db.update", resource);',
  'bad-attr': 'permit(principal, action == Action::"db.read", resource) when { principal.missing == 1 };',
};

function statuses(result: ReturnType<typeof evaluatePolicies>) {
  if (!result.ok) throw new Error(result.error);
  return Object.fromEntries(result.policies.map((p) => [p.id, [p.status, p.determining, p.effect]]));
}

describe('evaluatePolicies', () => {
  it('allow by two permits: both determining; the forbid and the other action not applicable; a bad attribute errors', () => {
    const result = evaluatePolicies(cedar, POLICIES, request('db.read'), entities(2, 3));
    expect(result.ok && result.decision.effect).toBe('allow');
    expect(result.ok && result.decision.policies).toEqual(['read-any', 'tier-read']);
    expect(statuses(result)).toEqual({
      'bad-attr': ['errored', false, 'permit'],
      'no-night': ['not-applicable', false, 'forbid'],
      'read-any': ['determining', true, 'permit'],
      'tier-read': ['determining', true, 'permit'],
      writes: ['not-applicable', false, 'permit'],
    });
    const bad = result.ok ? result.policies.find((p) => p.id === 'bad-attr') : undefined;
    expect(bad?.errors.join(' ')).toMatch(/missing/);
  });

  it('deny by a forbid: the forbid determines; the permits that held are satisfied, not determining', () => {
    const result = evaluatePolicies(cedar, POLICIES, request('db.read', 'customers', { night: true }), entities(2, 3));
    expect(result.ok && result.decision.effect).toBe('deny');
    expect(statuses(result)).toEqual({
      'bad-attr': ['errored', false, 'permit'],
      'no-night': ['determining', true, 'forbid'],
      'read-any': ['satisfied', false, 'permit'],
      'tier-read': ['satisfied', false, 'permit'],
      writes: ['not-applicable', false, 'permit'],
    });
  });

  it('deny with nothing permitting: no policy determines; a condition that fails is not applicable', () => {
    const only = { 'tier-read': POLICIES['tier-read'] };
    const result = evaluatePolicies(cedar, only, request('db.read'), entities(2, 1));
    expect(result.ok && result.decision).toEqual({ ok: true, effect: 'deny', policies: [], errors: [] });
    expect(statuses(result)).toEqual({ 'tier-read': ['not-applicable', false, 'permit'] });
  });

  it('a set that does not parse answers with why, and still shows each text', () => {
    const result = evaluatePolicies(cedar, { broken: 'permit(principal, action, resource' }, request('db.read'), []);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatch(/do not parse: broken:/);
    expect(result.texts).toEqual([{ id: 'broken', text: 'permit(principal, action, resource', formatted: false }]);
  });

  it('a policy nested past the bound is neither parsed nor formatted (Cedar would trap)', () => {
    const deep = `permit(principal, action, resource) when { ${'('.repeat(200)}true${')'.repeat(200)} };`;
    expect(formatPolicy(cedar, deep)).toEqual({ text: deep, formatted: false });
    const result = evaluatePolicies(cedar, { deep }, request('db.read'), []);
    expect(result.ok).toBe(false);
    // Cedar still answers afterwards: it was never given the text.
    expect(evaluatePolicies(cedar, POLICIES, request('db.read'), entities(2, 3)).ok).toBe(true);
  });

  it("formats with Cedar's formatter", () => {
    const { text, formatted } = formatPolicy(cedar, 'permit(principal,action,resource)when{principal.tier<3};');
    expect(formatted).toBe(true);
    expect(text).toBe('permit (principal, action, resource)\nwhen { principal.tier < 3 };');
  });

  it('reads each policy text once per Cedar module (formatted, effect), whatever the request', () => {
    const calls: string[] = [];
    const counted = new Proxy(cedar, {
      get(target, name, receiver) {
        const value: unknown = Reflect.get(target, name, receiver);
        if (name !== 'formatPolicies' && name !== 'policyToJson') return value;
        return (...args: unknown[]) => {
          calls.push(String(name));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const first = evaluatePolicies(counted, POLICIES, request('db.read'), entities(2, 3));
    const again = evaluatePolicies(counted, POLICIES, request('db.update'), entities(2, 3));
    const n = Object.keys(POLICIES).length;
    expect(calls.filter((c) => c === 'formatPolicies')).toHaveLength(n);
    expect(calls.filter((c) => c === 'policyToJson')).toHaveLength(n);
    if (!first.ok || !again.ok) throw new Error('both evaluate');
    // Texts and effects as read the first time; statuses per request.
    expect(again.policies.map((p) => [p.text, p.effect])).toEqual(first.policies.map((p) => [p.text, p.effect]));
    expect(statuses(again).writes?.[0]).toBe('determining');
    expect(statuses(first).writes?.[0]).toBe('not-applicable');
  });
});
