/**
 * ZIPs written field by field, so that data, checksum and sizes can disagree as an attacker
 * wants, for the tests of the native inflates (cli/node-zip.test.ts,
 * shared/archive/web-inflate.test.ts).
 */
import { crc32 as zlibCrc32, deflateRawSync } from 'node:zlib';
import { expect } from 'vitest';
import { ArchiveUnreadableError, type RandomAccessBytes, type StreamOptions } from '../../shared/archive/source.ts';
import { openZip, type NativeInflate } from '../../shared/archive/zip.ts';

const enc = new TextEncoder();

export function memoryBytes(zip: Uint8Array): RandomAccessBytes {
  return { size: zip.length, read: async (offset, length) => zip.slice(offset, offset + length) };
}

export interface RawEntry {
  readonly name: string;
  readonly method: 0 | 8;
  /** The bytes stored as the entry's data (already deflated for method 8). */
  readonly data: Uint8Array;
  readonly crc32: number;
  readonly uncompressedSize: number;
}

/** A ZIP written field by field, so data, checksum and sizes can disagree as an attacker wants. */
export function rawZip(entries: readonly RawEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = enc.encode(e.name);
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, 20, true);
    local.setUint16(6, 0x0800, true);
    local.setUint16(8, e.method, true);
    local.setUint32(14, e.crc32 >>> 0, true);
    local.setUint32(18, e.data.length, true);
    local.setUint32(22, e.uncompressedSize, true);
    local.setUint16(26, name.length, true);
    const head = new DataView(new ArrayBuffer(46));
    head.setUint32(0, 0x02014b50, true);
    head.setUint16(4, 20, true);
    head.setUint16(6, 20, true);
    head.setUint16(8, 0x0800, true);
    head.setUint16(10, e.method, true);
    head.setUint32(16, e.crc32 >>> 0, true);
    head.setUint32(20, e.data.length, true);
    head.setUint32(24, e.uncompressedSize, true);
    head.setUint16(28, name.length, true);
    head.setUint32(42, offset, true);
    parts.push(new Uint8Array(local.buffer), name, e.data);
    central.push(new Uint8Array(head.buffer), name);
    offset += 30 + name.length + e.data.length;
  }
  const centralSize = central.reduce((n, p) => n + p.length, 0);
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, entries.length, true);
  end.setUint16(10, entries.length, true);
  end.setUint32(12, centralSize, true);
  end.setUint32(16, offset, true);
  const all = [...parts, ...central, new Uint8Array(end.buffer)];
  const out = new Uint8Array(all.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of all) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** `content` stored (method 0), with its true CRC-32 and size unless `change` says otherwise. */
export function stored(name: string, content: Uint8Array, change: Partial<RawEntry> = {}): RawEntry {
  return { name, method: 0, data: content, crc32: zlibCrc32(content), uncompressedSize: content.length, ...change };
}

/** `content` deflated (method 8), with its true CRC-32 and size unless `change` says otherwise. */
export function deflated(name: string, content: Uint8Array, change: Partial<RawEntry> = {}): RawEntry {
  return {
    name,
    method: 8,
    data: new Uint8Array(deflateRawSync(content)),
    crc32: zlibCrc32(content),
    uncompressedSize: content.length,
    ...change,
  };
}

/** A fault in an entry's data: what an inflate must find. */
export type DataFault = 'crc' | 'trailing' | 'damaged' | 'cut';

/**
 * `content` deflated with one fault while both headers keep its true size and CRC-32: `crc`
 * (the CRC-32 changed instead), `trailing` (bytes stored after the end of its deflate stream),
 * `damaged` (a byte a third of the way into its deflate data flipped), `cut` (its last 5 bytes
 * gone).
 */
export function faultyDeflated(name: string, content: Uint8Array, fault: DataFault): RawEntry {
  const entry = deflated(name, content);
  const data = entry.data;
  if (fault === 'crc') return { ...entry, crc32: (entry.crc32 ^ 1) >>> 0 };
  if (fault === 'trailing') return { ...entry, data: new Uint8Array(Buffer.concat([data, enc.encode('HIDDEN')])) };
  if (fault === 'cut') return { ...entry, data: data.slice(0, data.length - 5) };
  const flipped = data.slice();
  const at = Math.floor(flipped.length / 3);
  flipped[at] = (flipped[at] as number) ^ 0xff;
  return { ...entry, data: flipped };
}

/** An entry read whole (its bytes in base64), or why it could not be. */
export type Outcome = { ok: string } | { unreadable: string };

/** Every file entry of `zip`, read whole, through zip.js (`inflate` undefined) or the given inflate. */
export async function readEveryEntry(
  zip: Uint8Array,
  inflate: NativeInflate | undefined,
  bytesOf: (zip: Uint8Array) => RandomAccessBytes = memoryBytes,
  /** How each entry is read: with `transient` its chunks are copied before the next is asked for, as such a reader must. */
  readOptions?: StreamOptions,
): Promise<Map<string, Outcome>> {
  const source = await openZip(bytesOf(zip), 'test.zip', {}, { inflate });
  const out = new Map<string, Outcome>();
  try {
    for (const entry of await source.entries()) {
      if (entry.isDirectory) continue;
      try {
        const chunks: Uint8Array[] = [];
        for await (const chunk of source.read(entry, undefined, readOptions)) chunks.push(chunk.slice());
        out.set(entry.name, { ok: Buffer.concat(chunks).toString('base64') });
      } catch (error) {
        expect(error).toBeInstanceOf(ArchiveUnreadableError);
        out.set(entry.name, { unreadable: (error as Error).message });
      }
    }
  } finally {
    await source.close();
  }
  return out;
}
