/**
 * Byte helpers used by every format module: hex, UTF-8 and base64.
 * Hex is always lowercase on output; decoding refuses anything that is not an even
 * number of hex digits, because the format spells keys, signatures and hashes that way.
 */

const HEX_PAIR = /^(?:[0-9a-fA-F]{2})*$/;
const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The char codes of each byte's two hex digits. */
const HEX_HIGH = Uint16Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0').charCodeAt(0));
const HEX_LOW = Uint16Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0').charCodeAt(1));
/** Bytes turned into hex at a time: a string made of one `String.fromCharCode` call each. */
const HEX_PART_BYTES = 4096;
const hexCodes = new Uint16Array(HEX_PART_BYTES * 2);

/**
 * Lowercase hex of `bytes`, as a flat string. (Joined two digits at a time with `+=`, a digest's
 * 64 digits were a rope of about 25 pieces, some 800 bytes of heap where 80 do: 100,000 kept file
 * digests held 80 MB. docs/PERFORMANCE.md, forty-ninth session.)
 */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let start = 0; start < bytes.length; start += HEX_PART_BYTES) {
    const end = Math.min(bytes.length, start + HEX_PART_BYTES);
    for (let i = start, j = 0; i < end; i++, j += 2) {
      const byte = bytes[i] as number;
      hexCodes[j] = HEX_HIGH[byte] as number;
      hexCodes[j + 1] = HEX_LOW[byte] as number;
    }
    const part = String.fromCharCode.apply(null, hexCodes.subarray(0, (end - start) * 2) as unknown as number[]);
    out = start === 0 ? part : out + part;
  }
  return out;
}

/**
 * Bytes of a hex string.
 * @throws TypeError when `hex` is not an even-length hex string (programmer misuse:
 *   callers validate untrusted input with {@link isHex} first).
 * @example fromHex('00ff') // Uint8Array [0, 255]
 */
export function fromHex(hex: string): Uint8Array {
  if (!HEX_PAIR.test(hex)) throw new TypeError(`fromHex: "hex" must be an even-length hex string`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++)
    out[i] = (nibble(hex.charCodeAt(i * 2)) << 4) | nibble(hex.charCodeAt(i * 2 + 1));
  return out;
}

/** Value of one hex digit's char code (already checked to be a hex digit). */
function nibble(code: number): number {
  return code <= 57 ? code - 48 : (code | 32) - 87;
}

/** True when `value` is a string of exactly `length` lowercase hex digits. */
export function isLowerHex(value: unknown, length: number): value is string {
  return typeof value === 'string' && value.length === length && isLowerHexAt(value, 0, length);
}

/**
 * Whether `text` holds `n` lowercase hex digits from `from` on. A loop, not a regular
 * expression: the receipt check asks it seven times a receipt, and the expressions cost 2% of
 * a command-line worker.
 */
export function isLowerHexAt(text: string, from: number, n: number): boolean {
  for (let i = from; i < from + n; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * How many UTF-8 bytes `text` from `from` to `to` (UTF-16 units) encodes to, for well-formed
 * text (every surrogate paired, as strict decoding gives): to place a cut of a decoded line in
 * its bytes without encoding it again. A surrogate pair is two units and four bytes.
 */
export function utf8Length(text: string, from = 0, to = text.length): number {
  let n = to - from;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    n += c < 0x800 || (c >= 0xd800 && c < 0xe000) ? 1 : 2;
  }
  return n;
}

type TypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array;

/**
 * Elements `from` to `to` of a typed array, copied into a buffer of their own (to transfer).
 * `new` then `set`, not `slice`: in a Chromium worker `slice` copied 1.4 MB in 4.7 ms, `new`
 * and `set` in 0.35 ms (a hundred thousand float64s: 2.5 ms against 0.45 ms).
 */
export function copyOf(view: Uint8Array, from?: number, to?: number): Uint8Array;
export function copyOf<T extends TypedArray>(view: T, from?: number, to?: number): T;
export function copyOf<T extends TypedArray>(view: T, from = 0, to = view.length): T {
  const part = view.subarray(from, to);
  // A Node Buffer is a Uint8Array whose constructor is deprecated: bytes are copied into a plain Uint8Array.
  const Kind = view instanceof Uint8Array ? Uint8Array : (view.constructor as new (length: number) => T);
  const out = new Kind(part.length) as T;
  out.set(part as never);
  return out;
}

let transient = new Uint8Array(4096);
/** Texts longer than this get an array of their own: the kept buffer never outgrows 3 MiB. */
const TRANSIENT_MAX_CHARS = 1024 * 1024;
/**
 * `text`'s UTF-8 in a buffer kept between calls: valid only until the next call, for a caller
 * that hashes or copies it at once. ASCII text is copied by a loop: Chromium's TextEncoder
 * took 4 µs (`encodeInto`) to 8 µs (`encode`) for a 180-character key, the loop under 1 µs.
 */
export function utf8Transient(text: string): Uint8Array {
  const n = text.length;
  if (n > TRANSIENT_MAX_CHARS) return encoder.encode(text);
  if (transient.length < n * 3) transient = new Uint8Array(n * 3);
  const into = transient;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return into.subarray(0, encoder.encodeInto(text, into).written);
    into[i] = c;
  }
  return into.subarray(0, n);
}

