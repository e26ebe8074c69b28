/**
 * Ed25519 through node:crypto (OpenSSL), about 17x faster than the JavaScript reference
 * here, behind the strict RFC 8032 encoding checks (shared/format/ed25519-strict.ts).
 * Public keys are turned into KeyObjects once and cached: an archive has few signing keys.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { SignatureVerifier } from '../shared/format/ed25519.ts';
import { strictBefore } from '../shared/format/ed25519-strict.ts';

function nodeVerifier(): SignatureVerifier {
  const keys = new Map<string, KeyObject | null>();
  const keyOf = (publicKey: Uint8Array): KeyObject | null => {
    const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('base64url');
    let key = keys.get(id);
    if (key === undefined) {
      try {
        // As a JWK, not DER: OpenSSL takes the raw key without its decoders, about 7 µs a key
        // against 60–110 µs (more with other threads decoding at once; an archive with
        // hundreds of ledgers has thousands of gate keys, each made once per thread).
        key = createPublicKey({
          key: { kty: 'OKP', crv: 'Ed25519', x: id },
          format: 'jwk',
        });
      } catch {
        key = null; // not a point on the curve
      }
      if (keys.size > 10_000) keys.clear();
      keys.set(id, key);
    }
    return key;
  };
  return {
    name: 'node:crypto Ed25519',
    verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
      const key = keyOf(publicKey);
      if (!key) return false;
      try {
        return verify(null, message, key, signature);
      } catch {
        return false;
      }
    },
  };
}

/** The command line's verifier: native speed, strict answers. */
export const nativeStrictVerifier: SignatureVerifier = strictBefore(nodeVerifier());
