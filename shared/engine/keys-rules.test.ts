/**
 * The key set's rules one at a time (shared/engine/keys.ts, FORMAT.md §3), each with its
 * code, exact message and location: keys.json's shape, key ids, roots and the trust store,
 * certificates, revocations, and what the keyring answers for a key, a role and a time.
 * The tamper table checks the same rules through the whole engine.
 */
import { describe, expect, it, vi } from 'vitest';
import { fromHex, toHex, utf8 } from '../format/bytes.ts';
import { signedText } from '../format/canonical.ts';
import { nobleStrictVerifier, type SignatureVerifier } from '../format/ed25519.ts';
import type { KeyEntry, Revocation } from '../format/schema.ts';
import { keyFromSeed, signCanonical, type ProducerKey } from '../producer/keys.ts';
import { certifiedKeyEntry, revocation, rootKeyEntry } from '../producer/keyset.ts';
import { RememberingVerifier } from '../format/remembering-verifier.ts';
import type { AsyncSignatureVerifier } from '../format/webcrypto-ed25519.ts';
import { buildKeyring, buildKeyringAhead, keyringOf, signedParts, verifySigned, type KeySetResult } from './keys.ts';
import type { Keyring } from './types.ts';

const root = keyFromSeed('keys-rules/root');
const root2 = keyFromSeed('keys-rules/root-2');
const gate = keyFromSeed('keys-rules/gate');
const policy = keyFromSeed('keys-rules/policy');
const stranger = keyFromSeed('keys-rules/stranger');

const V = { notBefore: '2026-01-01T00:00:00Z', notAfter: '2026-12-31T23:59:59Z' };
const AT = '2026-06-01T00:00:00Z';

const build = (
  keys: readonly unknown[],
  revocations: readonly unknown[] = [],
  trusted: readonly string[] = [root.publicKey],
  verifier: SignatureVerifier = nobleStrictVerifier,
): KeySetResult => buildKeyring({ keys, revocations }, trusted, verifier);

const rootEntry = (key: ProducerKey = root): KeyEntry => rootKeyEntry(key, V);
const gateEntry = (by: ProducerKey = root, key: ProducerKey = gate): KeyEntry =>
  certifiedKeyEntry(key, ['gate'], V, by);
const ok = (key: ProducerKey, anchored = true) => ({ ok: true, publicKey: fromHex(key.publicKey), anchored });

describe('keys.json itself', () => {
  it('missing (undefined): no finding, an empty keyring, no root, not trusted', () => {
    const r = buildKeyring(undefined, [root.publicKey], nobleStrictVerifier);
    expect(r.findings).toEqual([]);
    expect(r.roots).toEqual([]);
    expect(r.allRootsTrusted).toBe(false);
    expect(r.keyring.check(root.kid, 'root', AT)).toEqual({
      ok: false,
      code: 'KEY_UNKNOWN',
      message: `key ${root.kid} is not in keys.json`,
    });
  });

  it('not a key set: RECORD_MALFORMED naming the field, and no key is read', () => {
    const r = buildKeyring({ keys: [rootEntry()], revocations: 'none' }, [root.publicKey], nobleStrictVerifier);
    expect(r.findings).toEqual([
      {
        code: 'RECORD_MALFORMED',
        severity: 'critical',
        message: 'keys.json is not a key set: field "revocations": Invalid input: expected array, received string.',
        path: 'keys.json',
      },
    ]);
    expect(r.roots).toEqual([]);
    expect(r.keyring.check(root.kid, 'root', AT).ok).toBe(false);
  });

  it('an invalid entry is RECORD_MALFORMED with its index; the entries around it are read', () => {
    const { alg: _alg, ...noAlg } = gateEntry();
    const r = build([rootEntry(), noAlg, gateEntry(root, policy)]);
    expect(r.findings).toEqual([
      {
        code: 'RECORD_MALFORMED',
        severity: 'critical',
        message: 'keys[1] is not a valid key entry: field "alg": must be "ed25519".',
        path: 'keys.json',
      },
    ]);
    expect(r.keyring.check(policy.kid, 'gate', AT)).toEqual(ok(policy));
    expect(r.keyring.check(gate.kid, 'gate', AT).ok).toBe(false);
  });

  it('a repeated key id is RECORD_MALFORMED; the first entry stands', () => {
    const first = certifiedKeyEntry(gate, ['gate'], V, root);
    const second = certifiedKeyEntry(gate, ['approver'], V, root);
    const r = build([rootEntry(), first, second]);
    expect(r.findings).toEqual([
      {
        code: 'RECORD_MALFORMED',
        severity: 'critical',
        message: `keys[2] repeats key id ${gate.kid}; each key may appear once.`,
        path: 'keys.json',
      },
    ]);
    expect(r.keyring.check(gate.kid, 'gate', AT)).toEqual(ok(gate));
    expect(r.keyring.check(gate.kid, 'approver', AT).ok).toBe(false);
  });
});

