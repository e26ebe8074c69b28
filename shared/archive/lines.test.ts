/**
 * JSONL line splitting (FORMAT.md §5), rule by rule: the line length bound at the limit and
 * one past it, the last line without "\n", lines split across chunks, and the line numbers.
 * The mutation run on shared/archive (docs/TESTING.md) showed these only tested through the
 * engine, for "some finding".
 */
import { describe, expect, it } from 'vitest';
import { readLines, type LineRead } from './lines.ts';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function all(reads: AsyncIterable<LineRead>): Promise<LineRead[]> {
  const out: LineRead[] = [];
  for await (const r of reads) out.push(r);
  return out;
}

/** Each read with its bytes as text, for readable expectations. */
async function shapes(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  maxLineBytes: number,
  firstLine?: number,
) {
  return (await all(readLines(chunks, maxLineBytes, firstLine))).map((r) =>
    r.kind === 'too-long' ? r : { kind: r.kind, line: r.line, text: text(r.bytes) },
  );
}

/** `s` cut into chunks at the given offsets. */
function cut(s: string, ...at: number[]): Uint8Array[] {
  const b = bytes(s);
  const edges = [0, ...at, b.length];
  return edges.slice(1).map((end, i) => b.slice(edges[i], end));
}

describe('readLines', () => {
  it('numbers lines from 1, gives each without its "\\n", and nothing after a final "\\n"', async () => {
    expect(await shapes([bytes('{"a":1}\n{"b":2}\n')], 100)).toEqual([
      { kind: 'line', line: 1, text: '{"a":1}' },
      { kind: 'line', line: 2, text: '{"b":2}' },
    ]);
  });

  it('numbers lines from firstLine when given', async () => {
    expect(await shapes([bytes('x\ny\n')], 100, 41)).toEqual([
      { kind: 'line', line: 41, text: 'x' },
      { kind: 'line', line: 42, text: 'y' },
    ]);
  });

  it('gives empty lines as lines of no bytes', async () => {
    expect(await shapes([bytes('\n\na\n')], 100)).toEqual([
      { kind: 'line', line: 1, text: '' },
      { kind: 'line', line: 2, text: '' },
      { kind: 'line', line: 3, text: 'a' },
    ]);
  });

  it('nothing at all for no bytes, no chunks or only empty chunks', async () => {
    expect(await shapes([], 100)).toEqual([]);
    expect(await shapes([new Uint8Array(0), new Uint8Array(0)], 100)).toEqual([]);
  });

  it('a last line without "\\n" is given whole, flagged unterminated', async () => {
    expect(await shapes([bytes('a\nlast')], 100)).toEqual([
      { kind: 'line', line: 1, text: 'a' },
      { kind: 'unterminated', line: 2, text: 'last' },
    ]);
    expect(await shapes(cut('a\nlast', 4), 100)).toEqual([
      { kind: 'line', line: 1, text: 'a' },
      { kind: 'unterminated', line: 2, text: 'last' },
    ]);
  });

  it('cut short by a failed read, the bytes after the last "\\n" are no line (neither unterminated nor too-long); asked once, at the end', async () => {
    let asked = 0;
    const cutShort = () => {
      asked++;
      return true;
    };
    const read = async (chunks: Uint8Array[], max: number, isCut: () => boolean) =>
      (await all(readLines(chunks, max, 1, isCut))).map((r) =>
        r.kind === 'too-long' ? r : { kind: r.kind, line: r.line, text: text(r.bytes) },
      );
    expect(await read(cut('a\nlast', 4), 100, cutShort)).toEqual([{ kind: 'line', line: 1, text: 'a' }]);
    expect(asked).toBe(1);
    expect(await read([bytes('a\n0123456789')], 5, cutShort)).toEqual([{ kind: 'line', line: 1, text: 'a' }]);
    // Ending on a "\n", nothing is lost.
    expect(await read([bytes('a\nb\n')], 100, cutShort)).toEqual([
      { kind: 'line', line: 1, text: 'a' },
      { kind: 'line', line: 2, text: 'b' },
    ]);
    // Not cut short: the last line is given, flagged, as without the question.
    expect(await read([bytes('a\nlast')], 100, () => false)).toEqual([
      { kind: 'line', line: 1, text: 'a' },
      { kind: 'unterminated', line: 2, text: 'last' },
    ]);
  });

  it('a line of exactly maxLineBytes is a line; one byte more is too-long, with its length', async () => {
    expect(await shapes([bytes('12345\n123456\nok\n')], 5)).toEqual([
      { kind: 'line', line: 1, text: '12345' },
      { kind: 'too-long', line: 2, length: 6 },
      { kind: 'line', line: 3, text: 'ok' },
    ]);
  });

  it('the bound counts a line across chunks, and the whole length is reported', async () => {
    // 5 bytes in three chunks: at the limit.
    expect(await shapes(cut('12345\n', 2, 4), 5)).toEqual([{ kind: 'line', line: 1, text: '12345' }]);
    // 6 bytes: passes the limit in the last chunk; 9 bytes: passes it in the middle and keeps counting.
    expect(await shapes(cut('123456\n', 3), 5)).toEqual([{ kind: 'too-long', line: 1, length: 6 }]);
    expect(await shapes(cut('123456789\nab\n', 3, 6, 8), 5)).toEqual([
      { kind: 'too-long', line: 1, length: 9 },
      { kind: 'line', line: 2, text: 'ab' },
    ]);
  });

  it('a last line without "\\n" past the limit is too-long, not unterminated', async () => {
    expect(await shapes(cut('ok\n1234567', 5), 5)).toEqual([
      { kind: 'line', line: 1, text: 'ok' },
      { kind: 'too-long', line: 2, length: 7 },
    ]);
    // At the limit it is still given.
    expect(await shapes([bytes('ok\n12345')], 5)).toEqual([
      { kind: 'line', line: 1, text: 'ok' },
      { kind: 'unterminated', line: 2, text: '12345' },
    ]);
  });

  it('a line split across chunks, at every offset, is given whole', async () => {
    const s = '{"seq":1}\n{"seq":22}\n\n{"seq":333}\n';
    const expected = await shapes([bytes(s)], 100);
    for (let a = 0; a <= s.length; a++) {
      for (let b = a; b <= s.length; b++) {
        expect(await shapes(cut(s, a, b), 100), `cut at ${a} and ${b}`).toEqual(expected);
      }
    }
  });

  it('a "\\n" at the very start or end of a chunk ends the line in the chunk before', async () => {
    expect(await shapes(cut('ab\ncd\n', 2, 3), 100)).toEqual([
      { kind: 'line', line: 1, text: 'ab' },
      { kind: 'line', line: 2, text: 'cd' },
    ]);
  });

  it('reads async iterables of chunks too', async () => {
    async function* chunks() {
      yield bytes('a\nb');
      yield bytes('c\n');
    }
    expect(await shapes(chunks(), 100)).toEqual([
      { kind: 'line', line: 1, text: 'a' },
      { kind: 'line', line: 2, text: 'bc' },
    ]);
  });

  it('a piece kept across chunks is copied: a producer that reuses its buffer does not change the line', async () => {
    // Like a file read into one reused buffer: each chunk overwrites the previous one.
    const buffer = new Uint8Array(4);
    function* reused(): Generator<Uint8Array> {
      for (const part of ['ab', 'cd\nx', 'y\n']) {
        buffer.fill(0);
        buffer.set(bytes(part));
        yield buffer.subarray(0, part.length);
      }
    }
    expect(await shapes(reused(), 100)).toEqual([
      { kind: 'line', line: 1, text: 'abcd' },
      { kind: 'line', line: 2, text: 'xy' },
    ]);
  });

  it('a line wholly inside one chunk is a view of that chunk, not a copy', async () => {
    const chunk = bytes('abc\n\nd');
    const reads = await all(readLines([chunk, bytes('e\n')], 100));
    const first = reads[0] as Extract<LineRead, { kind: 'line' }>;
    expect(text(first.bytes)).toBe('abc');
    expect(first.bytes.buffer).toBe(chunk.buffer);
    // An empty line holds no piece of the chunk; a line across chunks is a new array.
    const empty = reads[1] as Extract<LineRead, { kind: 'line' }>;
    expect(empty.bytes.length).toBe(0);
    expect(empty.bytes.buffer).not.toBe(chunk.buffer);
    const across = reads[2] as Extract<LineRead, { kind: 'line' }>;
    expect(text(across.bytes)).toBe('de');
    expect(across.bytes.buffer).not.toBe(chunk.buffer);
  });
});
