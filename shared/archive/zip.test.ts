/**
 * openZip (shared/archive/zip.ts) rule by rule, on ZIPs written by fflate and altered field by
 * field (test/support/zip-patch.ts): what each entry is said to be and why it cannot be read
 * (encrypted, a symbolic link, each compression method), the names, the words each zip.js
 * failure gets, and the per-entry, total and ratio bounds at their limit and one past it.
 * The mutation run on shared/archive (docs/TESTING.md) showed these tested only for "some
 * finding", through the engine.
 */
import { zipSync } from 'fflate';
import { Uint8ArrayReader, Uint8ArrayWriter, ZipWriter } from '@zip.js/zip.js';
import { describe, expect, it, vi } from 'vitest';
import { zipOf } from '../../test/support/zip.ts';
import { unicodePathField } from '../../test/support/container-attacks.ts';
import { centralEntries, patchZipEntry, patchZipNameBytes } from '../../test/support/zip-patch.ts';
import { concatBytes } from '../format/bytes.ts';
import { HELD_ENTRY_BYTES, openZip, ZIP_DATA_ERRORS, type NativeInflate, type StoredData } from './zip.ts';
import {
  ArchiveUnreadableError,
  LimitExceededError,
  type ArchiveSource,
  type RandomAccessBytes,
  type RawEntry,
  type ReadLimits,
} from './source.ts';

/** Bytes that deflate hardly at all (a fixed-seed generator), so an entry spans several chunks. */
function noise(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = (x >>> 16) & 0xff;
  }
  return out;
}

const TEXT = 'hello world\n'.repeat(100); // 1,200 bytes

/**
 * Random access that refuses what a file or an HTTP range would not give: a negative length, or
 * bytes past the end (an empty read anywhere is fine). It records every request and close().
 */
function strictBytes(zip: Uint8Array) {
  const asked: [number, number][] = [];
  const bytes = {
    size: zip.length,
    asked,
    read: async (offset: number, length: number) => {
      asked.push([offset, length]);
      if (length < 0 || (length > 0 && (offset < 0 || offset + length > zip.length)))
        throw new RangeError(`read(${offset}, ${length}) of ${zip.length} bytes`);
      return zip.slice(offset, offset + length);
    },
    close: vi.fn(async () => undefined),
  } satisfies RandomAccessBytes & { asked: unknown };
  return bytes;
}

const open = (zip: Uint8Array, limits: Partial<ReadLimits> = {}) => openZip(strictBytes(zip), 'case.zip', limits);

async function entry(source: ArchiveSource, name: string): Promise<RawEntry> {
  const found = (await source.entries()).find((e) => e.name === name);
  if (!found) throw new Error(`no entry ${name}`);
  return found;
}

async function readAll(source: ArchiveSource, name: string, signal?: AbortSignal): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of source.read(await entry(source, name), signal)) parts.push(chunk);
  return concatBytes(parts);
}

async function failure(source: ArchiveSource, name: string, signal?: AbortSignal): Promise<unknown> {
  return readAll(source, name, signal).then(
    () => {
      throw new Error(`${name} was read`);
    },
    (error: unknown) => error,
  );
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** Byte equality without a deep comparison of millions of elements. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

describe('openZip: not a ZIP', () => {
  it.each([
    [
      'a text file',
      new TextEncoder().encode('this is a text file, not a zip archive'),
      'End of central directory not found',
    ],
    ['an empty file', new Uint8Array(0), 'File format is not recognized'],
    ['a ZIP cut before its end', zipOf({ 'a.txt': TEXT }).subarray(0, 60), 'End of central directory not found'],
  ])('%s is ArchiveUnreadableError naming the file and why, and the bytes are closed', async (_what, zip, why) => {
    const bytes = strictBytes(zip);
    const error = await openZip(bytes, 'case.zip').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArchiveUnreadableError);
    expect((error as Error).message).toBe(`"case.zip" is not a readable ZIP archive: ${why}`);
    expect(bytes.close).toHaveBeenCalledTimes(1);
  });
});

