/**
 * A SHA-256 that remembers the digests of short inputs it has seen, for the impact workers.
 *
 * Why: the decision memo (shared/decisions/evaluator.ts) keys each replay by SHA-256 over
 * the policy set and the request with its entities, and recorded traffic repeats: a million
 * receipts of the demo hold about a hundred distinct requests, so nearly every key is a
 * digest already computed. In a browser there is no native synchronous SHA-256, and the
 * JavaScript one costs 10-20 µs for such a key, twice per receipt: most of a replay's time.
 *
 * Exact by construction: an input is remembered by all of its bytes (as the text they are:
 * the replay keys are UTF-8), never by a digest or a shorter hash of it; a hit returns a
 * copy of the digest the wrapped implementation gave for those same bytes. Inputs over
 * {@link MAX_REMEMBERED_BYTES}, bytes that are not UTF-8 and every incremental hash go
 * straight through.
 */
import type { Sha256 } from '../../shared/format/hash.ts';

/** Longest input remembered (a replay key is a few hundred bytes). */
export const MAX_REMEMBERED_BYTES = 4096;

/**
 * Valid UTF-8 decodes to exactly one string and that string encodes back to the same bytes,
 * so the decoded text is an exact key (a byte order mark is kept, not dropped). Bytes that
 * are not valid UTF-8 have no such key: null, and they are hashed without the memo.
 */
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
function bytesKey(data: Uint8Array): string | null {
  try {
    return decoder.decode(data);
  } catch {
    return null;
  }
}

export function memoSha256(inner: Sha256, maxEntries = 65_536): Sha256 & { readonly size: () => number } {
  const digests = new Map<string, Uint8Array>();
  return {
    digest(data) {
      const key = data.length > MAX_REMEMBERED_BYTES ? null : bytesKey(data);
      if (key === null) return inner.digest(data);
      const known = digests.get(key);
      if (known) return known.slice();
      const digest = inner.digest(data);
      // Bounded: when full, start again (the traffic that repeats is remembered again at once).
      if (digests.size >= maxEntries) digests.clear();
      digests.set(key, digest.slice());
      return digest;
    },
    create: () => inner.create(),
    size: () => digests.size,
  };
}
