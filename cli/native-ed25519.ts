/**
 * Ed25519 through node:crypto (OpenSSL), about 17x faster than the JavaScript reference
 * here, behind the strict RFC 8032 encoding checks (shared/format/ed25519-strict.ts).
 * Public keys are turned into KeyObjects once and cached: an archive has few signing keys.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { SignatureVerifier } from '../shared/format/ed25519.ts';
import { strictBefore } from '../shared/format/ed25519-strict.ts';

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function nodeVerifier(): SignatureVerifier {
  const keys = new Map<string, KeyObject | null>();
  const keyOf = (publicKey: Uint8Array): KeyObject | null => {
    const id = Buffer.from(publicKey).toString('hex');
    let key = keys.get(id);
    if (key === undefined) {
      try {
        key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
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
