/**
 * A signature verifier that remembers its answers: the explain worker judges one receipt
 * after another of the same archive, and most signatures it checks are the same each time
 * (keys.json's certificates, the manifest, the bundles, a checkpoint). Ed25519 verification
 * is a pure function of (signature, message, public key), so an answer given once holds;
 * the message is remembered by its SHA-256, the signature and key by their bytes.
 */
import { toHex } from '../../shared/format/bytes.ts';
import type { SignatureVerifier } from '../../shared/format/ed25519.ts';
import { hashOf } from '../../shared/format/hash.ts';

export interface MemoVerifier extends SignatureVerifier {
  readonly size: () => number;
  /** True when the answer for this signature is remembered. */
  knows(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
  /**
   * Remembers an answer given by another verifier of the same strict rules (WebCrypto
   * behind the strict encoding checks, which the Chromium tests hold to the same vectors).
   */
  remember(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array, answer: boolean): void;
}

export function memoVerifier(inner: SignatureVerifier, maxEntries = 10_000): MemoVerifier {
  const answers = new Map<string, boolean>();
  const keyOf = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) =>
    `${toHex(signature)}:${toHex(publicKey)}:${hashOf(message)}`;
  const remember = (key: string, answer: boolean) => {
    if (answers.size >= maxEntries) answers.clear();
    answers.set(key, answer);
  };
  return {
    name: `${inner.name}, answers remembered`,
    verify(signature, message, publicKey) {
      const key = keyOf(signature, message, publicKey);
      const known = answers.get(key);
      if (known !== undefined) return known;
      const answer = inner.verify(signature, message, publicKey);
      remember(key, answer);
      return answer;
    },
    size: () => answers.size,
    knows: (signature, message, publicKey) => answers.has(keyOf(signature, message, publicKey)),
    remember: (signature, message, publicKey, answer) => remember(keyOf(signature, message, publicKey), answer),
  };
}
