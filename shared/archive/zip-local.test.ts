/**
 * localDataOffset (zip-local.ts) against zip.js's own `getData` with the checks openZip asks
 * for, on ZIPs from two writers (fflate; zip.js with data descriptors, Zip64 fields, extra
 * fields) altered byte by byte where zip.js reads before the data: the local header, its extra
 * fields, the data descriptor, and the central directory's fields that are compared with them.
 * Both must give the same data offset, or the same error (message and reason), for every entry
 * zip.js lists. The alterations come from a fixed seed, so a failure names a case that repeats.
 */
import { zipSync } from 'fflate';
import { Uint8ArrayReader, Uint8ArrayWriter, ZipReader, ZipWriter, type Entry, type FileEntry } from '@zip.js/zip.js';
import { describe, expect, it } from 'vitest';
import { centralEntries } from '../../test/support/zip-patch.ts';
import { seededRandom } from '../../test/support/seeded.ts';
import type { RandomAccessBytes } from './source.ts';
import { ListedEntries, listedEntry, localDataOffset, type ListedEntry } from './zip-local.ts';
import { ENTRY_CHECKS, READER_OPTIONS, withoutOverlapCheck } from './zip.ts';

const TEXT = new TextEncoder().encode('hello world\n'.repeat(100));

async function zipJsZip(options: ConstructorParameters<typeof ZipWriter>[1]): Promise<Uint8Array> {
  const writer = new ZipWriter(new Uint8ArrayWriter(), options);
  await writer.add('x.txt', new Uint8ArrayReader(TEXT));
  await writer.add('y.txt', new Uint8ArrayReader(TEXT.subarray(0, 7)), { level: 0 });
  return (await writer.close()).slice();
}

/** The writers' archives the alterations start from. */
async function originals(): Promise<[string, Uint8Array][]> {
  return [
    [
      'fflate, deflated and stored',
      zipSync({ 'x.txt': [TEXT, { level: 6 }], 'y.txt': [TEXT.subarray(0, 7), { level: 0 }] }),
    ],
    [
      'fflate, extra fields',
      zipSync({
        // An AES field (vendor version 2, AES-256, deflated) on an entry that is not encrypted: it
        // counts once an alteration makes the method 99 or sets the encrypted flag.
        'x.txt': [
          TEXT,
          {
            level: 6,
            extra: { 0x5455: new Uint8Array([1, 0, 0, 0, 0]), 0x9901: new Uint8Array([2, 0, 0x41, 0x45, 3, 8, 0]) },
          },
        ],
        'y.txt': [TEXT.subarray(0, 7), { level: 0, extra: { 0x0001: new Uint8Array(16) } }],
      }),
    ],
    [
      'zip.js, data descriptors with a signature',
      await zipJsZip({ dataDescriptor: true, dataDescriptorSignature: true }),
    ],
    ['zip.js, data descriptors without one', await zipJsZip({ dataDescriptor: true, dataDescriptorSignature: false })],
    ['zip.js, Zip64 fields', await zipJsZip({ zip64: true, dataDescriptor: true, dataDescriptorSignature: true })],
  ];
}

function bytesOf(zip: Uint8Array): RandomAccessBytes {
  return { size: zip.length, read: async (offset, length) => zip.slice(offset, offset + length) };
}

type Outcome = { offset: number } | { error: string; reason?: unknown };

const outcome = (run: () => Promise<number>): Promise<Outcome> =>
  run().then(
    (offset) => ({ offset }),
    (error: Error & { reason?: unknown }) =>
      error.reason === undefined ? { error: error.message } : { error: error.message, reason: error.reason },
  );

/** For each entry zip.js lists in `zip`: zip.js's outcome and ours; null where zip.js lists nothing. */
async function both(zip: Uint8Array): Promise<{ zipJs: Outcome; ours: Outcome }[] | null> {
  const reader = new ZipReader(new Uint8ArrayReader(zip), READER_OPTIONS);
  withoutOverlapCheck(reader);
  let entries: Entry[];
  try {
    entries = await reader.getEntries();
  } catch {
    return null;
  }
  const directoryOffset = reader.directoryOffset ?? Number.NaN;
  const out = [];
  // Through the columns the reader keeps them in (openZip), as the reader reads them back.
  const columns = new ListedEntries();
  for (const entry of entries) {
    const listed = columns.at(columns.push(listedEntry(entry)));
    expect(listed).toStrictEqual(listedEntry(entry));
    const zipJs = await outcome(async () => {
      const file = entry as FileEntry;
      await file.getData(undefined as unknown as WritableStream, { ...ENTRY_CHECKS, checkOverlappingEntryOnly: true });
      return file.localDirectory?.dataOffset ?? Number.NaN;
    });
    const ours = await outcome(() => localDataOffset(bytesOf(zip), listed, directoryOffset));
    out.push({ zipJs, ours });
  }
  return out;
}

