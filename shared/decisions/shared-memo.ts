/**
 * Decisions shared between the threads of one verification (the command line's pool), over a
 * SharedArrayBuffer: what one worker asked Cedar, another need not ask again.
 *
 * Why: each worker has its own memo (evaluator.ts), and a pool's workers check pieces of the
 * same ledgers, so they meet the same requests. On the independent producer's archive at
 * 100,000 receipts, two workers made 6,691 and 6,654 Cedar calls where one thread makes
 * 8,324: about 5,000 calls, at about 240 µs each inside a busy worker, asked twice.
 *
 * How: an open-addressed table of fixed size. A key is known by the SHA-256 of its UTF-16 code
 * units (exact for any string, lone surrogates included; collision-resistant, as the memo's long
 * keys already are); a decision is stored as its JSON in an append-only byte arena. A writer
 * claims an empty slot with a compare-and-exchange, writes the key's digest and the value, then
 * marks the slot ready; a reader trusts only a slot marked ready (JavaScript's atomics order the
 * writes before it). Nothing is ever removed: when the table reaches its load limit or the arena
 * is full, further decisions stay in each worker's own memo only. It is only a cache: a worker
 * that finds nothing asks Cedar, as it would alone.
 */
import type { Decision } from './cedar.ts';
import { sha256Transient } from '../format/hash.ts';

/** A store of decisions by memo key text, which threads may share (see {@link SharedDecisions.attach}). */
export interface DecisionStore {
  get(key: string): Decision | undefined;
  set(key: string, decision: Decision): void;
}

/** Slot states. */
const EMPTY = 0;
const WRITING = 1;
const READY = 2;

/** Int32 words a slot takes: state, 8 words of digest, arena offset, length. */
const SLOT_WORDS = 11;
/** Header words: arena bytes used, entries claimed, slots. */
const HEADER_WORDS = 3;
/** Slots probed before giving up (a miss, or a decision not stored). */
const MAX_PROBE = 32;

export interface SharedDecisionsSize {
  /** Slots in the table (a power of two); at most three quarters are filled. */
  readonly slots: number;
  /** Bytes for the decisions' JSON. */
  readonly arenaBytes: number;
}

/**
 * The default: 65,536 slots (2.9 MB) and 6 MiB of decisions (about 60–100 bytes each), about
 * 9 MB in all, shared by the pool; memory is only used as it is written. It takes 49,152
 * decisions; past that the workers' own memos go on alone. (policy-diff of the independent
 * archive at 1,000,000 receipts asks Cedar 96,452 times, so it fills the table; verify at
 * 100,000 asks 8,324 times.)
 */
export const DEFAULT_SHARED_DECISIONS: SharedDecisionsSize = { slots: 1 << 16, arenaBytes: 6 << 20 };

export class SharedDecisions implements DecisionStore {
  readonly #words: Int32Array;
  readonly #arena: Uint8Array;
  readonly #slots: number;
  readonly #limit: number;
  readonly #decoder = new TextDecoder();

  /** Allocates the shared memory for a store of `size`; pass the buffer to every thread's {@link attach}. */
  static allocate(size: SharedDecisionsSize = DEFAULT_SHARED_DECISIONS): SharedArrayBuffer {
    if (!Number.isInteger(Math.log2(size.slots)) || size.slots < 1) {
      throw new RangeError(`SharedDecisions: "slots" must be a power of two, got ${size.slots}`);
    }
    if (!Number.isSafeInteger(size.arenaBytes) || size.arenaBytes < 0 || size.arenaBytes > 0x7fff_ffff) {
      throw new RangeError(
        `SharedDecisions: "arenaBytes" must be a non-negative 31-bit integer, got ${size.arenaBytes}`,
      );
    }
    const tableBytes = (HEADER_WORDS + size.slots * SLOT_WORDS) * 4;
    const buffer = new SharedArrayBuffer(tableBytes + size.arenaBytes);
    new Int32Array(buffer, 0, HEADER_WORDS)[2] = size.slots;
    return buffer;
  }

  /**
   * A view of a store made by {@link allocate} (in this thread or another).
   * @throws RangeError when the buffer is not one {@link allocate} made.
   */
  static attach(buffer: SharedArrayBuffer): SharedDecisions {
    return new SharedDecisions(buffer);
  }

  private constructor(buffer: SharedArrayBuffer) {
    const slots = buffer.byteLength >= HEADER_WORDS * 4 ? new Int32Array(buffer, 0, HEADER_WORDS)[2]! : 0;
    const tableBytes = (HEADER_WORDS + slots * SLOT_WORDS) * 4;
    if (slots < 1 || !Number.isInteger(Math.log2(slots)) || buffer.byteLength < tableBytes) {
      throw new RangeError(`SharedDecisions: a buffer of ${buffer.byteLength} bytes is not a decision store`);
    }
    this.#words = new Int32Array(buffer, 0, tableBytes / 4);
    this.#arena = new Uint8Array(buffer, tableBytes);
    this.#slots = slots;
    this.#limit = Math.floor((slots * 3) / 4);
  }

