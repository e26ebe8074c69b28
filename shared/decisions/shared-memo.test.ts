import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nodeCedar } from '../../cli/cedar-node.ts';
import { hashOf } from '../format/hash.ts';
import type { CedarEntities, CedarRequest, Decision } from './cedar.ts';
import { countingCedar } from './cedar-counting.test-helper.ts';
import { DecisionEvaluator } from './evaluator.ts';
import { SharedDecisions } from './shared-memo.ts';

const allow = (id: string): Decision => ({ ok: true, effect: 'allow', policies: [id], errors: [] });

describe('SharedDecisions', () => {
  it('answers in one view what was stored through another view of the same buffer', () => {
    const buffer = SharedDecisions.allocate({ slots: 64, arenaBytes: 4096 });
    const a = SharedDecisions.attach(buffer);
    const b = SharedDecisions.attach(buffer);
    a.set('k1', allow('p1'));
    b.set('k2', { ok: false, error: 'Cedar could not evaluate: ünïcode 🦉' });
    expect(b.get('k1')).toEqual(allow('p1'));
    expect(a.get('k2')).toEqual({ ok: false, error: 'Cedar could not evaluate: ünïcode 🦉' });
    expect(a.get('k3')).toBeUndefined();
    expect(a.entries).toBe(2);
  });

  it('keeps keys apart that UTF-8 would not: a lone surrogate and U+FFFD', () => {
    const store = SharedDecisions.attach(SharedDecisions.allocate({ slots: 64, arenaBytes: 4096 }));
    store.set('key \ud800', allow('lone'));
    expect(store.get('key \ufffd')).toBeUndefined();
    store.set('key \ufffd', allow('replacement'));
    expect(store.get('key \ud800')).toEqual(allow('lone'));
    expect(store.get('key \ufffd')).toEqual(allow('replacement'));
  });

  it('keeps apart a long key and its prefixes, whatever was hashed before (kept buffers are reused)', () => {
    const store = SharedDecisions.attach(SharedDecisions.allocate({ slots: 64, arenaBytes: 1 << 16 }));
    const long = 'é'.repeat(5000);
    const keys = [long, long.slice(0, 2500), 'é', long.slice(0, 1024), long.slice(0, 1023), '', long + 'x'];
    // Decisions of several lengths, so that a reused copy buffer would show a longer one's tail.
    keys.forEach((key, i) => store.set(key, allow(`p${i}`.repeat(1 + (i % 3) * 40))));
    keys.forEach((key, i) => expect(store.get(key)).toEqual(allow(`p${i}`.repeat(1 + (i % 3) * 40))));
    expect(store.get(long.slice(0, 4999))).toBeUndefined();
    expect(store.entries).toBe(keys.length);
  });

  it('stops storing at three quarters of its slots, and when its arena is full, and still answers what it holds', () => {
    /** Stores `n` decisions, then counts those it answers, each checked to be the one stored. */
    const answeredOf = (store: SharedDecisions, n: number): number => {
      for (let i = 0; i < n; i++) store.set(`k${i}`, allow(`p${i}`));
      let answered = 0;
      for (let i = 0; i < n; i++) {
        const found = store.get(`k${i}`);
        if (found) {
          answered++;
          expect(found).toEqual(allow(`p${i}`));
        }
      }
      return answered;
    };
    const full = SharedDecisions.attach(SharedDecisions.allocate({ slots: 16, arenaBytes: 1 << 16 }));
    expect(answeredOf(full, 100)).toBe(12);
    expect(full.entries).toBe(12);

    const small = SharedDecisions.attach(SharedDecisions.allocate({ slots: 64, arenaBytes: 200 }));
    // About 60 bytes a decision: three fit in 200 bytes, the rest were refused.
    expect(answeredOf(small, 20)).toBe(3);
  });

  it('refuses sizes it cannot hold, and a buffer it did not make', () => {
    expect(() => SharedDecisions.allocate({ slots: 100, arenaBytes: 10 })).toThrow(/power of two/);
    expect(() => SharedDecisions.allocate({ slots: 64, arenaBytes: -1 })).toThrow(/arenaBytes/);
    expect(() => SharedDecisions.attach(new SharedArrayBuffer(16))).toThrow(/not a decision store/);
  });

  it('gives every thread the decision written under its key, with four threads writing and reading at once', async () => {
    const buffer = SharedDecisions.allocate({ slots: 1 << 14, arenaBytes: 2 << 20 });
    const bootstrap = fileURLToPath(new URL('../../cli/pool/worker-bootstrap.mjs', import.meta.url));
    const module = new URL('../../cli/pool/shared-decisions-thread.test-helper.ts', import.meta.url).href;
    const results = await Promise.all(
      [0, 1, 2, 3].map(
        (t) =>
          new Promise<{ wrong: number; found: number }>((resolve, reject) => {
            // Each thread writes its own keys and the keys every thread writes.
            const worker = new Worker(bootstrap, {
              workerData: { module, buffer, prefixes: ['common-', `own-${t}-`], count: 2000 },
            });
            worker.once('message', resolve);
            worker.once('error', reject);
          }),
      ),
    );
    for (const r of results) expect(r.wrong).toBe(0);
    // The common keys were found by threads that did not write them.
    expect(results.reduce((s, r) => s + r.found, 0)).toBeGreaterThan(2000);
    const store = SharedDecisions.attach(buffer);
    for (let i = 0; i < 2000; i += 97) expect(store.get(`common-${i}`)).toEqual(allow(`common-${i}`));
  }, 60_000);
});

