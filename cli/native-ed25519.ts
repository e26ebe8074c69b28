/**
 * Ed25519 through node:crypto (OpenSSL), about 17x faster than the JavaScript reference
 * here, behind the strict RFC 8032 encoding checks (shared/format/ed25519-strict.ts).
 * Public keys are turned into KeyObjects once and cached: an archive has few signing keys.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { SignatureVerifier } from '../shared/format/ed25519.ts';
import { passesStrictEncodingChecks, strictBefore } from '../shared/format/ed25519-strict.ts';
import type { AsyncSignatureVerifier } from '../shared/format/webcrypto-ed25519.ts';

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** A public key's KeyObject, made once; null for bytes that are not a point on the curve. */
function keyCache(): (publicKey: Uint8Array) => KeyObject | null {
  const keys = new Map<string, KeyObject | null>();
  return (publicKey) => {
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
}

function nodeVerifier(): SignatureVerifier {
  const keyOf = keyCache();
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

/**
 * The same verifier, asynchronous: each verification runs on libuv's thread pool (node:crypto's
 * callback form), so a batch of them runs on every core while this thread waits. The engine
 * verifies checkpoints' signatures with it in batches while the segments are checked (a
 * producer may write a checkpoint for every receipt: 100,000 of them took this thread 7.5 s
 * before any segment was checked). Same strict checks first, same answers
 * (native-ed25519.test.ts, small-order-keys.test.ts).
 */
export const nativeAsyncStrictVerifier: AsyncSignatureVerifier = (() => {
  const keyOf = keyCache();
  return Object.freeze({
    name: `${nativeStrictVerifier.name}, on libuv's thread pool`,
    verifyAsync(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): Promise<boolean> {
      if (!passesStrictEncodingChecks(signature, publicKey)) return Promise.resolve(false);
      const key = keyOf(publicKey);
      if (!key) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        try {
          verify(null, message, key, signature, (error, ok) => resolve(error === null && ok === true));
        } catch {
          resolve(false);
        }
      });
    },
  });
})();
