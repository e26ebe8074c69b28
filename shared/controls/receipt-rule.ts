/**
 * A control that judges each receipt on its own (no state across receipts).
 * Such checks are trivially parallel: any split of the receipts gives the same findings.
 */
import type { Finding } from '../engine/findings.ts';
import type { ControlCheck, ControlCheckFactory, ReceiptContext } from '../engine/types.ts';
import type { Receipt } from '../format/schema.ts';

export type ReceiptRule = (receipt: Receipt, context: ReceiptContext) => Finding | null;

export function receiptRuleCheck(name: string, rule: ReceiptRule): ControlCheckFactory {
  return (): ControlCheck => {
    const findings: Finding[] = [];
    return {
      name,
      visit(receipt, context) {
        const found = rule(receipt, context);
        if (found) findings.push(found);
      },
      finish: () => findings,
    };
  };
}