describe('key ids and roots', () => {
  it('a public key whose key id is another: KEY_ID_MISMATCH with both ids; the key is unknown', () => {
    const entry = { ...rootEntry(), kid: stranger.kid };
    const r = build([entry], [], [root.publicKey]);
    expect(r.findings).toEqual([
      {
        code: 'KEY_ID_MISMATCH',
        severity: 'critical',
        message: `Key ${stranger.kid} has a public key whose key id is ${root.kid}; the entry cannot be used.`,
        path: 'keys.json',
        detail: { kid: stranger.kid, expected: root.kid },
      },
    ]);
    expect(r.keyring.check(stranger.kid, 'root', AT)).toEqual({
      ok: false,
      code: 'KEY_UNKNOWN',
      message: `key ${stranger.kid} is listed with a public key that does not match its key id`,
    });
  });

  it('a root with a mismatched key id certifies nothing (and is not called untrusted)', () => {
    const badRoot = { ...rootEntry(), kid: stranger.kid };
    const entry = certifiedKeyEntry(gate, ['gate'], V, { ...root, kid: stranger.kid });
    const r = build([badRoot, entry], [], []);
    expect(r.findings.map((f) => f.code)).toEqual(['KEY_ID_MISMATCH', 'KEY_CERT_INVALID']);
    expect(r.findings[1]).toEqual({
      code: 'KEY_CERT_INVALID',
      severity: 'critical',
      message: `Key ${gate.kid} is certified by ${stranger.kid}, which is not a root key of this archive; its signatures cannot be relied on.`,
      path: 'keys.json',
      detail: { kid: gate.kid },
    });
  });

  it('a root not in the trust store: KEY_UNTRUSTED_ROOT with its key; the keys it certifies are usable, not anchored', () => {
    const r = build([rootEntry(), gateEntry()], [], [root2.publicKey]);
    expect(r.findings).toEqual([
      {
        code: 'KEY_UNTRUSTED_ROOT',
        severity: 'high',
        message: `Root key ${root.kid} (public key ${root.publicKey}) is not in your trust store; nothing it certifies is anchored until you pin it.`,
        path: 'keys.json',
        detail: { kid: root.kid, public_key: root.publicKey },
      },
    ]);
    expect(r.roots).toEqual([{ kid: root.kid, publicKey: root.publicKey, trusted: false }]);
    expect(r.allRootsTrusted).toBe(false);
    expect(r.keyring.check(gate.kid, 'gate', AT)).toEqual(ok(gate, false));
    expect(r.keyring.check(root.kid, 'root', AT)).toEqual(ok(root, false));
  });

  it('a pinned root anchors the keys it certifies; the trust store is read in any case', () => {
    const r = build([rootEntry(), gateEntry()], [], [root.publicKey.toUpperCase()]);
    expect(r.findings).toEqual([]);
    expect(r.roots).toEqual([{ kid: root.kid, publicKey: root.publicKey, trusted: true }]);
    expect(r.allRootsTrusted).toBe(true);
    expect(r.keyring.check(gate.kid, 'gate', AT)).toEqual(ok(gate, true));
    expect(r.keyring.check(root.kid, 'root', AT)).toEqual(ok(root, true));
  });

  it('all roots must be pinned for the key set to be trusted', () => {
    const r = build([rootEntry(), rootEntry(root2)], [], [root.publicKey]);
    expect(r.roots).toEqual([
      { kid: root.kid, publicKey: root.publicKey, trusted: true },
      { kid: root2.kid, publicKey: root2.publicKey, trusted: false },
    ]);
    expect(r.allRootsTrusted).toBe(false);
    expect(build([rootEntry(), rootEntry(root2)], [], [root.publicKey, root2.publicKey]).allRootsTrusted).toBe(true);
  });

  it('a pinned key that is not a root entry anchors nothing', () => {
    const r = build([rootEntry(), gateEntry()], [], [gate.publicKey]);
    expect(r.roots).toEqual([{ kid: root.kid, publicKey: root.publicKey, trusted: false }]);
    expect(r.keyring.check(gate.kid, 'gate', AT)).toEqual(ok(gate, false));
  });

  it('an entry with the root role and a certificate is not a root: it cannot certify', () => {
    const { cert: _c, ...certified } = certifiedKeyEntry(root2, ['gate'], V, root);
    const unsigned = { ...certified, roles: ['root', 'gate'] };
    const withRootRole = { ...unsigned, cert: { kid: root.kid, sig: signCanonical(unsigned, root) } };
    const r = build([rootEntry(), withRootRole, gateEntry(root2)], [], [root.publicKey, root2.publicKey]);
    expect(r.roots).toEqual([{ kid: root.kid, publicKey: root.publicKey, trusted: true }]);
    expect(r.keyring.check(root2.kid, 'gate', AT)).toEqual(ok(root2, true));
    expect(r.findings).toEqual([
      {
        code: 'KEY_CERT_INVALID',
        severity: 'critical',
        message: `Key ${gate.kid} is certified by ${root2.kid}, which is not a root key of this archive; its signatures cannot be relied on.`,
        path: 'keys.json',
        detail: { kid: gate.kid },
      },
    ]);
  });
});

