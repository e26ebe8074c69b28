import { describe, expect, it } from 'vitest';
import { nodeCedar } from '../../cli/cedar-node.ts';
import type { Finding } from '../engine/findings.ts';
import type { ReceiptContext } from '../engine/types.ts';
import { canonicalize } from '../format/canonical.ts';
import { createDecisionCheck } from './decision-mismatch.ts';
import { PAYMENT, buildLedger, resolveBundle, testBundleBody, type ReceiptSpec } from './fixtures.test-helper.ts';

const bundle = resolveBundle(testBundleBody());

const read = (table: string, tier: number, effect: 'allow' | 'deny', policies: string[]): ReceiptSpec => ({
  request: { resource: { type: 'Table', id: table } },
  entities: [
    { uid: { type: 'Agent', id: 'support-07' }, attrs: { role: 'support', tier: 3 }, parents: [] },
    { uid: { type: 'Table', id: table }, attrs: { tier }, parents: [] },
  ],
  data: { tier },
  decision: { effect, policies },
});

/**
 * Receipts that share a request's text with another but not its recorded decision, or its
 * request but not its entities, or nothing: what a memo keyed by stored text could get wrong.
 */
const SPECS: readonly ReceiptSpec[] = [
  read('t1', 4, 'allow', ['tier-read']),
  read('t1', 4, 'allow', ['tier-read']),
  read('t1', 4, 'deny', []), // the same request and entities as the two before, another record
  read('t1', 1, 'allow', ['tier-read']), // the same request, other entities: Cedar denies
  read('t1', 1, 'deny', []),
  read('t2', 4, 'allow', []), // the right effect, the wrong policies
  PAYMENT,
  { ...PAYMENT, decision: { effect: 'deny', policies: [] } },
];

const withoutTexts = (context: ReceiptContext): ReceiptContext => ({
  path: context.path,
  line: context.line,
  ledger: context.ledger,
  hash: context.hash,
  bundle: context.bundle,
});

describe('DECISION_MISMATCH keyed by the stored texts of request and entities', () => {
  const records = buildLedger('L', bundle, SPECS);

  it('gives the findings it gives from the parsed request, one Cedar run per distinct text', () => {
    const byText = createDecisionCheck(nodeCedar);
    const byValue = createDecisionCheck(nodeCedar);
    for (const { receipt, context } of records) {
      expect(context.requestText).toBe(canonicalize(receipt.request));
      expect(context.entitiesText).toBe(canonicalize(receipt.entities));
      byText.visit(receipt, context);
      byValue.visit(receipt, withoutTexts(context));
    }
    const found = byText.finish() as readonly Finding[];
    expect(found).toEqual(byValue.finish());
    expect(found.map((f) => [f.code, f.seq])).toEqual([3, 4, 6, 8].map((seq) => ['DECISION_MISMATCH', seq]));
    // Three texts of reads (t1 with two entity sets, t2) and one payment: four Cedar runs.
    expect(byText.stats()).toMatchObject({ requests: 8, cedarCalls: 4, memoHits: 4 });
    expect(byValue.stats()).toMatchObject({ requests: 8, cedarCalls: 4, memoHits: 4 });
  });

  it('never answers one request with the decision of another whose texts only run together alike', () => {
    // "{…}\n[…]" splits one way only: canonical JSON holds no raw newline. Moving text across
    // the boundary makes another key.
    const check = createDecisionCheck(nodeCedar);
    const [first] = records;
    const context = first!.context;
    check.visit(first!.receipt, context);
    const shifted = {
      ...context,
      requestText: `${context.requestText}\n${context.entitiesText!.slice(0, 1)}`,
      entitiesText: context.entitiesText!.slice(1),
    };
    check.visit(first!.receipt, shifted);
    expect(check.stats()).toMatchObject({ requests: 2, cedarCalls: 2, memoHits: 0 });
  });
});
