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

/** Approvals whose signature checks are in flight at most, before `visit` waits for them. */
const APPROVALS_IN_FLIGHT = 256;

export const approvalCheck: ControlCheckFactory = (archive: ArchiveContext): ControlCheck => {
  const findings: Finding[] = [];
  const bulk = archive.bulkVerifier;
  // With an asynchronous verifier, answers in flight, in the order the receipts came.
  let pending: Promise<Finding | null>[] = [];
  const settle = async (): Promise<void> => {
    const batch = pending;
    pending = [];
    for (const found of await Promise.all(batch)) if (found) findings.push(found);
  };
  return {
    id: 'approval',
    name: 'human approval',
    // The keyring and the verifier only answer questions: nothing carries over.
    parallel: 'stateless',
    visit(receipt, context) {
      const question = approvalQuestion(receipt, context, archive);
      if (question === null) return undefined;
      if ('finding' in question) {
        // Decided without a signature: kept in order behind the answers in flight.
        if (pending.length > 0) pending.push(Promise.resolve(question.finding));
        else findings.push(question.finding);
        return undefined;
      }
      const { signature, message, publicKey } = question.signed;
      if (!bulk) {
        if (!archive.verifier.verify(signature, message, publicKey)) findings.push(question.invalid);
        return undefined;
      }
      pending.push(bulk.verifyAsync(signature, message, publicKey).then((ok) => (ok ? null : question.invalid)));
      return pending.length >= APPROVALS_IN_FLIGHT ? settle() : undefined;
    },
    async finish() {
      await settle();
      return findings;
    },
  };
};

/**
 * What judging a receipt's approval needs: nothing (no approval, none required), a finding
 * decided without a signature, or a signature to verify and the finding if it does not.
 */
type ApprovalQuestion =
  | null
  | { readonly finding: Finding }
  | {
      readonly signed: { readonly signature: Uint8Array; readonly message: Uint8Array; readonly publicKey: Uint8Array };
      readonly invalid: Finding;
    };

/** The approval finding for one receipt, or null when there is nothing to report. */
export function judgeApproval(receipt: Receipt, context: ReceiptContext, archive: ArchiveContext): Finding | null {
  const question = approvalQuestion(receipt, context, archive);
  if (question === null) return null;
  if ('finding' in question) return question.finding;
  const { signature, message, publicKey } = question.signed;
  return archive.verifier.verify(signature, message, publicKey) ? null : question.invalid;
}

function approvalQuestion(receipt: Receipt, context: ReceiptContext, archive: ArchiveContext): ApprovalQuestion {
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
    return {
      finding: finding(
        'APPROVAL_MISSING',
        `${subject} was allowed, but ${bundleName(bundle)} requires a human approval for ${action} and the receipt carries none.`,
        where,
        { action, bundle: bundle.hash },
      ),
    };
  }

  const signer = `the approval by ${JSON.stringify(approval.approver)} (key ${approval.kid})`;
  const key = archive.keyring.check(approval.kid, 'approver', receipt.ts);
  if (!key.ok) {
    return {
      finding: finding(
        'APPROVAL_INVALID',
        `${subject}: ${signer} cannot be accepted because of its key: ${key.message} (${key.code}).`,
        where,
        { approver: approval.approver, kid: approval.kid, problem: key.code, required },
      ),
    };
  }
  return {
    signed: { signature: fromHex(approval.sig), message: utf8(approvalMessage(receipt)), publicKey: key.publicKey },
    invalid: finding(
      'APPROVAL_INVALID',
      `${subject}: ${signer} has a signature that does not verify over this receipt's id, action and resource, so it does not prove a person approved this action.`,
      where,
      { approver: approval.approver, kid: approval.kid, problem: 'SIGNATURE_INVALID', required },
    ),
  };
}