/**
 * Where zip.js reads before an entry's data, in `zip` (listed by zip.js, Zip64 fields included):
 * the byte ranges an alteration lands in, and the fields both headers hold (an attacker who
 * edits both alike passes the comparison and reaches the checks after it).
 */
async function regions(
  zip: Uint8Array,
): Promise<{ ranges: [number, number][]; pairs: [local: number, central: number, width: 2 | 4][] }> {
  const v = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const reader = new ZipReader(new Uint8ArrayReader(zip));
  const entries = await reader.getEntries();
  const out: [number, number][] = [];
  const pairs: [number, number, 2 | 4][] = [];
  let central = reader.directoryOffset ?? Number.NaN;
  for (const entry of entries) {
    const local = entry.offset;
    const headerEnd = local + 30 + v.getUint16(local + 26, true) + v.getUint16(local + 28, true);
    out.push([local, headerEnd]);
    // The data descriptor (or the bytes where one would be) after the stored data.
    const dataEnd = headerEnd + entry.compressedSize;
    out.push([dataEnd, Math.min(zip.length, dataEnd + 24)]);
    // The central fields compared with them: flags, method, CRC-32, sizes, offset, and its extra fields.
    expect(v.getUint32(central, true)).toBe(0x02014b50);
    out.push([central + 8, central + 12], [central + 16, central + 28], [central + 42, central + 46]);
    // The same field in both headers: flags, method, CRC-32, compressed and uncompressed size.
    pairs.push([local + 6, central + 8, 2], [local + 8, central + 10, 2]);
    pairs.push([local + 14, central + 16, 4], [local + 18, central + 20, 4], [local + 22, central + 24, 4]);
    const nameLength = v.getUint16(central + 28, true);
    const extraLength = v.getUint16(central + 30, true);
    if (extraLength) out.push([central + 46 + nameLength, central + 46 + nameLength + extraLength]);
    central += 46 + nameLength + extraLength + v.getUint16(central + 32, true);
  }
  return { ranges: out, pairs };
}

/** Values an attacker would write: small flags and methods, the 16- and 32-bit maxima's bytes. */
const INTERESTING = [0, 1, 8, 9, 0x40, 0xff, 0x63, 0x99, 0x0c];

describe('localDataOffset: the same outcome as zip.js, entry by entry', () => {
  it("on every writer's archive as written", async () => {
    for (const [name, zip] of await originals()) {
      const results = await both(zip);
      expect(results, name).not.toBeNull();
      for (const { zipJs, ours } of results ?? []) {
        expect(ours, name).toEqual(zipJs);
        expect('offset' in ours, name).toBe(true);
      }
    }
  });

  it('on 4,000 archives altered at one to three bytes where zip.js reads before the data', async () => {
    const next = seededRandom(49);
    const seen = new Map<string, number>();
    let compared = 0;
    for (const [name, original] of await originals()) {
      const { ranges, pairs } = await regions(original);
      for (let round = 0; round < 800; round++) {
        const zip = original.slice();
        const v = new DataView(zip.buffer);
        const changes: string[] = [];
        const byte = () =>
          next() < 0.5 ? INTERESTING[Math.floor(next() * INTERESTING.length)]! : Math.floor(next() * 256);
        for (let n = 1 + Math.floor(next() * 3); n > 0; n--) {
          if (next() < 0.3) {
            const [local, central, width] = pairs[Math.floor(next() * pairs.length)]!;
            const value =
              width === 2
                ? byte() | (next() < 0.3 ? byte() << 8 : 0)
                : next() < 0.3
                  ? 0xffffffff
                  : Math.floor(next() * 2 ** 32);
            for (const at of [local, central])
              if (width === 2) v.setUint16(at, value, true);
              else v.setUint32(at, value, true);
            changes.push(`${local}&${central}=${value}`);
            continue;
          }
          const [start, end] = ranges[Math.floor(next() * ranges.length)]!;
          const at = start + Math.floor(next() * (end - start));
          const value = byte();
          zip[at] = value;
          changes.push(`${at}=${value}`);
        }
        const results = await both(zip);
        for (const [i, { zipJs, ours }] of (results ?? []).entries()) {
          expect(ours, `${name}, entry ${i}, bytes ${changes.join(' ')}`).toEqual(zipJs);
          const key = 'offset' in zipJs ? 'read' : `${zipJs.error}${zipJs.reason ? ` (${String(zipJs.reason)})` : ''}`;
          seen.set(key, (seen.get(key) ?? 0) + 1);
          compared++;
        }
      }
    }
    // The alterations reach each of zip.js's checks, not only the first.
    expect(compared).toBeGreaterThan(5000);
    expect([...seen.keys()].sort()).toEqual(
      expect.arrayContaining([
        'read',
        'Local file header not found',
        'Ambiguous archive (mismatched local file header (general purpose bit flag))',
        'Ambiguous archive (mismatched local file header (compression method))',
        'Ambiguous archive (mismatched local file header (crc32 or sizes))',
        'Compression method not supported',
        'File contains encrypted entry',
        'Entry data out of bounds',
        'Encryption method not supported',
        'Zip64 extra field not found',
      ]),
    );
  });

  it('a data descriptor two readings of which fit the sizes: the one whose CRC-32 agrees is taken', async () => {
    // y.txt: 7 bytes stored, then a descriptor with its signature. Written as [signature, 7, 7, 7]
    // with the central CRC-32 equal to the signature's value, it reads as (CRC 7, 7, 7) with the
    // signature and as (CRC = the signature, 7, 7) without: only the second agrees.
    const zip = await zipJsZip({ dataDescriptor: true, dataDescriptorSignature: true });
    const v = new DataView(zip.buffer);
    const y = (await new ZipReader(new Uint8ArrayReader(zip)).getEntries())[1]!;
    const [, central] = centralEntries(zip);
    const descriptor = y.offset + 30 + v.getUint16(y.offset + 26, true) + v.getUint16(y.offset + 28, true) + 7;
    expect(v.getUint32(descriptor, true)).toBe(0x08074b50);
    for (const at of [4, 8, 12]) v.setUint32(descriptor + at, 7, true);
    v.setUint32(central!.central + 16, 0x08074b50, true);
    const results = await both(zip);
    expect(results?.[1]?.ours).toEqual(results?.[1]?.zipJs);
    expect(results?.[1]?.ours).toEqual({ offset: descriptor - 7 });
  });

  it('an AES field counts where the local header says method 99: its method stands, and vendor version 2 has no CRC-32', async () => {
    const [, [, zip]] = (await originals()) as [unknown, [string, Uint8Array]];
    const altered = zip.slice();
    const [x] = centralEntries(altered);
    new DataView(altered.buffer).setUint16(x!.local + 8, 99, true);
    const results = await both(altered);
    expect(results?.[0]?.ours).toEqual(results?.[0]?.zipJs);
    // Method 8 from the field agrees with the central directory; the CRC-32 it leaves out does not.
    expect(results?.[0]?.ours).toEqual({
      error: 'Ambiguous archive',
      reason: 'mismatched local file header (crc32 or sizes)',
    });
  });
});

