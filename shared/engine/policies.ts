/**
 * Policy bundles (FORMAT.md §4): identity `H(C(bundle))`, signatures by `policy`-role
 * keys, Cedar text that parses, and lineage (non-overlapping versions, `supersedes`
 * naming the previous version's hash).
 */
import { fromHex, utf8 } from '../format/bytes.ts';
import { canonicalize } from '../format/canonical.ts';
import type { SignatureVerifier } from '../format/ed25519.ts';
import { hashOf } from '../format/hash.ts';
import { PolicyFileSchema, validate } from '../format/schema.ts';
import { compareInstants, instantOf, type Instant } from '../format/time.ts';
import { finding, type Finding } from './findings.ts';
import type { Keyring, ResolvedBundle } from './types.ts';

/**
 * Checks that a bundle's Cedar policies parse; supplied by the caller (Cedar is injected).
 * `null`: this caller does not parse this bundle's text (`policiesParse` stays null).
 */
export type PolicyParser = (
  bundleHash: string,
  policies: Readonly<Record<string, string>>,
) =>
  | null
  | { readonly ok: true }
  | { readonly ok: false; readonly errors: readonly { readonly policyId?: string; readonly message: string }[] };

export interface BundleCheck {
  readonly bundle: ResolvedBundle | null;
  readonly anchored: boolean;
  readonly policiesParse: boolean | null;
  /** Why the policy text was not given to Cedar at all, when it was not. */
  readonly notParsed: string | null;
  readonly findings: Finding[];
}

/** Checks one `policies/<name>.json` whose JSON value has already been read. */
export function checkBundleFile(
  path: string,
  value: unknown,
  keyring: Keyring,
  verifier: SignatureVerifier,
  parser: PolicyParser | undefined,
  /**
   * Why this file's content is not what the manifest lists (unlisted, or other bytes), or
   * null when it is. Policy text is given to Cedar only when it is validly signed and listed:
   * anyone can add unsigned text to an archive, and Cedar must not be fed what nobody vouches for.
   */
  notAsListed: string | null = null,
): BundleCheck {
  const findings: Finding[] = [];
  const checked = validate(PolicyFileSchema, value);
  if (!checked.ok) {
    findings.push(finding('RECORD_MALFORMED', `${path} is not a policy bundle: ${checked.message}.`, { path }));
    return { bundle: null, anchored: false, policiesParse: null, notParsed: null, findings };
  }
  const { bundle: body, signatures } = checked.value;
  // Identity and signatures over the bundle as stored, not as the schema returns it.
  const text = canonicalize((value as { bundle: unknown }).bundle);
  const hash = hashOf(text);
  const effectiveFrom = instantOf(body.effective_from) as Instant;
  const effectiveUntil = body.effective_until ? (instantOf(body.effective_until) as Instant) : null;

  let valid = false;
  let anchored = false;
  const problems: string[] = [];
  for (const [index, s] of signatures.entries()) {
    const use = keyring.check(s.kid, 'policy', body.effective_from);
    if (!use.ok) {
      findings.push(
        finding(
          use.code,
          `Signature ${index + 1} of bundle ${body.id} v${body.version}: ${use.message}.`,
          { path },
          { bundle: hash, kid: s.kid },
        ),
      );
      problems.push(`signature ${index + 1}: ${use.message}`);
      continue;
    }
    if (verifier.verify(fromHex(s.sig), utf8(text), use.publicKey)) {
      valid = true;
      anchored ||= use.anchored;
    } else {
      problems.push(`signature ${index + 1} by key ${s.kid} does not verify`);
    }
  }
  if (!valid) {
    const why = signatures.length === 0 ? 'it has no signatures' : problems.join('; ');
    findings.push(
      finding(
        'POLICY_SIGNATURE_INVALID',
        `Bundle ${body.id} v${body.version} (${path}) has no valid signature by a policy key: ${why}.`,
        { path },
        { bundle: hash },
      ),
    );
  }
  let policiesParse: boolean | null = null;
  const notParsed = !valid ? 'it has no valid signature by a policy key' : notAsListed;
  if (parser && notParsed === null) {
    const parsed = parser(hash, body.cedar.policies);
    policiesParse = parsed?.ok ?? null;
    if (parsed && !parsed.ok) {
      for (const e of parsed.errors) {
        findings.push(
          finding(
            'POLICY_INVALID',
            `Bundle ${body.id} v${body.version}: ${e.policyId ? `policy "${e.policyId}" ` : ''}does not parse as Cedar: ${e.message}`,
            { path },
            { bundle: hash, ...(e.policyId ? { policy: e.policyId } : {}) },
          ),
        );
      }
    }
  }
  if (effectiveUntil !== null && effectiveUntil <= effectiveFrom) {
    findings.push(
      finding(
        'POLICY_LINEAGE_BROKEN',
        `Bundle ${body.id} v${body.version} ends (${body.effective_until}) before it begins (${body.effective_from}).`,
        { path },
        { bundle: hash },
      ),
    );
  }
  return {
    bundle: {
      path,
      hash,
      body,
      signatureValid: valid,
      policiesUsable: notParsed === null,
      effectiveFrom,
      effectiveUntil,
    },
    anchored,
    policiesParse,
    notParsed,
    findings,
  };
}