describe('openZip: the entries', () => {
  it('lists every entry in stored order with its sizes; only a trailing "/" makes a directory', async () => {
    const zip = zipOf({ 'manifest.json': '{}', 'dir/': '', 'ledgers/l/000001.jsonl': TEXT }, 0);
    const source = await openZip(strictBytes(zip), 'case.zip');
    expect(source.name).toBe('case.zip');
    expect(await source.entries()).toEqual([
      { name: 'manifest.json', declaredSize: 2, compressedSize: 2, isDirectory: false },
      { name: 'dir/', declaredSize: 0, compressedSize: 0, isDirectory: true },
      { name: 'ledgers/l/000001.jsonl', declaredSize: 1200, compressedSize: 1200, isDirectory: false },
    ]);
  });

  it('the compressed size is the stored one', async () => {
    const source = await open(zipOf({ 'a.txt': TEXT }, 6));
    const [a] = await source.entries();
    expect(a?.declaredSize).toBe(1200);
    expect(a?.compressedSize).toBe(centralCompressedSize(zipOf({ 'a.txt': TEXT }, 6), 'a.txt'));
    expect(a?.compressedSize).toBeLessThan(100);
  });

  it.each([
    ['DOS directory attribute', { externalAttributes: 0x10, versionMadeBy: 20 }],
    ['Unix directory mode', { externalAttributes: (0o040755 << 16) >>> 0, versionMadeBy: 0x031e }],
  ])('a named file whose %s calls it a directory is a file', async (_how, patch) => {
    const source = await open(patchZipEntry(zipOf({ 'a.txt': TEXT }), 'a.txt', patch));
    expect(await source.entries()).toEqual([
      { name: 'a.txt', declaredSize: 1200, compressedSize: expect.any(Number), isDirectory: false },
    ]);
    expect(text(await readAll(source, 'a.txt'))).toBe(TEXT);
  });

  it('names that are not safe paths are listed, not refused: the engine refuses them entry by entry', async () => {
    const names = ['../escape.json', '/etc/passwd', 'C:/x.json', 'a/./b', 'a//b', 'a\\b'];
    const source = await open(zipOf(Object.fromEntries(names.map((n) => [n, 'x']))));
    expect((await source.entries()).map((e) => e.name)).toEqual(names);
  });

  describe('names', () => {
    const zip = zipOf({ 'é.json': 'x', 'ab.json': 'y' });

    it('a UTF-8 name is read as UTF-8 with the UTF-8 flag', async () => {
      expect((await (await open(zip)).entries()).map((e) => e.name)).toEqual(['é.json', 'ab.json']);
    });

    it('a UTF-8 name is read as UTF-8 without the flag too (not as code page 437)', async () => {
      const source = await open(patchZipEntry(zip, 'é.json', { flags: 0 }));
      const [e] = await source.entries();
      expect(e).toEqual({ name: 'é.json', declaredSize: 1, compressedSize: 3, isDirectory: false });
      expect(text(await readAll(source, 'é.json'))).toBe('x');
    });

    it('a name that is not UTF-8 is flagged, and named as zip.js decodes it (code page 437 without the flag)', async () => {
      const source = await open(patchZipNameBytes(zip, 'ab.json', new Uint8Array([0xff, 0x62])));
      expect((await source.entries())[1]).toEqual({
        name: '\u00a0b.json',
        declaredSize: 1,
        compressedSize: 3,
        isDirectory: false,
        invalidName: 'the name is not valid UTF-8',
      });
    });

    it('a name that is not UTF-8 under the UTF-8 flag is flagged too', async () => {
      const bad = patchZipNameBytes(zip, 'ab.json', new Uint8Array([0xff, 0x62]));
      const source = await open(patchZipEntry(bad, '\ufffdb.json', { flags: 0x800 }));
      expect((await source.entries())[1]).toMatchObject({
        name: '\ufffdb.json',
        invalidName: 'the name is not valid UTF-8',
      });
    });
  });

  describe('an Info-ZIP Unicode Path extra field (0x7075)', () => {
    const withField = (stored: string, named: string) =>
      zipSync({
        [stored]: [new TextEncoder().encode('x'), { extra: { 0x7075: unicodePathField(stored, named) } }],
        'other.json': [new TextEncoder().encode('y'), {}],
      });

    it('naming another file: listed under its stored name, and flagged (readers would disagree on which file it is)', async () => {
      const source = await open(withField('ledgers/a/000001.jsonl', 'ledgers/b/000001.jsonl'));
      const [e] = await source.entries();
      expect(e).toMatchObject({
        name: 'ledgers/a/000001.jsonl',
        invalidName:
          'its Info-ZIP Unicode Path extra field names it "ledgers/b/000001.jsonl", not its stored name, so ZIP readers disagree on which file it is',
      });
    });

    it('naming the stored name itself: nothing to say', async () => {
      const [e] = await (await open(withField('ledgers/a/000001.jsonl', 'ledgers/a/000001.jsonl'))).entries();
      expect(e).toEqual({ name: 'ledgers/a/000001.jsonl', declaredSize: 1, compressedSize: 3, isDirectory: false });
    });
  });

  describe('entries that cannot be read as plain files', () => {
    const zip = zipOf({ 'a.txt': TEXT, 'dir/': '', 'b.txt': 'b' });
    const SYMLINK = { externalAttributes: (0o120777 << 16) >>> 0, versionMadeBy: 0x031e };
    const reasonOf = async (patched: Uint8Array, name = 'a.txt') =>
      (await entry(await open(patched), name)).unsupported;

    it('stored and deflated entries, and directories, have no reason', async () => {
      const t = new TextEncoder().encode(TEXT);
      const source = await open(
        zipSync({
          'stored.txt': [t, { level: 0 }],
          'deflated.txt': [t, { level: 6 }],
          'dir/': [new Uint8Array(0), {}],
        }),
      );
      expect((await source.entries()).map((e) => e.name)).toEqual(['stored.txt', 'deflated.txt', 'dir/']);
      for (const e of await source.entries()) expect(e).not.toHaveProperty('unsupported');
    });

    it('an encrypted entry (flag bit 0) is "encrypted"', async () => {
      expect(await reasonOf(patchZipEntry(zip, 'a.txt', { flags: 1 }))).toBe('encrypted');
    });

    it('a Unix symbolic link is "a symbolic link"', async () => {
      expect(await reasonOf(patchZipEntry(zip, 'a.txt', SYMLINK))).toBe('a symbolic link');
    });

    it.each([
      [9, ' (Deflate64)'],
      [12, ' (bzip2)'],
      [14, ' (LZMA)'],
      [93, ' (Zstandard)'],
      [95, ' (XZ)'],
      [99, ' (AES-encrypted)'],
      [1, ''],
      [98, ''],
    ])('method %i is named%s', async (method, known) => {
      expect(await reasonOf(patchZipEntry(zip, 'a.txt', { method }))).toBe(
        `compressed with method ${method}${known}; an archive's entries must be stored or deflated`,
      );
    });

    it('encrypted comes before a symbolic link, and a symbolic link before its method', async () => {
      expect(await reasonOf(patchZipEntry(zip, 'a.txt', { ...SYMLINK, flags: 1 }))).toBe('encrypted');
      expect(await reasonOf(patchZipEntry(zip, 'a.txt', { ...SYMLINK, method: 12 }))).toBe('a symbolic link');
      expect(await reasonOf(patchZipEntry(zip, 'a.txt', { flags: 1, method: 12 }))).toBe('encrypted');
    });

    it("a directory's method does not matter: it carries nothing", async () => {
      expect(await reasonOf(patchZipEntry(zip, 'dir/', { method: 12 }), 'dir/')).toBeUndefined();
    });

    it('only the altered entry is refused', async () => {
      const source = await open(patchZipEntry(zip, 'a.txt', { method: 14 }));
      expect((await source.entries()).map((e) => e.unsupported === undefined)).toEqual([false, true, true]);
      expect(text(await readAll(source, 'b.txt'))).toBe('b');
    });

    it("read anyway, an entry of another method fails with zip.js's own words", async () => {
      const error = await failure(await open(patchZipEntry(zip, 'a.txt', { method: 12 })), 'a.txt');
      expect(error).toBeInstanceOf(ArchiveUnreadableError);
      expect((error as Error).message).toBe(
        'entry "a.txt" could not be decompressed: Compression method not supported',
      );
    });
  });

  it('close() closes the reader and the bytes', async () => {
    const bytes = strictBytes(zipOf({ 'a.txt': TEXT }));
    const source = await openZip(bytes, 'case.zip');
    expect(bytes.close).not.toHaveBeenCalled();
    await source.close();
    expect(bytes.close).toHaveBeenCalledTimes(1);
  });
});

