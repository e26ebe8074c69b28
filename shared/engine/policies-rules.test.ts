/**
 * Policy bundles' rules one at a time (shared/engine/policies.ts, FORMAT.md §4), each with its
 * code, exact message, location and detail: the file's shape, each signature (refused key, bad
 * signature), when Cedar is given the text and what its errors become, an interval that ends
 * before it begins, the lineage of versions, and when a bundle is in effect.
 */
import { describe, expect, it } from 'vitest';
import { fromHex } from '../format/bytes.ts';
import { canonicalize } from '../format/canonical.ts';
import { nobleStrictVerifier } from '../format/ed25519.ts';
import { hashOf } from '../format/hash.ts';
import type { BundleBody } from '../format/schema.ts';
import { instantOf, type Instant } from '../format/time.ts';
import { keyFromSeed, type ProducerKey } from '../producer/keys.ts';
import { signBundle } from '../producer/policy.ts';
import { checkBundleFile, checkLineage, inEffect, type PolicyParser } from './policies.ts';
import type { KeyUse, Keyring, ResolvedBundle } from './types.ts';

const p1 = keyFromSeed('policies-rules/p1');
const p2 = keyFromSeed('policies-rules/p2');
const PATH = 'policies/access-v2.json';
const h = (c: string) => `sha256:${c.repeat(64)}`;
const at = (t: string) => instantOf(t) as Instant;

const body = (over: Partial<BundleBody> = {}): BundleBody => ({
  id: 'access',
  version: 2,
  effective_from: '2026-01-01T00:00:00Z',
  effective_until: '2026-07-01T00:00:00Z',
  supersedes: h('a'),
  cedar: { policies: { allow: 'permit(principal, action, resource);' } },
  ...over,
});

/** A keyring that knows `keys` as policy keys (anchored or not) and refuses any other kid. */
function keyringOf(keys: readonly ProducerKey[], anchored = true, asked: unknown[][] = []): Keyring {
  return {
    check(kid, role, time): KeyUse {
      asked.push([kid, role, time]);
      const key = keys.find((k) => k.kid === kid);
      return key
        ? { ok: true, publicKey: fromHex(key.publicKey), anchored }
        : { ok: false, code: 'KEY_UNKNOWN', message: `key ${kid} is not in keys.json` };
    },
  };
}
const parses: PolicyParser = () => ({ ok: true });

