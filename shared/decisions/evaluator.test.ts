import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeCedar } from '../../cli/cedar-node.ts';
import { canonicalize } from '../format/canonical.ts';
import { hashOf } from '../format/hash.ts';
import type { CedarEntities, CedarModule, CedarRequest } from './cedar.ts';
import { countingCedar } from './cedar-counting.test-helper.ts';
import {
  DecisionEvaluator,
  ENTITIES_KNOWN_MAX,
  RAW_KEY_MAX,
  assertCedarReady,
  canonicalRequestDigest,
  canonicalRequestKey,
  memoKey,
  requestDigest,
} from './evaluator.ts';

const BUNDLE = hashOf('bundle');
const POLICIES = {
  'tier-read':
    'permit(principal is Agent, action == Action::"db.read", resource is Table) when { resource.tier >= principal.tier };',
};
const request = (table: string): CedarRequest => ({
  principal: { type: 'Agent', id: 'a' },
  action: { type: 'Action', id: 'db.read' },
  resource: { type: 'Table', id: table },
  context: {},
});
const entities = (tier: number): CedarEntities => [
  { uid: { type: 'Agent', id: 'a' }, attrs: { tier: 2 }, parents: [] },
  { uid: { type: 'Table', id: 't1' }, attrs: { tier }, parents: [] },
  { uid: { type: 'Table', id: 't2' }, attrs: { tier }, parents: [] },
  { uid: { type: 'Table', id: 't3' }, attrs: { tier }, parents: [] },
];

