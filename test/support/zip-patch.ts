/**
 * Rewrites fields of a ZIP file's headers in place, as an attacker with a hex editor
 * would: the compression method, the external attributes (DOS directory bit, Unix mode),
 * the declared sizes, the stored name. The reader under test must not be fooled.
 */

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export interface ZipEntryPatch {
  /** Compression method in both headers (0 stored, 8 deflated, 12 bzip2, 14 LZMA). */
  readonly method?: number;
  /** External file attributes in the central directory (high 16 bits: Unix mode; bit 4: DOS directory). */
  readonly externalAttributes?: number;
  /** "Version made by" in the central directory (high byte 3 = Unix, 0 = MS-DOS). */
  readonly versionMadeBy?: number;
  /** The uncompressed size the central directory declares. */
  readonly centralUncompressedSize?: number;
  /** The uncompressed size the local header declares. */
  readonly localUncompressedSize?: number;
  /** A new name of the same byte length, in both headers. */
  readonly rename?: string;
  /** The general purpose bit flag in both headers (bit 0: encrypted; bit 11: the name is UTF-8). */
  readonly flags?: number;
  /** The CRC-32 in both headers. */
  readonly crc32?: number;
}

interface CentralEntry {
  readonly name: string;
  /** Offset of the central directory header. */
  readonly central: number;
  /** Offset of the local header. */
  readonly local: number;
}

function view(zip: Uint8Array): DataView {
  return new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
}

/** The central directory's entries, in stored order. */
export function centralEntries(zip: Uint8Array): CentralEntry[] {
  const v = view(zip);
  let eocd = -1;
  for (let i = zip.length - 22; i >= 0; i--) {
    if (v.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('zip-patch: no end of central directory');
  const count = v.getUint16(eocd + 10, true);
  let at = v.getUint32(eocd + 16, true);
  const out: CentralEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (v.getUint32(at, true) !== CENTRAL) throw new Error(`zip-patch: bad central header at ${at}`);
    const nameLength = v.getUint16(at + 28, true);
    const extraLength = v.getUint16(at + 30, true);
    const commentLength = v.getUint16(at + 32, true);
    const name = new TextDecoder().decode(zip.subarray(at + 46, at + 46 + nameLength));
    out.push({ name, central: at, local: v.getUint32(at + 42, true) });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return out;
}

/** A copy of `zip` with the entry named `name` (the `nth` of that name, 0-based) patched. */
export function patchZipEntry(zip: Uint8Array, name: string, patch: ZipEntryPatch, nth = 0): Uint8Array {
  const out = zip.slice();
  const v = view(out);
  const entry = centralEntries(out).filter((e) => e.name === name)[nth];
  if (!entry) throw new Error(`zip-patch: no entry ${name}`);
  if (v.getUint32(entry.local, true) !== LOCAL) throw new Error(`zip-patch: bad local header for ${name}`);
  if (patch.method !== undefined) {
    v.setUint16(entry.central + 10, patch.method, true);
    v.setUint16(entry.local + 8, patch.method, true);
  }
  if (patch.flags !== undefined) {
    v.setUint16(entry.central + 8, patch.flags, true);
    v.setUint16(entry.local + 6, patch.flags, true);
  }
  if (patch.crc32 !== undefined) {
    v.setUint32(entry.central + 16, patch.crc32 >>> 0, true);
    v.setUint32(entry.local + 14, patch.crc32 >>> 0, true);
  }
  if (patch.externalAttributes !== undefined) v.setUint32(entry.central + 38, patch.externalAttributes >>> 0, true);
  if (patch.versionMadeBy !== undefined) v.setUint16(entry.central + 4, patch.versionMadeBy, true);
  if (patch.centralUncompressedSize !== undefined) v.setUint32(entry.central + 24, patch.centralUncompressedSize, true);
  if (patch.localUncompressedSize !== undefined) v.setUint32(entry.local + 22, patch.localUncompressedSize, true);
  if (patch.rename !== undefined) {
    const bytes = new TextEncoder().encode(patch.rename);
    if (bytes.length !== new TextEncoder().encode(name).length)
      throw new Error('zip-patch: a new name must have the same length');
    out.set(bytes, entry.central + 46);
    out.set(bytes, entry.local + 30);
  }
  return out;
}

/** A copy of `zip` where the raw name bytes of entry `name` are replaced (same length). */
export function patchZipNameBytes(zip: Uint8Array, name: string, bytes: Uint8Array): Uint8Array {
  const out = zip.slice();
  const entry = centralEntries(out).find((e) => e.name === name);
  if (!entry) throw new Error(`zip-patch: no entry ${name}`);
  out.set(bytes, entry.central + 46);
  out.set(bytes, entry.local + 30);
  return out;
}
