/**
 * Has the engine hash the files it reads (the manifest check) with WebCrypto's native
 * SHA-256 in this worker (shared/format/webcrypto-sha256.ts), where the synchronous one is
 * JavaScript at about a tenth of the speed; it stays JavaScript where WebCrypto has no
 * SHA-256 or gives a wrong digest on the test vectors.
 */
import { incrementalSha256, useFileHasher } from '../../shared/format/hash.ts';
import { webCryptoFileHasher, type DigestSubtle } from '../../shared/format/webcrypto-sha256.ts';

let enabled: Promise<void> | null = null;

export function hashFilesWithWebCrypto(): Promise<void> {
  enabled ??= (async () => {
    const subtle = (globalThis as { crypto?: { subtle?: unknown } }).crypto?.subtle;
    if (subtle) await useFileHasher(webCryptoFileHasher(subtle as DigestSubtle, incrementalSha256));
  })().catch(() => undefined);
  return enabled;
}
