/**
 * What zip.js checks of an entry before its data (its `FileEntry.getData` with this reader's
 * options: the local header found and agreeing with the central directory, the method and
 * encryption it can read, the data within the file, a data descriptor agreeing), made from a few
 * numbers kept of the entry once listed. zip.js's own record of an entry, which its `getData`
 * needs, costs about 5 KB: an archive of 100,000 entries held 495 MiB of them after listing
 * (docs/PERFORMANCE.md, forty-ninth session). The reader keeps a {@link ListedEntry} instead and
 * reads through a native inflate; each fault is thrown with zip.js's words for it, and
 * zip-local.test.ts compares both on headers altered byte by byte.
 *
 * The options this follows (shared/archive/zip.ts): strictness "balanced" (zip.js's default),
 * so a local header that disagrees is refused but its name is not compared (zip.js compares it
 * only when strict); the overlap of entries is not checked (zip.ts turns it off), the data
 * descriptor is; no password, no registered codecs, one file (no split archive).
 */
import {
  ERR_AMBIGUOUS_ARCHIVE,
  ERR_ENCRYPTED,
  ERR_ENTRY_DATA_OUT_OF_BOUNDS,
  ERR_EXTRAFIELD_ZIP64_NOT_FOUND,
  ERR_LOCAL_FILE_HEADER_NOT_FOUND,
  ERR_UNSUPPORTED_COMPRESSION,
  ERR_UNSUPPORTED_ENCRYPTION,
  type Entry,
} from '@zip.js/zip.js';
import { GrowableFloat64, GrowableUint32 } from '../format/growable.ts';
import type { RandomAccessBytes } from './source.ts';

/** What the reader keeps of an entry once listed: the central directory's word on it. */
export interface ListedEntry {
  /** The local header's offset in the file. */
  readonly offset: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly method: number;
  /** The central directory's CRC-32; undefined where an AES field (vendor version 2) stands for it. */
  readonly crc32: number | undefined;
  /** The CRC-32 the data must have: the central directory's, else the field as stored (zip.js's `signature`). */
  readonly storedCrc32: number | undefined;
  readonly rawBitFlag: number;
  readonly encrypted: boolean;
  /** A Zip64 extra field was read for it. */
  readonly zip64: boolean;
  /** A field at its 32- or 16-bit maximum with no Zip64 extra field to give its value. */
  readonly zip64Missing: boolean;
  /** Its AES extra field, where zip.js read one. */
  readonly aes: { readonly originalMethod: number | undefined; readonly strength: number | undefined } | undefined;
}

const MAX_32_BITS = 0xffffffff;
const MAX_16_BITS = 0xffff;
const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const DATA_DESCRIPTOR_SIGNATURE = 0x08074b50;
const LOCAL_HEADER_BYTES = 30;
const EXTRA_ZIP64 = 0x0001;
const EXTRA_AES = 0x9901;
const METHOD_AES = 99;
const BITFLAG_ENCRYPTED = 0x1;
const BITFLAG_DATA_DESCRIPTOR = 0x8;
const BITFLAG_STRONG_ENCRYPTION = 0x40;
/** The flags a local header must share with the central directory (zip.js's ambiguity mask). */
const BITFLAG_SHARED = BITFLAG_ENCRYPTED | BITFLAG_DATA_DESCRIPTOR | BITFLAG_STRONG_ENCRYPTION | 0x800;
/** Methods zip.js reads with no codec registered: stored, deflated, Deflate64. */
const READABLE_METHODS = new Set([0, 8, 9]);

/** The numbers {@link localDataOffset} needs of a zip.js entry, taken as it is listed. */
export function listedEntry(entry: Entry): ListedEntry {
  const aes = entry.extraFieldAES;
  return {
    offset: entry.offset,
    compressedSize: entry.compressedSize,
    uncompressedSize: entry.uncompressedSize,
    method: entry.compressionMethod,
    crc32: entry.crc32,
    storedCrc32: entry.crc32 ?? entry.signature,
    rawBitFlag: entry.rawBitFlag ?? 0,
    encrypted: entry.encrypted,
    zip64: entry.extraFieldZip64 !== undefined,
    // zip.js marks such an entry while listing (balanced strictness) and refuses to read it.
    zip64Missing:
      entry.extraFieldZip64 === undefined &&
      (entry.uncompressedSize === MAX_32_BITS ||
        entry.compressedSize === MAX_32_BITS ||
        entry.offset === MAX_32_BITS ||
        entry.diskNumberStart === MAX_16_BITS),
    aes: aes ? { originalMethod: aes.originalCompressionMethod, strength: aes.strength } : undefined,
  };
}

