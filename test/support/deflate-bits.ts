/**
 * Hand-made deflate streams for tests (RFC 1951): a bit writer that packs header fields lowest
 * bit first and Huffman codes highest bit first, as a deflate stream holds them (bits fill
 * each byte from its lowest).
 */
export class Bits {
  readonly bits: number[] = [];
  /** A value's bits, lowest first (header fields). */
  put(value: number, n: number): void {
    for (let i = 0; i < n; i++) this.bits.push((value >> i) & 1);
  }
  /** A Huffman code, highest bit first. */
  code(value: number, n: number): void {
    for (let i = n - 1; i >= 0; i--) this.bits.push((value >> i) & 1);
  }
  /** A fixed-Huffman literal (RFC 1951 §3.2.6). */
  literal(byte: number): void {
    if (byte < 144) this.code(0x30 + byte, 8);
    else this.code(0x190 + byte - 144, 9);
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(Math.ceil(this.bits.length / 8));
    this.bits.forEach((bit, i) => {
      out[i >> 3] = (out[i >> 3] as number) | (bit << (i & 7));
    });
    return out;
  }
}
