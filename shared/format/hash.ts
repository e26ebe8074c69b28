/**
 * SHA-256 in the format's spelling: `"sha256:" + 64 lowercase hex digits` (FORMAT.md §1).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex, utf8 } from './bytes.ts';

export const HASH_PREFIX = 'sha256:';
/** `prev` of a ledger's first receipt. */
export const ZERO_HASH = Object.freeze(HASH_PREFIX + '0'.repeat(64)) as string;
const HASH_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** Raw SHA-256 digest. */
export function sha256Bytes(data: Uint8Array): Uint8Array {
  return sha256(data);
}

/** `H(b)`: the format's hash string of `data` (a string is hashed as its UTF-8 bytes). */
export function hashOf(data: Uint8Array | string): string {
  return HASH_PREFIX + toHex(sha256(typeof data === 'string' ? utf8(data) : data));
}

export function isHashString(value: unknown): value is string {
  return typeof value === 'string' && HASH_PATTERN.test(value);
}

/** Incremental hasher for streamed files (manifest checks read entries once). */
export function createHasher(): { update(chunk: Uint8Array): void; digest(): string } {
  const h = sha256.create();
  return {
    update: (chunk) => void h.update(chunk),
    digest: () => HASH_PREFIX + toHex(h.digest()),
  };
}
