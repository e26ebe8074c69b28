/**
 * Inputs every SHA-256 of the project is held to (hash.test.ts, wasm-sha256.test.ts): bytes
 * at every length around the block (64) and padding (55, 56) edges, around hash-wasm's 16 KiB
 * copy step and past it, and texts, short with any characters and long enough to grow a kept
 * buffer; plus texts of more UTF-8 bytes than characters.
 */
import fc from 'fast-check';

const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  fc.integer({ min: 50, max: 130 }).map((n) => new Uint8Array(n).fill(n)),
  fc.integer({ min: 16_380, max: 16_390 }).map((n) => new Uint8Array(n).fill(7)),
  fc.uint8Array({ minLength: 5000, maxLength: 40_000 }),
);
const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 100 }), fc.string({ minLength: 1400, maxLength: 3000 }));

/** One to six inputs, bytes or text, hashed one after the other. */
export const sha256Inputs = fc.array(fc.oneof(bytes, text), { minLength: 1, maxLength: 6 });

/** Texts of more UTF-8 bytes than a kept buffer sized by characters holds. */
export const MULTIBYTE_TEXTS: readonly string[] = [
  'é'.repeat(3000),
  '😀'.repeat(1500),
  'a'.repeat(5000) + '€'.repeat(2000),
];
