/**
 * ZIP containers altered as an attacker would, byte by byte, from a clean archive's files:
 * shared by the engine's adversarial table (Node) and the app's import (Chromium), which
 * reads ZIPs through the browser's own decompression.
 */
import { zipSync } from 'fflate';
import { patchZipEntry } from './zip-patch.ts';
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
