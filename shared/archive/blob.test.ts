/**
 * Random access to a Blob (the app's File; Node 20 has Blob too) and to bytes in memory:
 * each read gives exactly the bytes asked for.
 */
import { describe, expect, it } from 'vitest';
import { blobBytes, memoryBytes } from './blob.ts';
import type { RandomAccessBytes } from './source.ts';

const content = new Uint8Array(100).map((_, i) => i);

describe.each([
  ['blobBytes', () => blobBytes(new Blob([content]))],
  ['memoryBytes', () => memoryBytes(content)],
] as const)('%s', (_name, make: () => RandomAccessBytes) => {
  it('has the size of its bytes', () => {
    expect(make().size).toBe(100);
  });

  it('reads the range asked for: the start, the middle, the end', async () => {
    const bytes = make();
    expect([...(await bytes.read(0, 3))]).toEqual([0, 1, 2]);
    expect([...(await bytes.read(40, 5))]).toEqual([40, 41, 42, 43, 44]);
    expect([...(await bytes.read(97, 3))]).toEqual([97, 98, 99]);
    expect(await bytes.read(10, 0)).toHaveLength(0);
  });

  it('a range past the end stops at the end', async () => {
    expect([...(await make().read(98, 10))]).toEqual([98, 99]);
  });
});

describe('blobBytes', () => {
  it('reads slices of the blob as it is asked, never the whole blob', async () => {
    const blob = new Blob([content]);
    const slices: [number | undefined, number | undefined][] = [];
    const original = blob.slice.bind(blob);
    blob.slice = (start?: number, end?: number) => {
      slices.push([start, end]);
      return original(start, end);
    };
    await blobBytes(blob).read(20, 7);
    expect(slices).toEqual([[20, 27]]);
  });
});

/** `blob`, its slices' streams made plain streams of the same chunks (not byte streams): read as engines without BYOB readers read. */
const plainStreams = (blob: Blob): Blob => {
  const original = blob.slice.bind(blob);
  blob.slice = (start?: number, end?: number) => {
    const slice = original(start, end);
    const stream = slice.stream.bind(slice);
    return Object.assign(slice, { stream: () => stream().pipeThrough(new TransformStream<Uint8Array, Uint8Array>()) });
  };
  return blob;
};

