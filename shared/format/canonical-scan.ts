/**
 * A one-pass check that a text is already its own RFC 8785 canonical form, for the common
 * case only: the stored-form rule of FORMAT.md §1 without building the canonical form again.
 *
 * The answer is "yes, certainly" or "not sure": {@link scanCanonical} returns null for
 * anything outside the narrow case it decides (whitespace, another key order, an escape
 * JSON.stringify would not write, a number that is not a plain integer 0..2^53-1, a key
 * holding an escape, a lone surrogate, nesting deeper than the limit, bad syntax). The caller
 * then takes the reference path (`JSON.parse` + the `canonicalize` library + comparison),
 * which gives the exact finding. So the scan can make verification faster, never more
 * lenient: `canonical-scan.test.ts` checks it against the reference path on generated and
 * mutated values.
 *
 * What "canonical" means here is exactly what the `canonicalize` library writes: object
 * members sorted by UTF-16 code units with no duplicates, no whitespace, strings as
 * `JSON.stringify` writes them (`\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, other control
 * characters as `\u00xx` in lowercase, everything else literally, surrogate pairs too: only
 * a lone surrogate is escaped).
 */

/** What a successful scan found. */
export interface CanonicalScan {
  /**
   * Where the top-level member named `sig` is, as `[start, end)` including one adjoining
   * comma, so that `text.slice(0, start) + text.slice(end)` is the canonical form of the
   * object without it; null when the value is not an object with a `sig` member.
   */
  readonly sig: readonly [number, number] | null;
  /**
   * Where the values of the top-level members asked for are, as `[start, end)`: the text of
   * each is its canonical form. Only for members asked for and present.
   */
  readonly members: ReadonlyMap<string, readonly [number, number]>;
}

const NO_MEMBERS: ReadonlyMap<string, readonly [number, number]> = new Map();

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const ZERO = 0x30;
const NINE = 0x39;