/** The compressed size the central directory gives `name`. */
function centralCompressedSize(zip: Uint8Array, name: string): number {
  const e = centralEntries(zip).find((c) => c.name === name);
  if (!e) throw new Error(`no entry ${name}`);
  return new DataView(zip.buffer, zip.byteOffset, zip.byteLength).getUint32(e.central + 20, true);
}

describe('openZip: reading', () => {
  const BIG = noise(1536 * 1024); // six chunks of 256 KiB

  it.each([0, 6] as const)(
    'gives the bytes stored, deflate level %i, in several chunks for a large entry',
    async (level) => {
      const source = await open(zipOf({ 'big.bin': BIG, 'a.txt': TEXT }, level));
      const chunks: number[] = [];
      for await (const chunk of source.read(await entry(source, 'big.bin'))) chunks.push(chunk.length);
      expect(chunks.length).toBeGreaterThan(1);
      expect(chunks.reduce((a, b) => a + b)).toBe(BIG.length);
      expect(sameBytes(await readAll(source, 'big.bin'), BIG)).toBe(true);
      expect(text(await readAll(source, 'a.txt'))).toBe(TEXT);
    },
  );

  it('an empty entry gives nothing', async () => {
    for (const level of [0, 6] as const) {
      expect(await readAll(await open(zipOf({ empty: '' }, level)), 'empty')).toHaveLength(0);
    }
  });

  it('refuses to read a directory or an entry of another archive', async () => {
    const source = await open(zipOf({ 'dir/': '', 'a.txt': 'a' }));
    await expect(failure(source, 'dir/')).resolves.toEqual(
      new TypeError('read: "dir/" is not a file entry of this archive'),
    );
    const other = await entry(await open(zipOf({ 'a.txt': 'a' })), 'a.txt');
    const read = async () => {
      for await (const _ of source.read(other));
    };
    await expect(read()).rejects.toThrow(new TypeError('read: "a.txt" is not a file entry of this archive'));
  });

  it('never asks the bytes for a range past the end, even when an entry points there', async () => {
    const zip = zipOf({ 'a.txt': TEXT, 'b.txt': 'b' }, 0);
    const [a] = centralEntries(zip);
    // The entry's local header 10 bytes before the end (zip.js asks for 30 bytes there), and past the end.
    for (const offset of [zip.length - 10, zip.length + 100]) {
      const patched = zip.slice();
      new DataView(patched.buffer).setUint32((a?.central ?? 0) + 42, offset, true);
      const bytes = strictBytes(patched);
      const source = await openZip(bytes, 'case.zip');
      const error = await failure(source, 'a.txt');
      expect(error).toBeInstanceOf(ArchiveUnreadableError);
      expect((error as Error).message).toBe('entry "a.txt" could not be decompressed: Local file header not found');
      expect(bytes.asked.filter(([at]) => at >= offset)).toEqual([[offset, Math.max(0, patched.length - offset)]]);
      expect(text(await readAll(source, 'b.txt'))).toBe('b');
    }
  });

  describe("zip.js's failures, said as what they mean", () => {
    const zip = zipOf({ 'a.txt': TEXT, 'b.txt': 'b' });
    const cannot = (name: string, meaning: string) => `entry "${name}" cannot be read: ${meaning}`;
    const AMBIGUOUS =
      "the ZIP's central directory and the entry's local header disagree (name, sizes or checksum), so its content is ambiguous";
    const CRC = "its content does not match the ZIP's CRC-32 checksum: the bytes were altered or damaged";
    const SIZE = 'it decompresses to another size than the ZIP declares';

    async function messageOf(patched: Uint8Array, name = 'a.txt'): Promise<string> {
      const source = await open(patched);
      const error = await failure(source, name);
      expect(error).toBeInstanceOf(ArchiveUnreadableError);
      // The other entries are still read.
      expect(text(await readAll(source, 'b.txt'))).toBe('b');
      return (error as Error).message;
    }

    it('a local header that disagrees with the central directory: ambiguous', async () => {
      expect(await messageOf(patchZipEntry(zip, 'a.txt', { localUncompressedSize: 1199 }))).toBe(
        cannot('a.txt', AMBIGUOUS),
      );
      expect(await messageOf(patchZipEntry(zip, 'a.txt', { centralUncompressedSize: 1300 }))).toBe(
        cannot('a.txt', AMBIGUOUS),
      );
    });

    it('a wrong CRC-32 in both headers: altered or damaged', async () => {
      expect(await messageOf(patchZipEntry(zip, 'a.txt', { crc32: 0x12345678 }))).toBe(cannot('a.txt', CRC));
    });

    it('a size both headers lie about: another size than declared', async () => {
      const stored = zipOf({ 'a.txt': TEXT, 'b.txt': 'b' }, 0);
      for (const size of [1199, 1201]) {
        const lie = { centralUncompressedSize: size, localUncompressedSize: size };
        expect(await messageOf(patchZipEntry(stored, 'a.txt', lie))).toBe(cannot('a.txt', SIZE));
      }
      const smaller = { centralUncompressedSize: 1199, localUncompressedSize: 1199 };
      expect(await messageOf(patchZipEntry(zip, 'a.txt', smaller))).toBe(cannot('a.txt', SIZE));
    });

    it('deflate data damaged early in a large entry: its compressed data is damaged', async () => {
      const big = zipOf({ 'big.bin': BIG, 'b.txt': 'b' });
      const [first] = centralEntries(big);
      const damaged = big.slice();
      // The first byte of the deflate stream: block type 3, which does not exist.
      const at = (first?.local ?? 0) + 30 + 'big.bin'.length;
      damaged[at] = (damaged[at] ?? 0) ^ 0xff;
      expect(await messageOf(damaged, 'big.bin')).toBe(cannot('big.bin', 'its compressed data is damaged'));
    });
  });

  describe('the bounds, on the bytes produced', () => {
    const stored = zipOf({ 'a.bin': new Uint8Array(600).fill(1), 'b.bin': new Uint8Array(400).fill(2) }, 0);

    async function limitError(source: ArchiveSource, name: string): Promise<LimitExceededError> {
      const error = await failure(source, name);
      expect(error).toBeInstanceOf(LimitExceededError);
      return error as LimitExceededError;
    }

    it('per entry: an entry of exactly maxEntryBytes is read; one byte more is refused', async () => {
      expect(await readAll(await open(stored, { maxEntryBytes: 600 }), 'a.bin')).toHaveLength(600);
      const error = await limitError(await open(stored, { maxEntryBytes: 599 }), 'a.bin');
      expect(error.limit).toBe('maxEntryBytes');
      expect(error.value).toBe(600);
      expect(error.message).toBe('decompressed size passed the per-entry limit of 599 bytes');
    });

    it('per entry: counted over the chunks of one entry, not one chunk', async () => {
      const source = await open(zipOf({ 'big.bin': BIG }, 0), { maxEntryBytes: BIG.length - 1 });
      const error = await limitError(source, 'big.bin');
      expect(error.value).toBe(BIG.length);
      const at = await open(zipOf({ 'big.bin': BIG }, 0), { maxEntryBytes: BIG.length });
      expect(sameBytes(await readAll(at, 'big.bin'), BIG)).toBe(true);
    });

    it('total: the archive may produce exactly maxTotalBytes; one byte more is refused, in the entry that passes it', async () => {
      const at = await open(stored, { maxTotalBytes: 1000 });
      await readAll(at, 'a.bin');
      expect(await readAll(at, 'b.bin')).toHaveLength(400);

      const past = await open(stored, { maxTotalBytes: 999 });
      expect(await readAll(past, 'a.bin')).toHaveLength(600);
      const error = await limitError(past, 'b.bin');
      expect(error.limit).toBe('maxTotalBytes');
      expect(error.value).toBe(1000);
      expect(error.message).toBe('decompressed size of the archive passed the total limit of 999 bytes');
    });

    describe('compression ratio', () => {
      const zeros = zipOf({ 'zeros.bin': new Uint8Array(100_000) }, 6);
      const compressed = centralCompressedSize(zeros, 'zeros.bin');
      const ratio = 100_000 / compressed;

      it('the fixture compresses well over 100:1', () => {
        expect(ratio).toBeGreaterThan(100);
      });

      it('an entry at exactly maxRatio is read; just past it is refused, with the ratio and both sizes', async () => {
        expect(await readAll(await open(zeros, { maxRatio: ratio, ratioFloorBytes: 0 }), 'zeros.bin')).toHaveLength(
          100_000,
        );
        const error = await limitError(await open(zeros, { maxRatio: ratio - 0.01, ratioFloorBytes: 0 }), 'zeros.bin');
        expect(error.limit).toBe('maxRatio');
        expect(error.value).toBe(ratio);
        expect(error.message).toBe(
          `compression ratio passed the limit of ${ratio - 0.01}:1 (${compressed} bytes stored inflate to more than 100000)`,
        );
      });

      it('an entry of exactly ratioFloorBytes is not ratio-checked; one byte less of floor and it is', async () => {
        expect(await readAll(await open(zeros, { maxRatio: 1, ratioFloorBytes: 100_000 }), 'zeros.bin')).toHaveLength(
          100_000,
        );
        const error = await limitError(await open(zeros, { maxRatio: 1, ratioFloorBytes: 99_999 }), 'zeros.bin');
        expect(error.limit).toBe('maxRatio');
      });

      it('the default floor (1 MiB) spares a small entry however well it compresses', async () => {
        expect(await readAll(await open(zeros, { maxRatio: 1 }), 'zeros.bin')).toHaveLength(100_000);
      });

      it('an empty stored entry (nothing compressed) is read', async () => {
        expect(await readAll(await open(zipOf({ e: '' }, 0), { maxRatio: 1, ratioFloorBytes: 0 }), 'e')).toHaveLength(
          0,
        );
      });
    });
  });

  describe('stopping', () => {
    // Past the bytes held until an entry is checked, so the reader stops it part-way.
    const PAST_HELD = noise(HELD_ENTRY_BYTES + 1536 * 1024);
    const big = zipOf({ 'big.bin': PAST_HELD, 'a.txt': TEXT });

    it('a consumer that stops after the first chunk ends the read, and the archive reads on', async () => {
      const source = await open(big);
      let chunks = 0;
      for await (const _ of source.read(await entry(source, 'big.bin'))) {
        chunks++;
        break;
      }
      expect(chunks).toBe(1);
      expect(text(await readAll(source, 'a.txt'))).toBe(TEXT);
      expect(sameBytes(await readAll(source, 'big.bin'), PAST_HELD)).toBe(true);
    });

    it.each([
      ['a string', 'stop', 'stop'],
      ['an Error', new Error('stopped by the user'), 'stopped by the user'],
    ])(
      'an abort mid-entry with %s as reason ends the read, naming the entry and the reason',
      async (_what, reason, said) => {
        const source = await open(big);
        const controller = new AbortController();
        let chunks = 0;
        const error = await (async () => {
          for await (const _ of source.read(await entry(source, 'big.bin'), controller.signal)) {
            chunks++;
            controller.abort(reason);
          }
        })().catch((e: unknown) => e);
        expect(chunks).toBeLessThan(5);
        expect(error).toBeInstanceOf(ArchiveUnreadableError);
        expect((error as Error).message).toBe(`entry "big.bin" could not be decompressed: ${said}`);
      },
    );

    it.each([
      ['ArchiveUnreadableError', new ArchiveUnreadableError('the file changed')],
      ['LimitExceededError', new LimitExceededError('maxTotalBytes', 1, 'the run passed its total')],
    ])('an abort whose reason is a %s ends the read with that very error', async (_what, reason) => {
      const source = await open(big);
      const controller = new AbortController();
      const error = await (async () => {
        for await (const _ of source.read(await entry(source, 'big.bin'), controller.signal)) controller.abort(reason);
      })().catch((e: unknown) => e);
      expect(error).toBe(reason);
    });

    it('a finished entry leaves no listener on the signal, and a later abort changes nothing', async () => {
      const source = await open(big);
      const controller = new AbortController();
      const add = vi.spyOn(controller.signal, 'addEventListener');
      const remove = vi.spyOn(controller.signal, 'removeEventListener');
      expect(text(await readAll(source, 'a.txt', controller.signal))).toBe(TEXT);
      expect(add).toHaveBeenCalledTimes(1);
      expect(add.mock.calls[0]?.[0]).toBe('abort');
      expect(remove).toHaveBeenCalledWith('abort', add.mock.calls[0]?.[1]);
      controller.abort('late');
      expect(text(await readAll(source, 'a.txt'))).toBe(TEXT);
    });
  });
});

