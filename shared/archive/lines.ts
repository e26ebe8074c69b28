/**
 * Splits a byte stream into JSONL lines (FORMAT.md §5: one record per line, each ending
 * in "\n"). Works on bytes, not text, so an over-long line is skipped without ever being
 * held whole and invalid UTF-8 is reported per line instead of being replaced.
 */
import { concatBytes, copyOf } from '../format/bytes.ts';

export type LineRead =
  | { readonly kind: 'line'; readonly line: number; readonly bytes: Uint8Array; readonly hash?: string }
  | { readonly kind: 'too-long'; readonly line: number; readonly length: number }
  /** The stream ended without a final "\n": the last line is still given, flagged. */
  | { readonly kind: 'unterminated'; readonly line: number; readonly bytes: Uint8Array; readonly hash?: string };
// `hash`: H(bytes) as `hashOf` gives it, when computed ahead (shared/engine/line-hashes.ts); else the reader hashes.

const NEWLINE = 0x0a;

/**
 * Yields every line of `chunks` with its 1-based number.
 * @param maxLineBytes lines longer than this are reported as `too-long` and skipped.
 * @param firstLine the number of the first line (a piece of a file starts past line 1).
 * @param cutShort asked when `chunks` end: true when they ended because reading the file
 *   failed. Then the bytes after the last "\n" are not a line: reading stopped inside it, and
 *   whether it ends there is not known. (A stream that throws gives no last line either.)
 */
export async function* readLines(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  maxLineBytes: number,
  firstLine = 1,
  cutShort: () => boolean = () => false,
): AsyncGenerator<LineRead> {
  let line = firstLine;
  let pending: Uint8Array[] = [];
  let pendingLength = 0;
  let skipping = false; // inside a line that already passed maxLineBytes
  for await (const chunk of chunks) {
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(NEWLINE, start);
      const piece = chunk.subarray(start, end === -1 ? chunk.length : end);
      if (!skipping) {
        if (pendingLength + piece.length > maxLineBytes) {
          skipping = true;
          pending = [];
        } else if (piece.length > 0) {
          // Copy only when the piece must outlive this chunk.
          pending.push(end === -1 ? copyOf(piece) : piece);
        }
      }
      pendingLength += piece.length;
      if (end === -1) break;
      if (skipping) {
        yield { kind: 'too-long', line, length: pendingLength };
      } else {
        yield { kind: 'line', line, bytes: pending.length === 1 ? (pending[0] as Uint8Array) : concatBytes(pending) };
      }
      line++;
      pending = [];
      pendingLength = 0;
      skipping = false;
      start = end + 1;
    }
  }
  if (pendingLength > 0 && !cutShort()) {
    if (skipping) yield { kind: 'too-long', line, length: pendingLength };
    else yield { kind: 'unterminated', line, bytes: concatBytes(pending) };
  }
}
