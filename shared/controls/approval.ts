/**
 * `APPROVAL_MISSING` and `APPROVAL_INVALID` (FORMAT.md §3, §5, §7).
 *
 * An action the bundle lists in `approval_required` may only be allowed with a human
 * approval: an `approver`-role signature over
 * `C({"action": request.action.id, "receipt_id": id, "resource": request.resource.id})`.
 * Every approval present is checked, required or not: FORMAT.md §3 makes a bad approver
 * signature `APPROVAL_INVALID` wherever it appears, and a forged approval is worth
 * knowing about even on an action that did not need one.
 *
 * The key is judged at the receipt's `ts` (the approval carries no time of its own).
 * A key that is valid but anchored in an untrusted root is not reported here: the engine
 * reports `KEY_UNTRUSTED_ROOT` for everything that depends on it.
 */
import { finding, type Finding } from '../engine/findings.ts';
import type { ArchiveContext, ControlCheck, ControlCheckFactory, ReceiptContext } from '../engine/types.ts';
import { fromHex, utf8 } from '../format/bytes.ts';
import { canonicalize } from '../format/canonical.ts';
import type { Receipt } from '../format/schema.ts';
import { bundleName, receiptLocation, receiptName } from './location.ts';

/** The bytes an approver signs for `receipt` (FORMAT.md §5). */
export function approvalMessage(receipt: Pick<Receipt, 'id' | 'request'>): string {
  return canonicalize({
    action: receipt.request.action.id,
    receipt_id: receipt.id,
    resource: receipt.request.resource.id,
  });
}

export const approvalCheck: ControlCheckFactory = (archive: ArchiveContext): ControlCheck => {
  const findings: Finding[] = [];
  return {
    id: 'approval',
    name: 'human approval',
    // The keyring and the verifier only answer questions: nothing carries over.
    parallel: 'stateless',
    visit(receipt, context) {
      const found = judgeApproval(receipt, context, archive);
      if (found) findings.push(found);
    },
    finish: () => findings,
  };
};

/** The approval finding for one receipt, or null when there is nothing to report. */
export function judgeApproval(receipt: Receipt, context: ReceiptContext, archive: ArchiveContext): Finding | null {
  const approval = receipt.decision.approval;
  const action = receipt.request.action.id;
  const bundle = context.bundle;
  const required =
    receipt.decision.effect === 'allow' &&
    bundle !== undefined &&
    (bundle.body.approval_required ?? []).includes(action);
  const where = receiptLocation(receipt, context);
  const subject = `${receiptName(receipt, context)}: ${action} on ${receipt.request.resource.id} for agent ${receipt.agent.id}`;

  if (!approval) {
    if (!required || !bundle) return null;
    return finding(
      'APPROVAL_MISSING',
      `${subject} was allowed, but ${bundleName(bundle)} requires a human approval for ${action} and the receipt carries none.`,
      where,
      { action, bundle: bundle.hash },
    );
  }

  const signer = `the approval by ${JSON.stringify(approval.approver)} (key ${approval.kid})`;
  const key = archive.keyring.check(approval.kid, 'approver', receipt.ts);
  if (!key.ok) {
    return finding(
      'APPROVAL_INVALID',
      `${subject}: ${signer} cannot be accepted because of its key: ${key.message} (${key.code}).`,
      where,
      { approver: approval.approver, kid: approval.kid, problem: key.code, required },
    );
  }
  const valid = archive.verifier.verify(fromHex(approval.sig), utf8(approvalMessage(receipt)), key.publicKey);
  if (valid) return null;
  return finding(
    'APPROVAL_INVALID',
    `${subject}: ${signer} has a signature that does not verify over this receipt's id, action and resource, so it does not prove a person approved this action.`,
    where,
    { approver: approval.approver, kid: approval.kid, problem: 'SIGNATURE_INVALID', required },
  );
}
