/**
 * Ed25519, strict RFC 8032 §5.1.7 (FORMAT.md §1): S below the group order, canonical
 * encodings of A and R, cofactorless equation. ZIP-215 relaxed verification is never used,
 * so `zip215: false` is passed explicitly on every call.
 *
 * The engine talks to a {@link SignatureVerifier}; the reference one here is
 * `@noble/ed25519`. Faster native verifiers (node:crypto, WebCrypto) plug in behind the
 * same interface and must agree with this one on every vector (see ed25519.test.ts).
 */
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';

ed.hashes.sha512 = sha512;

/** Verifies one signature; never throws for bad data, answers false. */
export interface SignatureVerifier {
  readonly name: string;
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}

const STRICT = Object.freeze({ zip215: false });

/** Reference strict verifier (`@noble/ed25519`, `zip215: false`). */
export const nobleStrictVerifier: SignatureVerifier = Object.freeze({
  name: '@noble/ed25519 (strict RFC 8032)',
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
    if (signature.length !== 64 || publicKey.length !== 32) return false;
    try {
      return ed.verify(signature, message, publicKey, STRICT);
    } catch {
      return false; // malformed point or scalar: a bad signature, not an error
    }
  },
});

/** Public key of a 32-byte Ed25519 secret key (the RFC 8032 seed). */
export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  return ed.getPublicKey(secretKey);
}

/** Signs `message` with a 32-byte secret key (producer side). */
export function signBytes(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return ed.sign(message, secretKey);
}

/** A fresh random secret key (uses the runtime's CSPRNG through noble). */
export function randomSecretKey(): Uint8Array {
  return ed.utils.randomSecretKey();
}