describe('checkBundleFile', () => {
  it('a bundle signed by a policy key: resolved, anchored as the key is, parsed, no finding', () => {
    const { file, hash } = signBundle(body(), [p1]);
    const asked: unknown[][] = [];
    const seen: unknown[][] = [];
    const parser: PolicyParser = (...args) => (seen.push(args), { ok: true });
    const r = checkBundleFile(PATH, file, keyringOf([p1], true, asked), nobleStrictVerifier, parser);
    expect(r).toEqual({
      bundle: {
        path: PATH,
        hash,
        body: file.bundle,
        signatureValid: true,
        policiesUsable: true,
        effectiveFrom: at('2026-01-01T00:00:00Z'),
        effectiveUntil: at('2026-07-01T00:00:00Z'),
      },
      anchored: true,
      policiesParse: true,
      notParsed: null,
      findings: [],
    });
    expect(asked).toEqual([[p1.kid, 'policy', '2026-01-01T00:00:00Z']]);
    expect(seen).toEqual([[hash, file.bundle.cedar.policies]]);
    expect(checkBundleFile(PATH, file, keyringOf([p1], false), nobleStrictVerifier, parses).anchored).toBe(false);
  });

  it('its identity is the hash of the bundle as stored, unknown members included', () => {
    const stored = { ...body(), note: 'kept' };
    const { file } = signBundle(stored as BundleBody, [p1]);
    const r = checkBundleFile(PATH, file, keyringOf([p1]), nobleStrictVerifier, parses);
    expect(r.bundle?.hash).toBe(hashOf(canonicalize(stored)));
    expect(r.bundle?.signatureValid).toBe(true);
  });

  it('not a policy file: RECORD_MALFORMED naming the field; nothing resolved', () => {
    const { file } = signBundle(body(), [p1]);
    expect(
      checkBundleFile(PATH, { ...file, signatures: 'none' }, keyringOf([p1]), nobleStrictVerifier, parses),
    ).toEqual({
      bundle: null,
      anchored: false,
      policiesParse: null,
      notParsed: null,
      findings: [
        {
          code: 'RECORD_MALFORMED',
          severity: 'critical',
          message: `${PATH} is not a policy bundle: field "signatures": Invalid input: expected array, received string.`,
          path: PATH,
        },
      ],
    });
  });

  it('a signature by a key the keyring refuses: its code and message, then POLICY_SIGNATURE_INVALID; Cedar is not asked', () => {
    const { file, hash } = signBundle(body(), [p2]);
    let parsed = 0;
    const r = checkBundleFile(PATH, file, keyringOf([p1]), nobleStrictVerifier, () => (parsed++, { ok: true }));
    expect(r.findings).toEqual([
      {
        code: 'KEY_UNKNOWN',
        severity: 'critical',
        message: `Signature 1 of bundle access v2: key ${p2.kid} is not in keys.json.`,
        path: PATH,
        detail: { bundle: hash, kid: p2.kid },
      },
      {
        code: 'POLICY_SIGNATURE_INVALID',
        severity: 'critical',
        message: `Bundle access v2 (${PATH}) has no valid signature by a policy key: signature 1: key ${p2.kid} is not in keys.json.`,
        path: PATH,
        detail: { bundle: hash },
      },
    ]);
    expect(parsed).toBe(0);
    expect(r.policiesParse).toBeNull();
    expect(r.notParsed).toBe('it has no valid signature by a policy key');
    expect(r.anchored).toBe(false);
    expect(r.bundle?.signatureValid).toBe(false);
    expect(r.bundle?.policiesUsable).toBe(false);
  });

  it('each signature that fails is named in the one POLICY_SIGNATURE_INVALID, in order', () => {
    const { file, hash } = signBundle(body(), [p1, p2]);
    const forged = { ...file, bundle: { ...file.bundle, version: 3 } };
    const r = checkBundleFile(PATH, forged, keyringOf([p1, p2]), nobleStrictVerifier, parses);
    const forgedHash = hashOf(canonicalize(forged.bundle));
    expect(forgedHash).not.toBe(hash);
    expect(r.findings).toEqual([
      {
        code: 'POLICY_SIGNATURE_INVALID',
        severity: 'critical',
        message: `Bundle access v3 (${PATH}) has no valid signature by a policy key: signature 1 by key ${p1.kid} does not verify; signature 2 by key ${p2.kid} does not verify.`,
        path: PATH,
        detail: { bundle: forgedHash },
      },
    ]);
  });

  it('no signatures at all: POLICY_SIGNATURE_INVALID saying so', () => {
    const { file, hash } = signBundle(body(), [p1]);
    const r = checkBundleFile(PATH, { ...file, signatures: [] }, keyringOf([p1]), nobleStrictVerifier, parses);
    expect(r.findings).toEqual([
      {
        code: 'POLICY_SIGNATURE_INVALID',
        severity: 'critical',
        message: `Bundle access v2 (${PATH}) has no valid signature by a policy key: it has no signatures.`,
        path: PATH,
        detail: { bundle: hash },
      },
    ]);
  });

  it('one valid signature is enough, anchored when any valid one is; a refused one is still reported', () => {
    const { file, hash } = signBundle(body(), [p2, p1]);
    const unanchored = keyringOf([p2], false);
    const mixed: Keyring = {
      check: (kid, role, time) =>
        kid === p1.kid ? keyringOf([p1], true).check(kid, role, time) : unanchored.check(kid, role, time),
    };
    const r = checkBundleFile(PATH, file, mixed, nobleStrictVerifier, parses);
    expect(r.findings).toEqual([]);
    expect(r.anchored).toBe(true);
    expect(r.bundle?.signatureValid).toBe(true);
    const refusedFirst = checkBundleFile(PATH, file, keyringOf([p1], false), nobleStrictVerifier, parses);
    expect(refusedFirst.anchored).toBe(false);
    expect(refusedFirst.bundle?.signatureValid).toBe(true);
    expect(refusedFirst.findings).toEqual([
      {
        code: 'KEY_UNKNOWN',
        severity: 'critical',
        message: `Signature 1 of bundle access v2: key ${p2.kid} is not in keys.json.`,
        path: PATH,
        detail: { bundle: hash, kid: p2.kid },
      },
    ]);
  });

  it('text not as the manifest lists it is not given to Cedar, and says why', () => {
    const { file } = signBundle(body(), [p1]);
    let parsed = 0;
    const r = checkBundleFile(
      PATH,
      file,
      keyringOf([p1]),
      nobleStrictVerifier,
      () => (parsed++, { ok: true }),
      'it is not in the manifest',
    );
    expect(parsed).toBe(0);
    expect(r.policiesParse).toBeNull();
    expect(r.notParsed).toBe('it is not in the manifest');
    expect(r.bundle?.policiesUsable).toBe(false);
    expect(r.bundle?.signatureValid).toBe(true);
    expect(r.findings).toEqual([]);
  });

  it('without a parser nothing is parsed, and the text is still usable', () => {
    const { file } = signBundle(body(), [p1]);
    const r = checkBundleFile(PATH, file, keyringOf([p1]), nobleStrictVerifier, undefined);
    expect(r.policiesParse).toBeNull();
    expect(r.notParsed).toBeNull();
    expect(r.bundle?.policiesUsable).toBe(true);
  });

  it("Cedar's errors: POLICY_INVALID each, naming the policy when Cedar does", () => {
    const { file, hash } = signBundle(body(), [p1]);
    const parser: PolicyParser = () => ({
      ok: false,
      errors: [{ policyId: 'allow', message: 'unexpected token' }, { message: 'no policies' }],
    });
    const r = checkBundleFile(PATH, file, keyringOf([p1]), nobleStrictVerifier, parser);
    expect(r.policiesParse).toBe(false);
    expect(r.findings).toEqual([
      {
        code: 'POLICY_INVALID',
        severity: 'critical',
        message: 'Bundle access v2: policy "allow" does not parse as Cedar: unexpected token',
        path: PATH,
        detail: { bundle: hash, policy: 'allow' },
      },
      {
        code: 'POLICY_INVALID',
        severity: 'critical',
        message: 'Bundle access v2: does not parse as Cedar: no policies',
        path: PATH,
        detail: { bundle: hash },
      },
    ]);
  });

  it('an end at or before its beginning: POLICY_LINEAGE_BROKEN; no end, or a later one, is fine', () => {
    const lineage = (until: string | null | undefined) => {
      const { file } = signBundle(body({ effective_until: until }), [p1]);
      return checkBundleFile(PATH, file, keyringOf([p1]), nobleStrictVerifier, parses);
    };
    for (const until of ['2026-01-01T00:00:00Z', '2025-12-31T23:59:59.999Z']) {
      const r = lineage(until);
      expect(r.findings).toEqual([
        {
          code: 'POLICY_LINEAGE_BROKEN',
          severity: 'high',
          message: `Bundle access v2 ends (${until}) before it begins (2026-01-01T00:00:00Z).`,
          path: PATH,
          detail: { bundle: r.bundle?.hash },
        },
      ]);
    }
    expect(lineage('2026-01-01T00:00:00.001Z').findings).toEqual([]);
    expect(lineage(null).bundle?.effectiveUntil).toBeNull();
    expect(lineage(null).findings).toEqual([]);
    expect(lineage(undefined).bundle?.effectiveUntil).toBeNull();
  });
});

