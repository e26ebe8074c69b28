/**
 * The app's inflate for ZIP entries in WebAssembly: zlib as zip.js ships it
 * (`@zip.js/zip.js/dist/zip-module.wasm`, its zlib-streams build), called here a step at a time
 * so that the inflated bytes are read where zlib wrote them. A `DecompressionStream` hands out
 * every 64 KiB it inflates as a new buffer, and in this machine's Chromium a worker took 0.7–0.9 s
 * and 34,000–37,000 page faults to inflate 138 MB that way, against 0.28–0.34 s and a few dozen
 * faults for this inflate writing into memory it keeps (docs/PERFORMANCE.md).
 *
 * Like the other inflates (web-inflate.ts, cli/node-zip.ts) it reads the stored bytes, inflates
 * them and checks their size and CRC-32 (hash-wasm's). Every fault it finds (zlib refused the
 * data, the deflate stream ends early or has bytes after its end, another size or CRC-32) is an
 * `UnnamedDataFault`: the archive reader reads the entry again with zip.js and says what zip.js
 * says.
 *
 * Asked for `transient` parts (zip.ts), it gives views of its own memory:
 * - an entry of at most {@link HELD_ENTRY_BYTES} is inflated whole into a kept region, its size
 *   and CRC-32 checked, then given as one view: nothing of a faulty entry is given, as zip.ts
 *   makes sure by holding such an entry's parts otherwise;
 * - a larger entry is given as it inflates, each part a view of the same buffer, written again
 *   once the caller asks for the next part; its size and CRC-32 are checked at its end.
 * Otherwise each part is a copy, the caller's own. Stored entries take the same paths (copied
 * into zlib's memory rather than held as new buffers).
 */
import { createCRC32, type IHasher } from 'hash-wasm';
import { RESUME_POINT_SPACING, WINDOW_BYTES } from './resume-points.ts';
import type { RandomAccessBytes, StreamOptions } from './source.ts';
import { crc32Hashers, EMPTY_DEFLATE, sameCrc32, withCrc32 } from './web-inflate.ts';
import { HELD_ENTRY_BYTES, storedDataBytes, UnnamedDataFault, type NativeInflate, type StoredData } from './zip.ts';

/** What this module calls of the zlib build's exports. */
export interface ZlibExports {
  readonly memory: WebAssembly.Memory;
  malloc(size: number): number;
  free(pointer: number): void;
  inflate_new(): number;
  inflate_init_raw(stream: number): number;
  /** Inflates; returns zlib's status in its top byte (signed) and the bytes written in the rest. */
  inflate_process(
    stream: number,
    input: number,
    inputLength: number,
    output: number,
    outputLength: number,
    flush: number,
  ): number;
  /** Input bytes the last `inflate_process` took. */
  inflate_last_consumed(stream: number): number;
  inflate_end(stream: number): number;
  _initialize?(): void;
}

/** Input bytes copied into zlib's memory per call (zlib copies them once more, into its stream). */
const INPUT_BYTES = 64 << 10;
/** A part of a larger entry: the bytes inflated into one buffer before they are given. */
const PART_BYTES = 512 << 10;
/**
 * Regions kept for entries inflated whole, each {@link HELD_ENTRY_BYTES} and a byte. zlib's
 * memory is 16 MiB and cannot grow (which also means no view of it is ever detached): two
 * regions, and room for a part buffer and a stream state (about 100 KiB) for each of several
 * entries read at once. A held entry that finds no region free is read through a part buffer,
 * its parts copied and held until it is checked.
 */
const REGIONS = 2;

const Z_STREAM_END = 1;
const Z_BUF_ERROR = -5;
/** zlib's flush value that stops at the end of a deflate block. */
const Z_BLOCK = 5;
/**
 * Where zlib's `z_stream` keeps `data_type` in this build (32-bit WebAssembly: eleven 4-byte
 * fields before it; the wrapper's context starts with the stream). Checked when the module
 * loads ({@link findsBlockEnds}): resume points are noted only where it holds.
 */
const DATA_TYPE_AT = 44;
/** `data_type`: zlib stopped at the end of a block; the block was the last; unused bits of the last byte. */
const AT_BLOCK_END = 128;
const LAST_BLOCK = 64;
const UNUSED_BITS = 7;

/** A fault in the entry's data: zip.js reads it again to name it. */
class Fault extends UnnamedDataFault {}

