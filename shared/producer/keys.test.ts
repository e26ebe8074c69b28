import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nodeCryptoSigner } from '../../cli/commands/demo.ts';
import { fromHex, toHex, utf8 } from '../format/bytes.ts';
import { canonicalize } from '../format/canonical.ts';
import { nobleStrictVerifier } from '../format/ed25519.ts';
import { keyFromSecret, keyFromSeed, nobleSigner, randomKey, signCanonical } from './keys.ts';

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('producer keys', () => {
  it('derives a seeded key from SHA-256 of the label, the same on every call', () => {
    const a = keyFromSeed('demo/root');
    const b = keyFromSeed('demo/root');
    expect(a.publicKey).toBe(b.publicKey);
    expect(toHex(a.secretKey)).toBe(sha256Hex(utf8('demo/root')));
    expect(keyFromSeed('demo/gate').publicKey).not.toBe(a.publicKey);
  });

  it('names a key by the first 32 hex digits of SHA-256 of the raw public key', () => {
    for (const key of [keyFromSeed('x'), randomKey()]) {
      expect(key.publicKey).toMatch(/^[0-9a-f]{64}$/);
      expect(key.kid).toBe(sha256Hex(fromHex(key.publicKey)).slice(0, 32));
    }
  });

  it('makes a different key each time randomKey is called', () => {
    expect(randomKey().publicKey).not.toBe(randomKey().publicKey);
  });

  it('signs C(value), verifiable under strict RFC 8032, whatever the member order', () => {
    const key = keyFromSeed('signer');
    const sig = signCanonical({ b: 2, a: [1, 'x'] }, key);
    const message = utf8(canonicalize({ a: [1, 'x'], b: 2 }));
    expect(nobleStrictVerifier.verify(fromHex(sig), message, fromHex(key.publicKey))).toBe(true);
    expect(nobleStrictVerifier.verify(fromHex(sig), utf8('{"a":[1,"x"],"b":3}'), fromHex(key.publicKey))).toBe(false);
  });

  it('gets byte-identical signatures from node:crypto and noble (Ed25519 is deterministic)', () => {
    const node = nodeCryptoSigner();
    for (const label of ['a', 'b', 'c']) {
      const key = keyFromSeed(label);
      for (const message of [new Uint8Array(0), utf8('receipt'), new Uint8Array(1000).fill(7)]) {
        expect(toHex(node(message, key.secretKey))).toBe(toHex(nobleSigner(message, key.secretKey)));
      }
    }
  });

  it('refuses a secret key that is not 32 bytes, and an empty label', () => {
    expect(() => keyFromSecret(new Uint8Array(31))).toThrow(/secretKey/);
    expect(() => keyFromSeed('')).toThrow(/label/);
  });
});
