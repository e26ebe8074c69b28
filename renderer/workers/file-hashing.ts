/**
 * The SHA-256 a worker hashes with: the WebAssembly one (shared/format/wasm-sha256.ts) where
 * it loads and gives the right digests, synchronous and five times the JavaScript one in
 * Chromium, used for lines, keys and whole files alike. Where it cannot load, the JavaScript
 * SHA-256 stays, and whole files are hashed by WebCrypto (webcrypto-sha256.ts): the worker
 * then also hashes lines ahead with WebCrypto (`webCryptoLineHashes`, asked by the segment
 * worker when this resolves 'webcrypto').
 */
import { incrementalSha256, useFileHasher, useSha256 } from '../../shared/format/hash.ts';
import { wasmSha256 } from '../../shared/format/wasm-sha256.ts';
import { webCryptoFileHasher, type DigestSubtle } from '../../shared/format/webcrypto-sha256.ts';

export type HashingIn = 'webassembly' | 'webcrypto' | 'javascript';

let chosen: Promise<HashingIn> | null = null;

/** Installs this worker's SHA-256 once; resolves with what it hashes in. */
export function installFastestSha256(): Promise<HashingIn> {
  chosen ??= (async (): Promise<HashingIn> => {
    try {
      const wasm = await wasmSha256();
      if (wasm) {
        useSha256(wasm); // throws when it is not SHA-256
        return 'webassembly';
      }
    } catch {
      // The JavaScript SHA-256 stays.
    }
    try {
      const subtle = (globalThis as { crypto?: { subtle?: unknown } }).crypto?.subtle;
      if (subtle) {
        await useFileHasher(webCryptoFileHasher(subtle as DigestSubtle, incrementalSha256));
        return 'webcrypto';
      }
    } catch {
      // Files stay with the JavaScript SHA-256.
    }
    return 'javascript';
  })();
  return chosen;
}
