/**
 * The command line's zlib inflate (cli/node-zip.ts) against zip.js's own read path, entry by
 * entry, on sound ZIPs and on ZIPs whose data, checksum or sizes were altered: the same bytes
 * where both read an entry, an unreadable entry where either refuses it, and the words each fault
 * gets.
 */
import { deflateRawSync, crc32 as zlibCrc32 } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { zipSync } from 'fflate';
import { Uint8ArrayReader, Uint8ArrayWriter, ZipWriter } from '@zip.js/zip.js';
import { HELD_ENTRY_BYTES, openZip } from '../shared/archive/zip.ts';
import type { RandomAccessBytes } from '../shared/archive/source.ts';
import { nodeInflate, SMALL_ENTRY_BYTES } from './node-zip.ts';
import { centralEntries, patchZipEntry } from '../test/support/zip-patch.ts';
import {
  deflated,
  memoryBytes,
  rawZip,
  RANDOM,
  readEveryEntry,
  stored,
  TEXT,
  type Outcome,
} from '../test/support/raw-zip.ts';

/** Text that inflates past one output chunk, so its entry is read through the stream. */
const BIG_TEXT = new Uint8Array(Buffer.concat([TEXT, TEXT, TEXT]));

/** Both paths agree entry by entry on "read, with these bytes" or "unreadable"; returns Node's outcomes. */
async function bothAgree(zip: Uint8Array): Promise<Map<string, Outcome>> {
  const [zipJs, node] = await Promise.all([readEveryEntry(zip, undefined), readEveryEntry(zip, nodeInflate)]);
  expect([...node.keys()]).toEqual([...zipJs.keys()]);
  for (const [name, outcome] of node) {
    const other = zipJs.get(name) as Outcome;
    if ('ok' in outcome) expect(other, name).toEqual(outcome);
    else expect('unreadable' in other, `${name}: zip.js read it, Node refused: ${outcome.unreadable}`).toBe(true);
  }
  return node;
}

function unreadable(outcomes: Map<string, Outcome>, name: string): string {
  const outcome = outcomes.get(name);
  if (!outcome || !('unreadable' in outcome)) throw new Error(`${name} was read`);
  return outcome.unreadable;
}