describe('certificates', () => {
  const certFinding = (kid: string, problem: string) => ({
    code: 'KEY_CERT_INVALID',
    severity: 'critical',
    message: `${problem}; its signatures cannot be relied on.`,
    path: 'keys.json',
    detail: { kid },
  });

  it('a key without a certificate that is not a root', () => {
    const { cert: _c, ...bare } = gateEntry();
    const r = build([rootEntry(), bare]);
    expect(r.findings).toEqual([certFinding(gate.kid, `Key ${gate.kid} has no certificate and is not a root`)]);
    expect(r.keyring.check(gate.kid, 'gate', AT)).toEqual({
      ok: false,
      code: 'KEY_CERT_INVALID',
      message: `key ${gate.kid} has no certificate and is not a root`,
    });
  });

  it('certified by a key that is not in keys.json', () => {
    const r = build([rootEntry(), gateEntry(stranger)]);
    expect(r.findings).toEqual([
      certFinding(gate.kid, `Key ${gate.kid} is certified by ${stranger.kid}, which is not a root key of this archive`),
    ]);
  });

  it('certified by a key of the archive that is not a root', () => {
    const r = build([rootEntry(), gateEntry(), certifiedKeyEntry(policy, ['policy'], V, gate)]);
    expect(r.findings).toEqual([
      certFinding(policy.kid, `Key ${policy.kid} is certified by ${gate.kid}, which is not a root key of this archive`),
    ]);
    expect(r.keyring.check(policy.kid, 'policy', AT)).toEqual({
      ok: false,
      code: 'KEY_CERT_INVALID',
      message: `key ${policy.kid} is certified by ${gate.kid}, which is not a root key of this archive`,
    });
  });

  it('a certificate that is not the root signature over the entry without cert', () => {
    const entry = gateEntry();
    // The roles changed after certifying: the certificate covers them.
    const r = build([rootEntry(), { ...entry, roles: ['gate', 'archive'] }]);
    expect(r.findings).toEqual([
      certFinding(gate.kid, `The certificate of key ${gate.kid} is not a valid signature by root ${root.kid}`),
    ]);
  });

  it('the certificate is checked over the entry as stored, unknown members included, with the root key', () => {
    const { cert: _c, ...unsigned } = gateEntry();
    const stored = { ...unsigned, comment: 'issued by the gate team' };
    const entry = { ...stored, cert: { kid: root.kid, sig: signCanonical(stored, root) } };
    const calls: [string, string, string][] = [];
    const spy: SignatureVerifier = {
      name: 'spy',
      verify(signature, message, publicKey) {
        calls.push([toHex(signature), new TextDecoder().decode(message), toHex(publicKey)]);
        return nobleStrictVerifier.verify(signature, message, publicKey);
      },
    };
    const r = build([rootEntry(), entry], [], [root.publicKey], spy);
    expect(r.findings).toEqual([]);
    expect(calls).toEqual([[entry.cert.sig, signedText(entry, 'cert'), root.publicKey]]);
    expect(r.keyring.check(gate.kid, 'gate', AT)).toEqual(ok(gate));
  });
});

