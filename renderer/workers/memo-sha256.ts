/**
 * A SHA-256 that remembers the digests of short inputs it has seen, for the impact workers.
 *
 * Why: the decision memo (shared/decisions/evaluator.ts) keys each replay by SHA-256 over
 * the policy set and the request with its entities, and recorded traffic repeats: a million
 * receipts of the demo hold about a hundred distinct requests, so nearly every key is a
 * digest already computed. In a browser there is no native synchronous SHA-256, and the
 * JavaScript one costs 10-20 µs for such a key, twice per receipt: most of a replay's time.
 *
 * Exact by construction: a text is remembered by itself (the Map's key is the whole string),
 * never by a digest or a shorter hash of it; a hit returns the hex digest the wrapped
 * implementation gave for those same characters' UTF-8. Only texts are remembered, as the
 * replay's keys reach it (`hashOf` of a string, through {@link Sha256.hex}): bytes, such as the
 * stored lines whose SHA-256 a read checks (renderer/store/line-files.ts, about 2 KB each and
 * never repeated), go straight through, as do texts over {@link MAX_REMEMBERED_CHARS} and every
 * incremental hash. (Remembering the lines too had cost each of them a decode to a string and a
 * Map entry, and filled the memo with texts that never came again.)
 */
import { toHex, utf8Transient } from '../../shared/format/bytes.ts';
import type { Sha256 } from '../../shared/format/hash.ts';

/** Longest text remembered (a replay key is a few hundred characters). */
export const MAX_REMEMBERED_CHARS = 4096;

export function memoSha256(inner: Sha256, maxEntries = 65_536): Sha256 & { readonly size: () => number } {
  const digests = new Map<string, string>();
  const innerHex = (data: Uint8Array | string): string =>
    inner.hex ? inner.hex(data) : toHex(inner.digest(typeof data === 'string' ? utf8Transient(data) : data));
  return {
    digest: (data) => inner.digest(data),
    hex(data) {
      if (typeof data !== 'string' || data.length > MAX_REMEMBERED_CHARS) return innerHex(data);
      const known = digests.get(data);
      if (known !== undefined) return known;
      const digest = innerHex(data);
      // Bounded: when full, start again (the traffic that repeats is remembered again at once).
      if (digests.size >= maxEntries) digests.clear();
      digests.set(data, digest);
      return digest;
    },
    create: () => inner.create(),
    size: () => digests.size,
  };
}