describe('ListedEntries', () => {
  const entry = (over: Partial<ListedEntry>): ListedEntry => ({
    offset: 0,
    compressedSize: 0,
    uncompressedSize: 0,
    method: 8,
    crc32: 0,
    storedCrc32: 0,
    rawBitFlag: 0,
    encrypted: false,
    zip64: false,
    zip64Missing: false,
    aes: undefined,
    ...over,
  });
  it('gives back each entry as pushed, past its first columns, with 53-bit sizes, CRCs past 2^31 and fields zip.js left out', () => {
    const columns = new ListedEntries();
    const kept: ListedEntry[] = [];
    const random = seededRandom(53);
    for (let i = 0; i < 1_000; i++) {
      const word = () => Math.floor(random() * 2 ** 32);
      const e = entry({
        offset:
          i === 1
            ? Number.MAX_SAFE_INTEGER
            : i === 3
              ? (undefined as unknown as number)
              : Math.floor(random() * 2 ** 40),
        compressedSize: Math.floor(random() * 2 ** 33),
        uncompressedSize: i === 2 ? 0xffffffff : Math.floor(random() * 2 ** 33),
        method: i % 11 === 0 ? (undefined as unknown as number) : i % 3 === 0 ? 99 : 8,
        crc32: i % 5 === 0 ? undefined : word(),
        storedCrc32: i % 7 === 0 ? undefined : word(),
        rawBitFlag: i & 0xffff,
        encrypted: i % 2 === 0,
        zip64: i % 3 === 1,
        zip64Missing: i % 4 === 1,
        aes: i % 3 === 0 ? { originalMethod: i % 2 ? 8 : undefined, strength: 3 } : undefined,
      });
      expect(columns.push(e)).toBe(i);
      kept.push(e);
    }
    expect(columns.length).toBe(1_000);
    kept.forEach((e, i) => expect(columns.at(i)).toStrictEqual(e));
    expect(() => columns.at(1_000)).toThrow(RangeError);
    expect(() => columns.at(-1)).toThrow(RangeError);
  });
  it('refuses a field that its 32-bit column would change', () => {
    const columns = new ListedEntries();
    expect(() => columns.push(entry({ crc32: 2 ** 32 }))).toThrow(/32-bit/);
    expect(() => columns.push(entry({ method: -1 }))).toThrow(/32-bit/);
    expect(columns.length).toBe(0);
  });
});
