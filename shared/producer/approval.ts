/**
 * Human approvals (FORMAT.md §5): an `approver`-role signature binding one person's
 * yes to one receipt id, action and resource, so it cannot be replayed on another receipt.
 */
import { nobleSigner, signCanonical, type ProducerKey, type Signer } from './keys.ts';

export interface Approval {
  readonly approver: string;
  readonly kid: string;
  readonly sig: string;
}

/** The value an approval signs: `{"action","receipt_id","resource"}`. */
export function approvalMessage(
  receiptId: string,
  actionId: string,
  resourceId: string,
): { action: string; receipt_id: string; resource: string } {
  return { action: actionId, receipt_id: receiptId, resource: resourceId };
}

/**
 * `decision.approval` for receipt `receiptId` whose request is `request`.
 * @throws TypeError when `approver` or `receiptId` is empty.
 * @example decision.approval = signApproval('controller@example.com', approverKey, id, request)
 */
export function signApproval(
  approver: string,
  key: ProducerKey,
  receiptId: string,
  request: { readonly action: { readonly id: string }; readonly resource: { readonly id: string } },
  sign: Signer = nobleSigner,
): Approval {
  if (typeof approver !== 'string' || approver.length === 0)
    throw new TypeError('signApproval: "approver" must be a non-empty string');
  if (typeof receiptId !== 'string' || receiptId.length === 0)
    throw new TypeError('signApproval: "receiptId" must be a non-empty string');
  const sig = signCanonical(approvalMessage(receiptId, request.action.id, request.resource.id), key, sign);
  return { approver, kid: key.kid, sig };
}
