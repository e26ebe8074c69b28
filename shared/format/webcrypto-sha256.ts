/**
 * A whole file's SHA-256 through WebCrypto (native; off the calling thread in Chromium),
 * for the engine's manifest check in a browser (`useFileHasher`), where the only
 * synchronous SHA-256 is JavaScript at about a tenth of the speed.
 *
 * WebCrypto hashes a whole buffer at once, not in steps: a file's chunks are copied and
 * held until its end, then hashed in one call. Past `holdLimit` bytes (a producer's large
 * segment file) holding stops: what was held and every later chunk go to the incremental
 * hasher `fallback` instead, so memory stays bounded whatever the file sizes.
 */
import { copyOf } from './bytes.ts';
import type { FileHasher } from './hash.ts';

/** The part of SubtleCrypto used here (Node's types do not name SubtleCrypto). */
export interface DigestSubtle {
  digest(algorithm: 'SHA-256', data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer>;
}

/** Bytes of one file held for a single WebCrypto call; beyond, the incremental fallback. */
export const HOLD_LIMIT_BYTES = 32 * 1024 * 1024;

export function webCryptoFileHasher(
  subtle: DigestSubtle,
  fallback: () => { update(chunk: Uint8Array): void; digest(): Uint8Array },
  holdLimit = HOLD_LIMIT_BYTES,
): () => FileHasher {
  return () => {
    let held: Uint8Array[] | null = [];
    let size = 0;
    let incremental: ReturnType<typeof fallback> | null = null;
    return {
      update(chunk) {
        if (incremental) return incremental.update(chunk);
        (held as Uint8Array[]).push(copyOf(chunk));
        size += chunk.length;
        if (size <= holdLimit) return;
        incremental = fallback();
        for (const part of held as Uint8Array[]) incremental.update(part);
        held = null;
      },
      async digest() {
        if (incremental) return incremental.digest();
        const whole = new Uint8Array(size);
        let at = 0;
        for (const part of held as Uint8Array[]) {
          whole.set(part, at);
          at += part.length;
        }
        held = [];
        return new Uint8Array(await subtle.digest('SHA-256', whole));
      },
    };
  };
}