describe('Node inflate for ZIP entries (cli/node-zip.ts)', () => {
  it('exists on this Node (zlib.crc32), so the command line does not fall back to zip.js', () => {
    expect(nodeInflate).toBeTypeOf('function');
    expect(TEXT.length).toBeLessThanOrEqual(SMALL_ENTRY_BYTES);
    expect(BIG_TEXT.length).toBeGreaterThan(SMALL_ENTRY_BYTES);
  });

  it('reads the same bytes as zip.js, deflated and stored, empty entries included', async () => {
    for (const level of [0, 6, 9] as const) {
      const zip = zipSync({
        'a/text.jsonl': [TEXT, { level }],
        'a/random.bin': [RANDOM, { level }],
        'a/empty.json': [new Uint8Array(0), { level }],
        'dir/': [new Uint8Array(0), { level: 0 }],
      });
      const outcomes = await bothAgree(zip);
      expect(outcomes.get('a/text.jsonl')).toEqual({ ok: Buffer.from(TEXT).toString('base64') });
      expect(outcomes.get('a/random.bin')).toEqual({ ok: Buffer.from(RANDOM).toString('base64') });
      expect(outcomes.get('a/empty.json')).toEqual({ ok: '' });
    }
    // Written field by field too, so the builder below is proven sound before it lies.
    const outcomes = await bothAgree(rawZip([deflated('t.jsonl', TEXT), stored('r.bin', RANDOM)]));
    expect(outcomes.get('t.jsonl')).toEqual({ ok: Buffer.from(TEXT).toString('base64') });
    expect(outcomes.get('r.bin')).toEqual({ ok: Buffer.from(RANDOM).toString('base64') });
  });

  // A small entry is read in one read and inflated in one call; a larger one through the stream
  // (SMALL_ENTRY_BYTES): each fault must read the same on both.
  describe.each([
    ['a small entry (one inflate call)', TEXT],
    ['an entry past one output chunk (the stream)', BIG_TEXT],
  ])('%s', (_, text) => {
    it('a wrong CRC-32 in both headers: the entry is unreadable, said as a checksum mismatch; the others are read', async () => {
      const good = deflated('good.jsonl', text);
      for (const method of [0, 8] as const) {
        const bad =
          method === 8
            ? deflated('bad.jsonl', text, { crc32: zlibCrc32(text) ^ 1 })
            : stored('bad.jsonl', text, { crc32: zlibCrc32(text) ^ 0x80000000 });
        const outcomes = await bothAgree(rawZip([bad, good]));
        expect(unreadable(outcomes, 'bad.jsonl')).toBe(
          `entry "bad.jsonl" cannot be read: its content does not match the ZIP's CRC-32 checksum: the bytes were altered or damaged`,
        );
        expect('ok' in (outcomes.get('good.jsonl') as Outcome)).toBe(true);
      }
    });

    it('damaged deflate data, and deflate data cut short: unreadable, said as damaged', async () => {
      const data = new Uint8Array(deflateRawSync(text));
      const flipped = data.slice();
      const at = Math.floor(flipped.length / 3);
      flipped[at] = (flipped[at] as number) ^ 0xff;
      const cut = data.slice(0, data.length - 5);
      for (const bytes of [flipped, cut]) {
        const outcomes = await bothAgree(rawZip([deflated('x.jsonl', text, { data: bytes })]));
        // A flipped byte may still inflate (to other bytes): then the checksum says it.
        expect(unreadable(outcomes, 'x.jsonl')).toMatch(
          /^entry "x\.jsonl" cannot be read: (its compressed data is damaged|its content does not match the ZIP's CRC-32 checksum|the ZIP declares \d+ bytes for it, but \d+ were decompressed|it decompresses to another size than the ZIP declares)/,
        );
      }
      const outcomes = await bothAgree(rawZip([deflated('x.jsonl', text, { data: cut })]));
      expect(unreadable(outcomes, 'x.jsonl')).toBe('entry "x.jsonl" cannot be read: its compressed data is damaged');
    });

    it('bytes stored after the end of the deflate stream: unreadable, said as such', async () => {
      const data = new Uint8Array(Buffer.concat([deflateRawSync(text), Buffer.from('HIDDEN BYTES')]));
      const outcomes = await bothAgree(rawZip([deflated('x.jsonl', text, { data })]));
      expect(unreadable(outcomes, 'x.jsonl')).toBe(
        'entry "x.jsonl" cannot be read: its stored data goes on after the end of its deflate stream, so part of what the ZIP stores for it is never read',
      );
    });

    it('both headers declare another uncompressed size: unreadable, with both sizes or as soon as it passes the declared one', async () => {
      const more = await bothAgree(rawZip([deflated('x.jsonl', text, { uncompressedSize: text.length + 7 })]));
      expect(unreadable(more, 'x.jsonl')).toBe(
        `entry "x.jsonl" cannot be read: the ZIP declares ${text.length + 7} bytes for it, but ${text.length} were decompressed, so its content is ambiguous`,
      );
      const fewer = await bothAgree(rawZip([deflated('x.jsonl', text, { uncompressedSize: text.length - 7 })]));
      expect(unreadable(fewer, 'x.jsonl')).toBe(
        'entry "x.jsonl" cannot be read: it decompresses to another size than the ZIP declares',
      );
      const storedMore = await bothAgree(rawZip([stored('s.bin', RANDOM, { uncompressedSize: RANDOM.length + 1 })]));
      expect(unreadable(storedMore, 's.bin')).toMatch(/^entry "s\.bin" cannot be read: /);
    });
  });

  it("zip.js's checks before the data still hold on the Node path: a local header that disagrees with the central directory", async () => {
    const zip = patchZipEntry(zipSync({ 'x.jsonl': TEXT, 'y.jsonl': TEXT }), 'x.jsonl', {
      centralUncompressedSize: TEXT.length + 1,
    });
    const outcomes = await bothAgree(zip);
    expect(unreadable(outcomes, 'x.jsonl')).toBe(
      `entry "x.jsonl" cannot be read: the ZIP's central directory and the entry's local header disagree (name, sizes or checksum), so its content is ambiguous`,
    );
    expect('ok' in (outcomes.get('y.jsonl') as Outcome)).toBe(true);
  });

  it('a data descriptor after the data (streaming writers) is read, and one that disagrees with the central directory is refused on both paths', async () => {
    const writer = new ZipWriter(new Uint8ArrayWriter(), { dataDescriptor: true, dataDescriptorSignature: true });
    await writer.add('x.jsonl', new Uint8ArrayReader(TEXT));
    await writer.add('y.jsonl', new Uint8ArrayReader(TEXT));
    const zip = (await writer.close()).slice();
    const sound = await bothAgree(zip);
    expect(sound.get('x.jsonl')).toEqual({ ok: Buffer.from(TEXT).toString('base64') });
    // The descriptor follows the data: signature, CRC-32, compressed and uncompressed sizes.
    const [x] = centralEntries(zip);
    const v = new DataView(zip.buffer);
    expect(v.getUint16(x!.local + 6, true) & 8).toBe(8);
    const dataStart = x!.local + 30 + v.getUint16(x!.local + 26, true) + v.getUint16(x!.local + 28, true);
    const descriptor = dataStart + v.getUint32(x!.central + 20, true);
    expect(v.getUint32(descriptor, true)).toBe(0x08074b50);
    v.setUint32(descriptor + 4, (v.getUint32(descriptor + 4, true) ^ 1) >>> 0, true);
    const lying = await bothAgree(zip);
    expect(unreadable(lying, 'x.jsonl')).toBe(
      `entry "x.jsonl" cannot be read: the ZIP's central directory and the entry's local header disagree (name, sizes or checksum), so its content is ambiguous`,
    );
    expect(lying.get('y.jsonl')).toEqual({ ok: Buffer.from(TEXT).toString('base64') });
  });

  it('ZIP64 records in every header (writers past 4 GiB, and some always) are read the same on both paths, with and without data descriptors', async () => {
    for (const layout of [{ zip64: true }, { zip64: true, dataDescriptor: true, dataDescriptorSignature: true }]) {
      const writer = new ZipWriter(new Uint8ArrayWriter(), layout);
      await writer.add('x.jsonl', new Uint8ArrayReader(TEXT));
      await writer.add('y.bin', new Uint8ArrayReader(RANDOM), { level: 0 });
      const zip = (await writer.close()).slice();
      const v = new DataView(zip.buffer);
      // The first local header (at 0) says "see the ZIP64 field" for its sizes, and the end record is ZIP64's.
      expect(v.getUint32(0, true)).toBe(0x04034b50);
      expect(v.getUint32(22, true)).toBe(0xffffffff);
      expect(Buffer.from(zip).includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true);
      const outcomes = await bothAgree(zip);
      expect(outcomes.get('x.jsonl'), JSON.stringify(layout)).toEqual({ ok: Buffer.from(TEXT).toString('base64') });
      expect(outcomes.get('y.bin'), JSON.stringify(layout)).toEqual({ ok: Buffer.from(RANDOM).toString('base64') });
    }
  });

  it('two names pointing at the same stored data are both read, on both paths, in any order (no overlap check that would depend on what one reader read before)', async () => {
    const zip = zipSync({ 'x.jsonl': TEXT, 'y.jsonl': TEXT }, { level: 6 }).slice();
    const [x, y] = centralEntries(zip);
    new DataView(zip.buffer).setUint32(y!.central + 42, x!.local, true);
    const outcomes = await bothAgree(zip);
    expect(outcomes.get('x.jsonl')).toEqual({ ok: Buffer.from(TEXT).toString('base64') });
    expect(outcomes.get('y.jsonl')).toEqual({ ok: Buffer.from(TEXT).toString('base64') });
    for (const inflate of [nodeInflate, undefined]) {
      const source = await openZip(memoryBytes(zip), 't', {}, { inflate });
      const entries = await source.entries();
      const sizeOf = async (entry: (typeof entries)[number]) => {
        let size = 0;
        for await (const chunk of source.read(entry)) size += chunk.length;
        return size;
      };
      for (const entry of [entries[1]!, entries[0]!, entries[1]!]) expect(await sizeOf(entry)).toBe(TEXT.length);
      // Both at once, as the engine reads two segments at a time.
      for (let i = 0; i < 5; i++)
        expect(await Promise.all([sizeOf(entries[0]!), sizeOf(entries[1]!)])).toEqual([TEXT.length, TEXT.length]);
      await source.close();
    }
  });

  it('a file that shrinks after it was listed: the entry is unreadable, not read short', async () => {
    const zip = zipSync({ 'x.bin': RANDOM }, { level: 0 });
    let shrunk = false;
    const bytes: RandomAccessBytes = {
      size: zip.length,
      read: async (offset, length) => zip.slice(offset, shrunk ? Math.min(offset + length, 100) : offset + length),
    };
    const source = await openZip(bytes, 't', {}, { inflate: nodeInflate });
    const [entry] = await source.entries();
    shrunk = true;
    const reading = (async () => {
      for await (const _ of source.read(entry!)) void _;
    })();
    await expect(reading).rejects.toThrow(/^entry "x\.bin" cannot be read: /);
    await source.close();
  });

  it('a reader that stops early, and an aborted read, end without hanging and leave the archive readable', async () => {
    const big = new Uint8Array(randomBytes(HELD_ENTRY_BYTES + (1 << 20))); // past what is held until checked;
    const zip = zipSync({ 'big.bin': big, 'small.jsonl': TEXT });
    const source = await openZip(memoryBytes(zip), 't', {}, { inflate: nodeInflate });
    const [bigEntry, small] = await source.entries();
    for await (const chunk of source.read(bigEntry!)) {
      expect(chunk.length).toBeGreaterThan(0);
      break;
    }
    const abort = new AbortController();
    const reading = (async () => {
      for await (const _ of source.read(bigEntry!, abort.signal)) abort.abort(new Error('stopped by the test'));
    })();
    await expect(reading).rejects.toThrow(/stopped by the test/);
    let size = 0;
    for await (const chunk of source.read(small!)) size += chunk.length;
    expect(size).toBe(TEXT.length);
    await source.close();
  });
});