describe('revocations', () => {
  const REVOKED = '2026-05-01T00:00:00Z';

  it('a revoked key refuses signatures at and after the revocation, not before', () => {
    const r = build([rootEntry(), gateEntry()], [revocation(gate.kid, 'compromise', REVOKED, root)]);
    expect(r.findings).toEqual([]);
    expect(r.keyring.check(gate.kid, 'gate', '2026-04-30T23:59:59.999Z')).toEqual(ok(gate));
    const refused = (time: string) => ({
      ok: false,
      code: 'KEY_REVOKED',
      message: `key ${gate.kid} was revoked at ${REVOKED}, not after this signature's time ${time}`,
    });
    expect(r.keyring.check(gate.kid, 'gate', REVOKED)).toEqual(refused(REVOKED));
    expect(r.keyring.check(gate.kid, 'gate', '2026-05-01T00:00:00.001Z')).toEqual(refused('2026-05-01T00:00:00.001Z'));
  });

  it('the earliest of two revocations counts, in either order; at the same instant the first stored', () => {
    const late = revocation(gate.kid, 'retired', '2026-07-01T00:00:00Z', root);
    const early = revocation(gate.kid, 'compromise', REVOKED, root);
    for (const revs of [
      [late, early],
      [early, late],
    ]) {
      const r = build([rootEntry(), gateEntry()], revs);
      expect(r.keyring.check(gate.kid, 'gate', AT)).toEqual({
        ok: false,
        code: 'KEY_REVOKED',
        message: `key ${gate.kid} was revoked at ${REVOKED}, not after this signature's time ${AT}`,
      });
    }
    const sameInstant = revocation(gate.kid, 'compromise', '2026-05-01T00:00:00.000Z', root);
    const r = build([rootEntry(), gateEntry()], [early, sameInstant]);
    expect(r.keyring.check(gate.kid, 'gate', AT)).toEqual({
      ok: false,
      code: 'KEY_REVOKED',
      message: `key ${gate.kid} was revoked at ${REVOKED}, not after this signature's time ${AT}`,
    });
  });

  it('an invalid revocation is RECORD_MALFORMED with its index and revokes nothing', () => {
    const { sig: _s, ...unsigned } = revocation(gate.kid, 'compromise', REVOKED, root);
    const r = build([rootEntry(), gateEntry()], [unsigned]);
    expect(r.findings).toEqual([
      {
        code: 'RECORD_MALFORMED',
        severity: 'critical',
        message:
          'revocations[0] is not a valid revocation: field "sig": Invalid input: expected string, received undefined.',
        path: 'keys.json',
      },
    ]);
    expect(r.keyring.check(gate.kid, 'gate', AT)).toEqual(ok(gate));
  });

  const ignored = (index: number, kid: string) => ({
    code: 'KEY_CERT_INVALID',
    severity: 'critical',
    message: `revocations[${index}] of key ${kid} is not validly signed by a root key of this archive, so it is ignored.`,
    path: 'keys.json',
    detail: { kid },
  });

  it('a revocation by a key not in keys.json is ignored', () => {
    const r = build([rootEntry(), gateEntry()], [revocation(gate.kid, 'x', REVOKED, stranger)]);
    expect(r.findings).toEqual([ignored(0, gate.kid)]);
    expect(r.keyring.check(gate.kid, 'gate', AT)).toEqual(ok(gate));
  });

  it('a revocation by a key of the archive that is not a root is ignored', () => {
    const r = build([rootEntry(), gateEntry(), gateEntry(root, policy)], [revocation(gate.kid, 'x', REVOKED, policy)]);
    expect(r.findings).toEqual([ignored(0, gate.kid)]);
    expect(r.keyring.check(gate.kid, 'gate', AT)).toEqual(ok(gate));
  });

  it('a revocation whose signature does not cover its content is ignored', () => {
    const signed = revocation(gate.kid, 'compromise', REVOKED, root);
    const r = build([rootEntry(), gateEntry()], [{ ...signed, reason: 'routine' }]);
    expect(r.findings).toEqual([ignored(0, gate.kid)]);
    expect(r.keyring.check(gate.kid, 'gate', AT)).toEqual(ok(gate));
  });

  it('a revocation signs kid, reason and revoked_at only: other members do not break it', () => {
    const signed = revocation(gate.kid, 'compromise', REVOKED, root);
    const r = build([rootEntry(), gateEntry()], [{ ...signed, note: 'added later' } as Revocation]);
    expect(r.findings).toEqual([]);
    expect(r.keyring.check(gate.kid, 'gate', AT).ok).toBe(false);
  });
});