/** The CRC-32 the central directory gives `name`. */
function centralCrc32(zip: Uint8Array, name: string): number {
  const e = centralEntries(zip).find((c) => c.name === name);
  if (!e) throw new Error(`no entry ${name}`);
  return new DataView(zip.buffer, zip.byteOffset, zip.byteLength).getUint32(e.central + 16, true);
}

describe('openZip with a native inflate (the command line passes Node zlib: cli/node-zip.ts)', () => {
  const zip = zipOf({ 'a.txt': TEXT, 'b.txt': 'b' });
  const stored = zipOf({ 'a.txt': TEXT, 'b.txt': 'b' }, 0);

  /** An inflate that records what it is asked and gives `output` (or throws `fails`), without inflating. */
  function fakeInflate(output: (stored: StoredData) => Uint8Array[], fails?: Error) {
    const calls: { bytes: RandomAccessBytes; stored: StoredData; signal: AbortSignal | undefined }[] = [];
    const inflate: NativeInflate = async function* (bytes, data, signal) {
      calls.push({ bytes, stored: data, signal });
      yield* output(data);
      if (fails) throw fails;
    };
    return { inflate, calls };
  }
  const textOf = () => [new TextEncoder().encode(TEXT)];

  it('ZIP_DATA_ERRORS are the words zip.js uses for the same faults', () => {
    expect(ZIP_DATA_ERRORS).toEqual({
      size: 'Invalid uncompressed size',
      crc: 'Invalid CRC32',
      damaged: 'Invalid compressed data',
      trailing: 'Trailing compressed data',
    });
    expect(Object.isFrozen(ZIP_DATA_ERRORS)).toBe(true);
  });

  it.each([
    ['deflated', zip, 8],
    ['stored', stored, 0],
  ] as const)(
    'is given where the %s data lies, its sizes, method and CRC-32, the bytes and the signal',
    async (_how, z, method) => {
      const fake = fakeInflate(textOf);
      const bytes = strictBytes(z);
      const source = await openZip(bytes, 'case.zip', {}, { inflate: fake.inflate });
      const signal = new AbortController().signal;
      expect(text(await readAll(source, 'a.txt', signal))).toBe(TEXT);
      const [a] = centralEntries(z);
      expect(fake.calls).toEqual([
        {
          bytes,
          stored: {
            offset: (a?.local ?? 0) + 30 + 'a.txt'.length,
            compressedSize: centralCompressedSize(z, 'a.txt'),
            method,
            crc32: centralCrc32(z, 'a.txt'),
            uncompressedSize: 1200,
          },
          signal,
        },
      ]);
      expect(fake.calls[0]?.bytes).toBe(bytes);
      expect(fake.calls[0]?.signal).toBe(signal);
    },
  );

  it('an entry that declares at most HELD_ENTRY_BYTES is given only once read whole: a fault gives none of its bytes; a larger one is given as it comes', async () => {
    const small = fakeInflate(() => [new Uint8Array(600), new Uint8Array(600)], new Error(ZIP_DATA_ERRORS.crc));
    const smallSource = await openZip(strictBytes(zip), 'case.zip', {}, { inflate: small.inflate });
    let given = 0;
    const smallError = await (async () => {
      for await (const chunk of smallSource.read(await entry(smallSource, 'a.txt'))) given += chunk.length;
    })().catch((e: unknown) => e);
    expect(given).toBe(0);
    expect((smallError as Error).message).toBe(
      'entry "a.txt" cannot be read: its content does not match the ZIP\'s CRC-32 checksum: the bytes were altered or damaged',
    );
    // The same entry declaring more than the held bytes: what came before the fault is given.
    const large = patchZipEntry(zip, 'a.txt', {
      localUncompressedSize: HELD_ENTRY_BYTES + 1,
      centralUncompressedSize: HELD_ENTRY_BYTES + 1,
    });
    const streamed = fakeInflate(() => [new Uint8Array(600), new Uint8Array(600)], new Error(ZIP_DATA_ERRORS.crc));
    const largeSource = await openZip(strictBytes(large), 'case.zip', {}, { inflate: streamed.inflate });
    given = 0;
    await (async () => {
      for await (const chunk of largeSource.read(await entry(largeSource, 'a.txt'))) given += chunk.length;
    })().catch(() => undefined);
    expect(given).toBe(1200);
  });

  it('the same entry can be read again, and two entries over the same data are each read', async () => {
    const fake = fakeInflate(textOf);
    const source = await openZip(strictBytes(zip), 'case.zip', {}, { inflate: fake.inflate });
    expect(text(await readAll(source, 'a.txt'))).toBe(TEXT);
    expect(text(await readAll(source, 'a.txt'))).toBe(TEXT);
    expect(fake.calls).toHaveLength(2);
  });

  it("an inflate that gives fewer bytes than declared: the ZIP's size and the size read, named", async () => {
    const fake = fakeInflate(() => [new Uint8Array(1199)]);
    const source = await openZip(strictBytes(zip), 'case.zip', {}, { inflate: fake.inflate });
    const error = await failure(source, 'a.txt');
    expect(error).toBeInstanceOf(ArchiveUnreadableError);
    expect((error as Error).message).toBe(
      'entry "a.txt" cannot be read: the ZIP declares 1200 bytes for it, but 1199 were decompressed, so its content is ambiguous',
    );
  });

  it.each([
    ['size', 'it decompresses to another size than the ZIP declares'],
    ['crc', "its content does not match the ZIP's CRC-32 checksum: the bytes were altered or damaged"],
    ['damaged', 'its compressed data is damaged'],
    [
      'trailing',
      'its stored data goes on after the end of its deflate stream, so part of what the ZIP stores for it is never read',
    ],
  ] as const)('its %s fault is said as what it means', async (fault, meaning) => {
    const fake = fakeInflate(() => [new Uint8Array(10)], new Error(ZIP_DATA_ERRORS[fault]));
    const source = await openZip(strictBytes(zip), 'case.zip', {}, { inflate: fake.inflate });
    const error = await failure(source, 'a.txt');
    expect(error).toBeInstanceOf(ArchiveUnreadableError);
    expect((error as Error).message).toBe(`entry "a.txt" cannot be read: ${meaning}`);
  });

  it('another failure is named with its own words; a reader error of ours passes as it is', async () => {
    const other = fakeInflate(() => [], new Error('disk on fire'));
    const source = await openZip(strictBytes(zip), 'case.zip', {}, { inflate: other.inflate });
    expect(await failure(source, 'a.txt')).toEqual(
      new ArchiveUnreadableError('entry "a.txt" could not be decompressed: disk on fire'),
    );
    const ours = new ArchiveUnreadableError('the file changed while it was read');
    const passing = fakeInflate(() => [], ours);
    expect(await failure(await openZip(strictBytes(zip), 'case.zip', {}, { inflate: passing.inflate }), 'a.txt')).toBe(
      ours,
    );
  });

  it('a thrown value that is not an Error is named too', async () => {
    const inflate: NativeInflate = async function* () {
      throw 'not an Error';
    };
    const source = await openZip(strictBytes(zip), 'case.zip', {}, { inflate });
    expect(await failure(source, 'a.txt')).toEqual(
      new ArchiveUnreadableError('entry "a.txt" could not be decompressed: not an Error'),
    );
  });

  it("zip.js's checks before the data still come first: the inflate is not asked", async () => {
    const fake = fakeInflate(textOf);
    const ambiguous = patchZipEntry(zip, 'a.txt', { localUncompressedSize: 1199 });
    const source = await openZip(strictBytes(ambiguous), 'case.zip', {}, { inflate: fake.inflate });
    expect(await failure(source, 'a.txt')).toEqual(
      new ArchiveUnreadableError(
        'entry "a.txt" cannot be read: the ZIP\'s central directory and the entry\'s local header disagree (name, sizes or checksum), so its content is ambiguous',
      ),
    );
    const encrypted = patchZipEntry(zip, 'a.txt', { flags: 1 });
    const source2 = await openZip(strictBytes(encrypted), 'case.zip', {}, { inflate: fake.inflate });
    expect(await failure(source2, 'a.txt')).toEqual(
      new ArchiveUnreadableError('entry "a.txt" could not be decompressed: File contains encrypted entry'),
    );
    expect(fake.calls).toEqual([]);
  });

  it('a signal aborted before the read stops it before the inflate is asked', async () => {
    const fake = fakeInflate(textOf);
    const source = await openZip(strictBytes(zip), 'case.zip', {}, { inflate: fake.inflate });
    const controller = new AbortController();
    controller.abort('stop');
    expect(await failure(source, 'a.txt', controller.signal)).toEqual(
      new ArchiveUnreadableError('entry "a.txt" could not be decompressed: stop'),
    );
    expect(fake.calls).toEqual([]);
  });

  it('the bounds hold on its bytes too', async () => {
    const fake = fakeInflate(textOf);
    const source = await openZip(strictBytes(zip), 'case.zip', { maxEntryBytes: 1199 }, { inflate: fake.inflate });
    const error = await failure(source, 'a.txt');
    expect(error).toBeInstanceOf(LimitExceededError);
    expect(error).toMatchObject({ limit: 'maxEntryBytes', value: 1200 });
  });
});

