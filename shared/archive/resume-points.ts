/**
 * Reading a deflated file from the middle: resume points, as zlib's `zran` example keeps them.
 *
 * A deflate stream can be inflated from the start of any of its blocks given the 32 KiB inflated
 * just before it (a block may copy from there). The import's inflate (zlib-inflate.ts) notes such
 * points as it reads a large segment file, every {@link RESUME_POINT_SPACING} bytes or so; the app
 * then keeps the file's stored bytes and these points instead of its lines, and reads a line by
 * inflating from the nearest point before it (renderer/store/line-files.ts).
 *
 * A block need not start on a byte, and no inflate here can be told to start inside one or be
 * given a window (zlib's `inflatePrime` and `inflateSetDictionary` are not in the builds the app
 * loads). So the bytes from the point are given to a plain raw inflate as a stream of their own
 * ({@link resumedStream}): first a stored block holding the window (which the inflate then has
 * behind it, as the original stream's blocks expect), then the original blocks' bits moved to
 * start on a byte, and, where the read stops at a later point, an empty final stored block.
 */
/** Where inflating can start again in a deflate stream. */
export interface ResumePoint {
  /** The bit of the stored data where a block starts (bits are counted from each byte's lowest). */
  readonly bit: number;
  /** Bytes inflated before that block. */
  readonly out: number;
  /** The bytes inflated just before it: the last {@link WINDOW_BYTES} (all of them, nearer the start). */
  readonly window: Uint8Array;
}

/** The most a deflate block copies from behind it. */
export const WINDOW_BYTES = 32 * 1024;
/** Bytes inflated between two points at least (the next block boundary after this many is the next point). */
export const RESUME_POINT_SPACING = 1024 * 1024;

/**
 * A raw deflate stream that inflates to `window` and then to what the original stream gives from
 * bit `fromBit` of `stored` on: to its end, or, with `toBit` (where a later block starts), to
 * there, closed by an empty final block.
 * @param stored the original stream's bytes, from any byte at or before `fromBit`
 */
export function resumedStream(
  stored: Uint8Array,
  fromBit: number,
  window: Uint8Array,
  toBit?: number,
): Uint8Array<ArrayBuffer> {
  const end = toBit ?? stored.length * 8;
  if (
    !Number.isSafeInteger(fromBit) ||
    fromBit < 0 ||
    !Number.isSafeInteger(end) ||
    end < fromBit ||
    end > stored.length * 8
  )
    throw new RangeError(`resumedStream: bits ${fromBit} to ${end} are not within ${stored.length} bytes`);
  if (window.length > WINDOW_BYTES) throw new RangeError(`resumedStream: a window of ${window.length} bytes`);
  const bits = end - fromBit;
  const bodyBytes = Math.ceil(bits / 8);
  // A closing block is three bits (final, stored), padding to a byte, then LEN 0 and NLEN 0xffff.
  const closing = toBit === undefined ? 0 : Math.ceil((bits + 3) / 8) - bodyBytes + 4;
  const prefix = window.length > 0 ? 5 + window.length : 0;
  const out = new Uint8Array(prefix + bodyBytes + closing);
  if (prefix > 0) {
    // Not final, stored (three zero bits, then padding to the byte), LEN, NLEN, the bytes.
    const n = window.length;
    out.set([0, n & 0xff, n >> 8, ~n & 0xff, (~n >> 8) & 0xff], 0);
    out.set(window, 5);
  }
  const first = fromBit >> 3;
  const shift = fromBit & 7;
  for (let i = 0; i < bodyBytes; i++) {
    const low = stored[first + i] as number;
    const high = stored[first + i + 1] ?? 0;
    out[prefix + i] = shift === 0 ? low : ((low >>> shift) | (high << (8 - shift))) & 0xff;
  }
  const tail = bits & 7;
  if (tail !== 0) out[prefix + bodyBytes - 1] = (out[prefix + bodyBytes - 1] as number) & ((1 << tail) - 1);
  if (toBit !== undefined) {
    // The final bit set, the type bits (00) and the padding left zero.
    const at = prefix * 8 + bits;
    out[at >> 3] = (out[at >> 3] as number) | (1 << (at & 7));
    out.set([0, 0, 0xff, 0xff], out.length - 4);
  }
  return out;
}

/** Stored bytes given to the inflate at a time. */
const INPUT_STEP = 64 * 1024;

/**
 * The bytes a deflate stream inflates to from `point` on, `length` of them (fewer where the
 * stream or the bytes given end first), or, with the fault, as many as were read before a fault
 * in the data (what the last step of input before it inflates to may be missing).
 *
 * Inflated by the platform's own raw inflate (`DecompressionStream`, zlib in the browser and in
 * Node), which starts fast where an inflate in script runs cold in a fresh page: the window reads
 * a piece of about 4 MiB this way each time a receipt's view opens after a reload.
 * @param stored the stored data from byte `Math.floor(point.bit / 8)` on (to the next point's byte or further)
 * @param toBit where a later block starts, counted as `point.bit` is (from the stored data's first byte), if `stored` stops there
 */
export async function inflateFromPoint(
  stored: Uint8Array,
  point: ResumePoint,
  length: number,
  toBit?: number,
): Promise<{ readonly bytes: Uint8Array; readonly fault?: string }> {
  const base = Math.floor(point.bit / 8) * 8;
  const stream = resumedStream(stored, point.bit - base, point.window, toBit === undefined ? undefined : toBit - base);
  const skip = point.window.length;
  const want = skip + length;
  const parts: Uint8Array[] = [];
  let got = 0;
  let fault: string | undefined;
  const inflate = new DecompressionStream('deflate-raw');
  const reader = inflate.readable.getReader();
  const writer = inflate.writable.getWriter();
  // Given in steps, the last byte on its own. Read to the stream's end, the original's last block
  // may end before that byte once its bits are moved (the rest of the byte is then padding), and
  // Chromium's inflate refuses any byte after a stream's end ("junk"). A step is inflated only
  // once all that the one before gave has been read (a transform stream waits for its reader):
  // so a refusal of that byte alone comes after every byte before it, and is the stream's end.
  let writingLast = false;
  const writing = (async () => {
    const last = stream.length - 1;
    for (let at = 0; at < last; at += INPUT_STEP)
      await writer.write(stream.subarray(at, Math.min(at + INPUT_STEP, last)));
    writingLast = true;
    if (last >= 0) await writer.write(stream.subarray(last));
    writingLast = false;
    await writer.close();
  })();
  writing.catch(() => undefined); // a fault in the data is read from the reader
  try {
    while (got < want) {
      const next = await reader.read();
      if (next.done) break;
      const take = Math.min(next.value.length, want - got);
      parts.push(take === next.value.length ? next.value : next.value.subarray(0, take));
      got += take;
    }
  } catch (error) {
    if (!writingLast) fault = (error as Error).message || String(error);
  } finally {
    // Enough read (or a fault): the rest is not inflated.
    void reader.cancel().catch(() => undefined);
    void writer.abort().catch(() => undefined);
  }
  const all = new Uint8Array(got);
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  const bytes = all.subarray(Math.min(skip, got));
  return fault === undefined ? { bytes } : { bytes, fault };
}
