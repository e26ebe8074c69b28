/**
 * A seeded pseudo-random generator for demo data (sfc32, seeded from SHA-256 of a text).
 * Demo archives must be byte-for-byte reproducible from their seed; nothing here is
 * used for keys or anything secret.
 */
import { utf8 } from '../format/bytes.ts';
import { sha256Bytes } from '../format/hash.ts';

export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** @throws TypeError when `seed` is not a string. */
  constructor(seed: string) {
    if (typeof seed !== 'string') throw new TypeError('SeededRandom: "seed" must be a string');
    const s = sha256Bytes(utf8(seed));
    const word = (i: number) => ((s[i]! << 24) | (s[i + 1]! << 16) | (s[i + 2]! << 8) | s[i + 3]!) >>> 0;
    this.a = word(0);
    this.b = word(4);
    this.c = word(8);
    this.d = word(12) | 1;
    for (let i = 0; i < 16; i++) this.next32(); // sfc32 wants a short warm-up
  }

  /** A uniform 32-bit unsigned integer. */
  next32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.next32() / 4294967296;
  }

  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('SeededRandom.pick: "items" is empty');
    return items[Math.floor(this.float() * items.length)]!;
  }

  /** One item, chosen with probability proportional to its weight. */
  weighted<T>(items: readonly { readonly weight: number; readonly value: T }[]): T {
    let total = 0;
    for (const item of items) total += item.weight;
    let at = this.float() * total;
    for (const item of items) {
      at -= item.weight;
      if (at < 0) return item.value;
    }
    return items[items.length - 1]!.value;
  }

  /** `digits` lowercase hex digits. */
  hex(digits: number): string {
    let out = '';
    while (out.length < digits) out += this.next32().toString(16).padStart(8, '0');
    return out.slice(0, digits);
  }
}