/**
 * The inflate on an instance of zlib's WebAssembly (`wasm`, its bytes or compiled module), where
 * it loads and reads a known deflate stream right (and refuses a byte after one); undefined
 * elsewhere. `crc32` makes the CRC-32 hashers (tests give another).
 */
export async function zlibInflate(
  wasm: BufferSource | WebAssembly.Module,
  crc32: () => Promise<IHasher> = () => createCRC32(),
): Promise<NativeInflate | undefined> {
  let inflate: NativeInflate;
  try {
    const module = wasm instanceof WebAssembly.Module ? wasm : await WebAssembly.compile(wasm);
    const instance = await WebAssembly.instantiate(module, {});
    const exports = instance.exports as unknown as ZlibExports;
    exports._initialize?.();
    inflate = zlibInflateOn(exports, crc32, findsBlockEnds(exports));
    if (!(await keepsZipRules(inflate))) return undefined;
  } catch {
    return undefined;
  }
  return inflate;
}

/** "hello\n" deflated (one fixed-Huffman block), its CRC-32 and size. */
const HELLO_DEFLATE = Uint8Array.of(0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0xe7, 0x02, 0x00);
const HELLO = { crc32: 0x363a3020, size: 6 };

async function keepsZipRules(inflate: NativeInflate): Promise<boolean> {
  const read = async (data: Uint8Array, crc32: number, size: number): Promise<string | null> => {
    const bytes: RandomAccessBytes = {
      size: data.length,
      read: async (offset, length) => data.slice(offset, offset + length),
    };
    try {
      let text = '';
      const stored: StoredData = { offset: 0, compressedSize: data.length, method: 8, crc32, uncompressedSize: size };
      for await (const chunk of inflate(bytes, stored)) text += new TextDecoder().decode(chunk);
      return text;
    } catch {
      return null;
    }
  };
  return (
    (await read(HELLO_DEFLATE, HELLO.crc32, HELLO.size)) === 'hello\n' &&
    (await read(EMPTY_DEFLATE, 0, 0)) === '' &&
    (await read(Uint8Array.of(...HELLO_DEFLATE, 0), HELLO.crc32, HELLO.size)) === null &&
    (await read(HELLO_DEFLATE.subarray(0, 5), HELLO.crc32, HELLO.size)) === null
  );
}

/**
 * Two fixed-Huffman blocks, "a" then (last) "b": the first ends at bit 18, inside the stream's
 * third byte.
 */
const TWO_BLOCKS = Uint8Array.of(0x4a, 0x04, 0x2c, 0x09, 0x00);

/**
 * Whether this build stops at a block's end when asked and says there, where this module reads it,
 * how many bits of the last byte it took are unused: resume points (resume-points.ts) need both.
 */
export function findsBlockEnds(zlib: ZlibExports): boolean {
  let stream = 0;
  let input = 0;
  let output = 0;
  try {
    stream = zlib.inflate_new();
    input = zlib.malloc(TWO_BLOCKS.length);
    output = zlib.malloc(16);
    if (!stream || !input || !output || zlib.inflate_init_raw(stream) !== 0) return false;
    new Uint8Array(zlib.memory.buffer, input, TWO_BLOCKS.length).set(TWO_BLOCKS);
    const result = zlib.inflate_process(stream, input, TWO_BLOCKS.length, output, 16, Z_BLOCK);
    const dataType = new DataView(zlib.memory.buffer).getInt32(stream + DATA_TYPE_AT, true);
    const consumed = zlib.inflate_last_consumed(stream);
    return (
      result >> 24 === 0 &&
      (result & 0xffffff) === 1 &&
      new Uint8Array(zlib.memory.buffer, output, 1)[0] === 0x61 &&
      (dataType & (AT_BLOCK_END | LAST_BLOCK)) === AT_BLOCK_END &&
      consumed * 8 - (dataType & UNUSED_BITS) === 18
    );
  } catch {
    return false;
  } finally {
    if (stream) zlib.inflate_end(stream);
    if (input) zlib.free(input);
    if (output) zlib.free(output);
  }
}

/**
 * The inflate on an instance already made and initialised (tests reach its memory). With
 * `blockEnds` ({@link findsBlockEnds}) it notes resume points where asked (`StreamOptions.points`).
 */