  get(key: string): Decision | undefined {
    const digest = digestWords(key);
    const words = this.#words;
    for (let probe = 0, slot = digest[0]! & (this.#slots - 1); probe < MAX_PROBE; probe++) {
      const base = HEADER_WORDS + slot * SLOT_WORDS;
      const state = Atomics.load(words, base);
      if (state === EMPTY) return undefined;
      if (state === READY && sameDigest(words, base + 1, digest)) {
        const offset = words[base + 9]!;
        const length = words[base + 10]!;
        // A copy: TextDecoder may refuse a view of shared memory.
        return JSON.parse(this.#decoder.decode(copyOut(this.#arena, offset, length))) as Decision;
      }
      slot = (slot + 1) & (this.#slots - 1);
    }
    return undefined;
  }

  set(key: string, decision: Decision): void {
    const words = this.#words;
    if (Atomics.load(words, 1) >= this.#limit || Atomics.load(words, 0) >= this.#arena.length) return;
    const value = encodeOut(JSON.stringify(decision));
    const digest = digestWords(key);
    for (let probe = 0, slot = digest[0]! & (this.#slots - 1); probe < MAX_PROBE; probe++) {
      const base = HEADER_WORDS + slot * SLOT_WORDS;
      const state = Atomics.compareExchange(words, base, EMPTY, WRITING);
      if (state === EMPTY) {
        Atomics.add(words, 1, 1);
        const offset = Atomics.add(words, 0, value.length);
        if (offset + value.length > this.#arena.length) {
          // The arena is full: the slot stays claimed but never ready (readers pass over it).
          return;
        }
        this.#arena.set(value, offset);
        for (let i = 0; i < 8; i++) words[base + 1 + i] = digest[i]!;
        words[base + 9] = offset;
        words[base + 10] = value.length;
        Atomics.store(words, base, READY);
        return;
      }
      // Already there (another thread asked Cedar too): nothing to add.
      if (state === READY && sameDigest(words, base + 1, digest)) return;
      slot = (slot + 1) & (this.#slots - 1);
    }
  }

  /** Entries claimed so far (tests and benchmarks). */
  get entries(): number {
    return Atomics.load(this.#words, 1);
  }
}

/**
 * Memory for a store shared by a page's workers, or undefined where SharedArrayBuffer is not
 * available: in a browser, a page that is not cross-origin isolated (the app serves itself
 * with COOP and COEP, electron/main/security.ts, so it is). The command line allocates directly.
 */
export function sharedDecisionsBuffer(): SharedArrayBuffer | undefined {
  const scope = globalThis as { crossOriginIsolated?: boolean };
  if (scope.crossOriginIsolated !== true || typeof SharedArrayBuffer !== 'function') return undefined;
  return SharedDecisions.allocate();
}

/**
 * Kept buffers, so that a lookup allocates no ArrayBuffer: in a Chromium worker a new one
 * costs what faulting in its memory costs (tens of µs on the machines measured, see
 * docs/PERFORMANCE.md): three a lookup made the key's digest 3% of a segment worker's time.
 */
let units = new Uint16Array(1024);
let unitBytes = new Uint8Array(units.buffer);
const digestBytes = new Uint8Array(32);
const digestOut = new Int32Array(digestBytes.buffer);
let copied = new Uint8Array(1024);

/**
 * SHA-256 of the string's UTF-16 code units, as 8 words, in a kept array: valid until the next
 * call (each caller reads it at once).
 */
function digestWords(key: string): Int32Array {
  const n = key.length;
  if (units.length < n) {
    units = new Uint16Array(Math.max(n, units.length * 2));
    unitBytes = new Uint8Array(units.buffer);
  }
  for (let i = 0; i < n; i++) units[i] = key.charCodeAt(i);
  digestBytes.set(sha256Transient(unitBytes.subarray(0, n * 2)));
  return digestOut;
}

const encoder = new TextEncoder();
let encoded = new Uint8Array(1024);

/** `text`'s UTF-8 in a kept buffer (valid until the next call). */
function encodeOut(text: string): Uint8Array {
  if (encoded.length < text.length * 3) encoded = new Uint8Array(Math.max(text.length * 3, encoded.length * 2));
  return encoded.subarray(0, encoder.encodeInto(text, encoded).written);
}

/** `length` bytes of `arena` from `offset`, copied out of shared memory into a kept buffer (valid until the next call). */
function copyOut(arena: Uint8Array, offset: number, length: number): Uint8Array {
  if (copied.length < length) copied = new Uint8Array(Math.max(length, copied.length * 2));
  copied.set(arena.subarray(offset, offset + length));
  return copied.subarray(0, length);
}

function sameDigest(words: Int32Array, at: number, digest: Int32Array): boolean {
  for (let i = 0; i < 8; i++) if (words[at + i] !== digest[i]) return false;
  return true;
}
