/**
 * Reading a deflated file from one of its blocks (shared/archive/resume-points.ts) inside Debian's
 * Chromium, whose `DecompressionStream` is what the window reads a large kept segment file with
 * (renderer/store/line-files.ts). Chromium's inflate, unlike Node's, refuses any byte after a
 * stream's end ("junk") and loses what that input inflated to; once a block's bits are moved onto
 * a byte, the original's last byte can be all padding. Every place a block can start in a byte,
 * and every place the last block can end in the last byte, is read here: to the stream's end
 * (the last piece of a file), and up to a later block, closed by an empty final one.
 */
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Bits } from '../support/deflate-bits.ts';
import { loadModuleInPage, openWorkbench, type Workbench } from './browser.ts';

interface Case {
  readonly name: string;
  /** The stored bytes from the point's byte on (base64). */
  readonly stored: string;
  readonly bit: number;
  readonly out: number;
  /** The window (base64). */
  readonly window: string;
  readonly length: number;
  readonly toBit?: number;
  /** What must come out (base64); with `short`, only a part of it from its start. */
  readonly expected: string;
  /** The stored bytes stop part-way (a copy kept as far as a read went). */
  readonly short?: true;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/**
 * Fixed-Huffman blocks: `first`, then `second` (the last, unless `third` follows). A literal of
 * 144 or over takes 9 bits, so the counts of such bytes place where each block ends in a byte.
 */
function blocks(...contents: readonly (readonly number[])[]): { stream: Uint8Array; starts: number[]; end: number } {
  const bits = new Bits();
  const starts: number[] = [];
  contents.forEach((content, k) => {
    starts.push(bits.bits.length);
    bits.put(k === contents.length - 1 ? 1 : 0, 1);
    bits.put(1, 2);
    content.forEach((b) => bits.literal(b));
    bits.code(0, 7);
  });
  return { stream: bits.bytes(), starts, end: bits.bits.length };
}

const ninesThen = (nines: number, plain: number[]) => [...plain, ...Array.from({ length: nines }, () => 0xc8)];

function cases(): Case[] {
  const out: Case[] = [];
  for (let startNines = 0; startNines < 8; startNines++)
    for (let endNines = 0; endNines < 8; endNines++) {
      // A first block long enough to need steps of input, then the block read from.
      const first = ninesThen(
        startNines,
        Array.from({ length: 70_000 }, (_, i) => 0x41 + (i % 26)),
      );
      const second = ninesThen(endNines, [0x78, 0x79, 0x7a]);
      const third = ninesThen(endNines, [0x70, 0x71]);
      const two = blocks(first, second);
      const boundary = two.starts[1] as number;
      expect(Buffer.from(inflateRawSync(two.stream))).toEqual(Buffer.from([...first, ...second]));
      const window = Uint8Array.from(first.slice(-32_768));
      const name = `block at bit ${boundary & 7} of a byte, last block ending at bit ${two.end & 7}`;
      // From the point to the stream's end: the last piece of a file.
      out.push({
        name: `${name}, to the end`,
        stored: b64(two.stream.subarray(boundary >> 3)),
        bit: boundary & 7,
        out: first.length,
        window: b64(window),
        length: 1_000,
        expected: b64(Uint8Array.from(second)),
      });
      // From the start to the end, as the first piece of a file read whole.
      out.push({
        name: `${name}, whole`,
        stored: b64(two.stream),
        bit: 0,
        out: 0,
        window: '',
        length: first.length + second.length,
        expected: b64(Uint8Array.from([...first, ...second])),
      });
      // Cut part-way through the first block: some of its bytes, never more, never others.
      if (endNines === 0)
        out.push({
          name: `${name}, cut part-way`,
          stored: b64(two.stream.subarray(0, two.stream.length >> 1)),
          bit: 0,
          out: 0,
          window: '',
          length: first.length + second.length,
          expected: b64(Uint8Array.from([...first, ...second])),
          short: true,
        });
      // From the point up to a later block, closed there.
      const three = blocks(first, second, third);
      const [, from, to] = three.starts as [number, number, number];
      out.push({
        name: `${name}, up to a later block`,
        stored: b64(three.stream.subarray(from >> 3, Math.ceil(to / 8))),
        bit: from & 7,
        out: first.length,
        window: b64(window),
        length: 1_000,
        toBit: to - (from >> 3) * 8,
        expected: b64(Uint8Array.from(second)),
      });
    }
  return out;
}

interface Answer {
  readonly name: string;
  readonly bytes: string;
  readonly fault?: string;
}

describe("resume points in Chromium through the platform's inflate", () => {
  let wb: Workbench;
  let all: Case[];
  let answers: Map<string, Answer>;

  beforeAll(async () => {
    all = cases();
    wb = await openWorkbench(inject('baseUrl'));
    await loadModuleInPage(wb.page, 'shared/archive/resume-points.ts', '__tickmarkResumePoints');
    const result = await wb.page.evaluate(async (given: Case[]) => {
      const bytesOf = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
      const text = (bytes: Uint8Array) => {
        let s = '';
        for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
        return btoa(s);
      };
      const module = (
        window as unknown as { __tickmarkResumePoints: typeof import('../../shared/archive/resume-points.ts') }
      ).__tickmarkResumePoints;
      const answers: Answer[] = [];
      for (const c of given) {
        const read = await module.inflateFromPoint(
          bytesOf(c.stored),
          { bit: c.bit, out: c.out, window: bytesOf(c.window) },
          c.length,
          c.toBit,
        );
        answers.push({ name: c.name, bytes: text(read.bytes), ...(read.fault ? { fault: read.fault } : {}) });
      }
      return answers;
    }, all);
    answers = new Map(result.map((a) => [a.name, a]));
  });
  afterAll(async () => {
    await wb?.close();
  });

  it('every block start and every end in a byte reads back exactly, with no fault', () => {
    expect(all.length).toBe(8 * 8 * 3 + 8);
    const wrong = all.filter((c) => {
      if (c.short) return false;
      const a = answers.get(c.name);
      return !a || a.fault !== undefined || a.bytes !== c.expected;
    });
    expect(
      wrong.map((c) => `${c.name}: ${answers.get(c.name)?.fault ?? 'other bytes'}`),
      `${wrong.length} of ${all.length} cases`,
    ).toEqual([]);
  });

  it('bytes that stop part-way give fewer bytes, all of them right, and never a throw', () => {
    const short = all.filter((c) => c.short);
    expect(short.length).toBe(8);
    for (const c of short) {
      const a = answers.get(c.name);
      const got = Buffer.from(a?.bytes ?? '', 'base64');
      const expected = Buffer.from(c.expected, 'base64');
      expect(got.length, c.name).toBeGreaterThan(0);
      expect(got.length, c.name).toBeLessThan(expected.length);
      expect(got.equals(expected.subarray(0, got.length)), c.name).toBe(true);
    }
  });
});