describe.each([
  ['a byte stream', (blob: Blob) => blob],
  ['a stream of its own chunks', plainStreams],
] as const)('blobBytes: reads in order through one stream (%s)', (_kind, kind: (blob: Blob) => Blob) => {
  /** 1,000 bytes in parts of 100, 250, 50, 300 and 300: a stream of it comes in those chunks. */
  const whole = new Uint8Array(1000).map((_, i) => (i * 7 + 3) & 0xff);
  const parts = [100, 250, 50, 300, 300].reduce<Uint8Array[]>((list, length) => {
    const at = list.reduce((sum, p) => sum + p.length, 0);
    return [...list, whole.slice(at, at + length)];
  }, []);
  /** The blob, and the slices made of it (a stream or a read each). */
  const counted = () => {
    const blob = kind(new Blob(parts as BlobPart[]));
    const slices: [number | undefined, number | undefined][] = [];
    const original = blob.slice.bind(blob);
    blob.slice = (start?: number, end?: number) => {
      slices.push([start, end]);
      return original(start, end);
    };
    return { blob, slices };
  };
  const collect = async (chunks: AsyncIterable<Uint8Array>) => {
    const out: number[] = [];
    for await (const chunk of chunks) out.push(...chunk);
    return out;
  };
  const expected = (offset: number, length: number) => [...whole.subarray(offset, offset + length)];
  const streamed = (bytes: RandomAccessBytes, offset: number, length: number) => {
    if (!bytes.stream) throw new Error('blobBytes should stream');
    return bytes.stream(offset, length);
  };

  it('streams exactly the range asked for, across chunks', async () => {
    for (const [offset, length] of [
      [0, 1000],
      [0, 99],
      [90, 20],
      [349, 352],
      [999, 1],
    ] as const)
      expect(await collect(streamed(blobBytes(kind(new Blob(parts as BlobPart[]))), offset, length))).toEqual(
        expected(offset, length),
      );
  });

  it('entries read as zip.js reads them (header, the data descriptor past the data, then the data) take one stream', async () => {
    const { blob, slices } = counted();
    const bytes = blobBytes(blob);
    // Entry one: its header at 0, its data 30..330, its descriptor 330..354; entry two: its header
    // at 354, a 9-byte name, its data 393..976, its descriptor 976..1000.
    expect([...(await bytes.read(0, 30))]).toEqual(expected(0, 30));
    expect([...(await bytes.read(330, 24))]).toEqual(expected(330, 24));
    expect(await collect(streamed(bytes, 30, 300))).toEqual(expected(30, 300));
    expect([...(await bytes.read(354, 30))]).toEqual(expected(354, 30));
    expect([...(await bytes.read(976, 24))]).toEqual(expected(976, 24));
    expect(await collect(streamed(bytes, 393, 583))).toEqual(expected(393, 583));
    expect(slices).toEqual([
      [0, 30],
      [330, 354],
      [30, undefined],
    ]);
  });

  it('a look ahead gives fewer bytes only where the blob ends, and keeps what it read for the stream', async () => {
    const bytes = blobBytes(kind(new Blob(parts as BlobPart[])));
    expect(await collect(streamed(bytes, 0, 10))).toEqual(expected(0, 10));
    expect([...(await bytes.read(990, 30))]).toEqual(expected(990, 10));
    expect([...(await bytes.read(200, 200))]).toEqual(expected(200, 200));
    expect(await collect(streamed(bytes, 10, 990))).toEqual(expected(10, 990));
  });

  it('a read that spans chunks is one buffer of the bytes asked for', async () => {
    const bytes = blobBytes(kind(new Blob(parts as BlobPart[])));
    await collect(streamed(bytes, 0, 90));
    expect([...(await bytes.read(90, 300))]).toEqual(expected(90, 300));
    expect(await collect(streamed(bytes, 390, 610))).toEqual(expected(390, 610));
  });

  it('a read before where a stream stopped is a slice of its own, and leaves the stream', async () => {
    const { blob, slices } = counted();
    const bytes = blobBytes(blob);
    await collect(streamed(bytes, 500, 100));
    expect([...(await bytes.read(100, 10))]).toEqual(expected(100, 10));
    expect(await collect(streamed(bytes, 600, 200))).toEqual(expected(600, 200));
    expect(slices).toEqual([
      [500, undefined],
      [100, 110],
    ]);
  });

  it('a stream going back, or far ahead, starts a new one', async () => {
    const { blob, slices } = counted();
    const bytes = blobBytes(blob);
    await collect(streamed(bytes, 500, 100));
    expect(await collect(streamed(bytes, 0, 100))).toEqual(expected(0, 100));
    expect(slices.map(([start]) => start)).toEqual([500, 0]);
  });

  it('a stream left before its end is not continued (its place is not known to the next read)', async () => {
    const { blob, slices } = counted();
    const bytes = blobBytes(blob);
    for await (const chunk of streamed(bytes, 0, 1000)) {
      expect(chunk.length).toBe(100);
      break;
    }
    expect(await collect(streamed(bytes, 100, 200))).toEqual(expected(100, 200));
    expect(slices.map(([start]) => start)).toEqual([0, 100]);
  });

  it('two readers in order, interleaved, each keep their own stream', async () => {
    const { blob, slices } = counted();
    const bytes = blobBytes(blob);
    const a = streamed(bytes, 0, 400)[Symbol.asyncIterator]();
    const b = streamed(bytes, 500, 200)[Symbol.asyncIterator]();
    const taken: number[][] = [[], []];
    for (;;) {
      const [x, y] = await Promise.all([a.next(), b.next()]);
      if (!x.done) taken[0]?.push(...x.value);
      if (!y.done) taken[1]?.push(...y.value);
      if (x.done && y.done) break;
    }
    expect(taken).toEqual([expected(0, 400), expected(500, 200)]);
    expect(await collect(streamed(bytes, 400, 100))).toEqual(expected(400, 100));
    expect(await collect(streamed(bytes, 700, 300))).toEqual(expected(700, 300));
    expect(slices.map(([start]) => start)).toEqual([0, 500]);
  });

  it('an idle stream is kept while other readers hold theirs: the next entry continues it', async () => {
    // An import reads the entries in order while the file's hash and a ledger's checkpoints
    // file are read beside them: two streams in use the whole time.
    const { blob, slices } = counted();
    const bytes = blobBytes(blob);
    const hash = streamed(bytes, 0, 1000)[Symbol.asyncIterator]();
    const checkpoints = streamed(bytes, 600, 400)[Symbol.asyncIterator]();
    expect((await hash.next()).done).toBe(false);
    expect((await checkpoints.next()).done).toBe(false);
    expect(await collect(streamed(bytes, 200, 100))).toEqual(expected(200, 100));
    // A third reader beside them (before the idle stream's place: it cannot continue it),
    // while the entries' stream waits for the next entry.
    const other = streamed(bytes, 150, 50)[Symbol.asyncIterator]();
    expect((await other.next()).done).toBe(false);
    expect(await collect(streamed(bytes, 300, 100))).toEqual(expected(300, 100));
    expect(slices.map(([start]) => start)).toEqual([0, 600, 200, 150]);
    for (const reader of [hash, checkpoints, other]) await reader.return?.();
  });

  it('a stream in use is not shared: a second read at its place reads on its own', async () => {
    const bytes = blobBytes(kind(new Blob(parts as BlobPart[])));
    const first = streamed(bytes, 0, 1000)[Symbol.asyncIterator]();
    expect((await first.next()).value).toHaveLength(100);
    expect([...(await bytes.read(100, 10))]).toEqual(expected(100, 10));
    const rest: number[] = [];
    for (let next = await first.next(); !next.done; next = await first.next()) rest.push(...next.value);
    expect(rest).toEqual(expected(100, 900));
  });

  it('gives fewer bytes only where the blob ends', async () => {
    const bytes = blobBytes(kind(new Blob(parts as BlobPart[])));
    expect(await collect(streamed(bytes, 900, 500))).toEqual(expected(900, 100));
    expect([...(await bytes.read(1000, 10))]).toEqual([]);
  });

  it('a stream that fails says so, and the next read starts afresh', async () => {
    const blob = new Blob(parts as BlobPart[]);
    const original = blob.slice.bind(blob);
    let failing = true;
    blob.slice = (start?: number, end?: number) => {
      const slice = original(start, end);
      if (!failing) return slice;
      failing = false;
      const stream = new ReadableStream<Uint8Array>({
        pull: (controller) => controller.error(new Error('the file cannot be read')),
      });
      return Object.assign(slice, { stream: () => stream });
    };
    const bytes = blobBytes(blob);
    await expect(collect(streamed(bytes, 0, 100))).rejects.toThrow('the file cannot be read');
    expect(await collect(streamed(bytes, 0, 100))).toEqual(expected(0, 100));
  });
});