describe('DecisionEvaluator', () => {
  it("gives Cedar's effect and determining policies", () => {
    const evaluator = new DecisionEvaluator(nodeCedar);
    expect(evaluator.evaluate(BUNDLE, POLICIES, request('t1'), entities(3))).toEqual({
      kind: 'decided',
      decision: { ok: true, effect: 'allow', policies: ['tier-read'], errors: [] },
    });
    expect(evaluator.evaluate(BUNDLE, POLICIES, request('t1'), entities(1))).toEqual({
      kind: 'decided',
      decision: { ok: true, effect: 'deny', policies: [], errors: [] },
    });
  });

  it('runs Cedar once for repeated identical requests (memo hit)', () => {
    const { cedar, calls } = countingCedar(nodeCedar);
    const evaluator = new DecisionEvaluator(cedar);
    for (let i = 0; i < 50; i++) evaluator.evaluate(BUNDLE, POLICIES, request('t1'), entities(3));
    // Same content in freshly built objects: still one request.
    evaluator.evaluate(BUNDLE, POLICIES, JSON.parse(JSON.stringify(request('t1'))) as CedarRequest, entities(3));
    expect(calls.authorize).toBe(1);
    expect(calls.preparse).toBe(1);
    expect(evaluator.stats()).toEqual({
      requests: 51,
      cedarCalls: 1,
      memoHits: 50,
      sharedHits: 0,
      policySetsPrepared: 1,
    });
  });

  it('does not share a decision between different requests or different policies', () => {
    const { cedar, calls } = countingCedar(nodeCedar);
    const evaluator = new DecisionEvaluator(cedar);
    evaluator.evaluate(BUNDLE, POLICIES, request('t1'), entities(3));
    evaluator.evaluate(BUNDLE, POLICIES, request('t1'), entities(1));
    evaluator.evaluate(BUNDLE, POLICIES, request('t2'), entities(3));
    const other = hashOf('other bundle');
    const deny = evaluator.evaluate(
      other,
      { none: 'forbid(principal, action, resource);' },
      request('t1'),
      entities(3),
    );
    expect(calls.authorize).toBe(4);
    expect(deny).toMatchObject({ decision: { effect: 'deny', policies: ['none'] } });
  });

  it('keys a projected request by its entities: other entities, another answer, also once the entities table has been emptied', () => {
    const { cedar, calls } = countingCedar(nodeCedar);
    const evaluator = new DecisionEvaluator(cedar);
    // `note` is read by no policy: the memo keys these requests by the entities alone.
    const withNote = (note: number): CedarRequest => ({ ...request('t1'), context: { note } });
    const text = (e: CedarEntities) => ({ request: JSON.stringify(withNote(0)), entities: JSON.stringify(e) });
    const decide = (note: number, e: CedarEntities) =>
      evaluator.evaluateRequest(BUNDLE, POLICIES, withNote(note), e, text(e));
    expect(decide(1, entities(3))).toMatchObject({ decision: { effect: 'allow' } });
    expect(decide(2, entities(3))).toMatchObject({ decision: { effect: 'allow' } });
    expect(calls.authorize).toBe(1);
    expect(decide(3, entities(1))).toMatchObject({ decision: { effect: 'deny' } });
    expect(calls.authorize).toBe(2);
    // Fill the table of known entities to its bound, so that the next new text empties it.
    const filler = (i: number): CedarEntities => [
      ...entities(3),
      { uid: { type: 'Filler', id: String(i) }, attrs: {}, parents: [] },
    ];
    for (let i = 0; i < ENTITIES_KNOWN_MAX - 2; i++) decide(0, filler(i));
    const other: CedarEntities = [...entities(1), { uid: { type: 'Other', id: 'x' }, attrs: {}, parents: [] }];
    expect(decide(4, other)).toMatchObject({ decision: { effect: 'deny' } });
    // A number given before the table was emptied must not name these entities now.
    const again: CedarEntities = [...entities(3), { uid: { type: 'Again', id: 'y' }, attrs: {}, parents: [] }];
    expect(decide(5, again)).toMatchObject({ decision: { effect: 'allow' } });
    expect(decide(6, entities(1))).toMatchObject({ decision: { effect: 'deny' } });
    expect(decide(7, entities(3))).toMatchObject({ decision: { effect: 'allow' } });
  });

  it('keys a projected request by its principal, action and resource, however their types and ids are cut', () => {
    const { cedar, calls } = countingCedar(nodeCedar);
    const evaluator = new DecisionEvaluator(cedar);
    // One policy naming each part exactly; `note` is read by no policy, so every key is projected.
    const policies = {
      exact: 'permit(principal == A::"bc", action == Action::"go", resource == R::"xy") when { context.n == 1 };',
    };
    const all: CedarEntities = [];
    const uid = (type: string, id: string) => ({ type, id });
    const ask = (
      principal: { type: string; id: string },
      action: { type: string; id: string },
      resource: { type: string; id: string },
    ) => {
      const req: CedarRequest = { principal, action, resource, context: { n: 1, note: 'x' } };
      return evaluator.evaluateRequest(BUNDLE, policies, req, all, {
        request: JSON.stringify(req),
        entities: JSON.stringify(all),
      });
    };
    expect(ask(uid('A', 'bc'), uid('Action', 'go'), uid('R', 'xy'))).toMatchObject({ decision: { effect: 'allow' } });
    // Each differs from the allowed request in one part, some only in where a type ends and its id begins.
    const others: [string, ReturnType<typeof uid>, ReturnType<typeof uid>, ReturnType<typeof uid>][] = [
      ['another principal', uid('A', 'zz'), uid('Action', 'go'), uid('R', 'xy')],
      ['a principal cut elsewhere', uid('Ab', 'c'), uid('Action', 'go'), uid('R', 'xy')],
      ['another resource', uid('A', 'bc'), uid('Action', 'go'), uid('R', 'zz')],
      ['a resource cut elsewhere', uid('A', 'bc'), uid('Action', 'go'), uid('Rx', 'y')],
      ['another action', uid('A', 'bc'), uid('Action', 'stop'), uid('R', 'xy')],
      ['principal and resource swapped', uid('R', 'xy'), uid('Action', 'go'), uid('A', 'bc')],
    ];
    for (const [what, principal, action, resource] of others)
      expect(ask(principal, action, resource), what).toMatchObject({ decision: { effect: 'deny' } });
    expect(calls.authorize).toBe(1 + others.length);
    // An id holding what the next uid's key starts with: A::"x1:B" then C::"y" against A::"x"
    // then B::"1:Cy" (the same characters, were an id not written after its length).
    const other = new DecisionEvaluator(cedar);
    const cut = { cut: 'permit(principal == A::"x", action, resource == B::"1:Cy") when { context.n == 1 };' };
    const askCut = (principal: { type: string; id: string }, resource: { type: string; id: string }) => {
      const req: CedarRequest = { principal, action: uid('Action', 'go'), resource, context: { n: 1, note: 'x' } };
      return other.evaluateRequest(BUNDLE, cut, req, all, {
        request: JSON.stringify(req),
        entities: JSON.stringify(all),
      });
    };
    expect(askCut(uid('A', 'x'), uid('B', '1:Cy'))).toMatchObject({ decision: { effect: 'allow' } });
    expect(askCut(uid('A', 'x1:B'), uid('C', 'y'))).toMatchObject({ decision: { effect: 'deny' } });
  });

  it('answers as Cedar does for many actions under one set of entities (the table of actions emptied on the way)', () => {
    const { cedar, calls } = countingCedar(nodeCedar);
    const evaluator = new DecisionEvaluator(cedar);
    const policies = {
      even: 'permit(principal, action in [Action::"a0", Action::"a2", Action::"a4"], resource) when { context.n == 1 };',
    };
    const ask = (action: number, note: string) => {
      const req: CedarRequest = {
        ...request('t1'),
        action: { type: 'Action', id: `a${action}` },
        context: { n: 1, note },
      };
      return evaluator.evaluateRequest(BUNDLE, policies, req, entities(3), {
        request: JSON.stringify(req),
        entities: JSON.stringify(entities(3)),
      });
    };
    // More actions than one set of entities keeps (64), twice over, then the first ones again;
    // each asked again at once with another unread note: a memo hit, however full the table was.
    const effect = (action: number) => (action === 0 || action === 2 || action === 4 ? 'allow' : 'deny');
    for (const round of ['x', 'y'])
      for (let action = 0; action < 150; action++) {
        expect(ask(action, round), `a${action}`).toMatchObject({ decision: { effect: effect(action) } });
        const before = calls.authorize;
        expect(ask(action, `${round}, again`), `a${action} again`).toMatchObject({
          decision: { effect: effect(action) },
        });
        expect(calls.authorize, `a${action} again`).toBe(before);
      }
    // The table is bounded: the last actions are still known (hits), the first ones, 86 or more
    // actions ago, no longer (Cedar is asked again), and the answers stay Cedar's.
    const before = calls.authorize;
    for (let action = 140; action < 150; action++) ask(action, 'later');
    expect(calls.authorize).toBe(before);
    for (let action = 0; action < 6; action++)
      expect(ask(action, 'later'), `a${action} later`).toMatchObject({ decision: { effect: effect(action) } });
    expect(calls.authorize).toBe(before + 6);
  });

  it('keys a projected request by long entities (known by their digest) as surely as by short ones', () => {
    const { cedar, calls } = countingCedar(nodeCedar);
    const evaluator = new DecisionEvaluator(cedar);
    const long = (tier: number, note: string): CedarEntities => [
      { uid: { type: 'Agent', id: 'a' }, attrs: { tier: 2, bio: note.repeat(2000) }, parents: [] },
      { uid: { type: 'Table', id: 't1' }, attrs: { tier }, parents: [] },
    ];
    const decide = (n: number, e: CedarEntities) =>
      evaluator.evaluateRequest(BUNDLE, POLICIES, { ...request('t1'), context: { n } }, e, {
        request: JSON.stringify({ ...request('t1'), context: { n } }),
        entities: JSON.stringify(e),
      });
    expect(decide(1, long(3, 'x'))).toMatchObject({ decision: { effect: 'allow' } });
    expect(decide(2, long(3, 'x'))).toMatchObject({ decision: { effect: 'allow' } });
    expect(calls.authorize).toBe(1);
    expect(decide(3, long(1, 'x'))).toMatchObject({ decision: { effect: 'deny' } });
    expect(decide(4, long(3, 'y'))).toMatchObject({ decision: { effect: 'allow' } });
    expect(calls.authorize).toBe(3);
  });

  it('keeps the memo bounded: a cycle wider than the capacity always misses', () => {
    const { cedar, calls } = countingCedar(nodeCedar);
    const evaluator = new DecisionEvaluator(cedar, { memoCapacity: 2 });
    for (let round = 0; round < 3; round++)
      for (const t of ['t1', 't2', 't3']) evaluator.evaluate(BUNDLE, POLICIES, request(t), entities(3));
    expect(calls.authorize).toBe(9);
    evaluator.evaluate(BUNDLE, POLICIES, request('t3'), entities(3));
    expect(calls.authorize).toBe(9); // the most recent two are kept
  });

  it('turns the memo off at capacity 0', () => {
    const { cedar, calls } = countingCedar(nodeCedar);
    const evaluator = new DecisionEvaluator(cedar, { memoCapacity: 0 });
    for (let i = 0; i < 5; i++) evaluator.evaluate(BUNDLE, POLICIES, request('t1'), entities(3));
    expect(calls.authorize).toBe(5);
    expect(calls.preparse).toBe(1);
  });

  it('answers unparsable policies without calling Cedar to decide', () => {
    const { cedar, calls } = countingCedar(nodeCedar);
    const result = new DecisionEvaluator(cedar).evaluate(BUNDLE, { p: 'permit(' }, request('t1'), entities(3));
    expect(result).toMatchObject({ kind: 'unparsable', errors: [{ policyId: 'p' }] });
    expect(calls.authorize).toBe(0);
  });

  it('reports a request Cedar cannot evaluate as a result, not an exception', () => {
    const unknownFunction = { ...request('t1'), context: { at: { __extn: { fn: 'nope', arg: '1' } } } };
    const result = new DecisionEvaluator(nodeCedar).evaluate(BUNDLE, POLICIES, unknownFunction, entities(3));
    expect(result).toEqual({
      kind: 'decided',
      decision: { ok: false, error: expect.stringMatching(/extension function `nope` does not exist/) },
    });
  });
});