/** {@link ListedEntries}' flags. */
const ENCRYPTED = 1;
const ZIP64 = 2;
const ZIP64_MISSING = 4;
const HAS_CRC32 = 8;
const HAS_STORED_CRC32 = 16;
/** zip.js gives no method for an entry it marks as missing a Zip64 field. */
const HAS_METHOD = 32;
/** A number kept in {@link ListedEntries}: NaN stands for one zip.js did not give. */
const given = (n: number | undefined): number => (Number.isNaN(n) ? undefined : n) as number;
/** Numbers and 32-bit words kept of each entry. */
const NUMBERS = 3;
const WORDS = 5;

/**
 * Every listed entry's {@link ListedEntry}, kept as columns of numbers and made again when the
 * entry is read. An archive may list 100,000 entries; an object for each (its CRC-32s past 2^31
 * boxed as heap numbers, and a map from the engine's entry to it) cost about 200 bytes each of
 * the engine thread's heap (docs/PERFORMANCE.md, fifty-third session); these columns cost 44.
 */
export class ListedEntries {
  /** offset, compressedSize, uncompressedSize of each entry. */
  readonly #numbers = new GrowableFloat64(NUMBERS * 256);
  /** method, rawBitFlag, crc32, storedCrc32, flags of each entry. */
  readonly #words = new GrowableUint32(WORDS * 256);
  /** The few AES extra fields, by index. */
  readonly #aes = new Map<number, NonNullable<ListedEntry['aes']>>();

  get length(): number {
    return this.#words.length / WORDS;
  }