/**
 * A blob whose streams are byte streams that answer each read with at most `chunk` bytes (as
 * Chromium's blob streams fill less than the buffer read into: 80–350 KB a read on average
 * into 1 MiB, on this project's machine), counting the reads and those into
 * memory never written before (its first byte zero: the content has no zero byte).
 */
function chunkedBlob(content: Uint8Array, chunk: number, failAtRead?: number) {
  const counts = { reads: 0, fresh: 0, cancelled: 0, streams: 0 };
  const make = (from: number, to: number): Blob =>
    ({
      size: to - from,
      slice: (start = 0, end = to - from) =>
        make(from + Math.min(start, to - from), from + Math.min(Math.max(start, end), to - from)),
      arrayBuffer: async () => content.slice(from, to).buffer,
      stream: () => {
        counts.streams += 1;
        let at = from;
        return new ReadableStream({
          type: 'bytes',
          pull(controller) {
            const request = controller.byobRequest;
            if (!request?.view) throw new Error('the reader should read into its own memory');
            if (at >= to) {
              controller.close();
              request.respond(0);
              return;
            }
            const view = new Uint8Array(request.view.buffer, request.view.byteOffset, request.view.byteLength);
            const n = Math.min(chunk, view.length, to - at);
            counts.reads += 1;
            if (counts.reads === failAtRead) throw new Error('the file cannot be read');
            if (view[0] === 0) counts.fresh += 1;
            view.set(content.subarray(at, at + n));
            at += n;
            request.respond(n);
          },
          cancel() {
            counts.cancelled += 1;
          },
        });
      },
    }) as unknown as Blob;
  return { blob: make(0, content.length), counts };
}