describe('openZip: what zip.js checks before the data, on both read paths', () => {
  const paths = [
    ['zip.js', undefined],
    [
      'a native inflate',
      // Gives the entry's bytes without reading them: what is checked here is what comes first.
      async function* (_bytes, data) {
        yield new Uint8Array(data.uncompressedSize).fill(0x61);
      } satisfies NativeInflate,
    ],
  ] as const;

  /** Two entries of TEXT written by a streaming writer: each has a data descriptor after its data. */
  async function withDescriptors(): Promise<Uint8Array> {
    const writer = new ZipWriter(new Uint8ArrayWriter(), { dataDescriptor: true, dataDescriptorSignature: true });
    await writer.add('x.txt', new Uint8ArrayReader(new TextEncoder().encode(TEXT)));
    await writer.add('y.txt', new Uint8ArrayReader(new TextEncoder().encode(TEXT)));
    return (await writer.close()).slice();
  }

  it.each(paths)(
    '%s: a data descriptor that agrees is read; one whose CRC-32 lies is refused as ambiguous',
    async (_path, inflate) => {
      const zip = await withDescriptors();
      const v = new DataView(zip.buffer);
      const [x] = centralEntries(zip);
      const local = x?.local ?? 0;
      expect(v.getUint16(local + 6, true) & 8).toBe(8);
      const sound = await openZip(strictBytes(zip), 'case.zip', {}, { inflate });
      expect(await readAll(sound, 'x.txt')).toHaveLength(1200);

      const descriptor =
        local +
        30 +
        v.getUint16(local + 26, true) +
        v.getUint16(local + 28, true) +
        centralCompressedSize(zip, 'x.txt');
      expect(v.getUint32(descriptor, true)).toBe(0x08074b50);
      v.setUint32(descriptor + 4, (v.getUint32(descriptor + 4, true) ^ 1) >>> 0, true);
      const lying = await openZip(strictBytes(zip), 'case.zip', {}, { inflate });
      expect(await failure(lying, 'x.txt')).toEqual(
        new ArchiveUnreadableError(
          'entry "x.txt" cannot be read: the ZIP\'s central directory and the entry\'s local header disagree (name, sizes or checksum), so its content is ambiguous',
        ),
      );
      expect(await readAll(lying, 'y.txt')).toHaveLength(1200);
    },
  );

  it.each(paths)(
    '%s: two names over the same stored data are both read, in either order (no answer depends on what was read before)',
    async (_path, inflate) => {
      const zip = zipOf({ 'x.txt': TEXT, 'y.txt': TEXT }).slice();
      const [x, y] = centralEntries(zip);
      new DataView(zip.buffer).setUint32((y?.central ?? 0) + 42, x?.local ?? 0, true);
      for (const order of [
        ['x.txt', 'y.txt'],
        ['y.txt', 'x.txt'],
      ]) {
        const source = await openZip(strictBytes(zip), 'case.zip', {}, { inflate });
        for (const name of order) expect(await readAll(source, name)).toHaveLength(1200);
      }
    },
  );
});
