/**
 * Raw lines packed as one buffer of their UTF-8 bytes and each line's end offset: how lines
 * cross threads (segment worker → verify worker → window, moved, not copied) and how a stored
 * line chunk holds them (imports since 2026-12-01). A thousand 1 KB strings cost a structured
 * clone per string on every hop and into IndexedDB; two buffers cost a move and one copy.
 * Chunks stored before hold `texts` (strings); the readers below take either form.
 */
import { copyOf, utf8 } from '../../shared/format/bytes.ts';

export interface PackedLines {
  /** The lines' UTF-8 bytes, one after the other, without newlines. */
  readonly bytes: Uint8Array;
  /** Line i is `bytes[ends[i - 1] ?? 0, ends[i])`. */
  readonly ends: Uint32Array;
}

// The bytes are always a string's own UTF-8 (see PackedLinesBuilder), so decoding never meets an
// invalid sequence. A line may begin with U+FEFF: it is part of the line, kept (ignoreBOM), as the
// engine's strict decoding keeps it.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** Appends lines' bytes (copied: a caller's view may be reused); `take` hands the packed lines out. */
export class PackedLinesBuilder {
  private bytes: Uint8Array;
  private size = 0;
  private ends: number[] = [];

  /**
   * @param capacity bytes to make room for at once, when the caller knows them: growing by
   * doubling allocates twice the final size, and in a Chromium worker an allocation costs more
   * than the copy.
   * @param into memory to pack the lines into, used when it holds `capacity` bytes (its bytes
   * are written over; the lines taken are a view of it).
   */
  constructor(capacity = 64 * 1024, into?: ArrayBuffer) {
    this.bytes = into && into.byteLength >= capacity ? new Uint8Array(into) : new Uint8Array(Math.max(1, capacity));
  }

  get count(): number {
    return this.ends.length;
  }

  /** Adds one line given as its UTF-8 bytes. */
  push(bytes: Uint8Array): void {
    if (this.size + bytes.length > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.size + bytes.length));
      grown.set(this.bytes.subarray(0, this.size));
      this.bytes = grown;
    }
    this.bytes.set(bytes, this.size);
    this.size += bytes.length;
    this.ends.push(this.size);
  }

  /** Adds one line given as text. */
  pushText(text: string): void {
    this.push(utf8(text));
  }

  /** The lines so far, in buffers of their own (transferable); the builder starts again empty. */
  take(): PackedLines {
    const taken = { bytes: copyOf(this.bytes, 0, this.size), ends: Uint32Array.from(this.ends) };
    this.size = 0;
    this.ends = [];
    return taken;
  }

  /**
   * The lines so far in the builder's own buffer, not copied, for a builder that is done: the
   * buffer may be a little longer than the lines (moving it moves that too). The builder is
   * empty afterwards, with a buffer of its own.
   */
  takeLast(): PackedLines {
    const taken = { bytes: this.bytes.subarray(0, this.size), ends: Uint32Array.from(this.ends) };
    this.bytes = new Uint8Array(1);
    this.size = 0;
    this.ends = [];
    return taken;
  }
}

/** Packs lines given as text. */
export function packTexts(texts: readonly string[]): PackedLines {
  const builder = new PackedLinesBuilder();
  for (const text of texts) builder.pushText(text);
  return builder.take();
}

/** Line `i`'s bytes (a view into `lines.bytes`), or undefined past the end. */
export function packedLineBytes(lines: PackedLines, i: number): Uint8Array | undefined {
  if (!Number.isInteger(i) || i < 0 || i >= lines.ends.length) return undefined;
  return lines.bytes.subarray(i === 0 ? 0 : (lines.ends[i - 1] as number), lines.ends[i] as number);
}

/** Line `i`'s text, or undefined past the end. */
export function packedLine(lines: PackedLines, i: number): string | undefined {
  const bytes = packedLineBytes(lines, i);
  return bytes === undefined ? undefined : decoder.decode(bytes);
}

/** The buffers of packed lines, for `postMessage(…, transfer)`. */
export function packedLinesBuffers(lines: PackedLines): ArrayBuffer[] {
  return [lines.bytes.buffer as ArrayBuffer, lines.ends.buffer as ArrayBuffer];
}

/** A stored chunk of lines in either form: packed (since 2026-12-01) or as strings (before). */
export interface StoredLines {
  readonly lines?: PackedLines;
  readonly texts?: readonly string[];
}

/** How many lines a stored chunk holds. */
export function storedLineCount(chunk: StoredLines): number {
  return chunk.lines ? chunk.lines.ends.length : (chunk.texts?.length ?? 0);
}

/** Line `i` of a stored chunk, or undefined past its end. */
export function storedLine(chunk: StoredLines, i: number): string | undefined {
  return chunk.lines ? packedLine(chunk.lines, i) : chunk.texts?.[i];
}

/** Every line of a stored chunk, in order. */
export function storedLines(chunk: StoredLines): string[] {
  if (!chunk.lines) return [...(chunk.texts ?? [])];
  const out: string[] = [];
  for (let i = 0; i < chunk.lines.ends.length; i++) out.push(packedLine(chunk.lines, i) as string);
  return out;
}