describe("keys.json's signatures verified ahead, and answers handed on (buildKeyringAhead)", () => {
  const REVOKED = '2026-05-01T00:00:00Z';
  // A valid and a broken certificate, a valid and a broken revocation: four signatures.
  const value = {
    keys: [rootEntry(), gateEntry(), { ...gateEntry(root, policy), roles: ['gate', 'archive'] }],
    revocations: [
      revocation(gate.kid, 'compromise', REVOKED, root),
      { ...revocation(policy.kid, 'retired', REVOKED, root), reason: 'routine' },
    ],
  };
  const counted = () => {
    const asked = { sync: 0, bulk: 0 };
    const sync: SignatureVerifier = {
      name: 'counted',
      verify: (s, m, k) => (asked.sync++, nobleStrictVerifier.verify(s, m, k)),
    };
    const bulk: AsyncSignatureVerifier = {
      name: 'counted, async',
      verifyAsync: (s, m, k) => (asked.bulk++, Promise.resolve(nobleStrictVerifier.verify(s, m, k))),
    };
    return { asked, sync, bulk };
  };
  const checks = (r: KeySetResult) =>
    [root, gate, policy].map((k) => [r.keyring.check(k.kid, 'gate', AT), r.keyring.check(k.kid, 'gate', REVOKED)]);
  const reference = buildKeyring(value, [root.publicKey], nobleStrictVerifier);

  it('the same key set as buildKeyring, every signature verified by the bulk verifier, none by the other', async () => {
    expect(reference.findings.map((f) => f.code)).toEqual(['KEY_CERT_INVALID', 'KEY_CERT_INVALID']);
    const { asked, sync, bulk } = counted();
    const r = await buildKeyringAhead(value, [root.publicKey], new RememberingVerifier(sync), bulk);
    expect(r.findings).toEqual(reference.findings);
    expect(checks(r)).toEqual(checks(reference));
    expect(r.roots).toEqual(reference.roots);
    expect(asked).toEqual({ sync: 0, bulk: 4 });
  });

  it('without a bulk verifier, or when it fails, the verifier given answers every one itself', async () => {
    const failing: AsyncSignatureVerifier = { name: 'fails', verifyAsync: () => Promise.reject(new Error('gone')) };
    for (const bulk of [null, failing]) {
      const { asked, sync } = counted();
      const r = await buildKeyringAhead(value, [root.publicKey], new RememberingVerifier(sync), bulk);
      expect(r.findings).toEqual(reference.findings);
      expect(checks(r)).toEqual(checks(reference));
      expect(asked.sync).toBe(4);
    }
  });

  it('when every signature holds, the listing pass is the build: the verifier given is not asked again', async () => {
    const clean = { keys: value.keys.filter((_, i) => i !== 2), revocations: [value.revocations[0]] };
    const cleanReference = buildKeyring(clean, [root.publicKey], nobleStrictVerifier);
    expect(cleanReference.findings).toEqual([]);
    const { asked, sync, bulk } = counted();
    const remembering = new RememberingVerifier(sync);
    const askedAfter = vi.spyOn(remembering, 'verify');
    const r = await buildKeyringAhead(clean, [root.publicKey], remembering, bulk);
    expect(r.findings).toEqual(cleanReference.findings);
    expect(checks(r)).toEqual(checks(cleanReference));
    expect(r.roots).toEqual(cleanReference.roots);
    expect(asked).toEqual({ sync: 0, bulk: 2 });
    expect(askedAfter).not.toHaveBeenCalled();
  });
});