/** Decodes UTF-8, returning null (not U+FFFD) for invalid sequences: evidence is never repaired. */
export function decodeUtf8Strict(bytes: Uint8Array): string | null {
  if (inScript && bytes.length <= SCRIPT_DECODE_MAX_BYTES) return decodeUtf8InScript(bytes);
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return null;
  }
}

let inScript = false;

/**
 * Makes {@link decodeUtf8Strict} decode in script ({@link decodeUtf8InScript}) from now on, in
 * this thread, for texts up to 1 MiB. For Chromium's workers (the app's): there, each
 * `TextDecoder` result is a string Blink allocates outside V8's heap, one per receipt line,
 * and that memory, given back and touched again, cost each segment worker 25,000 page faults
 * and about 1.2 s at 50,000 receipts; in script the same lines took 0.55 s (docs/PERFORMANCE.md,
 * thirty-second session). Node's `TextDecoder` is about five times faster than the script, so
 * the command line keeps it. Both give the same string or null for every input
 * (`bytes.test.ts`).
 */
export function decodeUtf8InScriptFromNow(on = true): void {
  inScript = on;
}

/** Longer texts go to `TextDecoder`: the script holds at most 1 Mi code units. */
const SCRIPT_DECODE_MAX_BYTES = 1024 * 1024;
/** Code units per `String.fromCharCode` call (its arguments are on the stack). */
const UNITS_PER_CALL = 8192;
/** A text of more bytes than this gets an array of its own: the kept one never holds more units. */
const UNITS_KEPT = 65536;
/**
 * The code units of the text being decoded: a plain array of small integers, kept between
 * calls and cut to each text's length. `String.fromCharCode.apply` takes its arguments from a
 * plain array at about half what it costs from a `Uint16Array` (Chromium 150's worker, this
 * archive's 1.8 KB receipt lines: 4.5–4.8 µs a line against 6.5–6.6 µs; docs/PERFORMANCE.md,
 * forty-second session).
 */
const units: number[] = [];

/**
 * {@link decodeUtf8Strict} in script: the WHATWG UTF-8 decoder's fatal mode (RFC 3629: no
 * overlong forms, no surrogates, nothing past U+10FFFF; a byte-order mark is a character),
 * null for anything else. The code units go into an array kept between calls, then into a
 * string `String.fromCharCode` makes in V8's heap (a one-byte string when every unit fits).
 */
export function decodeUtf8InScript(bytes: Uint8Array): string | null {
  const n = bytes.length;
  const u = n > UNITS_KEPT ? [] : units;
  let k = 0;
  let i = 0;
  while (i < n) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      u[k++] = b;
      i++;
      continue;
    }
    let cp: number;
    if (b >= 0xc2 && b <= 0xdf) {
      if (i + 1 >= n) return null;
      const c1 = bytes[i + 1] as number;
      if ((c1 & 0xc0) !== 0x80) return null;
      cp = ((b & 0x1f) << 6) | (c1 & 0x3f);
      i += 2;
    } else if (b >= 0xe0 && b <= 0xef) {
      if (i + 2 >= n) return null;
      const c1 = bytes[i + 1] as number;
      const c2 = bytes[i + 2] as number;
      const lo = b === 0xe0 ? 0xa0 : 0x80;
      const hi = b === 0xed ? 0x9f : 0xbf;
      if (c1 < lo || c1 > hi || (c2 & 0xc0) !== 0x80) return null;
      cp = ((b & 0x0f) << 12) | ((c1 & 0x3f) << 6) | (c2 & 0x3f);
      i += 3;
    } else if (b >= 0xf0 && b <= 0xf4) {
      if (i + 3 >= n) return null;
      const c1 = bytes[i + 1] as number;
      const c2 = bytes[i + 2] as number;
      const c3 = bytes[i + 3] as number;
      const lo = b === 0xf0 ? 0x90 : 0x80;
      const hi = b === 0xf4 ? 0x8f : 0xbf;
      if (c1 < lo || c1 > hi || (c2 & 0xc0) !== 0x80 || (c3 & 0xc0) !== 0x80) return null;
      cp = (((b & 0x07) << 18) | ((c1 & 0x3f) << 12) | ((c2 & 0x3f) << 6) | (c3 & 0x3f)) - 0x10000;
      u[k++] = 0xd800 | (cp >> 10);
      u[k++] = 0xdc00 | (cp & 0x3ff);
      i += 4;
      continue;
    } else return null;
    u[k++] = cp;
  }
  // Units past `k` are an earlier, longer text's (or one refused part-way).
  u.length = k;
  if (k <= UNITS_PER_CALL) return String.fromCharCode.apply(null, u);
  let text = '';
  for (let at = 0; at < k; at += UNITS_PER_CALL)
    text += String.fromCharCode.apply(null, u.slice(at, Math.min(k, at + UNITS_PER_CALL)));
  return text;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Standard base64 (with padding) of `bytes`. */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Strict standard base64 (padding required, no whitespace); null when `text` is not. */
export function fromBase64(text: string): Uint8Array | null {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) return null;
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
