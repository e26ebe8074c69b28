/**
 * A control that judges each receipt on its own (no state across receipts).
 * Such checks are trivially parallel (`stateless`): a fresh instance per segment, and
 * the segments' findings joined, give the findings of one pass.
 */
import type { Finding } from '../engine/findings.ts';
import type { ControlCheck, ControlCheckFactory, ReceiptContext } from '../engine/types.ts';
import type { Receipt } from '../format/schema.ts';

export type ReceiptRule = (receipt: Receipt, context: ReceiptContext) => Finding | null;

export function receiptRuleCheck(id: string, name: string, rule: ReceiptRule): ControlCheckFactory {
  return (): ControlCheck => {
    const findings: Finding[] = [];
    return {
      id,
      name,
      parallel: 'stateless',
      visit(receipt, context) {
        const found = rule(receipt, context);
        if (found) findings.push(found);
      },
      finish: () => findings,
    };
  };
}