describe('the keyring', () => {
  const r = build([rootEntry(), certifiedKeyEntry(gate, ['gate', 'approver'], V, root)]);

  it("another thread's keyring, from a copy of the data (structured clone, as a worker gets it), answers as this one", () => {
    const forged = { ...certifiedKeyEntry(policy, ['policy'], V, root), cert: { kid: root.kid, sig: '00'.repeat(64) } };
    const set = build(
      [rootEntry(), rootKeyEntry(root2, V), certifiedKeyEntry(gate, ['gate', 'approver'], V, root), forged],
      [revocation(gate.kid, 'x', '2026-08-01T00:00:00Z', root)],
    );
    const copy = keyringOf(structuredClone(set.data));
    const times = [AT, '2026-09-01T00:00:00Z', '2027-06-01T00:00:00Z', 'yesterday'];
    const roles = ['root', 'gate', 'approver', 'policy'] as const;
    const answers = (keyring: Keyring) =>
      [root, root2, gate, policy, stranger].flatMap((k) =>
        roles.flatMap((role) => times.map((at) => keyring.check(k.kid, role, at))),
      );
    expect(answers(copy)).toStrictEqual(answers(set.keyring));
    // Every kind of answer was among them: usable (anchored or not), and each refusal.
    expect(new Set(answers(copy).map((a) => (a.ok ? `ok, anchored ${a.anchored}` : a.code)))).toStrictEqual(
      new Set([
        'ok, anchored true',
        'ok, anchored false',
        'KEY_UNKNOWN',
        'KEY_CERT_INVALID',
        'KEY_ROLE_MISMATCH',
        'KEY_NOT_VALID_AT',
        'KEY_REVOKED',
      ]),
    );
  });

  it('a role the key does not have: KEY_ROLE_MISMATCH listing its roles', () => {
    expect(r.keyring.check(gate.kid, 'policy', AT)).toEqual({
      ok: false,
      code: 'KEY_ROLE_MISMATCH',
      message: `key ${gate.kid} has roles gate, approver but this object needs the policy role`,
    });
    expect(r.keyring.check(gate.kid, 'approver', AT)).toEqual(ok(gate));
  });

  it('valid from not_before to not_after inclusive: KEY_NOT_VALID_AT outside, and for a time that is not one', () => {
    const refused = (time: string) => ({
      ok: false,
      code: 'KEY_NOT_VALID_AT',
      message: `key ${gate.kid} is valid from ${V.notBefore} to ${V.notAfter}, not at ${time}`,
    });
    expect(r.keyring.check(gate.kid, 'gate', V.notBefore)).toEqual(ok(gate));
    expect(r.keyring.check(gate.kid, 'gate', V.notAfter)).toEqual(ok(gate));
    expect(r.keyring.check(gate.kid, 'gate', '2025-12-31T23:59:59.999Z')).toEqual(refused('2025-12-31T23:59:59.999Z'));
    expect(r.keyring.check(gate.kid, 'gate', '2026-12-31T23:59:59.001Z')).toEqual(refused('2026-12-31T23:59:59.001Z'));
    expect(r.keyring.check(gate.kid, 'gate', 'yesterday')).toEqual(refused('yesterday'));
  });

  it('checks the role, then the validity, then the revocation', () => {
    const revoked = build([rootEntry(), gateEntry()], [revocation(gate.kid, 'x', '2026-02-01T00:00:00Z', root)]);
    // Revoked, outside its validity and the wrong role: the role is said first, then the validity.
    const LATE = '2027-06-01T00:00:00Z';
    expect(revoked.keyring.check(gate.kid, 'policy', LATE)).toEqual({
      ok: false,
      code: 'KEY_ROLE_MISMATCH',
      message: `key ${gate.kid} has roles gate but this object needs the policy role`,
    });
    expect(revoked.keyring.check(gate.kid, 'gate', LATE)).toEqual({
      ok: false,
      code: 'KEY_NOT_VALID_AT',
      message: `key ${gate.kid} is valid from ${V.notBefore} to ${V.notAfter}, not at ${LATE}`,
    });
  });
});

