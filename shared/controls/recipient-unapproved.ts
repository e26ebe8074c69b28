/**
 * `RECIPIENT_UNAPPROVED` (FORMAT.md §7): personal data that actually left (status `ok`)
 * for a recipient the bundle in force does not list in `data_handling.approved_recipients`.
 * A bundle without that list approves no one. Receipts whose bundle is unknown are
 * skipped: there is no list to compare with, and the engine reports `POLICY_UNKNOWN`.
 */
import { finding, type Finding } from '../engine/findings.ts';
import type { ReceiptContext } from '../engine/types.ts';
import type { Receipt } from '../format/schema.ts';
import { bundleName, listOrNone, receiptLocation, receiptName } from './location.ts';
import { receiptRuleCheck } from './receipt-rule.ts';

export function recipientUnapproved(receipt: Receipt, context: ReceiptContext): Finding | null {
  const { personal, recipient } = receipt.data;
  const bundle = context.bundle;
  if (!bundle || personal.length === 0 || recipient === null || receipt.exec.status !== 'ok') return null;
  const approved = bundle.body.data_handling?.approved_recipients ?? [];
  if (approved.includes(recipient)) return null;
  return finding(
    'RECIPIENT_UNAPPROVED',
    `${receiptName(receipt, context)}: agent ${receipt.agent.id} sent personal data (${personal.join(', ')}) of ${receipt.data.subjects.length} data subject(s) to ${recipient}, which is not an approved recipient under ${bundleName(bundle)} (approved: ${listOrNone(approved)}).`,
    receiptLocation(receipt, context),
    { recipient, personal, approved },
  );
}

export const recipientUnapprovedCheck = receiptRuleCheck(
  'recipient-unapproved',
  'recipient approval',
  recipientUnapproved,
);
