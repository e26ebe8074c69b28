import { describe, expect, it } from 'vitest';
import { readLines, type LineRead } from '../archive/lines.ts';
import { concatBytes } from '../format/bytes.ts';
import {
  batchSmallFiles,
  BATCH_BYTES,
  FreePieceBuffers,
  PIECE_BYTES,
  splitIntoPieces,
  type PieceBuffers,
  type PieceRead,
} from './pieces.ts';
import { pieceLines } from './segment-task.ts';

const PIECE_BYTES_TEST = 4 * 1024 * 1024;

/** A small deterministic generator (xorshift), so a failure names its seed. */
function random(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

async function* chunked(
  bytes: Uint8Array,
  sizes: () => number,
  failAt?: number,
  delivered?: { bytes: number },
): AsyncGenerator<Uint8Array> {
  let at = 0;
  while (at < bytes.length) {
    if (failAt !== undefined && at >= failAt) throw new Error('the entry is corrupt here');
    const n = Math.max(1, Math.floor(sizes()));
    // A fresh copy each time, as a reader may reuse its buffers.
    const chunk = bytes.slice(at, at + n);
    if (delivered) delivered.bytes += chunk.length;
    yield chunk;
    at += n;
  }
  if (failAt !== undefined) throw new Error('the entry is corrupt here');
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const shape = (r: LineRead) =>
  r.kind === 'too-long'
    ? { kind: r.kind, line: r.line, length: r.length }
    : { kind: r.kind, line: r.line, text: new TextDecoder().decode(r.bytes) };

async function linesOfPieces(pieces: PieceRead[], maxLineBytes: number): Promise<LineRead[]> {
  const lines: LineRead[] = [];
  for (const { piece } of pieces) lines.push(...(await all(pieceLines(piece, maxLineBytes))));
  return lines;
}

function fileOf(rnd: () => number, maxLineBytes: number): Uint8Array {
  const parts: string[] = [];
  const count = Math.floor(rnd() * 60);
  for (let i = 0; i < count; i++) {
    const kind = rnd();
    const length =
      kind < 0.1 ? maxLineBytes + 1 + Math.floor(rnd() * 3 * maxLineBytes) : Math.floor(rnd() * maxLineBytes);
    parts.push('x'.repeat(length) + (kind > 0.97 ? '' : '\n'));
  }
  if (rnd() < 0.3) parts.push('tail without a newline'.slice(0, Math.floor(rnd() * 20)));
  return new TextEncoder().encode(parts.join(''));
}

describe('splitting a segment file into pieces at line ends', () => {
  it('the pieces give exactly the lines one reading gives, for any file, chunking and piece size', async () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rnd = random(seed);
      const maxLineBytes = 8 + Math.floor(rnd() * 40);
      const file = fileOf(rnd, maxLineBytes);
      const pieceBytes = 1 + Math.floor(rnd() * 200);
      // Every other seed starts small (a run's first file), sometimes past pieceBytes (no ramp).
      const firstPieceBytes = seed % 2 === 0 ? 1 + Math.floor(rnd() * 250) : undefined;
      const chunk = () => 1 + rnd() * 70;
      const expected = (await all(readLines(chunked(file, chunk), maxLineBytes))).map(shape);
      const pieces = await all(
        splitIntoPieces(chunked(file, chunk), pieceBytes, maxLineBytes, undefined, firstPieceBytes),
      );
      expect((await linesOfPieces(pieces, maxLineBytes)).map(shape), `seed ${seed}`).toEqual(expected);

      // The shape of the pieces: numbered in order, only the last marked last, whole lines
      // (a "\n" at the end of each but perhaps the last), and never a too-long line's bytes held.
      // Each ends at the first line end at or past its target: pieceBytes, or with a first size,
      // that size, then twice the last target each time one is reached, up to pieceBytes. Only
      // the last and those before a too-long line end short of it.
      expect(pieces.map((p) => p.piece.index)).toEqual(pieces.map((_, i) => i));
      expect(pieces.map((p) => p.piece.last)).toEqual(pieces.map((_, i) => i === pieces.length - 1));
      let target = Math.min(pieceBytes, firstPieceBytes ?? pieceBytes);
      for (const [i, { piece }] of pieces.entries()) {
        const next = pieces[i + 1]?.piece;
        if (piece.tooLong !== undefined) {
          expect(piece.tooLong).toBeGreaterThan(maxLineBytes);
          expect(piece.bytes.length).toBe(0);
          continue;
        }
        if (!piece.last) expect(piece.bytes.at(-1), `seed ${seed} piece ${i}`).toBe(0x0a);
        expect(piece.bytes.length, `seed ${seed} piece ${i}`).toBeLessThanOrEqual(target + maxLineBytes + 1);
        if (piece.bytes.length >= target) {
          // Reached: its bytes without its last line were still short of the target.
          const lastLine = piece.bytes.lastIndexOf(0x0a, piece.bytes.length - 2) + 1;
          if (!piece.last) expect(lastLine, `seed ${seed} piece ${i}`).toBeLessThan(target);
          target = Math.min(pieceBytes, target * 2);
        } else if (!piece.last) expect(next?.tooLong, `seed ${seed} piece ${i}`).toBeDefined();
      }
      expect(new Set(pieces.map((p) => p.piece.bytes.buffer)).size).toBe(pieces.length);
      // The spans cover the file exactly (progress counts them: the bytes go to workers).
      expect(
        pieces.reduce((n, p) => n + p.piece.span, 0),
        `seed ${seed}`,
      ).toBe(file.length);
      // Each piece's offset is where it starts in the file, and its bytes are the file's there.
      pieces.forEach(({ piece }, i) => {
        expect(piece.offset, `seed ${seed} piece ${i}`).toBe(pieces.slice(0, i).reduce((n, p) => n + p.piece.span, 0));
        if (piece.tooLong === undefined)
          expect(Buffer.compare(piece.bytes, file.subarray(piece.offset, piece.offset + piece.bytes.length))).toBe(0);
      });
      expect(pieces.some((p) => 'failure' in p)).toBe(false);
    }
  });

  it('a reader failure part-way: the whole lines read are the last piece, with the error; nothing is lost before it', async () => {
    for (let seed = 1; seed <= 100; seed++) {
      const rnd = random(seed);
      const maxLineBytes = 16;
      const file = fileOf(rnd, maxLineBytes);
      const failAt = Math.floor(rnd() * (file.length + 1));
      const chunk = () => 1 + rnd() * 30;
      const delivered = { bytes: 0 };
      const pieces = await all(
        splitIntoPieces(chunked(file, chunk, failAt, delivered), 1 + Math.floor(rnd() * 50), maxLineBytes),
      );
      const last = pieces.at(-1) as PieceRead;
      expect(last.piece.last).toBe(true);
      expect((last.failure as Error).message).toBe('the entry is corrupt here');
      expect(pieces.slice(0, -1).some((p) => 'failure' in p)).toBe(false);
      // Exactly what one reading gives of the bytes delivered before the failure, which cut it
      // short: the line it stopped inside is not a line.
      const expected = (await all(readLines([file.slice(0, delivered.bytes)], maxLineBytes, 1, () => true))).map(shape);
      expect(pieces.reduce((n, p) => n + p.piece.span, 0)).toBe(delivered.bytes);
      expect((await linesOfPieces(pieces, maxLineBytes)).map(shape), `seed ${seed}`).toEqual(expected);
    }
  });

  it('a size hint, right or wrong, changes no piece', async () => {
    // Files of up to ~400 KiB: past the 64 KiB a hint of 0 starts with, so buffers grow.
    for (let seed = 1; seed <= 40; seed++) {
      const rnd = random(seed);
      const maxLineBytes = 1000 + Math.floor(rnd() * 6000);
      const file = fileOf(rnd, maxLineBytes);
      const pieceBytes = 1 + Math.floor(rnd() * 150_000);
      const sizes = Array.from({ length: 64 }, () => 1 + rnd() * 20_000);
      const chunk = () => {
        let i = 0;
        return () => sizes[i++ % sizes.length] as number;
      };
      const shapeOf = (pieces: PieceRead[]) =>
        pieces.map(({ piece, ...rest }) => ({ ...piece, bytes: [...piece.bytes], failure: 'failure' in rest }));
      const unhinted = shapeOf(await all(splitIntoPieces(chunked(file, chunk()), pieceBytes, maxLineBytes)));
      for (const hint of [file.length, 0, Math.floor(file.length / 3), file.length * 5, null, -1, Number.NaN]) {
        const hinted = await all(splitIntoPieces(chunked(file, chunk()), pieceBytes, maxLineBytes, hint));
        expect(shapeOf(hinted), `seed ${seed}, hint ${hint}`).toEqual(unhinted);
      }
    }
  });

  it('buffers given back (holding old bytes) are read into again, and change no piece', async () => {
    for (let seed = 1; seed <= 30; seed++) {
      const rnd = random(seed);
      const maxLineBytes = 200 + Math.floor(rnd() * 3000);
      // Pieces that fill their buffers (a much smaller piece is copied out of its buffer).
      // Files of the same size, as a producer writes them, and one of another.
      const lines = Array.from(
        { length: Math.ceil(800_000 / maxLineBytes) },
        () => 'r'.repeat(Math.floor(rnd() * maxLineBytes)) + '\n',
      );
      const file = new TextEncoder().encode(lines.join(''));
      // The other: any lines (too long ones too), any end.
      const other = concatBytes(Array.from({ length: 12 }, () => fileOf(rnd, maxLineBytes)));
      const files = [file, file, other, file];
      const pieceBytes = 70_000 + Math.floor(rnd() * 100_000);
      const shapeOf = (pieces: PieceRead[]) =>
        pieces.map(({ piece, ...rest }) => ({ ...piece, bytes: [...piece.bytes], failure: 'failure' in rest }));
      const free = new FreePieceBuffers(8);
      let reused = 0;
      const counting: PieceBuffers = {
        take: (min) => {
          const buffer = free.take(min);
          if (buffer) reused++;
          return buffer;
        },
      };
      for (const file of files) {
        const alone = shapeOf(
          await all(
            splitIntoPieces(
              chunked(file, () => 7_000),
              pieceBytes,
              maxLineBytes,
              file.length,
            ),
          ),
        );
        const pieces = await all(
          splitIntoPieces(
            chunked(file, () => 7_000),
            pieceBytes,
            maxLineBytes,
            file.length,
            pieceBytes,
            counting,
          ),
        );
        expect(shapeOf(pieces), `seed ${seed}`).toEqual(alone);
        // No buffer is in two pieces at once; each is given back scribbled over, as a worker leaves it.
        const buffers = pieces.map(({ piece }) => piece.bytes.buffer).filter((b) => b.byteLength > 0);
        expect(new Set(buffers).size, `seed ${seed}`).toBe(buffers.length);
        for (const { piece } of pieces) {
          new Uint8Array(piece.bytes.buffer).fill(0x5a);
          free.give(piece.bytes.buffer as ArrayBuffer);
        }
      }
      expect(reused, `seed ${seed}`).toBeGreaterThan(0);
    }
  });

  it('FreePieceBuffers gives a buffer only for a piece about its size, and holds a few', () => {
    const free = new FreePieceBuffers(2);
    const K = 1024 * 1024; // pieces past BATCH_BYTES
    free.give(new ArrayBuffer(1000 * K));
    expect(free.take(1200 * K)).toBeUndefined(); // 1000 is less than seven eighths of 1200
    expect(free.take(700 * K)).toBeUndefined(); // 1000 is more than a quarter over 700
    expect(free.take(1100 * K)?.length).toBe(1000 * K); // a piece grows a buffer a little small
    free.give(new ArrayBuffer(1000 * K));
    expect(free.take(800 * K)?.length).toBe(1000 * K);
    expect(free.take(800 * K)).toBeUndefined(); // taken once only
    free.give(new ArrayBuffer(0));
    expect(free.size).toBe(0);
    for (const n of [100, 200, 300]) free.give(new ArrayBuffer(n * K));
    expect(free.size).toBe(2);
    expect(free.take(100 * K)).toBeUndefined(); // the oldest went
    expect(free.take(300 * K)?.length).toBe(300 * K);
  });

  it('FreePieceBuffers holds many more buffers of small files, each given only for a file it holds whole', () => {
    const free = new FreePieceBuffers(2, 100);
    for (let n = 0; n < 150; n++) free.give(new ArrayBuffer(10_000 + n));
    expect(free.size).toBe(100); // the 50 oldest went
    expect(free.take(10_000)?.length).toBe(10_050); // the first held at least its size: the oldest left
    expect(free.take(10_149)?.length).toBe(10_149);
    expect(free.take(10_149)).toBeUndefined(); // no other holds it whole
    expect(free.take(8_000)).toBeUndefined(); // a quarter over 8,000 is less than any held
    // However many, never more bytes than it is told to hold.
    const bounded = new FreePieceBuffers(2, 100, 50_000);
    for (let n = 0; n < 10; n++) bounded.give(new ArrayBuffer(20_000));
    expect(bounded.size).toBe(2);
    expect(bounded.take(20_000)?.length).toBe(20_000);
    bounded.give(new ArrayBuffer(20_000));
    expect(bounded.size).toBe(2);
    // A piece of a large file never takes a small file's buffer, nor the other way round.
    free.give(new ArrayBuffer(BATCH_BYTES + 1));
    expect(free.take(BATCH_BYTES)).toBeUndefined();
    expect(free.take(BATCH_BYTES + 1)?.length).toBe(BATCH_BYTES + 1);
  });

  it('an empty file is one empty piece, marked last', async () => {
    const pieces = await all(
      splitIntoPieces(
        chunked(new Uint8Array(0), () => 4),
        10,
        100,
      ),
    );
    expect(pieces).toEqual([
      { piece: { index: 0, firstLine: 1, offset: 0, bytes: new Uint8Array(0), span: 0, last: true } },
    ]);
  });

  it('each piece owns a buffer at most twice its bytes, from its start (a copy when the buffer is much larger)', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rnd = random(seed);
      const maxLineBytes = 64 + Math.floor(rnd() * 2000);
      const file = fileOf(rnd, maxLineBytes);
      const pieceBytes = 1 + Math.floor(rnd() * 20_000);
      for (const hint of [undefined, file.length, Math.floor(file.length / 2)]) {
        const chunk = random(seed + 1000);
        const pieces = await all(
          splitIntoPieces(
            chunked(file, () => 1 + chunk() * 5000),
            pieceBytes,
            maxLineBytes,
            hint,
          ),
        );
        for (const { piece } of pieces) {
          expect(piece.bytes.byteOffset, `seed ${seed}`).toBe(0);
          expect(piece.bytes.buffer.byteLength, `seed ${seed}`).toBeLessThanOrEqual(2 * piece.bytes.length);
        }
      }
    }
  });

  it('a file whose size is hinted holds its one piece in a buffer of exactly that size, not a copy', async () => {
    const file = new TextEncoder().encode('x'.repeat(99_999) + '\n');
    const pieces = await all(
      splitIntoPieces(
        chunked(file, () => 30_000),
        PIECE_BYTES_TEST,
        200_000,
        file.length,
      ),
    );
    expect(pieces).toHaveLength(1);
    const { piece } = pieces[0] as PieceRead;
    expect(piece.bytes.length).toBe(100_000);
    expect(piece.bytes.buffer.byteLength).toBe(100_000);
    expect(piece.bytes.byteOffset).toBe(0);
    // Without a hint (or with one that is no size) the buffer is a whole piece's and much
    // larger: the piece is copied out.
    for (const hint of [undefined, null, -1, Number.NaN]) {
      const unhinted = (
        await all(
          splitIntoPieces(
            chunked(file, () => 30_000),
            PIECE_BYTES_TEST,
            200_000,
            hint,
          ),
        )
      )[0] as PieceRead;
      expect(unhinted.piece.bytes.buffer.byteLength, `hint ${hint}`).toBe(100_000);
    }
  });

  it('PIECE_BYTES is 4 MiB', () => {
    expect(PIECE_BYTES).toBe(PIECE_BYTES_TEST);
  });

  it('a piece ends at the first line end at or past pieceBytes; a file ending there has no empty piece after', async () => {
    const text = (pieces: PieceRead[]) =>
      pieces.map(({ piece }) => ({ ...piece, bytes: new TextDecoder().decode(piece.bytes) }));
    const line = '123456789\n';
    const split = (file: string) =>
      all(
        splitIntoPieces(
          chunked(new TextEncoder().encode(file), () => 7),
          20,
          100,
        ),
      );
    expect(text(await split(line.repeat(5)))).toEqual([
      { index: 0, firstLine: 1, offset: 0, bytes: line.repeat(2), span: 20, last: false },
      { index: 1, firstLine: 3, offset: 20, bytes: line.repeat(2), span: 20, last: false },
      { index: 2, firstLine: 5, offset: 40, bytes: line, span: 10, last: true },
    ]);
    expect(text(await split(line.repeat(4)))).toEqual([
      { index: 0, firstLine: 1, offset: 0, bytes: line.repeat(2), span: 20, last: false },
      { index: 1, firstLine: 3, offset: 20, bytes: line.repeat(2), span: 20, last: true },
    ]);
    // A too-long line is a piece of its own, between the lines before and after it.
    expect(text(await split(`12\n${'x'.repeat(150)}\n34\n${'y'.repeat(120)}`))).toEqual([
      { index: 0, firstLine: 1, offset: 0, bytes: '12\n', span: 3, last: false },
      { index: 1, firstLine: 2, offset: 3, bytes: '', tooLong: 150, span: 151, last: false },
      { index: 2, firstLine: 3, offset: 154, bytes: '34\n', span: 3, last: false },
      { index: 3, firstLine: 4, offset: 157, bytes: '', tooLong: 120, span: 120, last: true },
    ]);
  });

  it('the buffer grows by doubling when a hint was too small, and a piece half its buffer keeps it', async () => {
    const sizes = async (file: Uint8Array, pieceBytes: number, hint: number) =>
      (
        await all(
          splitIntoPieces(
            chunked(file, () => 20_000),
            pieceBytes,
            2000,
            hint,
          ),
        )
      ).map(({ piece }) => [piece.bytes.length, piece.bytes.buffer.byteLength]);
    // A hint of 0: 64 KiB, then 128 and 256 KiB for a piece of 150,000 bytes.
    const lines = new TextEncoder().encode(('x'.repeat(999) + '\n').repeat(300));
    expect(await sizes(lines, 150_000, 0)).toEqual([
      [150_000, 262_144],
      [150_000, 262_144],
    ]);
    // A file of 40,000 bytes hinted at 0 fills more than half of 64 KiB: kept, not copied.
    expect(await sizes(lines.slice(0, 40_000), PIECE_BYTES_TEST, 0)).toEqual([[40_000, 65_536]]);
    // Exactly half the buffer (32 KiB hinted at 0) is still kept.
    expect(await sizes(lines.slice(0, 32_768), PIECE_BYTES_TEST, 0)).toEqual([[32_768, 65_536]]);
    // A hint a little short grows the buffer to twice the hint: the piece more than half of it, kept.
    expect(await sizes(lines.slice(0, 65_536), PIECE_BYTES_TEST, 60_000)).toEqual([[65_536, 120_000]]);
  });
});