describe('signedParts and verifySigned', () => {
  const body = { kid: gate.kid, n: 1 };
  const signed = { ...body, sig: signCanonical(body, gate) };
  const pk = fromHex(gate.publicKey);

  it('the signature and C(object without sig)', () => {
    expect(signedParts(signed)).toEqual({ signature: fromHex(signed.sig), message: utf8(signedText(signed)) });
    expect(verifySigned(signed, pk, nobleStrictVerifier)).toBe(true);
    expect(verifySigned({ ...signed, n: 2 }, pk, nobleStrictVerifier)).toBe(false);
  });

  it('null, and not verified, for a sig that is not 128 lowercase hex digits', () => {
    for (const sig of [
      undefined,
      7,
      signed.sig.toUpperCase(),
      signed.sig.slice(2),
      `${signed.sig}00`,
      `x${signed.sig}`,
    ]) {
      expect(signedParts({ ...body, sig: sig })).toBeNull();
      expect(verifySigned({ ...body, sig: sig }, pk, nobleStrictVerifier)).toBe(false);
    }
    // Not a string, though it reads as the signature's digits when made one.
    expect(signedParts({ ...body, sig: [signed.sig] })).toBeNull();
    expect(verifySigned({ ...body, sig: [signed.sig] }, pk, nobleStrictVerifier)).toBe(false);
  });

  it('uses the text the read already cut out, else the canonical line, else serializes', () => {
    expect(signedParts(signed, { withoutSig: '{"cut":1}' })?.message).toEqual(utf8('{"cut":1}'));
    // The bytes the read cut from the line, when it gives them with the text.
    const bytes = utf8('{"cut":2}');
    expect(signedParts(signed, { withoutSig: '{"cut":1}', withoutSigBytes: bytes })?.message).toBe(bytes);
    expect(signedParts(signed, { withoutSigBytes: bytes })?.message).toEqual(utf8(`{"kid":"${gate.kid}","n":1}`));
    const line = '{"kid":"' + gate.kid + '","n":1,"sig":"' + signed.sig + '"}';
    expect(signedParts(signed, { canonicalText: line })?.message).toEqual(utf8(`{"kid":"${gate.kid}","n":1}`));
    // A line not laid out as the object's own (another sig) is not cut: the object is serialized.
    const other = `{"kid":"${gate.kid}","n":2,"sig":"${'0'.repeat(128)}"}`;
    expect(signedParts(signed, { canonicalText: other })?.message).toEqual(utf8(`{"kid":"${gate.kid}","n":1}`));
  });
});