describe('checkLineage', () => {
  const resolved = (
    version: number,
    from: string,
    until: string | null,
    supersedes: string | null,
    id = 'access',
  ): ResolvedBundle => ({
    path: `policies/${id}-v${version}-${from}.json`,
    hash: h(String(version)),
    body: body({ id, version, effective_from: from, effective_until: until, supersedes }),
    signatureValid: true,
    policiesUsable: true,
    effectiveFrom: at(from),
    effectiveUntil: until === null ? null : at(until),
  });
  const JAN = '2026-01-01T00:00:00Z';
  const APR = '2026-04-01T00:00:00Z';
  const JUL = '2026-07-01T00:00:00Z';

  it('versions that follow each other, in any order given, across ids: no finding', () => {
    const v1 = resolved(1, JAN, APR, h('0'));
    const v2 = resolved(2, APR, JUL, v1.hash);
    const v3 = resolved(3, JUL, null, v2.hash);
    const other = resolved(7, JAN, null, null, 'other');
    expect(checkLineage([v3, other, v1, v2])).toEqual([]);
    // The oldest version here may supersede anything (a version outside the archive).
    expect(checkLineage([v2, v3])).toEqual([]);
  });

  it('two bundles of one version: POLICY_LINEAGE_BROKEN on the later-starting one, naming both', () => {
    const a = resolved(2, JAN, APR, null);
    const b = { ...resolved(2, APR, JUL, null), hash: h('b') };
    for (const given of [
      [a, b],
      [b, a],
    ]) {
      expect(checkLineage(given)).toEqual([
        {
          code: 'POLICY_LINEAGE_BROKEN',
          severity: 'high',
          message: `Bundle access has two different version 2 bundles (${a.path} and ${b.path}).`,
          path: b.path,
          detail: { bundle: b.hash },
        },
      ]);
    }
  });

  it("a supersedes that is not the previous version's hash, or null: POLICY_LINEAGE_BROKEN with both hashes", () => {
    const v1 = resolved(1, JAN, APR, null);
    for (const [supersedes, said] of [
      [h('9'), h('9')],
      [null, 'nothing (null)'],
    ] as const) {
      const v3 = resolved(3, APR, null, supersedes);
      expect(checkLineage([v1, v3])).toEqual([
        {
          code: 'POLICY_LINEAGE_BROKEN',
          severity: 'high',
          message: `Bundle access v3 supersedes ${said}, but the previous version v1 has hash ${v1.hash}.`,
          path: v3.path,
          detail: { bundle: v3.hash, expected: v1.hash },
        },
      ]);
    }
  });

  it('a version that starts before the previous one ends, or after one with no end: POLICY_LINEAGE_BROKEN', () => {
    const v1 = resolved(1, JAN, APR, null);
    const early = resolved(2, '2026-03-31T23:59:59.999Z', null, v1.hash);
    expect(checkLineage([v1, early])).toEqual([
      {
        code: 'POLICY_LINEAGE_BROKEN',
        severity: 'high',
        message: `Bundle access v2 takes effect at 2026-03-31T23:59:59.999Z, while v1 is still in effect (until ${APR}).`,
        path: early.path,
        detail: { bundle: early.hash },
      },
    ]);
    const open = resolved(1, JAN, null, null);
    const next = resolved(2, JUL, null, open.hash);
    expect(checkLineage([open, next])).toEqual([
      {
        code: 'POLICY_LINEAGE_BROKEN',
        severity: 'high',
        message: `Bundle access v2 takes effect at ${JUL}, while v1 is still in effect (with no end).`,
        path: next.path,
        detail: { bundle: next.hash },
      },
    ]);
  });
});

describe('inEffect', () => {
  const b = { effectiveFrom: at('2026-01-01T00:00:00Z'), effectiveUntil: at('2026-07-01T00:00:00Z') } as ResolvedBundle;

  it('from effective_from inclusive to effective_until exclusive; with no end, from then on', () => {
    expect(inEffect(b, at('2025-12-31T23:59:59.999Z'))).toBe(false);
    expect(inEffect(b, at('2026-01-01T00:00:00Z'))).toBe(true);
    expect(inEffect(b, at('2026-06-30T23:59:59.999Z'))).toBe(true);
    expect(inEffect(b, at('2026-07-01T00:00:00Z'))).toBe(false);
    const open = { ...b, effectiveUntil: null };
    expect(inEffect(open, at('2025-12-31T23:59:59.999Z'))).toBe(false);
    expect(inEffect(open, at('2099-01-01T00:00:00Z'))).toBe(true);
  });
});
