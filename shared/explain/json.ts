/**
 * The `tickmark explain --json` object: camelCase inside, snake_case at this edge. Every
 * member named by the shape is always present (null where it does not apply), so a
 * CI script can read it without guarding each step.
 */
import { findingJson } from '../engine/finding-json.ts';
import type { Explanation, IoItem, KeyEvidence } from './explain.ts';

export const EXPLAIN_FORMAT = 'tickmark.explain.v1';

export function explanationJson(e: Explanation): Record<string, unknown> {
  const d = e.decision;
  return {
    format: EXPLAIN_FORMAT,
    source: e.source,
    holds: e.holds,
    receipt: {
      id: e.receipt.id,
      ledger: e.receipt.ledger,
      seq: e.receipt.seq,
      hash: e.receipt.hash,
      ts: e.receipt.ts,
      path: e.receipt.path,
      line: e.receipt.line,
    },
    malformed: e.malformed,
    intent: e.intent,
    data: {
      tier: e.data.tier,
      tier_name: e.data.tierName,
      personal: e.data.personal,
      undeclared_personal: e.data.undeclaredPersonal,
      subjects: e.data.subjects,
      recipient: e.data.recipient,
      recipient_approved: e.data.recipientApproved,
    },
    io: e.io
      ? {
          input: ioJson(e.io.input),
          reasoning: ioJson(e.io.reasoning),
          output: ioJson(e.io.output),
          reasoning_summary: e.io.reasoningSummary,
        }
      : null,
    decision: d
      ? {
          bundle: {
            hash: d.bundle.hash,
            id: d.bundle.id,
            version: d.bundle.version,
            path: d.bundle.path,
            found: d.bundle.found,
            effective_from: d.bundle.effectiveFrom,
            effective_until: d.bundle.effectiveUntil,
            in_effect: d.bundle.inEffect,
            signature_valid: d.bundle.signatureValid,
            signers: d.bundle.signers.map((s) => ({
              kid: s.kid,
              valid: s.valid,
              anchored: s.anchored,
              problem: s.problem,
            })),
          },
          recorded: d.recorded,
          replayed: d.replayed ? { effect: d.replayed.effect, policies: d.replayed.policies } : null,
          replay_errors: d.replayed?.errors ?? [],
          not_replayed: d.notReplayed,
          agrees: d.agrees,
          policies: d.policies.map((p) => ({
            id: p.id,
            effect: p.effect,
            determining: p.determining,
            status: p.status,
            errors: p.errors,
            text: p.text,
            formatted: p.formatted,
          })),
        }
      : null,
    approval: e.approval
      ? {
          required: e.approval.required,
          present: e.approval.present,
          approver: e.approval.approver,
          key: e.approval.key ? keyJson(e.approval.key) : null,
          signature_valid: e.approval.signatureValid,
        }
      : null,
    transaction: e.transaction
      ? {
          id: e.transaction.id,
          steps: e.transaction.steps.map((s) => ({
            receipt: s.receipt,
            ledger: s.ledger,
            seq: s.seq,
            step: s.step,
            end: s.end,
            effect: s.effect,
            status: s.status,
            ts: s.ts,
            hash: s.hash,
          })),
        }
      : null,
    evidence: {
      signature: e.evidence.signature,
      key: e.evidence.key ? keyJson(e.evidence.key) : null,
      chain: {
        prev: e.evidence.chain.prev,
        previous: e.evidence.chain.previous
          ? 'first' in e.evidence.chain.previous
            ? { first: true, linked: e.evidence.chain.previous.linked }
            : neighbour(e.evidence.chain.previous)
          : null,
        next: e.evidence.chain.next ? neighbour(e.evidence.chain.next) : null,
      },
      checkpoint: e.evidence.checkpoint,
      file: e.evidence.file,
      manifest: {
        present: e.evidence.manifest.present,
        signature_valid: e.evidence.manifest.signatureValid,
        anchored: e.evidence.manifest.anchored,
      },
      exec: e.evidence.exec,
    },
    findings: e.findings.map(findingJson),
    checks: e.checks,
  };
}

function neighbour(n: { id: string; ledger: string; seq: number; hash: string; ts: string; linked: boolean }) {
  return { receipt: n.id, ledger: n.ledger, seq: n.seq, hash: n.hash, ts: n.ts, linked: n.linked };
}

function ioJson(item: IoItem) {
  return {
    hash: item.hash,
    attachment: item.attachment
      ? {
          path: item.attachment.path,
          size: item.attachment.size,
          matched: item.attachment.matched,
          kind: item.attachment.kind,
          content: item.attachment.content,
          truncated: item.attachment.truncated,
        }
      : null,
  };
}

function keyJson(k: KeyEvidence) {
  return {
    kid: k.kid,
    listed: k.listed,
    roles: k.roles,
    public_key: k.publicKey,
    not_before: k.notBefore,
    not_after: k.notAfter,
    certified_by: k.certifiedBy,
    root_pinned: k.rootPinned,
    revocation: k.revocation
      ? { revoked_at: k.revocation.revokedAt, reason: k.revocation.reason, by: k.revocation.by }
      : null,
    usable: k.usable,
    anchored: k.anchored,
    problem: k.problem,
  };
}