  /** Keeps `entry` and gives its index. */
  push(entry: ListedEntry): number {
    // Checked before any is kept, so that a refused entry leaves no part of a row.
    for (const word of [entry.method ?? 0, entry.rawBitFlag, entry.crc32 ?? 0, entry.storedCrc32 ?? 0])
      if (word >>> 0 !== word) throw new RangeError(`a listed entry's field is not a 32-bit word: ${word}`);
    const index = this.length;
    // A number zip.js did not give is kept as NaN (zip.js gives whole numbers or none).
    this.#numbers.push(entry.offset ?? Number.NaN);
    this.#numbers.push(entry.compressedSize ?? Number.NaN);
    this.#numbers.push(entry.uncompressedSize ?? Number.NaN);
    this.#words.push(entry.method ?? 0);
    this.#words.push(entry.rawBitFlag);
    this.#words.push(entry.crc32 ?? 0);
    this.#words.push(entry.storedCrc32 ?? 0);
    this.#words.push(
      (entry.encrypted ? ENCRYPTED : 0) |
        (entry.zip64 ? ZIP64 : 0) |
        (entry.zip64Missing ? ZIP64_MISSING : 0) |
        (entry.crc32 === undefined ? 0 : HAS_CRC32) |
        (entry.storedCrc32 === undefined ? 0 : HAS_STORED_CRC32) |
        (entry.method === undefined ? 0 : HAS_METHOD),
    );
    if (entry.aes) this.#aes.set(index, entry.aes);
    return index;
  }

  /** The entry kept at `index`, as it was pushed. */
  at(index: number): ListedEntry {
    if (!(index >= 0 && index < this.length)) throw new RangeError(`no listed entry ${index}`);
    const n = index * NUMBERS;
    const w = index * WORDS;
    const word = (i: number) => this.#words.at(w + i) as number;
    const flags = word(4);
    return {
      offset: given(this.#numbers.at(n)),
      compressedSize: given(this.#numbers.at(n + 1)),
      uncompressedSize: given(this.#numbers.at(n + 2)),
      method: flags & HAS_METHOD ? word(0) : (undefined as unknown as number),
      crc32: flags & HAS_CRC32 ? word(2) : undefined,
      storedCrc32: flags & HAS_STORED_CRC32 ? word(3) : undefined,
      rawBitFlag: word(1),
      encrypted: (flags & ENCRYPTED) !== 0,
      zip64: (flags & ZIP64) !== 0,
      zip64Missing: (flags & ZIP64_MISSING) !== 0,
      aes: this.#aes.get(index),
    };
  }
}

/** An Error with zip.js's message (and its `reason`, for an ambiguity). */
function zipJsError(message: string, reason?: string): Error {
  return reason === undefined ? new Error(message) : Object.assign(new Error(message), { reason });
}

/** `length` bytes at `offset`, fewer where the file ends first (as zip.js's reader is asked). */
async function readClamped(bytes: RandomAccessBytes, offset: number, length: number): Promise<Uint8Array> {
  return bytes.read(offset, Math.max(0, Math.min(length, bytes.size - offset)));
}

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** A little-endian 64-bit value, or undefined past 2^53 - 1 (zip.js refuses those). */
function uint64(v: DataView, at: number): number | undefined {
  const value = v.getBigUint64(at, true);
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(value);
}

/** What a local header says of the entry after its extra fields are read, as zip.js reads it. */
interface LocalHeader {
  readonly rawBitFlag: number;
  readonly method: number;
  readonly crc32: number | undefined;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly zip64: boolean;
}

/** The local header at `header` (its first 30 bytes) with its extra field bytes `extra`. */
function readLocalHeader(header: DataView, extra: Uint8Array): LocalHeader {
  const rawBitFlag = header.getUint16(6, true);
  let method = header.getUint16(8, true);
  let crc32: number | undefined = header.getUint32(14, true);
  let compressedSize = header.getUint32(18, true);
  let uncompressedSize = header.getUint32(22, true);
  // The extra fields by type, the last of a type winning, up to the first that does not fit.
  const fields = new Map<number, Uint8Array>();
  const ev = view(extra);
  for (let at = 0; at + 4 <= extra.length;) {
    const size = ev.getUint16(at + 2, true);
    fields.set(ev.getUint16(at, true), extra.slice(at + 4, at + 4 + size));
    at += 4 + size;
  }
  let zip64 = false;
  const zip64Field = fields.get(EXTRA_ZIP64);
  if (zip64Field) {
    zip64 = true;
    // The sizes at their maximum are given by the field, in that order; a field too short for
    // them (or a value past 2^53 - 1) leaves both as they are.
    const missing = [uncompressedSize === MAX_32_BITS, compressedSize === MAX_32_BITS];
    const needed = missing.filter(Boolean).length * 8;
    if (zip64Field.length >= needed) {
      const fv = view(zip64Field);
      const values: (number | undefined)[] = [];
      for (let i = 0, at = 0; i < missing.length; i++)
        if (missing[i]) {
          values.push(uint64(fv, at));
          at += 8;
        }
      if (!values.includes(undefined)) {
        if (missing[0]) uncompressedSize = values.shift()!;
        if (missing[1]) compressedSize = values.shift()!;
      }
    }
  }
  const aes = fields.get(EXTRA_AES);
  if (aes && (method === METHOD_AES || (rawBitFlag & BITFLAG_ENCRYPTED) !== 0) && aes.length >= 7) {
    const av = view(aes);
    method = av.getUint16(5, true);
    if (av.getUint8(0) !== 1) crc32 = undefined;
  }
  return { rawBitFlag, method, crc32, compressedSize, uncompressedSize, zip64 };
}

/** A data descriptor read as zip.js reads it: with or without its signature, 32- or 64-bit sizes. */
interface DataDescriptor {
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
}

function readDataDescriptor(v: DataView, zip64: boolean, signature: boolean): DataDescriptor | undefined {
  const at = signature ? 4 : 0;
  if (v.byteLength < (zip64 ? 20 : 12) + at || (signature && v.getUint32(0, true) !== DATA_DESCRIPTOR_SIGNATURE))
    return undefined;
  const crc32 = v.getUint32(at, true);
  if (!zip64) return { crc32, compressedSize: v.getUint32(at + 4, true), uncompressedSize: v.getUint32(at + 8, true) };
  const compressedSize = uint64(v, at + 4);
  const uncompressedSize = uint64(v, at + 12);
  return compressedSize === undefined || uncompressedSize === undefined
    ? undefined
    : { crc32, compressedSize, uncompressedSize };
}

/** The descriptor after the data: the reading that agrees with the sizes (and CRC-32) if any does. */
function chooseDataDescriptor(v: DataView, entry: ListedEntry, zip64: boolean): DataDescriptor | undefined {
  const candidates = (
    [
      [zip64, true],
      [zip64, false],
      [!zip64, true],
      [!zip64, false],
    ] as const
  )
    .map(([layout, signature]) => readDataDescriptor(v, layout, signature))
    .filter(
      (d): d is DataDescriptor =>
        d !== undefined && d.compressedSize === entry.compressedSize && d.uncompressedSize === entry.uncompressedSize,
    );
  return (
    candidates.find((d) => d.crc32 === entry.crc32) ??
    candidates[0] ??
    readDataDescriptor(v, zip64, true) ??
    readDataDescriptor(v, zip64, false)
  );
}

/**
 * Where the entry's stored data starts, once its local header (and data descriptor, if it has
 * one) agrees with what was listed. `directoryOffset` is where the central directory starts
 * (zip.js's `ZipReader.directoryOffset`): no entry's data may run into it.
 * @throws Error with zip.js's message for each fault it finds.
 */
export async function localDataOffset(
  bytes: RandomAccessBytes,
  entry: ListedEntry,
  directoryOffset: number,
  signal?: AbortSignal,
): Promise<number> {
  if (entry.zip64Missing) throw zipJsError(ERR_EXTRAFIELD_ZIP64_NOT_FOUND);
  const headerBytes = await readClamped(bytes, entry.offset, LOCAL_HEADER_BYTES);
  if (entry.aes && entry.aes.originalMethod !== METHOD_AES) throw zipJsError(ERR_UNSUPPORTED_COMPRESSION);
  const header = view(headerBytes);
  if (headerBytes.length < LOCAL_HEADER_BYTES || header.getUint32(0, true) !== LOCAL_HEADER_SIGNATURE)
    throw zipJsError(ERR_LOCAL_FILE_HEADER_NOT_FOUND);
  const nameLength = header.getUint16(26, true);
  const extraLength = header.getUint16(28, true);
  const dataOffset = entry.offset + LOCAL_HEADER_BYTES + nameLength + extraLength;
  const extra = extraLength
    ? await readClamped(bytes, entry.offset + LOCAL_HEADER_BYTES + nameLength, extraLength)
    : new Uint8Array(0);
  const local = readLocalHeader(header, extra);

  if ((local.rawBitFlag & BITFLAG_SHARED) !== (entry.rawBitFlag & BITFLAG_SHARED))
    throw zipJsError(ERR_AMBIGUOUS_ARCHIVE, 'mismatched local file header (general purpose bit flag)');
  if (local.method !== entry.method)
    throw zipJsError(ERR_AMBIGUOUS_ARCHIVE, 'mismatched local file header (compression method)');
  const localDescriptor = (local.rawBitFlag & BITFLAG_DATA_DESCRIPTOR) !== 0;
  if (
    !localDescriptor &&
    (local.crc32 || local.compressedSize || local.uncompressedSize) &&
    (local.crc32 !== entry.crc32 ||
      local.compressedSize !== entry.compressedSize ||
      local.uncompressedSize !== entry.uncompressedSize)
  )
    throw zipJsError(ERR_AMBIGUOUS_ARCHIVE, 'mismatched local file header (crc32 or sizes)');

  if (entry.encrypted && (entry.rawBitFlag & BITFLAG_STRONG_ENCRYPTION) === BITFLAG_STRONG_ENCRYPTION)
    throw zipJsError(ERR_UNSUPPORTED_ENCRYPTION);
  if (!READABLE_METHODS.has(entry.method)) throw zipJsError(ERR_UNSUPPORTED_COMPRESSION);
  if (entry.encrypted) {
    const strength = entry.aes?.strength;
    if (strength !== undefined && (strength < 1 || strength > 3)) throw zipJsError(ERR_UNSUPPORTED_ENCRYPTION);
    throw zipJsError(ERR_ENCRYPTED);
  }
  if (dataOffset + entry.compressedSize > Math.min(bytes.size, directoryOffset))
    throw zipJsError(ERR_ENTRY_DATA_OUT_OF_BOUNDS);
  signal?.throwIfAborted();

  if ((entry.rawBitFlag & BITFLAG_DATA_DESCRIPTOR) !== 0 || localDescriptor) {
    const at = dataOffset + entry.compressedSize;
    const descriptor = chooseDataDescriptor(view(await readClamped(bytes, at, 24)), entry, entry.zip64 || local.zip64);
    if (
      descriptor &&
      ((entry.crc32 !== undefined && descriptor.crc32 !== entry.crc32) ||
        descriptor.compressedSize !== entry.compressedSize ||
        descriptor.uncompressedSize !== entry.uncompressedSize)
    )
      throw zipJsError(ERR_AMBIGUOUS_ARCHIVE, 'mismatched local file header (crc32 or sizes)');
  }
  return dataOffset;
}
