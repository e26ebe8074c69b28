/**
 * `readForReplay` reads a line one of two ways: one scan when the line is its own canonical form,
 * a whole parse otherwise. Both must read every line alike (the bundle its decision names, whether
 * it is a request to replay, its ledger and seq, and what the replay gives), or an archive whose
 * producer writes its lines another way (or a store holding them so) would count differently.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeCedar } from '../../cli/cedar-node.ts';
import { canonicalize } from '../format/canonical.ts';
import { side } from './bundle-side.test-helper.ts';
import { ImpactCollector } from './impact.ts';
import { readForReplay, replayLines, requestOfText } from './replay.ts';

const FROM = side(`sha256:${'1'.repeat(64)}`, {
  small: 'permit (principal, action == Action::"pay", resource) when { context.amount < 1000 };',
});
const TO = side(`sha256:${'2'.repeat(64)}`, {
  smaller: 'permit (principal, action == Action::"pay", resource) when { context.amount < 100 };',
  reads: 'permit (principal, action == Action::"read", resource);',
});

function receipt(n: number, amount: number, action = 'pay'): Record<string, unknown> {
  return {
    decision: { bundle: n % 3 === 0 ? FROM.hash : TO.hash, effect: 'allow', policies: ['small'] },
    entities: [{ uid: { type: 'Agent', id: `a${n % 4}` }, attrs: { tier: n % 2 }, parents: [] }],
    id: `r-${n}`,
    ledger: n % 2 ? 'gw-東京-2' : 'gw-fra-1',
    request: {
      action: { type: 'Action', id: action },
      context: { amount },
      principal: { type: 'Agent', id: `a${n % 4}` },
      resource: { type: 'Store', id: 'ledger' },
    },
    seq: n + 1,
    ts: '2026-03-01T00:00:00Z',
  };
}

/** What a read gives, without its replay closure. */
const read = (text: string) => {
  const line = readForReplay(text, true);
  return { bundle: line.bundle, receipt: line.receipt && { ledger: line.receipt.ledger, seq: line.receipt.seq } };
};

/** The same value written another way: indented (whitespace), so never its own canonical form. */
const spaced = (value: unknown) => JSON.stringify(value, null, 1);

describe('readForReplay', () => {
  it('reads a canonical line and the same value written otherwise alike, shape by shape', () => {
    const base = receipt(7, 500);
    const shapes: Record<string, unknown>[] = [
      base,
      { ...base, seq: -1 },
      { ...base, seq: 1.5 },
      { ...base, seq: '8' },
      { ...base, id: 8 },
      { ...base, ledger: null },
      { ...base, request: null },
      { ...base, request: [] },
      { ...base, entities: {} },
      { ...base, decision: [] },
      { ...base, decision: { bundle: 5 } },
      { ...base, decision: 'allow' },
      Object.fromEntries(Object.entries(base).filter(([k]) => k !== 'decision')),
      Object.fromEntries(Object.entries(base).filter(([k]) => k !== 'entities')),
    ];
    for (const value of shapes) {
      const canonical = canonicalize(value);
      const expected = requestOfText(canonical);
      const named = (value.decision as { bundle?: unknown } | undefined)?.bundle;
      expect(read(canonical)).toEqual(read(spaced(value)));
      expect(read(canonical)).toEqual({
        bundle: typeof named === 'string' ? named : null,
        receipt: expected ? { ledger: expected.ledger, seq: expected.seq } : null,
      });
    }
    for (const text of ['', 'not json', '[]', 'null', '"x"', '{"decision":{"bundle":"b"}}'])
      expect(read(text).receipt).toBeNull();
    expect(read('{"decision":{"bundle":"b"}}').bundle).toBe('b');
    // Without `withBundle`, the bundle is not read.
    expect(readForReplay(canonicalize(base)).bundle).toBeNull();
  });

  it('gives the same impact for canonical lines as for the same receipts written otherwise', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2000 }), fc.constantFrom('pay', 'read', 'drop')), {
          minLength: 1,
          maxLength: 40,
        }),
        async (items) => {
          const values = items.map(([amount, action], n) => receipt(n, amount, action));
          const impactOf = async (texts: string[]) => {
            const collector = new ImpactCollector(nodeCedar, FROM, TO);
            const enc = new TextEncoder();
            const lines = (async function* () {
              for (const [i, text] of texts.entries())
                yield { kind: 'line' as const, line: i + 1, bytes: enc.encode(text) };
            })();
            const notRead = await replayLines(lines, collector);
            return { notRead, result: collector.result() };
          };
          const canonical = await impactOf(values.map((v) => canonicalize(v)));
          const otherwise = await impactOf(values.map(spaced));
          expect(canonical.result.evaluated).toBe(values.length);
          expect({ ...canonical.result, cedarCalls: 0 }).toEqual({ ...otherwise.result, cedarCalls: 0 });
          expect(canonical.notRead).toBe(0);
          expect(otherwise.notRead).toBe(0);
        },
      ),
      { numRuns: 25 },
    );
  });
});
