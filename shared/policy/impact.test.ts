/** ImpactCollector counts by ids that come from the evidence, whatever they are. */
import { describe, expect, it } from 'vitest';
import { nodeCedar } from '../../cli/cedar-node.ts';
import type { BundleBody } from '../format/schema.ts';
import type { BundleSide } from './diff.ts';
import { ImpactCollector } from './impact.ts';

const side = (hash: string, policies: Record<string, string>): BundleSide => ({
  hash,
  body: {
    id: 'b',
    version: 1,
    effective_from: '2026-01-01T00:00:00Z',
    supersedes: null,
    cedar: { policies },
  } as BundleBody,
  path: 'p',
  inArchive: true,
  signatureValid: true,
  signers: [],
});

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