export function zlibInflateOn(
  zlib: ZlibExports,
  crc32: () => Promise<IHasher> = () => createCRC32(),
  blockEnds = false,
): NativeInflate {
  const memory = new ZlibMemory(zlib);
  const hashers = crc32Hashers(crc32);
  const inflate: NativeInflate = (bytes, stored, signal, options) =>
    withCrc32(hashers, (crc) =>
      inflateEntry(zlib, memory, crc, bytes, stored, signal, blockEnds ? options : withoutPoints(options)),
    );
  return Object.assign(inflate, { transientViews: true as const }, blockEnds ? { resumePoints: true as const } : {});
}

function withoutPoints(options: StreamOptions | undefined): StreamOptions | undefined {
  if (!options?.points) return options;
  const { points: _points, ...rest } = options;
  return rest;
}

/** zlib's memory as this module uses it: the input buffer, the kept regions, part buffers. */
class ZlibMemory {
  readonly input: number;
  private readonly free: number[] = [];
  /** Bytes of one region: a whole held entry and one byte more (a byte past its declared size is a fault). */
  static readonly REGION_BYTES = HELD_ENTRY_BYTES + 1;

  constructor(private readonly zlib: ZlibExports) {
    // A memory that can grow would detach the views given out when it did.
    let grew = false;
    try {
      zlib.memory.grow(1);
      grew = true;
    } catch {
      // Its size is fixed, as this module needs.
    }
    if (grew) throw new Error("zlib's memory can grow, which would detach the views of it given out");
    this.input = this.take(INPUT_BYTES);
    for (let i = 0; i < REGIONS; i++) this.free.push(this.take(ZlibMemory.REGION_BYTES));
  }

  private take(size: number): number {
    const pointer = this.zlib.malloc(size);
    if (!pointer) throw new Error(`zlib's memory is full (${size} bytes asked for): too many entries are read at once`);
    return pointer;
  }

  /** A kept region for a held entry, or null when every one is in use. */
  region(): number | null {
    return this.free.pop() ?? null;
  }

  giveBack(region: number): void {
    this.free.push(region);
  }

  /** A part buffer of {@link PART_BYTES}, freed with `release`. */
  part(): number {
    return this.take(PART_BYTES);
  }

  release(pointer: number): void {
    this.zlib.free(pointer);
  }

  /** Bytes of zlib's memory (a view of it: the memory never grows, so it stays attached). */
  view(at: number, length: number): Uint8Array {
    return new Uint8Array(this.zlib.memory.buffer, at, length);
  }
}

