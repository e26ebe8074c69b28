/** The `tickmark policy-diff --json` object: snake_case at this edge, every member of the shape present. */
import type { BundleDiff, BundleSide } from './diff.ts';
import type { Impact } from './impact.ts';

export const POLICY_DIFF_FORMAT = 'tickmark.policy-diff.v1';

function side(s: BundleSide) {
  return {
    hash: s.hash,
    id: s.body.id,
    version: s.body.version,
    path: s.path,
    in_archive: s.inArchive,
    signature_valid: s.signatureValid,
    signers: s.signers,
  };
}

export function policyDiffJson(diff: BundleDiff, impact: Impact): Record<string, unknown> {
  return {
    format: POLICY_DIFF_FORMAT,
    from: side(diff.from),
    to: side(diff.to),
    fields: diff.fields,
    policies: {
      added: diff.policies.added,
      removed: diff.policies.removed,
      changed: diff.policies.changed,
      unchanged: diff.policies.unchanged,
      unchanged_after_formatting: diff.policies.unchangedAfterFormatting,
    },
    policy_diffs: diff.perPolicy.map((p) => ({
      id: p.id,
      change: p.change,
      from_text: p.fromText,
      to_text: p.toText,
      formatted: p.formatted,
      lines: p.lines,
      from_scope: p.fromScope,
      to_scope: p.toScope,
      scope_changed: p.scopeChanged,
    })),
    impact: {
      evaluated: impact.evaluated,
      unchanged: impact.unchanged,
      errors: impact.errors,
      error_count: impact.errorCount,
      changed: impact.changed.map((c) => ({
        receipt: c.receipt,
        ledger: c.ledger,
        seq: c.seq,
        action: c.action,
        kind: c.kind,
        from: c.from,
        to: c.to,
      })),
      counts: {
        allow_to_deny: impact.counts.allowToDeny,
        deny_to_allow: impact.counts.denyToAllow,
        other_policies: impact.counts.otherPolicies,
      },
      by_policy: impact.byPolicy,
      by_action: Object.fromEntries(
        Object.entries(impact.byAction).map(([k, v]) => [
          k,
          { allow_to_deny: v.allowToDeny, deny_to_allow: v.denyToAllow, other_policies: v.otherPolicies },
        ]),
      ),
      cedar_calls: impact.cedarCalls,
    },
  };
}