describe('batchSmallFiles: whole small files several to a task', () => {
  /** A piece read standing for `span` bytes: the `index`-th of its file, the last or not. */
  const item = (name: string, span: number, index = 0, last = true) => ({
    name,
    read: { piece: { index, firstLine: 1, offset: 0, bytes: new Uint8Array(0), span, last } } satisfies PieceRead,
  });
  const groups = async (items: ReturnType<typeof item>[], maxBytes: number, maxFiles: number) =>
    (
      await all(
        batchSmallFiles(
          (async function* () {
            yield* items;
          })(),
          maxBytes,
          maxFiles,
        ),
      )
    ).map((g) => g.map((i) => i.name));

  it('groups consecutive whole files up to the bytes and the count; anything else goes alone, in order', async () => {
    const items = [
      item('a', 30),
      item('b', 30),
      item('c', 40), // 100 bytes: the budget exactly
      item('d', 1),
      item('big', 101), // a whole file over the budget
      item('e', 10),
      item('part0', 50, 0, false), // the first piece of a larger file
      item('part1', 50, 1, true), // its last piece: not a whole file either
      item('f', 1),
      item('g', 1),
      item('h', 1),
      item('i', 1),
    ];
    expect(await groups(items, 100, 3)).toEqual([
      ['a', 'b', 'c'],
      ['d'],
      ['big'],
      ['e'],
      ['part0'],
      ['part1'],
      ['f', 'g', 'h'],
      ['i'],
    ]);
  });

  it('keeps every item once, in order, for any sizes (a property over random runs)', async () => {
    const rnd = random(18);
    for (let run = 0; run < 200; run++) {
      const items = Array.from({ length: Math.floor(rnd() * 40) }, (_, k) => {
        const whole = rnd() < 0.8;
        return item(`#${k}`, Math.floor(rnd() * 150), whole ? 0 : Math.floor(rnd() * 3), whole || rnd() < 0.5);
      });
      const maxBytes = 1 + Math.floor(rnd() * 200);
      const maxFiles = 1 + Math.floor(rnd() * 6);
      const out = await groups(items, maxBytes, maxFiles);
      expect(out.flat()).toEqual(items.map((i) => i.name));
      for (const g of out) {
        const members = g.map((name) => items.find((i) => i.name === name)!.read.piece);
        expect(g.length).toBeLessThanOrEqual(maxFiles);
        if (g.length > 1) {
          expect(members.every((p) => p.index === 0 && p.last)).toBe(true);
          expect(members.reduce((a, p) => a + p.span, 0)).toBeLessThanOrEqual(maxBytes);
        }
      }
    }
  });
});