describe('blobBytes: a byte stream is read into kept memory', () => {
  const CHUNK = 64 * 1024;
  const content = new Uint8Array(12 * 1024 * 1024 + 123).map((_, i) => ((i * 7 + 3) % 255) + 1);
  const expectSame = (got: Uint8Array, offset: number, length: number) => {
    expect(got.length).toBe(length);
    // One comparison, not a million: the first differing place, if any.
    const want = content.subarray(offset, offset + length);
    const differs = got.findIndex((byte, i) => byte !== want[i]);
    expect(differs).toBe(-1);
  };
  /** Streams `length` bytes from `from` as a transient reader, each part checked in its place; the bytes read. */
  const readInPlace = async (bytes: RandomAccessBytes, from: number, length: number): Promise<number> => {
    let at = from;
    for await (const chunk of bytes.stream!(from, length, { transient: true })) {
      expectSame(chunk, at, chunk.length);
      at += chunk.length;
    }
    return at - from;
  };

  it('a transient stream is read into the same memory again, chunk after chunk', async () => {
    const { blob, counts } = chunkedBlob(content, CHUNK);
    const bytes = blobBytes(blob);
    const out = new Uint8Array(content.length);
    let at = 0;
    for await (const chunk of bytes.stream!(0, content.length, { transient: true })) {
      out.set(chunk, at);
      at += chunk.length;
    }
    expectSame(out.subarray(0, at), 0, content.length);
    expect(counts.reads).toBe(Math.ceil(content.length / CHUNK));
    // Only the first read goes into memory never written: every later one into the same.
    expect(counts.fresh).toBe(1);
  });

  it("chunks of a stream that is not transient are the reader's own: they keep their bytes while later ones are read", async () => {
    const { blob } = chunkedBlob(content, CHUNK);
    const bytes = blobBytes(blob);
    const chunks: Uint8Array[] = [];
    for await (const chunk of bytes.stream!(100, 3 * 1024 * 1024)) chunks.push(chunk);
    const out = new Uint8Array(chunks.reduce((sum, c) => sum + c.length, 0));
    chunks.reduce((at, c) => (out.set(c, at), at + c.length), 0);
    expectSame(out, 100, 3 * 1024 * 1024);
  });

  it('reads and look aheads are their own bytes, entries read as zip.js reads them, memory bounded', async () => {
    const { blob, counts } = chunkedBlob(content, CHUNK);
    const bytes = blobBytes(blob);
    // Four entries of 3 MiB, each: a 30-byte header, its data, a 16-byte descriptor past the data.
    const ENTRY = 3 * 1024 * 1024;
    const kept: [Uint8Array, number, number][] = [];
    for (let start = 0; start + ENTRY <= content.length; start += ENTRY) {
      const dataAt = start + 30;
      const dataLength = ENTRY - 46;
      kept.push([await bytes.read(start, 30), start, 30]);
      kept.push([await bytes.read(dataAt + dataLength, 16), dataAt + dataLength, 16]);
      const out = new Uint8Array(dataLength);
      let at = 0;
      for await (const chunk of bytes.stream!(dataAt, dataLength, { transient: true })) {
        out.set(chunk, at);
        at += chunk.length;
      }
      expectSame(out.subarray(0, at), dataAt, dataLength);
    }
    // A read continuing the stream across many of its reads: one buffer of its own.
    const last = 4 * ENTRY;
    kept.push([await bytes.read(last, 100), last, 100]);
    kept.push([await bytes.read(last + 100, 23), last + 100, 23]);
    for (const [got, offset, length] of kept) expectSame(got, offset, length);
    // Each look ahead holds most of an entry, but the memory read into is kept and used again:
    // far less than the 12 MiB read was ever fresh memory.
    expect(counts.fresh * CHUNK).toBeLessThanOrEqual(6 * 1024 * 1024);
  });

  it("a ledger's files read in order, another ledger's stored between them, take one stream", async () => {
    // Two ledgers' files stored interleaved (A, B, A, B, ...), each file a 30-byte header and its
    // data: the engine reads all of A's, then all of B's, each header before its data.
    const { blob, counts } = chunkedBlob(content, CHUNK);
    const bytes = blobBytes(blob);
    const FILE = 700 * 1024;
    const files = Math.floor(content.length / FILE);
    for (const ledger of [0, 1]) {
      for (let i = ledger; i < files; i += 2) {
        const header = i * FILE;
        expectSame(await bytes.read(header, 30), header, 30);
        expect(await readInPlace(bytes, header + 30, FILE - 30)).toBe(FILE - 30);
      }
    }
    // The first header is a slice of its own; then one stream for each ledger's pass.
    expect(counts.streams).toBe(2);
    // Reading on past the other ledger's file holds at most a file: two slabs, read into again.
    expect(counts.fresh * CHUNK).toBeLessThanOrEqual(2 * 1024 * 1024);
  });

  it('of two idle streams before a read, the nearest goes on to it', async () => {
    const { blob, counts } = chunkedBlob(content, CHUNK);
    const bytes = blobBytes(blob);
    const read = (from: number, length: number) => readInPlace(bytes, from, length);
    await read(1_400_000, 100_000);
    await read(0, 100_000); // before the first: a stream of its own
    await read(1_500_000, 50_000); // the first goes on, and is now the one used last
    expect(counts.streams).toBe(2);
    const reads = counts.reads;
    await read(1_600_000, 100_000);
    expect(counts.streams).toBe(2);
    // On from 1,550,000 (a few reads of 64 KiB), not from 100,000.
    expect(counts.reads - reads).toBeLessThanOrEqual(4);
  });

  it('streams started one after another, each far past the last, read into the memory of those dropped', async () => {
    // An import reads one ledger's segment files at a time, where a producer may store the
    // ledgers' files interleaved: each file is a stream of its own.
    const { blob, counts } = chunkedBlob(content, CHUNK);
    const bytes = blobBytes(blob);
    const ENTRY = 700 * 1024;
    let streams = 0;
    // Each starts more than 2 MiB past where the last stopped: too far to read on to it.
    for (let at = 0; at + ENTRY <= content.length; at += ENTRY + 2200 * 1024) {
      expect(await readInPlace(bytes, at, ENTRY)).toBe(ENTRY);
      streams += 1;
    }
    expect(streams).toBe(4);
    expect(counts.streams).toBe(4);
    // Two idle streams keep their memory; the fourth reads into the dropped first one's.
    expect(counts.fresh).toBeLessThanOrEqual(3);
  });

  it('at most two idle streams are kept, the least recently used dropped first', async () => {
    const { blob, counts } = chunkedBlob(content, CHUNK);
    const bytes = blobBytes(blob);
    const MiB = 1024 * 1024;
    // Each stream starts before where the others stopped, so none continues another.
    const read = async (from: number) => expect(await readInPlace(bytes, from, 100_000)).toBe(100_000);
    await read(9 * MiB);
    await read(6 * MiB);
    await read(3 * MiB);
    expect(counts.cancelled).toBe(0);
    await read(0);
    expect(counts.cancelled).toBe(1);
    // The streams at 3 and 6 MiB are kept; the one at 9 MiB was dropped and starts again.
    await read(6 * MiB + 100_000);
    await read(3 * MiB + 100_000);
    expect(counts.cancelled).toBe(1);
    await read(9 * MiB + 100_000);
    expect(counts.cancelled).toBe(2);
  });

  it('a stream whose read failed is dropped, and the streams after it read as they should', async () => {
    // The failed read took the memory it was reading into with it: that memory is not used again.
    const { blob } = chunkedBlob(content, CHUNK, 3);
    const bytes = blobBytes(blob);
    await expect(readInPlace(bytes, 0, 1024 * 1024)).rejects.toThrow('the file cannot be read');
    for (let i = 1; i <= 4; i++) expect(await readInPlace(bytes, i * 2 * 1024 * 1024, 300_000)).toBe(300_000);
  });

  it("a transient reader's parts keep their bytes while other streams start and end beside it", async () => {
    const { blob } = chunkedBlob(content, CHUNK);
    const bytes = blobBytes(blob);
    const ENTRY = 3 * 1024 * 1024;
    const dataAt = 30;
    // A header read through a stream, then a descriptor past the data (as zip.js reads an
    // entry): the stream looks ahead to it, holding the data in several slabs.
    for await (const chunk of bytes.stream!(0, dataAt, { transient: true })) expectSame(chunk, 0, dataAt);
    expectSame(await bytes.read(dataAt + ENTRY, 16), dataAt + ENTRY, 16);
    const reader = bytes.stream!(dataAt, ENTRY, { transient: true })[Symbol.asyncIterator]();
    let at = dataAt;
    let others = 0;
    for (let next = await reader.next(); !next.done; next = await reader.next()) {
      const part = next.value;
      const length = part.length;
      // While this part is held, other streams far from it start, are read and left idle
      // (the oldest dropped): none of them may read into the memory this part is a view of.
      // Twelve streams at once, far from it and from each other, each reading its first part:
      // more than the streams dropped so far left to be read into again.
      const open = Array.from({ length: 12 }, (_, i) => {
        const from = 4 * 1024 * 1024 + i * 600 * 1024 + others * 100;
        return { from, reader: bytes.stream!(from, 100_000, { transient: true })[Symbol.asyncIterator]() };
      });
      for (const { from, reader } of open) {
        const first = await reader.next();
        expectSame(first.value as Uint8Array, from, (first.value as Uint8Array).length);
      }
      for (const { reader } of open) await reader.return?.();
      others += 1;
      // Neither written over nor taken (a read into its memory would detach it: no bytes left).
      expectSame(part, at, length);
      at += length;
    }
    expect(at).toBe(dataAt + ENTRY);
  });

  it("a read spanning a stream's held parts, after a transient stream stopped there, is its own copy", async () => {
    const { blob } = chunkedBlob(content, CHUNK);
    const bytes = blobBytes(blob);
    for await (const chunk of bytes.stream!(0, 1000, { transient: true })) expect(chunk.length).toBeGreaterThan(0);
    const spanning = await bytes.read(1000, 200_000);
    for await (const chunk of bytes.stream!(201_000, 500_000, { transient: true }))
      expect(chunk.length).toBeGreaterThan(0);
    expectSame(spanning, 1000, 200_000);
  });
});