/** A run of characters a string holds as they are: no quote, backslash, control character or surrogate (pairs are checked one by one). */
const PLAIN_RUN = /[^"\\\u0000-\u001f\ud800-\udfff]*/y;

/** `2^53 - 1`, the largest integer FORMAT.md §1 allows, as the 16 digits it is written with. */
const MAX_INTEGER_TEXT = '9007199254740991';

/**
 * Whether `text` is certainly canonical, holding only integers 0..2^53-1 and nesting at most
 * `maxDepth` arrays and objects; null means "not decided here" (see the module comment).
 */
export function scanCanonical(text: string, maxDepth: number, members: readonly string[] = []): CanonicalScan | null {
  const scanner = new Scanner(text, maxDepth, members);
  if (!scanner.value(0)) return null;
  if (scanner.at !== text.length) return null;
  return { sig: scanner.sig, members: scanner.members ?? NO_MEMBERS };
}

class Scanner {
  at = 0;
  sig: [number, number] | null = null;
  members: Map<string, [number, number]> | null = null;
  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
    private readonly wanted: readonly string[],
  ) {}

  /** One value at `depth` containers deep; false when it is not on the fast path. */
  value(depth: number): boolean {
    const c = this.text.charCodeAt(this.at);
    if (c === QUOTE) return this.string() !== -1;
    if (c === OPEN_OBJECT) return depth < this.maxDepth && this.object(depth + 1);
    if (c === OPEN_ARRAY) return depth < this.maxDepth && this.array(depth + 1);
    if (c >= ZERO && c <= NINE) return this.integer();
    return this.literal('true') || this.literal('false') || this.literal('null');
  }

  private literal(word: string): boolean {
    if (!this.text.startsWith(word, this.at)) return false;
    this.at += word.length;
    return true;
  }

  /** A plain integer 0..2^53-1 with no leading zero. */
  private integer(): boolean {
    const start = this.at;
    const text = this.text;
    if (text.charCodeAt(start) === ZERO) {
      this.at++;
    } else {
      let i = start;
      while (i < text.length) {
        const c = text.charCodeAt(i);
        if (c < ZERO || c > NINE) break;
        i++;
      }
      const length = i - start;
      if (length > MAX_INTEGER_TEXT.length) return false;
      if (length === MAX_INTEGER_TEXT.length && text.slice(start, i) > MAX_INTEGER_TEXT) return false;
      this.at = i;
    }
    // A fraction or an exponent would continue the number: not a plain integer.
    const next = text.charCodeAt(this.at);
    return next !== 0x2e && next !== 0x65 && next !== 0x45 && !(next >= ZERO && next <= NINE);
  }

  /**
   * A string as JSON.stringify writes it; returns the index just after its opening quote's
   * content if it held no escape, -2 if it held escapes (still canonical), -1 if not canonical.
   */
  private string(): number {
    const text = this.text;
    let i = this.at + 1;
    let escaped = false;
    for (;;) {
      // Skip the characters written as they are in one native step (most of every string).
      PLAIN_RUN.lastIndex = i;
      PLAIN_RUN.test(text);
      i = PLAIN_RUN.lastIndex;
      if (i >= text.length) return -1;
      const c = text.charCodeAt(i);
      if (c === QUOTE) break;
      if (c < 0x20) return -1;
      if (c >= 0xd800 && c <= 0xdbff) {
        // A surrogate pair is written as it is (JSON.stringify escapes only a lone surrogate).
        const low = text.charCodeAt(i + 1);
        if (low < 0xdc00 || low > 0xdfff) return -1;
        i += 2;
        continue;
      }
      if (c >= 0xdc00 && c <= 0xdfff) return -1; // a lone low surrogate: the reference path decides
      if (c === BACKSLASH) {
        escaped = true;
        const e = text.charCodeAt(i + 1);
        if (e === QUOTE || e === BACKSLASH || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
          i += 2;
          continue;
        }
        // \u00xx, lowercase, only for control characters without a short escape.
        if (e !== 0x75 || text.charCodeAt(i + 2) !== ZERO || text.charCodeAt(i + 3) !== ZERO) return -1;
        const high = text.charCodeAt(i + 4);
        const low = text.charCodeAt(i + 5);
        if (high !== ZERO && high !== 0x31) return -1;
        const lowValue = low >= ZERO && low <= NINE ? low - ZERO : low >= 0x61 && low <= 0x66 ? low - 0x61 + 10 : -1;
        if (lowValue < 0) return -1;
        const code = (high - ZERO) * 16 + lowValue;
        if (code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d) return -1;
        i += 6;
        continue;
      }
      i++;
    }
    const start = this.at + 1;
    this.at = i + 1;
    return escaped ? -2 : start;
  }

  private array(depth: number): boolean {
    const text = this.text;
    this.at++;
    if (text.charCodeAt(this.at) === CLOSE_ARRAY) {
      this.at++;
      return true;
    }
    for (;;) {
      if (!this.value(depth)) return false;
      const c = text.charCodeAt(this.at);
      this.at++;
      if (c === CLOSE_ARRAY) return true;
      if (c !== COMMA) return false;
    }
  }

  private object(depth: number): boolean {
    const text = this.text;
    const open = this.at;
    this.at++;
    if (text.charCodeAt(this.at) === CLOSE_OBJECT) {
      this.at++;
      return true;
    }
    // The previous key's text, by place (no string is made for a key, but at the top level).
    let previousStart = -1;
    let previousEnd = -1;
    for (;;) {
      const memberStart = this.at;
      if (text.charCodeAt(memberStart) !== QUOTE) return false;
      const keyStart = this.string();
      // A key with an escape sorts by its decoded text: left to the reference path.
      if (keyStart < 0) return false;
      const keyEnd = this.at - 1;
      // Order by UTF-16 code units, no repeats.
      if (previousStart >= 0 && !before(text, previousStart, previousEnd, keyStart, keyEnd)) return false;
      previousStart = keyStart;
      previousEnd = keyEnd;
      const key = depth === 1 ? text.slice(keyStart, keyEnd) : '';
      if (text.charCodeAt(this.at) !== COLON) return false;
      this.at++;
      const valueStart = this.at;
      if (!this.value(depth)) return false;
      if (depth === 1 && this.wanted.length > 0 && this.wanted.includes(key))
        (this.members ??= new Map()).set(key, [valueStart, this.at]);
      const end = this.at;
      const c = text.charCodeAt(this.at);
      this.at++;
      if (depth === 1 && key === 'sig') {
        // Cut one comma with the member: the one before it, or (first member) the one after.
        if (memberStart > open + 1) this.sig = [memberStart - 1, end];
        else this.sig = [memberStart, c === COMMA ? end + 1 : end];
      }
      if (c === CLOSE_OBJECT) return true;
      if (c !== COMMA) return false;
    }
  }
}

/** Whether `text[a, aEnd)` sorts strictly before `text[b, bEnd)` by UTF-16 code units. */
function before(text: string, a: number, aEnd: number, b: number, bEnd: number): boolean {
  const length = Math.min(aEnd - a, bEnd - b);
  for (let i = 0; i < length; i++) {
    const x = text.charCodeAt(a + i);
    const y = text.charCodeAt(b + i);
    if (x !== y) return x < y;
  }
  return aEnd - a < bEnd - b;
}
