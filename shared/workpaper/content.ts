/**
 * The workpaper's content (the statement's predicate), built from a verification report
 * and what the auditor did. snake_case: it is a JSON edge. Its `verification.summary` is
 * exactly the `summary` of `tickmark verify --json` for the same archive; it says in
 * `scope` what was verified and what was not.
 */
import { findingJson } from '../engine/finding-json.ts';
import type { VerifyReport } from '../engine/types.ts';
import { WORKPAPER_FORMAT } from './workpaper.ts';

export interface SampleRecord {
  readonly control: string;
  readonly population: {
    readonly definition: string;
    readonly count: number;
    readonly completeness: Record<string, unknown>;
  };
  readonly seed: string;
  readonly method: string;
  readonly size: number;
  readonly sizing: Record<string, unknown> | null;
  readonly items: readonly {
    readonly receipt: string | null;
    readonly ledger: string;
    readonly hash: string;
    readonly score: string;
    readonly results: Readonly<Record<string, string | null>>;
    readonly note: string;
  }[];
  readonly evaluation: {
    readonly deviations: number;
    readonly confidence: string;
    readonly tolerable_rate: string | null;
    readonly upper_deviation_limit: string;
    readonly within_tolerable: boolean | null;
  } | null;
}

export interface WorkpaperInput {
  readonly tool: { readonly name: string; readonly version: string };
  readonly createdAt: string;
  readonly engagement: {
    readonly name: string;
    readonly client: string;
    readonly periodFrom: string | null;
    readonly periodTo: string | null;
  };
  readonly preparer: string;
  readonly archive: {
    readonly name: string;
    /** Hex SHA-256 of the archive file's bytes. */
    readonly sha256: string;
    readonly bytes: number;
    /** Hex SHA-256 of manifest.json as stored, or null when there is none. */
    readonly manifestSha256: string | null;
  };
  readonly trustedRoots: readonly string[];
  readonly report: VerifyReport;
  readonly reconstructions: readonly Record<string, unknown>[];
  readonly policyDiffs: readonly Record<string, unknown>[];
  readonly samples: readonly SampleRecord[];
  readonly conclusions: readonly { readonly control: string; readonly conclusion: string; readonly note: string }[];
}

export function buildPredicate(input: WorkpaperInput): Record<string, unknown> {
  const r = input.report;
  const ran = r.checks.filter((c) => c.status === 'ran').map((c) => c.check);
  const notChecked = r.checks
    .filter((c) => c.status !== 'ran')
    .map((c) => ({ check: c.check, reason: c.reason ?? '' }));
  return {
    format: WORKPAPER_FORMAT,
    tool: input.tool,
    created_at: input.createdAt,
    engagement: {
      name: input.engagement.name,
      client: input.engagement.client,
      period: { from: input.engagement.periodFrom, to: input.engagement.periodTo },
    },
    preparer: input.preparer,
    archive: {
      file: { name: input.archive.name, sha256: input.archive.sha256, bytes: input.archive.bytes },
      manifest_sha256: input.archive.manifestSha256,
      archive_id: r.archive?.archive_id ?? null,
      organization: r.archive?.organization ?? null,
      period: r.archive?.period ?? null,
      producer: r.archive?.producer ?? null,
    },
    trust_anchors: [...input.trustedRoots].sort().map((k) => ({ public_key: k })),
    verification: {
      summary: r.summary,
      ledgers: r.ledgers.map((l) => ({
        ledger: l.ledger,
        state: l.state,
        reason: l.stateReason,
        receipts: l.receipts,
        first_seq: l.firstSeq,
        last_seq: l.lastSeq,
        sealed_seq: l.sealedSeq,
        checkpoints: l.checkpoints,
        claimed: l.claimed,
        proven: l.proven,
      })),
      bundles: r.bundles.map((b) => ({
        path: b.path,
        id: b.id,
        version: b.version,
        hash: b.hash,
        signature_valid: b.signatureValid,
      })),
      findings: r.findings.map(findingJson),
    },
    scope: {
      verified: ran,
      not_checked: notChecked,
      statement:
        notChecked.length === 0
          ? 'Every check of this verifier ran on the whole archive.'
          : `Not every check ran: ${notChecked.map((c) => `${c.check} (${c.reason})`).join('; ')}.`,
      trust: r.summary.trusted
        ? 'Every root key in the archive is one of the trust anchors above.'
        : 'NOT every root key in the archive is a trust anchor: results that depend on the others are not anchored.',
    },
    reconstructions: input.reconstructions,
    policy_diffs: input.policyDiffs,
    samples: input.samples,
    conclusions: input.conclusions,
  };
}
