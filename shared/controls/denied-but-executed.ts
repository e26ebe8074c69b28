/**
 * `DENIED_BUT_EXECUTED` (FORMAT.md §7): the gate recorded `deny`, so the action must not
 * have run; any `exec.status` other than `blocked` means it ran (or was attempted) anyway.
 */
import { finding, type Finding } from '../engine/findings.ts';
import type { ReceiptContext } from '../engine/types.ts';
import type { Receipt } from '../format/schema.ts';
import { receiptLocation, receiptName } from './location.ts';
import { receiptRuleCheck } from './receipt-rule.ts';

export function deniedButExecuted(receipt: Receipt, context: ReceiptContext): Finding | null {
  if (receipt.decision.effect !== 'deny' || receipt.exec.status === 'blocked') return null;
  return finding(
    'DENIED_BUT_EXECUTED',
    `${receiptName(receipt, context)}: the gate denied ${receipt.request.action.id} on ${receipt.request.resource.id} for agent ${receipt.agent.id}, so the action should have been blocked, but its execution status is "${receipt.exec.status}".`,
    receiptLocation(receipt, context),
    { effect: 'deny', status: receipt.exec.status },
  );
}

export const deniedButExecutedCheck = receiptRuleCheck('denied-but-executed', 'denied but executed', deniedButExecuted);
