/**
 * Line hashes computed ahead with WebCrypto's native SHA-256, a batch of lines at a time,
 * for the app's segment workers: there the synchronous SHA-256 is JavaScript, and hashing
 * each receipt line with it took about a tenth of a worker's time (docs/PERFORMANCE.md).
 * Each line passes through unchanged, with `hash` set to exactly what `hashOf(bytes)` gives;
 * `checkSegment` then uses it instead of hashing again.
 *
 * Only for lines whose bytes stay as they are after being passed on (a piece of a segment
 * held whole, as the pool sends them): lines are held a batch at a time before the checks
 * read them. WebCrypto copies the bytes when asked, so the hash is always of what was read.
 */
import type { LineRead } from '../archive/lines.ts';
import { HASH_PREFIX, SHA256_ABC_HEX, SHA256_EMPTY_HEX, hashOf } from '../format/hash.ts';
import { toHex, utf8 } from '../format/bytes.ts';
import type { DigestSubtle } from '../format/webcrypto-sha256.ts';

export type LineTransform = (lines: AsyncIterable<LineRead>) => AsyncIterable<LineRead>;

/** Lines per batch: enough that WebCrypto's per-call cost is spread, few enough to hold. */
export const LINE_BATCH = 256;

/**
 * The transform, or null where `subtle` has no SHA-256 or gives a wrong digest on the FIPS
 * 180-2 vectors ("abc", and the empty message) or on a receipt-sized line checked against
 * `hashOf`: then lines are hashed by the reader as before.
 */
export async function webCryptoLineHashes(
  subtle: DigestSubtle | null,
  batch = LINE_BATCH,
): Promise<LineTransform | null> {
  if (!subtle) return null;
  const hash = async (bytes: Uint8Array) =>
    HASH_PREFIX + toHex(new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)));
  try {
    const line = utf8(`{"id":"rc_${'0123456789abcdef'.repeat(80)}"}`);
    const ok =
      (await hash(utf8('abc'))) === HASH_PREFIX + SHA256_ABC_HEX &&
      (await hash(new Uint8Array(0))) === HASH_PREFIX + SHA256_EMPTY_HEX &&
      (await hash(line)) === hashOf(line);
    if (!ok) return null;
  } catch {
    return null;
  }
  return async function* hashedAhead(lines: AsyncIterable<LineRead>): AsyncGenerator<LineRead> {
    let held: LineRead[] = [];
    const hashed = async (reads: LineRead[]): Promise<LineRead[]> => {
      const hashes = await Promise.all(reads.map((r) => (r.kind === 'too-long' ? null : hash(r.bytes))));
      // A hash for every line but a too-long one (which has no bytes).
      return reads.map((r, i) => (r.kind === 'too-long' ? r : { ...r, hash: hashes[i] as string }));
    };
    for await (const read of lines) {
      held.push(read);
      if (held.length >= batch) {
        yield* await hashed(held);
        held = [];
      }
    }
    if (held.length > 0) yield* await hashed(held);
  };
}
