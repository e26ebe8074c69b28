/**
 * ZIPs written field by field, so that data, checksum and sizes can disagree as an attacker
 * wants, for the tests of the native inflates (cli/node-zip.test.ts,
 * shared/archive/web-inflate.test.ts, shared/archive/zlib-inflate.test.ts), and the cases those
 * inflates must read as zip.js does.
 */
import { crc32 as zlibCrc32, deflateRawSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { zipSync } from 'fflate';
import { createCRC32, type IHasher } from 'hash-wasm';
import { Uint8ArrayReader, Uint8ArrayWriter, ZipWriter } from '@zip.js/zip.js';
import { blobBytes } from '../../shared/archive/blob.ts';
import { patchZipEntry } from './zip-patch.ts';
import { ArchiveUnreadableError, type RandomAccessBytes, type StreamOptions } from '../../shared/archive/source.ts';
import { HELD_ENTRY_BYTES, openZip, type NativeInflate } from '../../shared/archive/zip.ts';

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

/** Lines of JSON, as a segment file holds (deflates well). */
export const TEXT = enc.encode(Array.from({ length: 4000 }, (_, i) => `{"seq":${i},"note":"line ${i}"}\n`).join(''));
/** Bytes that do not deflate. */
export const RANDOM = new Uint8Array(randomBytes(3000));

/** The zip as a File is in the app: a Blob whose streams come in parts (here of 1,000 bytes). */
export const partedBlob = (zip: Uint8Array): RandomAccessBytes =>
  blobBytes(
    new Blob(Array.from({ length: Math.ceil(zip.length / 1000) }, (_, i) => zip.slice(i * 1000, (i + 1) * 1000))),
  );

/** Reads every entry of a zip through an inflate and checks it against zip.js's read path; gives the outcomes. */
export type SameAsZipJs = (zip: Uint8Array) => Promise<Map<string, Outcome>>;

/**
 * Every altered entry (data, checksum or sizes) gets the outcome zip.js gives it, words
 * included, and the sound one beside it is read. `big`, when given, adds the same faults in an
 * entry larger than the inflate holds until checked.
 */
export async function expectAlteredEntriesAsZipJs(sameAsZipJs: SameAsZipJs, big?: Uint8Array): Promise<void> {
  const cases: RawEntry[] = [
    faultyDeflated('crc.jsonl', TEXT, 'crc'),
    faultyDeflated('flipped.jsonl', TEXT, 'damaged'),
    faultyDeflated('cut.jsonl', TEXT, 'cut'),
    faultyDeflated('trailing.jsonl', TEXT, 'trailing'),
    deflated('more.jsonl', TEXT, { uncompressedSize: TEXT.length + 7 }),
    deflated('fewer.jsonl', TEXT, { uncompressedSize: TEXT.length - 7 }),
    deflated('garbage.jsonl', TEXT, { data: new Uint8Array(randomBytes(500)) }),
    stored('stored-crc.bin', RANDOM, { crc32: zlibCrc32(RANDOM) ^ 0x80000000 }),
    stored('stored-more.bin', RANDOM, { uncompressedSize: RANDOM.length + 1 }),
    stored('stored-fewer.bin', RANDOM, { uncompressedSize: RANDOM.length - 1 }),
    ...(big
      ? [
          faultyDeflated('big-crc.bin', big, 'crc'),
          faultyDeflated('big-trailing.bin', big, 'trailing'),
          faultyDeflated('big-cut.bin', big, 'cut'),
          deflated('big-more.bin', big, { uncompressedSize: big.length + 1 }),
          deflated('big-fewer.bin', big, { uncompressedSize: big.length - 1 }),
          stored('big-stored-crc.bin', big, { crc32: zlibCrc32(big) ^ 1 }),
        ]
      : []),
  ];
  for (const bad of cases) {
    const outcomes = await sameAsZipJs(rawZip([bad, deflated('good.jsonl', TEXT)]));
    const outcome = outcomes.get(bad.name) as Outcome;
    expect('unreadable' in outcome, `${bad.name} was read`).toBe(true);
    expect((outcome as { unreadable: string }).unreadable).toMatch(new RegExp(`^entry "${bad.name}" cannot be read: `));
    expect(outcomes.get('good.jsonl')).toEqual({ ok: Buffer.from(TEXT).toString('base64') });
  }
}

/** zip.js's checks before an entry's data still hold: local headers, data descriptors, ZIP64. */
export async function expectZipJsChecksHold(sameAsZipJs: SameAsZipJs): Promise<void> {
  const disagreeing = patchZipEntry(zipSync({ 'x.jsonl': TEXT, 'y.jsonl': TEXT }), 'x.jsonl', {
    centralUncompressedSize: TEXT.length + 1,
  });
  const outcomes = await sameAsZipJs(disagreeing);
  expect(outcomes.get('x.jsonl')).toEqual({
    unreadable: `entry "x.jsonl" cannot be read: the ZIP's central directory and the entry's local header disagree (name, sizes or checksum), so its content is ambiguous`,
  });
  for (const layout of [
    { dataDescriptor: true, dataDescriptorSignature: true },
    { zip64: true },
    { zip64: true, dataDescriptor: true, dataDescriptorSignature: true },
  ]) {
    const writer = new ZipWriter(new Uint8ArrayWriter(), layout);
    await writer.add('x.jsonl', new Uint8ArrayReader(TEXT));
    await writer.add('y.bin', new Uint8ArrayReader(RANDOM), { level: 0 });
    const read = await sameAsZipJs((await writer.close()).slice());
    expect(read.get('x.jsonl'), JSON.stringify(layout)).toEqual({ ok: Buffer.from(TEXT).toString('base64') });
    expect(read.get('y.bin'), JSON.stringify(layout)).toEqual({ ok: Buffer.from(RANDOM).toString('base64') });
  }
}

/**
 * An inflate made by `inflateOn` with CRC-32 hashers from the factory it is given makes one only
 * for entries read at the same time, and keeps it for the next entries, reset: entries read one
 * after another (a faulty one among them) and again take one hasher; two read at once take a
 * second; a reader that stops early gives its hasher back. Every outcome stays zip.js's.
 */
export async function expectCrc32HashersKept(
  inflateOn: (crc32: () => Promise<IHasher>) => NativeInflate | Promise<NativeInflate>,
): Promise<void> {
  const big = new Uint8Array(randomBytes(HELD_ENTRY_BYTES + 100_000));
  let made = 0;
  const inflate = await inflateOn(() => {
    made++;
    return createCRC32();
  });
  const zip = rawZip([
    deflated('a.jsonl', TEXT),
    faultyDeflated('b.jsonl', TEXT, 'crc'),
    stored('c.bin', RANDOM),
    faultyDeflated('d.jsonl', TEXT, 'cut'),
    deflated('e.jsonl', TEXT.subarray(0, 999)),
    // Larger than an entry held whole: read a part at a time, so two are read at once.
    deflated('f.bin', big),
    deflated('g.bin', big.subarray(1)),
  ]);
  const zipJs = await readEveryEntry(zip, undefined);
  const before = made;
  for (let round = 0; round < 3; round++) expect(await readEveryEntry(zip, inflate)).toEqual(zipJs);
  expect(made - before).toBe(1);
  const source = await openZip(memoryBytes(zip), 't.zip', {}, { inflate });
  const entries = await source.entries();
  const [f, g] = ['f.bin', 'g.bin'].map((name) => entries.find((entry) => entry.name === name));
  const [one, two] = [source.read(f!), source.read(g!)].map((read) => read[Symbol.asyncIterator]());
  expect((await one!.next()).done).toBe(false);
  expect((await two!.next()).done).toBe(false);
  await one!.return?.();
  await two!.return?.();
  await source.close();
  expect(made - before).toBe(2);
  expect(await readEveryEntry(zip, inflate)).toEqual(zipJs);
  expect(made - before).toBe(2);
}
