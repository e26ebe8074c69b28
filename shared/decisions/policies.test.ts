import { describe, expect, it } from 'vitest';
import { nodeCedar } from '../../cli/cedar-node.ts';
import { hashOf } from '../format/hash.ts';
import { countingCedar } from './cedar-counting.test-helper.ts';
import { checkBundlePolicies, preparePolicies } from './policies.ts';

const BUNDLE = hashOf('bundle');
const GOOD = {
  read: 'permit(principal, action == Action::"db.read", resource);',
  deny: 'forbid(principal, action, resource) when { context.blocked };',
};

describe('checkBundlePolicies', () => {
  it('accepts policies that parse', () => {
    expect(checkBundlePolicies(nodeCedar, BUNDLE, GOOD)).toEqual({ ok: true });
    expect(checkBundlePolicies(nodeCedar, BUNDLE, {})).toEqual({ ok: true });
  });

  it.each([
    [
      'a misspelt scope variable',
      { bad: 'permit(principal, action, resourc);' },
      'bad',
      /invalid variable in the policy scope: resourc/,
    ],
    ['truncated text', { bad: 'forbid(principal' }, 'bad', /unexpected end of input/],
    ['an empty policy', { bad: '' }, 'bad', /unexpected end of input/],
    [
      'two policies under one id',
      { bad: 'permit(principal, action, resource); forbid(principal, action, resource);' },
      'bad',
      /unexpected token `forbid`/,
    ],
  ])('names the policy that does not parse: %s', (_name, broken, policyId, message) => {
    const result = checkBundlePolicies(nodeCedar, BUNDLE, { ...GOOD, ...broken });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.policyId).toBe(policyId);
    expect(result.errors[0]?.message).toMatch(message);
  });

  it('lists every policy that does not parse, in policy id order', () => {
    const result = checkBundlePolicies(nodeCedar, BUNDLE, { z: 'permit(', a: 'nonsense', ok: GOOD.read });
    expect(result.ok ? [] : result.errors.map((e) => e.policyId)).toEqual(['a', 'z']);
  });

  it('refuses a malformed bundle hash (misuse)', () => {
    expect(() => checkBundlePolicies(nodeCedar, 'sha256:xyz', GOOD)).toThrow(/"bundleHash"/);
    expect(() => checkBundlePolicies(nodeCedar, BUNDLE, { a: 1 } as unknown as Record<string, string>)).toThrow(
      /"policies"/,
    );
  });

  it('parses one policy text once per Cedar module, whatever the bundle hash', () => {
    const { cedar, calls } = countingCedar(nodeCedar);
    checkBundlePolicies(cedar, BUNDLE, GOOD);
    checkBundlePolicies(cedar, hashOf('another bundle, same policies'), { ...GOOD });
    const prepared = preparePolicies(cedar, GOOD);
    expect(calls.preparse).toBe(1);
    expect(prepared).toMatchObject({
      ok: true,
      setId: expect.stringMatching(/^tickmark-policies\/sha256:[0-9a-f]{64}$/),
    });
    checkBundlePolicies(cedar, BUNDLE, { ...GOOD, extra: 'permit(principal, action, resource);' });
    expect(calls.preparse).toBe(2);
  });
});
