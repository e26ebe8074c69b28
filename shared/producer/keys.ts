/**
 * Producer keys: Ed25519 key pairs with the format's key id, and the one place that
 * turns a value into a signature (FORMAT.md §1, "Signed content").
 *
 * Signing is a parameter ({@link Signer}) rather than a fixed call so that a host with a
 * native Ed25519 (node:crypto, about 20 times faster than pure JS) can sign a million
 * receipts in seconds while shared/ stays free of Node imports. Every signer must produce
 * the RFC 8032 signature, which is deterministic, so the choice never changes the bytes.
 */
import { toHex, utf8 } from '../format/bytes.ts';
import { canonicalize } from '../format/canonical.ts';
import { publicKeyOf, randomSecretKey, signBytes } from '../format/ed25519.ts';
import { kidOf } from '../format/layout.ts';
import { sha256Bytes } from '../format/hash.ts';

/** An Ed25519 key pair as the producer holds it. */
export interface ProducerKey {
  /** The 32-byte RFC 8032 secret key (seed). Never written to an archive. */
  readonly secretKey: Uint8Array;
  /** Raw public key, 64 lowercase hex digits. */
  readonly publicKey: string;
  /** First 32 hex digits of SHA-256 of the raw public key (FORMAT.md §1). */
  readonly kid: string;
}

/** Signs `message` with a 32-byte Ed25519 secret key; returns the 64-byte signature. */
export type Signer = (message: Uint8Array, secretKey: Uint8Array) => Uint8Array;

/** The reference signer (`@noble/ed25519`): runs anywhere, about 1,000-2,000 signatures/s. */
export const nobleSigner: Signer = signBytes;

/** The format's key id of a raw 32-byte public key (shared/format/layout.ts, as the verifier reads it). */
export { kidOf };

/**
 * The key pair of a 32-byte secret key.
 * @throws TypeError when `secretKey` is not 32 bytes.
 */
export function keyFromSecret(secretKey: Uint8Array): ProducerKey {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32) {
    throw new TypeError('keyFromSecret: "secretKey" must be a 32-byte Uint8Array');
  }
  const publicKey = publicKeyOf(secretKey);
  return Object.freeze({ secretKey, publicKey: toHex(publicKey), kid: kidOf(publicKey) });
}

/**
 * A reproducible key: the secret is SHA-256 of the label's UTF-8 bytes. For tests and
 * demos only: anyone who knows the label holds the key.
 * @throws TypeError when `label` is not a non-empty string.
 * @example keyFromSeed('demo/root').kid // the same 32 hex digits on every run
 */
export function keyFromSeed(label: string): ProducerKey {
  if (typeof label !== 'string' || label.length === 0)
    throw new TypeError('keyFromSeed: "label" must be a non-empty string');
  return keyFromSecret(sha256Bytes(utf8(label)));
}

/** A fresh key from the runtime's CSPRNG: what a real gate uses. */
export function randomKey(): ProducerKey {
  return keyFromSecret(randomSecretKey());
}

/**
 * The hex signature of `C(value)` by `key`: the signature an object's `sig` member
 * carries when `value` is that object without `sig`.
 */
export function signCanonical(value: unknown, key: ProducerKey, sign: Signer = nobleSigner): string {
  return toHex(sign(utf8(canonicalize(value)), key.secretKey));
}