/**
 * Lineage of each bundle id: versions ordered by number must have increasing, non-overlapping
 * effective intervals, and each `supersedes` must be the hash of the version before it.
 * A bundle without `effective_until` is in effect indefinitely, so a later version overlaps it.
 */
export function checkLineage(bundles: readonly ResolvedBundle[]): Finding[] {
  const findings: Finding[] = [];
  const byId = new Map<string, ResolvedBundle[]>();
  for (const b of bundles) {
    const versions = byId.get(b.body.id);
    if (versions) versions.push(b);
    else byId.set(b.body.id, [b]);
  }
  for (const [id, versions] of byId) {
    versions.sort((a, b) => a.body.version - b.body.version || compareInstants(a.effectiveFrom, b.effectiveFrom));
    for (let i = 0; i < versions.length; i++) {
      const current = versions[i] as ResolvedBundle;
      const previous = versions[i - 1];
      const at = { path: current.path };
      if (!previous) {
        continue; // the oldest version here may supersede one outside this archive's period
      }
      if (previous.body.version === current.body.version) {
        findings.push(
          finding(
            'POLICY_LINEAGE_BROKEN',
            `Bundle ${id} has two different version ${current.body.version} bundles (${previous.path} and ${current.path}).`,
            at,
            { bundle: current.hash },
          ),
        );
        continue;
      }
      if (current.body.supersedes !== previous.hash) {
        findings.push(
          finding(
            'POLICY_LINEAGE_BROKEN',
            `Bundle ${id} v${current.body.version} supersedes ${current.body.supersedes ?? 'nothing (null)'}, but the previous version v${previous.body.version} has hash ${previous.hash}.`,
            at,
            { bundle: current.hash, expected: previous.hash },
          ),
        );
      }
      if (previous.effectiveUntil === null || current.effectiveFrom < previous.effectiveUntil) {
        findings.push(
          finding(
            'POLICY_LINEAGE_BROKEN',
            `Bundle ${id} v${current.body.version} takes effect at ${current.body.effective_from}, while v${previous.body.version} is still in effect (${previous.body.effective_until ? `until ${previous.body.effective_until}` : 'with no end'}).`,
            at,
            { bundle: current.hash },
          ),
        );
      }
    }
  }
  return findings;
}

/** Whether `bundle` is in effect at `at`: from `effective_from` (inclusive) to `effective_until` (exclusive). */
export function inEffect(bundle: ResolvedBundle, at: Instant): boolean {
  return at >= bundle.effectiveFrom && (bundle.effectiveUntil === null || at < bundle.effectiveUntil);
}