describe('memoKey', () => {
  it('gives two requests one key only when their canonical forms are equal, and equal requests one key', () => {
    const context = fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
    let same = 0;
    fc.assert(
      fc.property(
        context,
        context,
        fc.string({ maxLength: 3 }),
        fc.string({ maxLength: 3 }),
        fc.boolean(),
        (c1, c2, id1, id2, copy) => {
          const a = { ...request(id1), context: c1 };
          // Half the pairs are the same request built afresh: there the keys must be equal.
          const b = copy ? (JSON.parse(JSON.stringify(a)) as typeof a) : { ...request(id2), context: c2 };
          const sameKey = memoKey('s', a, entities(1)) === memoKey('s', b, entities(1));
          // Every pair is checked, both ways: a shared key means the same canonical request,
          // and the same serialized request always shares its key.
          expect(sameKey).toBe(JSON.stringify(a) === JSON.stringify(b));
          if (sameKey) same++;
          expect(!sameKey || canonicalize(a) === canonicalize(b)).toBe(true);
          if (copy) expect(sameKey).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
    expect(same).toBeGreaterThan(100);
  });

  it('depends on the policy set', () => {
    expect(memoKey('s1', request('t'), entities(1))).not.toBe(memoKey('s2', request('t'), entities(1)));
  });

  it('is the text itself up to RAW_KEY_MAX characters, its SHA-256 past it; the kinds never meet', () => {
    // A context member sized so the JSON of [request, entities] is exactly `length` characters.
    const sized = (length: number) => {
      const base = JSON.stringify([{ ...request('t'), context: { pad: '' } }, entities(1)]).length;
      return { ...request('t'), context: { pad: 'x'.repeat(length - base) } };
    };
    const atMax = sized(RAW_KEY_MAX);
    const past = sized(RAW_KEY_MAX + 1);
    expect(JSON.stringify([atMax, entities(1)])).toHaveLength(RAW_KEY_MAX);
    expect(memoKey('s', atMax, entities(1))).toBe(`s\n${JSON.stringify([atMax, entities(1)])}`);
    expect(memoKey('s', past, entities(1))).toBe(hashOf(`s\n${JSON.stringify([past, entities(1)])}`));
    // Long requests that differ only at their end get different keys, and equal ones the same.
    const longA = sized(4000);
    const longB = { ...longA, context: { pad: longA.context.pad.slice(0, -1) + 'y' } };
    expect(memoKey('s', longA, entities(1))).not.toBe(memoKey('s', longB, entities(1)));
    expect(memoKey('s', longA, entities(1))).toBe(memoKey('s', JSON.parse(JSON.stringify(longA)), entities(1)));
    // A text key has a newline then `[`; a hash key has no newline; a digest key a newline then `sha256:`.
    const digest = requestDigest(atMax, entities(1));
    const keys = [
      memoKey('s', atMax, entities(1)),
      memoKey('s', past, entities(1)),
      memoKey('s', atMax, entities(1), digest),
    ];
    expect(keys.map((k) => (k.includes('\n[') ? 'text' : k.includes('\n') ? 'digest' : 'hash'))).toEqual([
      'text',
      'hash',
      'digest',
    ]);
  });
});

describe('canonicalRequestKey', () => {
  it('is the texts up to RAW_KEY_MAX characters, their digest past it, and meets no other kind of key', () => {
    const entitiesText = canonicalize(entities(1));
    // A request text sized so that request, newline and entities are exactly `length` characters.
    const sized = (length: number) => {
      const base = canonicalize({ ...request('t'), context: { pad: '' } }).length + 1 + entitiesText.length;
      return canonicalize({ ...request('t'), context: { pad: 'x'.repeat(length - base) } });
    };
    const atMax = sized(RAW_KEY_MAX);
    const past = sized(RAW_KEY_MAX + 1);
    expect(canonicalRequestKey(atMax, entitiesText)).toBe(`canonical\n${atMax}\n${entitiesText}`);
    expect(canonicalRequestKey(past, entitiesText)).toBe(canonicalRequestDigest(past, entitiesText));
    expect(canonicalRequestDigest(past, entitiesText)).toBe(hashOf(`canonical\n${past}\n${entitiesText}`));
    // Behind a policy set id, as the evaluator keys its memo: never one of memoKey's kinds.
    const value = JSON.parse(atMax) as CedarRequest;
    const theirs = [
      memoKey('s', value, entities(1)),
      memoKey('s', value, entities(1), requestDigest(value, entities(1))),
    ];
    for (const key of [canonicalRequestKey(atMax, entitiesText), canonicalRequestKey(past, entitiesText)])
      expect(theirs).not.toContain(`s\n${key}`);
  });

  it('gives two requests one key only when both their texts are equal', () => {
    const context = fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
    fc.assert(
      fc.property(context, context, fc.nat(3), fc.nat(3), (c1, c2, t1, t2) => {
        const a: [string, string] = [canonicalize({ ...request('t'), context: c1 }), canonicalize(entities(t1))];
        const b: [string, string] = [canonicalize({ ...request('t'), context: c2 }), canonicalize(entities(t2))];
        const same = a[0] === b[0] && a[1] === b[1];
        expect(canonicalRequestKey(...a) === canonicalRequestKey(...b)).toBe(same);
      }),
      { numRuns: 300 },
    );
  });
});

describe('assertCedarReady', () => {
  it('explains a module used before init()', () => {
    const notReady = {
      getCedarVersion: () => {
        throw new TypeError("Cannot read properties of undefined (reading 'getCedarVersion')");
      },
    } as unknown as CedarModule;
    expect(() => assertCedarReady(notReady)).toThrow(/await init\(\)/);
    expect(() => new DecisionEvaluator(notReady)).toThrow(/not ready/);
  });

  it('accepts the Node module', () => {
    expect(() => assertCedarReady(nodeCedar)).not.toThrow();
  });
});

describe('memoKey with a request digest', () => {
  it('keys a request under two policy sets apart, and two requests under one set apart', () => {
    const d1 = requestDigest(request('t1'), entities(1));
    const d2 = requestDigest(request('t2'), entities(1));
    expect(d1).not.toBe(d2);
    expect(memoKey('s1', request('t1'), entities(1), d1)).not.toBe(memoKey('s2', request('t1'), entities(1), d1));
    expect(memoKey('s1', request('t1'), entities(1), d1)).not.toBe(memoKey('s1', request('t2'), entities(1), d2));
  });

  it('gives the same decisions with and without the digest', () => {
    const evaluator = new DecisionEvaluator(nodeCedar);
    for (const tier of [1, 3]) {
      const plain = evaluator.evaluate(BUNDLE, POLICIES, request('t1'), entities(tier));
      const keyed = new DecisionEvaluator(nodeCedar).evaluate(
        BUNDLE,
        POLICIES,
        request('t1'),
        entities(tier),
        requestDigest(request('t1'), entities(tier)),
      );
      expect(keyed).toEqual(plain);
    }
  });
});
