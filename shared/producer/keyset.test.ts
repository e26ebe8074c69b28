import { describe, expect, it } from 'vitest';
import { fromHex, utf8 } from '../format/bytes.ts';
import { canonicalize } from '../format/canonical.ts';
import { nobleStrictVerifier } from '../format/ed25519.ts';
import { hashOf } from '../format/hash.ts';
import { KeyEntrySchema, PolicyFileSchema, RevocationSchema, validate } from '../format/schema.ts';
import { keyFromSeed } from './keys.ts';
import { certifiedKeyEntry, keysJson, revocation, rootKeyEntry } from './keyset.ts';
import { signBundle } from './policy.ts';
import { signApproval } from './approval.ts';

const validity = { notBefore: '2026-01-01T00:00:00.000Z', notAfter: '2027-01-01T00:00:00.000Z' };
const root = keyFromSeed('t/root');
const gate = keyFromSeed('t/gate');
const policy = keyFromSeed('t/policy');
const verifies = (sig: string, value: unknown, publicKey: string) =>
  nobleStrictVerifier.verify(fromHex(sig), utf8(canonicalize(value)), fromHex(publicKey));

describe('key set', () => {
  it('writes a root entry without cert and certifies other keys over C(entry without cert)', () => {
    const rootEntry = rootKeyEntry(root, validity);
    expect(rootEntry.cert).toBeUndefined();
    expect(rootEntry.roles).toEqual(['root']);
    const entry = certifiedKeyEntry(gate, ['gate'], validity, root);
    expect(validate(KeyEntrySchema, entry).ok).toBe(true);
    expect(entry.cert?.kid).toBe(root.kid);
    const { cert, ...withoutCert } = entry;
    expect(verifies(cert!.sig, withoutCert, root.publicKey)).toBe(true);
    // The certificate covers the roles: the same signature does not fit other roles.
    expect(verifies(cert!.sig, { ...withoutCert, roles: ['root'] }, root.publicKey)).toBe(false);
  });

  it('signs a revocation over kid, reason and revoked_at only', () => {
    const r = revocation(gate.kid, 'key compromise', '2026-05-01T00:00:00.000Z', root);
    expect(validate(RevocationSchema, r).ok).toBe(true);
    expect(r.by).toBe(root.kid);
    expect(
      verifies(
        r.sig,
        { kid: gate.kid, reason: 'key compromise', revoked_at: '2026-05-01T00:00:00.000Z' },
        root.publicKey,
      ),
    ).toBe(true);
  });

  it('stores keys.json canonically', () => {
    const { text, value } = keysJson([rootKeyEntry(root, validity)]);
    expect(text).toBe(canonicalize(JSON.parse(text)));
    expect(value.revocations).toEqual([]);
  });

  it('refuses to certify a root or a bad time', () => {
    expect(() => certifiedKeyEntry(gate, ['root'], validity, root)).toThrow(/root/);
    expect(() => certifiedKeyEntry(gate, [], validity, root)).toThrow(/roles/);
    expect(() => rootKeyEntry(root, { notBefore: 'yesterday', notAfter: validity.notAfter })).toThrow(/notBefore/);
  });
});

describe('policy bundles', () => {
  const body = (version: number, supersedes: string | null) => ({
    id: 'agents-prod',
    version,
    effective_from: version === 1 ? '2026-04-01T00:00:00.000Z' : '2026-05-15T00:00:00.000Z',
    effective_until: version === 1 ? '2026-05-15T00:00:00.000Z' : null,
    supersedes,
    cedar: { policies: { p: 'permit(principal, action, resource);' } },
  });

  it('identifies a bundle by H(C(bundle)) and signs C(bundle) with each signer', () => {
    const other = keyFromSeed('t/policy-2');
    const signed = signBundle(body(1, null), [policy, other]);
    expect(validate(PolicyFileSchema, signed.file).ok).toBe(true);
    expect(signed.hash).toBe(hashOf(canonicalize(body(1, null))));
    expect(signed.text).toBe(canonicalize(signed.file));
    expect(signed.file.signatures.map((s) => s.kid)).toEqual([policy.kid, other.kid]);
    for (const [i, key] of [policy, other].entries())
      expect(verifies(signed.file.signatures[i]!.sig, body(1, null), key.publicKey)).toBe(true);
  });

  it('chains versions through supersedes', () => {
    const v1 = signBundle(body(1, null), [policy]);
    const v2 = signBundle(body(2, v1.hash), [policy]);
    expect(v2.file.bundle.supersedes).toBe(v1.hash);
    expect(v2.hash).not.toBe(v1.hash);
  });

  it('refuses a malformed bundle or no signer', () => {
    expect(() => signBundle({ ...body(1, null), version: -1 }, [policy])).toThrow(/version/);
    expect(() => signBundle(body(1, null), [])).toThrow(/signers/);
  });
});

describe('approvals', () => {
  it('signs {action, receipt_id, resource} with the approver key', () => {
    const approver = keyFromSeed('t/approver');
    const request = { action: { id: 'payments.release' }, resource: { id: 'acct-1' } };
    const approval = signApproval('controller@example.com', approver, 'rc_0123456789abcdef', request);
    expect(approval.kid).toBe(approver.kid);
    expect(
      verifies(
        approval.sig,
        { action: 'payments.release', receipt_id: 'rc_0123456789abcdef', resource: 'acct-1' },
        approver.publicKey,
      ),
    ).toBe(true);
    expect(
      verifies(
        approval.sig,
        { action: 'payments.release', receipt_id: 'rc_ffffffffffffffff', resource: 'acct-1' },
        approver.publicKey,
      ),
    ).toBe(false);
  });
});