const BUNDLE = hashOf('bundle');
const POLICIES = {
  'tier-read':
    'permit(principal is Agent, action == Action::"db.read", resource is Table) when { resource.tier >= principal.tier && context.hour >= 0 };',
};
const requestAt = (note: number, hour: number | string = 9): CedarRequest => ({
  principal: { type: 'Agent', id: 'a' },
  action: { type: 'Action', id: 'db.read' },
  resource: { type: 'Table', id: 't1' },
  context: { note, hour },
});
const entities = (tier: number, extra = ''): CedarEntities => [
  { uid: { type: 'Agent', id: 'a' }, attrs: { tier: 2, extra }, parents: [] },
  { uid: { type: 'Table', id: 't1' }, attrs: { tier }, parents: [] },
];

describe('DecisionEvaluator with a shared store', () => {
  const evaluate = (evaluator: DecisionEvaluator, note: number, e: CedarEntities, hour: number | string = 9) =>
    evaluator.evaluateRequest(BUNDLE, POLICIES, requestAt(note, hour), e, {
      request: JSON.stringify(requestAt(note, hour)),
      entities: JSON.stringify(e),
    });

  it("answers one evaluator's requests from what another asked Cedar, and nothing else", () => {
    const buffer = SharedDecisions.allocate({ slots: 256, arenaBytes: 1 << 16 });
    const first = countingCedar(nodeCedar);
    const second = countingCedar(nodeCedar);
    const a = new DecisionEvaluator(first.cedar, { shared: SharedDecisions.attach(buffer) });
    const b = new DecisionEvaluator(second.cedar, { shared: SharedDecisions.attach(buffer) });
    // a numbers entities(3) as its first entities, b numbers entities(1) as its first: the
    // shared store must still tell them apart (it keys by the entities' text).
    expect(evaluate(a, 1, entities(3))).toMatchObject({ decision: { effect: 'allow' } });
    expect(evaluate(b, 2, entities(1))).toMatchObject({ decision: { effect: 'deny' } });
    expect(evaluate(b, 3, entities(3))).toMatchObject({ decision: { effect: 'allow' } });
    expect(evaluate(a, 4, entities(1))).toMatchObject({ decision: { effect: 'deny' } });
    expect(first.calls.authorize + second.calls.authorize).toBe(2);
    expect(a.stats().sharedHits + b.stats().sharedHits).toBe(2);
    // The hour is read: an hour on the other side of the policy's literal (0) is another
    // request. (Hours 9 and 23 are one: see the value classes in context-reads.ts.)
    expect(evaluate(b, 5, entities(3), 23)).toMatchObject({ decision: { effect: 'allow' } });
    expect(second.calls.authorize).toBe(1);
    expect(evaluate(b, 6, entities(3), -1)).toMatchObject({ decision: { effect: 'deny' } });
    expect(second.calls.authorize).toBe(2);
  });

  it('does not share a decision with errors under a projected key', () => {
    const buffer = SharedDecisions.allocate({ slots: 256, arenaBytes: 1 << 16 });
    const first = countingCedar(nodeCedar);
    const second = countingCedar(nodeCedar);
    const a = new DecisionEvaluator(first.cedar, { shared: SharedDecisions.attach(buffer) });
    const b = new DecisionEvaluator(second.cedar, { shared: SharedDecisions.attach(buffer) });
    // A string hour: `context.hour >= 0` is an error in the policy, reported by Cedar.
    const withError = evaluate(a, 1, entities(3), 'nine');
    expect(withError).toMatchObject({ decision: { ok: true, effect: 'deny' } });
    expect((withError as unknown as { decision: { errors: string[] } }).decision.errors.length).toBe(1);
    evaluate(b, 2, entities(3), 'nine');
    expect(second.calls.authorize).toBe(1);
  });

  it('gives the same decisions as one evaluator alone', () => {
    const buffer = SharedDecisions.allocate({ slots: 1024, arenaBytes: 1 << 16 });
    const alone = new DecisionEvaluator(nodeCedar);
    const pair = [0, 1].map(() => new DecisionEvaluator(nodeCedar, { shared: SharedDecisions.attach(buffer) }));
    for (let i = 0; i < 200; i++) {
      const e = entities(1 + (i % 4), i % 7 === 0 ? 'x' : '');
      const hour = (i * 5) % 3;
      // Requests repeat every 84: the second evaluator meets again what the first asked.
      expect(evaluate(pair[Math.floor(i / 84) % 2]!, i, e, hour)).toEqual(evaluate(alone, i, e, hour));
    }
    // Each distinct request once from the store, then from its own memo: 16 of them, as hours 1
    // and 2 lie on one side of the policy's literal (0) and are one request to the memo.
    expect(pair[1]!.stats()).toMatchObject({ cedarCalls: 0, sharedHits: 16 });
  });
});
