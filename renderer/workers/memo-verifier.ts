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

export function memoVerifier(
  inner: SignatureVerifier,
  maxEntries = 10_000,
): SignatureVerifier & { readonly size: () => number } {
  const answers = new Map<string, boolean>();
  return {
    name: `${inner.name}, answers remembered`,
    verify(signature, message, publicKey) {
      const key = `${toHex(signature)}:${toHex(publicKey)}:${hashOf(message)}`;
      const known = answers.get(key);
      if (known !== undefined) return known;
      const answer = inner.verify(signature, message, publicKey);
      if (answers.size >= maxEntries) answers.clear();
      answers.set(key, answer);
      return answer;
    },
    size: () => answers.size,
  };
}
