/**
 * The in-memory archive (tests, producers, small imports): its entries, its chunks and its
 * per-entry bound at the limit and one past it.
 */
import { describe, expect, it } from 'vitest';
import { memorySource } from './memory.ts';
import { LimitExceededError, type ArchiveSource, type RawEntry } from './source.ts';

const MiB = 1 << 20;

async function chunksOf(source: ArchiveSource, entry: RawEntry): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const chunk of source.read(entry)) out.push(chunk);
  return out;
}

const entryNamed = async (source: ArchiveSource, name: string) =>
  (await source.entries()).find((e) => e.name === name) as RawEntry;

describe('memorySource', () => {
  it('lists every path in map order with its size, no compressed size, and "/" meaning a directory', async () => {
    const source = memorySource(
      new Map([
        ['b.json', new Uint8Array(3)],
        ['dir/', new Uint8Array(0)],
        ['a/c.jsonl', new Uint8Array(0)],
      ]),
      'in memory',
    );
    expect(source.name).toBe('in memory');
    expect(await source.entries()).toEqual([
      { name: 'b.json', declaredSize: 3, compressedSize: null, isDirectory: false },
      { name: 'dir/', declaredSize: 0, compressedSize: null, isDirectory: true },
      { name: 'a/c.jsonl', declaredSize: 0, compressedSize: null, isDirectory: false },
    ]);
    await expect(source.close()).resolves.toBeUndefined();
  });

  it('streams an entry in chunks of 1 MiB, views of the same bytes, and no empty chunk', async () => {
    const bytes = new Uint8Array(2.5 * MiB);
    for (let i = 0; i < bytes.length; i++) bytes[i] = i % 253;
    const source = memorySource(new Map([['big', bytes]]), 'm');
    const chunks = await chunksOf(source, await entryNamed(source, 'big'));
    expect(chunks.map((c) => c.length)).toEqual([MiB, MiB, MiB / 2]);
    expect(chunks.map((c) => c.byteOffset)).toEqual([0, MiB, 2 * MiB]);
    expect(chunks.every((c) => c.buffer === bytes.buffer)).toBe(true);
  });

  it('an entry of exactly 1 MiB is one chunk; an empty entry is none', async () => {
    const source = memorySource(
      new Map([
        ['one', new Uint8Array(MiB)],
        ['empty', new Uint8Array(0)],
      ]),
      'm',
    );
    expect((await chunksOf(source, await entryNamed(source, 'one'))).map((c) => c.length)).toEqual([MiB]);
    expect(await chunksOf(source, await entryNamed(source, 'empty'))).toEqual([]);
  });

  it('refuses to read a name it does not hold', async () => {
    const source = memorySource(new Map([['a', new Uint8Array(1)]]), 'm');
    const stranger: RawEntry = { name: 'b', declaredSize: 1, compressedSize: null, isDirectory: false };
    await expect(chunksOf(source, stranger)).rejects.toThrow(new TypeError('read: "b" is not in this archive'));
  });

  it('an entry of exactly maxEntryBytes is read; one byte more is refused with the limit and the size', async () => {
    const source = memorySource(
      new Map([
        ['at', new Uint8Array(10)],
        ['past', new Uint8Array(11)],
      ]),
      'm',
      { maxEntryBytes: 10 },
    );
    expect((await chunksOf(source, await entryNamed(source, 'at'))).map((c) => c.length)).toEqual([10]);
    const error = await chunksOf(source, await entryNamed(source, 'past')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LimitExceededError);
    expect(error).toMatchObject({
      limit: 'maxEntryBytes',
      value: 11,
      message: 'size passed the per-entry limit of 10 bytes',
    });
  });
});
