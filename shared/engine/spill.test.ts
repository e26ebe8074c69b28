import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memorySpillStore, Names, RecordReader, RecordWriter, SpillPartitions } from './spill.ts';

type Field = { kind: 'u32'; value: number } | { kind: 'f64'; value: number } | { kind: 'text'; value: string };

const fieldArbitrary: fc.Arbitrary<Field> = fc.oneof(
  fc.integer({ min: 0, max: 2 ** 32 - 1 }).map((value) => ({ kind: 'u32' as const, value })),
  fc.double({ noNaN: true }).map((value) => ({ kind: 'f64' as const, value })),
  // Any UTF-16 string: one-byte, wide, and lone surrogates (a JSON string may hold them).
  fc
    .oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)) }),
    )
    .map((value) => ({ kind: 'text' as const, value })),
);

function write(writer: RecordWriter, fields: readonly Field[]): void {
  for (const f of fields) {
    if (f.kind === 'u32') writer.u32(f.value);
    else if (f.kind === 'f64') writer.f64(f.value);
    else writer.text(f.value);
  }
}

function read(reader: RecordReader, like: readonly Field[]): Field[] {
  return like.map((f): Field => {
    if (f.kind === 'u32') return { kind: 'u32', value: reader.u32() };
    if (f.kind === 'f64') return { kind: 'f64', value: reader.f64() };
    return { kind: 'text', value: reader.text() };
  });
}

describe('spill records', () => {
  it('read back exactly what was written, field by field (property)', () => {
    fc.assert(
      fc.property(fc.array(fieldArbitrary, { maxLength: 20 }), (fields) => {
        const writer = new RecordWriter();
        write(writer, fields);
        const reader = new RecordReader(writer.bytes().slice());
        expect(read(reader, fields)).toEqual(fields);
        expect(reader.done).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('keep long, wide and lone-surrogate strings exact', () => {
    const texts = ['', 'rc_0123', 'é'.repeat(10_000), '\ud800', 'a\udfffb', '😀'.repeat(3000), 'x'.repeat(70_000)];
    const writer = new RecordWriter();
    for (const text of texts) writer.text(text);
    const reader = new RecordReader(writer.bytes());
    expect(texts.map(() => reader.text())).toEqual(texts);
  });
});

describe('SpillPartitions', () => {
  /** Writes (key, n) records with the given hashes; returns what each partition read back. */
  function roundTrip(
    hashes: readonly number[],
    flushBytes: number,
  ): { partitions: [number, number][][]; left: number } {
    const store = { ...memorySpillStore(), flushBytes };
    const spill = new SpillPartitions(store, 't');
    hashes.forEach((hash, n) => {
      spill
        .begin()
        .u32(hash)
        .f64(n)
        .text(n % 7 === 0 ? 'é'.repeat(n % 50) : `r${n}`);
      spill.end(hash);
    });
    const partitions: [number, number][][] = [];
    for (const reader of spill.partitions()) {
      const records: [number, number][] = [];
      while (!reader.done) {
        const hash = reader.u32();
        const n = reader.f64();
        expect(reader.text()).toBe(n % 7 === 0 ? 'é'.repeat(n % 50) : `r${n}`);
        records.push([hash, n]);
      }
      partitions.push(records);
    }
    return { partitions, left: store.files.size };
  }

  it('gives every record once, in write order within its partition, keys never split across partitions', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { maxLength: 400 }),
        fc.constantFrom(1, 16, 64, 32 * 1024),
        (hashes, flushBytes) => {
          const { partitions, left } = roundTrip(hashes, flushBytes);
          expect(left).toBe(0);
          const all = partitions.flat();
          expect(all.map(([, n]) => n).sort((a, b) => a - b)).toEqual(hashes.map((_, n) => n));
          const partitionOf = new Map<number, number>();
          partitions.forEach((records, p) => {
            // In write order.
            expect(records.map(([, n]) => n)).toEqual([...records.map(([, n]) => n)].sort((a, b) => a - b));
            for (const [hash] of records) {
              expect(partitionOf.get(hash) ?? p).toBe(p);
              partitionOf.set(hash, p);
            }
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('places by the hash top bits, so the low bits still vary inside a partition', () => {
    // Hashes that differ only in their low bits share a partition; their top bits pick 128 of them.
    expect(roundTrip([0, 1, 2, 3, 0x7f], 16).partitions).toHaveLength(1);
    expect(
      roundTrip(
        Array.from({ length: 128 }, (_, i) => i << 25),
        16,
      ).partitions,
    ).toHaveLength(128);
  });

  it('writes files only past the flush size, and takes a record larger than it', () => {
    const store = { ...memorySpillStore(), flushBytes: 32 };
    const spill = new SpillPartitions(store, 'big');
    spill.begin().u32(1);
    spill.end(0);
    expect(store.files.size).toBe(0);
    spill.begin().text('x'.repeat(100));
    spill.end(0);
    expect(store.files.size).toBe(1);
    const [reader] = [...spill.partitions()];
    expect(reader?.u32()).toBe(1);
    expect(reader?.text()).toBe('x'.repeat(100));
    expect(reader?.done).toBe(true);
    expect(store.files.size).toBe(0);
    expect(() => spill.end(0)).toThrow(/after the partitions were read/);
  });
});

describe('Names', () => {
  it('numbers names in the order first seen', () => {
    const names = new Names();
    expect(['b', 'a', 'b', 'c'].map((n) => names.numberOf(n))).toEqual([0, 1, 0, 2]);
    expect(names.nameOf(1)).toBe('a');
  });
});
