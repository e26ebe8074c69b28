/**
 * SHA-256 in the format's spelling: `"sha256:" + 64 lowercase hex digits` (FORMAT.md §1).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { isLowerHexAt, toHex, utf8, utf8Transient } from './bytes.ts';

export const HASH_PREFIX = 'sha256:';
/** `prev` of a ledger's first receipt. */
export const ZERO_HASH = Object.freeze(HASH_PREFIX + '0'.repeat(64)) as string;
/** 64 lowercase hex digits: a SHA-256 digest, an attachment's name, an Ed25519 public key. */
export const HEX64 = /^[0-9a-f]{64}$/;
/** A hash string: `sha256:` and 64 lowercase hex digits. */
export const HASH_PATTERN = new RegExp(`^${HASH_PREFIX}${HEX64.source.slice(1)}`);

/** A SHA-256 implementation: one-shot, and incremental for streamed files. */
export interface Sha256 {
  digest(data: Uint8Array): Uint8Array;
  create(): { update(chunk: Uint8Array): void; digest(): Uint8Array };
  /** The digest as lowercase hex in one call (a string hashed as its UTF-8 bytes), where the runtime has one. */
  hex?(data: Uint8Array | string): string;
}

/**
 * One-shot noble SHA-256 without an allocation per call: a kept hasher is reset from a blank
 * one, and the digest written into a kept array (valid until the next call). In a browser a
 * new hasher per call allocated an ArrayBuffer for its DataView, which cost more than the
 * hashing for short inputs (the determinism key and memo keys: 10% of a segment worker).
 */
const keptNoble = (() => {
  const blank = sha256.create();
  const work = sha256.create();
  const out = new Uint8Array(32);
  return (data: Uint8Array): Uint8Array => {
    blank._cloneInto(work);
    work.update(data);
    work.digestInto(out);
    return out;
  };
})();

const nobleSha256: Sha256 = {
  digest: (data) => sha256(data),
  create: () => sha256.create(),
  hex: (data) => toHex(keptNoble(typeof data === 'string' ? utf8Transient(data) : data)),
};
let impl: Sha256 = nobleSha256;
const digest = (data: Uint8Array): Uint8Array => impl.digest(data);

/** SHA-256 of "abc" and of the empty message (FIPS 180-2), hex: what a replacement is checked on. */
export const SHA256_ABC_HEX = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
export const SHA256_EMPTY_HEX = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/**
 * Replaces the SHA-256 used for hashing lines and files with a faster one (node:crypto in
 * the command line and its workers, about ten times the JavaScript one; WebAssembly in the
 * app's workers, about five times in Chromium). The
 * replacement must give the same digests: hash.test.ts checks both on the vectors.
 * @throws TypeError when `impl` gives a wrong digest for "abc".
 */
export function useSha256(replacement: Sha256): void {
  const incremental = replacement.create();
  incremental.update(utf8('ab'));
  incremental.update(utf8('c'));
  const expected = SHA256_ABC_HEX;
  if (
    toHex(replacement.digest(utf8('abc'))) !== expected ||
    toHex(incremental.digest()) !== expected ||
    (replacement.hex !== undefined &&
      (replacement.hex('abc') !== expected || replacement.hex(utf8('abc')) !== expected))
  ) {
    throw new TypeError('useSha256: "replacement" is not SHA-256');
  }
  impl = replacement;
}

/** Raw SHA-256 digest. */
export function sha256Bytes(data: Uint8Array): Uint8Array {
  return digest(data);
}

/**
 * Raw SHA-256 digest for a caller that reads it at once: with the JavaScript SHA-256 it is
 * written into a kept array that the next call overwrites (no allocation per call).
 */
export function sha256Transient(data: Uint8Array): Uint8Array {
  return impl === nobleSha256 ? keptNoble(data) : impl.digest(data);
}

/** `H(b)`: the format's hash string of `data` (a string is hashed as its UTF-8 bytes). */
export function hashOf(data: Uint8Array | string): string {
  if (impl.hex) return HASH_PREFIX + impl.hex(data);
  return HASH_PREFIX + toHex(digest(typeof data === 'string' ? utf8(data) : data));
}

/** What {@link HASH_PATTERN} matches, by a loop (see `isLowerHexAt`). */
export function isHashString(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length === HASH_PREFIX.length + 64 &&
    value.startsWith(HASH_PREFIX) &&
    isLowerHexAt(value, HASH_PREFIX.length, 64)
  );
}

/** An incremental SHA-256 of the implementation in use (raw digest). */
export function incrementalSha256(): { update(chunk: Uint8Array): void; digest(): Uint8Array } {
  return impl.create();
}

/** Incremental hasher for streamed files (manifest checks read entries once). */
export function createHasher(): { update(chunk: Uint8Array): void; digest(): string } {
  const h = impl.create();
  return {
    update: (chunk) => void h.update(chunk),
    digest: () => HASH_PREFIX + toHex(h.digest()),
  };
}

/** Size and SHA-256 of a file read in full. */
export interface FileDigest {
  readonly bytes: number;
  readonly sha256: string;
}

/** An incremental SHA-256 whose digest may come later (WebCrypto's is asynchronous). */
export interface FileHasher {
  /** `chunk` may be reused by its owner once this returns. */
  update(chunk: Uint8Array): void;
  digest(): Uint8Array | Promise<Uint8Array>;
}

let fileHasher: (() => FileHasher) | null = null;

/**
 * Replaces the hasher of whole files read by the engine (`hashingChunks`: the manifest
 * check of every entry) with `make`, once it has given the right digest for "abc" in two
 * chunks and for 1,000,000 "a"s (FIPS 180-2's vectors). In a browser where WebAssembly
 * cannot load (wasm-sha256.ts): WebCrypto's native SHA-256 (webcrypto-sha256.ts).
 * @throws TypeError when `make` does not give those digests.
 */
export async function useFileHasher(make: () => FileHasher): Promise<void> {
  const abc = make();
  abc.update(utf8('ab'));
  abc.update(utf8('c'));
  const million = make();
  const tenThousand = new Uint8Array(10_000).fill(0x61);
  for (let i = 0; i < 100; i++) million.update(tenThousand);
  if (
    toHex(await abc.digest()) !== SHA256_ABC_HEX ||
    toHex(await million.digest()) !== 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0'
  )
    throw new TypeError('useFileHasher: "make" does not make SHA-256');
  fileHasher = make;
}

/**
 * Passes `chunks` through unchanged while hashing them, and calls `done` with the size and
 * hash once every chunk has passed (not when the stream fails or stops early), so an entry
 * is read once for both its parser and the manifest check.
 */
export async function* hashingChunks(
  chunks: AsyncIterable<Uint8Array>,
  done: (file: FileDigest) => void,
): AsyncGenerator<Uint8Array> {
  const hasher: FileHasher = fileHasher ? fileHasher() : impl.create();
  let bytes = 0;
  for await (const chunk of chunks) {
    hasher.update(chunk);
    bytes += chunk.length;
    yield chunk;
  }
  done({ bytes, sha256: HASH_PREFIX + toHex(await hasher.digest()) });
}
