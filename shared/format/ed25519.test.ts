import { describe, expect, it } from 'vitest';
import * as ed from '@noble/ed25519';
import { fromHex, toHex } from './bytes.ts';
import { nobleStrictVerifier, publicKeyOf, signBytes } from './ed25519.ts';
import { readVectorJson } from '../../test/support/vectors.ts';

interface WycheproofFile {
  numberOfTests: number;
  testGroups: {
    publicKey: { pk: string };
    tests: { tcId: number; comment: string; msg: string; sig: string; result: string; flags: string[] }[];
  }[];
}
interface Rfc8032Vector {
  name: string;
  secretKey: string;
  publicKey: string;
  message: string;
  signature: string;
}

const wycheproof = readVectorJson<WycheproofFile>('wycheproof/ed25519_test.json');
const rfc8032 = readVectorJson<Rfc8032Vector[]>('rfc8032_ed25519.json');

describe('Ed25519 strict verification (Wycheproof)', () => {
  const cases = wycheproof.testGroups.flatMap((g) => g.tests.map((t) => ({ ...t, pk: g.publicKey.pk })));

  it('covers every test of the file', () => {
    expect(cases.length).toBe(wycheproof.numberOfTests);
  });

  it.each(cases)('tcId $tcId: $comment → $result', (t) => {
    const accepted = nobleStrictVerifier.verify(fromHex(t.sig), fromHex(t.msg), fromHex(t.pk));
    if (t.result === 'valid') expect(accepted).toBe(true);
    else if (t.result === 'invalid') expect(accepted).toBe(false);
    else throw new Error(`unknown Wycheproof result category "${t.result}" in tcId ${t.tcId}`);
  });
});

describe('Ed25519 RFC 8032 §7.1', () => {
  it.each(rfc8032)('$name: key, signature and verification', (v) => {
    const secret = fromHex(v.secretKey);
    expect(toHex(publicKeyOf(secret))).toBe(v.publicKey);
    expect(toHex(signBytes(fromHex(v.message), secret))).toBe(v.signature);
    expect(nobleStrictVerifier.verify(fromHex(v.signature), fromHex(v.message), fromHex(v.publicKey))).toBe(true);
    const tampered = fromHex(v.signature);
    tampered[5] = (tampered[5] as number) ^ 1;
    expect(nobleStrictVerifier.verify(tampered, fromHex(v.message), fromHex(v.publicKey))).toBe(false);
  });

  it('answers false, never throws, for wrong lengths', () => {
    const v = rfc8032[0] as Rfc8032Vector;
    expect(nobleStrictVerifier.verify(new Uint8Array(63), fromHex(v.message), fromHex(v.publicKey))).toBe(false);
    expect(nobleStrictVerifier.verify(fromHex(v.signature), fromHex(v.message), new Uint8Array(31))).toBe(false);
  });

  it('answers false, never throws, for a message that is not bytes (noble throws; the verifier catches)', () => {
    const v = rfc8032[1] as Rfc8032Vector;
    const asText = v.message as unknown as Uint8Array; // a JavaScript caller's hex text, not its bytes
    expect(() => ed.verify(fromHex(v.signature), asText, fromHex(v.publicKey), { zip215: false })).toThrow();
    expect(nobleStrictVerifier.verify(fromHex(v.signature), asText, fromHex(v.publicKey))).toBe(false);
    expect(nobleStrictVerifier.verify(fromHex(v.signature), fromHex(v.message), fromHex(v.publicKey))).toBe(true);
  });
});