async function* inflateEntry(
  zlib: ZlibExports,
  memory: ZlibMemory,
  crc: IHasher,
  bytes: RandomAccessBytes,
  stored: StoredData,
  signal: AbortSignal | undefined,
  options: StreamOptions | undefined,
): AsyncIterable<Uint8Array> {
  const transient = options?.transient === true;
  const declared = stored.uncompressedSize;
  const whole = declared <= HELD_ENTRY_BYTES;
  const deflated = stored.method === 8;
  // Resume points: only in a deflated entry read through a part buffer (a held one is small).
  const notePoint = deflated && !whole ? options?.points : undefined;
  // A held entry is inflated whole into a kept region; a larger one (or a held one when no region
  // is free) through a part buffer.
  const region = whole ? memory.region() : null;
  let out = 0;
  let stream = 0;
  try {
    out = region ?? memory.part();
    const outBytes = region === null ? PART_BYTES : declared + 1;
    // A held entry without a region, read transient: zip.ts does not hold its parts (this inflate
    // said it checks held entries whole), so they are copied and held here until it is checked.
    const held: Uint8Array[] | null = whole && region === null ? [] : null;
    if (deflated) {
      stream = zlib.inflate_new();
      if (!stream || zlib.inflate_init_raw(stream) !== 0) throw new Error('zlib: a stream could not be made');
    }
    // Bytes of the entry inflated so far, and of them those in `out` not given yet.
    let size = 0;
    let filled = 0;
    let ended = !deflated;
    const added = (length: number) => {
      size += length;
      filled += length;
      // More than declared: stop here; zip.js names it.
      if (size > declared) throw new Fault('more bytes than the ZIP declares');
    };
    /** The part buffer's bytes, hashed, as the caller asked for them (or held); the buffer is then free. */
    const part = (): Uint8Array | null => {
      const view = memory.view(out, filled);
      crc.update(view);
      filled = 0;
      if (held) {
        held.push(view.slice());
        return null;
      }
      return transient ? view : view.slice();
    };
    // Resume points: bytes inflated since the last (or the start), and the stored bytes before the
    // current step. A point is asked for (zlib stops at the next block's end) once enough bytes
    // came out, but never right after a stop, where zlib would not move; it is noted if the window
    // before it is in `out` (a stop in the first 32 KiB of a part buffer waits for the next block).
    let sincePoint = 0;
    let storedBefore = 0;
    let chunkStart = 0;
    let atBlockEnd = false;
    /** One step of zlib: `length` input bytes at its input buffer, into `out`'s free space. */
    const step = (length: number): { consumed: number; produced: number; code: number } => {
      const wantPoint = notePoint !== undefined && !atBlockEnd && sincePoint >= RESUME_POINT_SPACING;
      const result = zlib.inflate_process(
        stream,
        memory.input,
        length,
        out + filled,
        outBytes - filled,
        wantPoint ? Z_BLOCK : 0,
      );
      const consumed = zlib.inflate_last_consumed(stream);
      const produced = result & 0xffffff;
      let code = result >> 24;
      atBlockEnd = false;
      if (wantPoint) {
        const dataType = new DataView(zlib.memory.buffer).getInt32(stream + DATA_TYPE_AT, true);
        atBlockEnd = (dataType & AT_BLOCK_END) !== 0;
        // Asked at a block's start, zlib may stop there without moving (its documentation allows
        // it; this build goes on to the block's end): that is a point too, and no fault.
        if (atBlockEnd && code === Z_BUF_ERROR && produced === 0 && consumed === 0) code = 0;
        const end = filled + produced;
        const windowIn = end >= WINDOW_BYTES || end === size + produced;
        if (atBlockEnd && (dataType & LAST_BLOCK) === 0 && code === 0 && windowIn) {
          const window = memory.view(out + end - Math.min(WINDOW_BYTES, end), Math.min(WINDOW_BYTES, end)).slice();
          const bit = (storedBefore + consumed) * 8 - (dataType & UNUSED_BITS);
          notePoint({ bit, out: size + produced, window });
          sincePoint = -produced;
        }
      }
      sincePoint += produced;
      return { consumed, produced, code };
    };

    for await (const chunk of storedDataBytes(bytes, stored, signal, { transient: true })) {
      signal?.throwIfAborted();
      for (let at = 0; at < chunk.length;) {
        if (ended && deflated) throw new Fault('bytes after the end of the deflate stream');
        if (filled === outBytes) {
          const given = part();
          if (given) yield given;
        }
        if (!deflated) {
          // Stored: copied into `out`.
          const length = Math.min(chunk.length - at, outBytes - filled);
          memory.view(out + filled, length).set(chunk.subarray(at, at + length));
          at += length;
          added(length);
          continue;
        }
        const length = Math.min(INPUT_BYTES, chunk.length - at);
        memory.view(memory.input, length).set(chunk.subarray(at, at + length));
        storedBefore = chunkStart + at;
        const { consumed, produced, code } = step(length);
        if (code < 0) throw new Fault(`zlib refused the data (${code})`);
        added(produced);
        at += consumed;
        if (code === Z_STREAM_END) ended = true;
        else if (consumed === 0 && produced === 0 && !atBlockEnd) throw new Fault('zlib made no progress');
      }
      chunkStart += chunk.length;
    }
    storedBefore = chunkStart;
    // All the stored bytes are in: what zlib still holds comes out, or the stream ended early.
    while (!ended) {
      if (filled === outBytes) {
        const given = part();
        if (given) yield given;
      }
      const { produced, code } = step(0);
      if (code === Z_BUF_ERROR && produced === 0) throw new Fault('the deflate stream ends before its last block');
      if (code < 0 && code !== Z_BUF_ERROR) throw new Fault(`zlib refused the data (${code})`);
      added(produced);
      if (code === Z_STREAM_END) ended = true;
    }
    if (region !== null) {
      // A held entry in its region: checked whole, then given as one part.
      const all = memory.view(out, filled);
      if (size !== declared) throw new Fault('another size than the ZIP declares');
      crc.update(all);
      if (!sameCrc32(crc, stored)) throw new Fault('another CRC-32');
      if (all.length > 0) yield transient ? all : all.slice();
      return;
    }
    const last = filled > 0 ? part() : null;
    if (last) yield last;
    if (size !== declared) throw new Fault('another size than the ZIP declares');
    if (!sameCrc32(crc, stored)) throw new Fault('another CRC-32');
    if (held) yield* held.splice(0);
  } finally {
    if (stream) zlib.inflate_end(stream);
    if (region !== null) memory.giveBack(region);
    else if (out) memory.release(out);
  }
}
