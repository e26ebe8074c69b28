/**
 * ZIP containers altered as an attacker would, byte by byte, from a clean archive's files:
 * shared by the engine's adversarial table (Node) and the app's import (Chromium), which
 * reads ZIPs through the browser's own decompression.
 */
import { zipSync } from 'fflate';
import { patchZipEntry } from './zip-patch.ts';
import { deflated, faultyDeflated, rawZip, type DataFault } from './raw-zip.ts';
import { text, type Files } from './tamper.ts';

export function zipOf(files: Files, level: 0 | 6 = 6): Uint8Array {
  return zipSync(Object.fromEntries([...files].map(([name, bytes]) => [name, [bytes, { level }]])));
}

/** `path` compressed with another method than stored or deflated (12 bzip2, 14 LZMA, 93 Zstandard). */
export function withMethod(files: Files, path: string, method: number, level: 0 | 6 = 6): Uint8Array {
  return patchZipEntry(zipOf(files, level), path, { method });
}

/** The central directory declares `delta` bytes more (or fewer) for `path` than it holds. */
export function withLyingSize(files: Files, path: string, delta: number, level: 0 | 6 = 6): Uint8Array {
  const size = (files.get(path) as Uint8Array).length + delta;
  return patchZipEntry(zipOf(files, level), path, { centralUncompressedSize: size });
}

/**
 * A forged first copy of `path` whose attributes call it a directory, stored before the
 * original under the same name: a reader that skips "directories" sees only the original.
 */
export function withHiddenCopy(files: Files, path: string, attributes: 'dos' | 'unix'): Uint8Array {
  const forged = new TextEncoder().encode(text(files, path).replace('"crm', '"CRM'));
  const decoy = path.replace(/.$/, 'X');
  let zip = zipOf(new Map([[decoy, forged], ...files]));
  zip = patchZipEntry(zip, decoy, {
    ...(attributes === 'dos'
      ? { externalAttributes: 0x10, versionMadeBy: 20 }
      : { externalAttributes: (0o040755 << 16) >>> 0, versionMadeBy: 0x031e }),
    rename: path,
  });
  return zip;
}

/** CRC-32 (IEEE), bit by bit: an Info-ZIP Unicode Path field carries the CRC of the stored name. */
function crc32(bytes: Uint8Array): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

/** An Info-ZIP Unicode Path extra field (0x7075, version 1) for an entry stored as `stored`, naming it `named`. */
export function unicodePathField(stored: string, named: string): Uint8Array {
  const name = new TextEncoder().encode(named);
  const field = new Uint8Array(5 + name.length);
  const view = new DataView(field.buffer);
  view.setUint8(0, 1);
  view.setUint32(1, crc32(new TextEncoder().encode(stored)), true);
  field.set(name, 5);
  return field;
}

/**
 * A forged copy of `path` stored before the original under a decoy name, with a Unicode Path
 * extra field that names it `path`: a reader that honours the field lists two copies of `path`,
 * the forged one first.
 */
export function withUnicodePathAlias(files: Files, path: string): Uint8Array {
  const forged = new TextEncoder().encode(text(files, path).replace('"crm', '"CRM'));
  const decoy = path.replace(/.$/, 'X');
  return zipSync({
    [decoy]: [forged, { extra: { 0x7075: unicodePathField(decoy, path) } }],
    ...Object.fromEntries([...files].map(([name, bytes]) => [name, [bytes, { level: 6 }]])),
  });
}

/** Every file deflated, and `path` with one fault in its data (see `faultyDeflated`). */
export function withDataFault(files: Files, path: string, fault: DataFault): Uint8Array {
  return rawZip(
    [...files].map(([name, content]) =>
      name === path ? faultyDeflated(name, content, fault) : deflated(name, content),
    ),
  );
}
