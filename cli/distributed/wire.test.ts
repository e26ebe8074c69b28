/**
 * The wire form (wire.ts): what goes through Redis comes back exactly. The table holds the
 * values plain JSON loses; then real segment results and setups, from the demo archive
 * and tampered copies, go through the wire inside a verification whose report must equal
 * the one checked in this thread.
 */
import { describe, expect, it } from 'vitest';
import { memorySource } from '../../shared/archive/memory.ts';
import { segmentChecker } from '../../shared/engine/segment-worker.ts';
import type { SegmentResult } from '../../shared/engine/segment.ts';
import type { SegmentRunner } from '../../shared/engine/segment-task.ts';
import { verifyArchive, type RunnerSetup } from '../../shared/engine/verify.ts';
import type { VerifyReport } from '../../shared/engine/types.ts';
import { makeDemoArchive } from '../../shared/producer/demo.ts';
import { nodeCedar } from '../cedar-node.ts';
import { controlFactories, engineOptions } from '../engine-options.ts';
import { nativeStrictVerifier } from '../native-ed25519.ts';
import { queuedSetup } from './protocol.ts';
import { fromWire, toWire } from './wire.ts';

/** Through the wire as BullMQ carries it: JSON text. */
const roundTrip = (value: unknown): unknown => fromWire(JSON.parse(JSON.stringify(toWire(value))));

const withProto = JSON.parse('{"__proto__":{"polluted":true},"ok":1}') as unknown;
const noPrototype = Object.assign(Object.create(null) as object, { a: 1, b: [2] });
const sparse = [1, , 3];

const cases: [string, unknown][] = [
  ['negative zero', -0],
  ['negative zero inside a projection', [['sha256:ab', -0]]],
  ['NaN and infinities', { nan: NaN, up: Infinity, down: -Infinity }],
  ['an undefined member (kept as a member)', { detail: undefined, code: 'X' }],
  ['undefined in an array', [undefined, null, 1]],
  ['a hole in a sparse array', sparse],
  ['an own "__proto__" member, as JSON.parse makes it', withProto],
  ['an object without a prototype', noPrototype],
  ['a member named "$" (evidence that looks like a tag)', { $: 'n', v: '-0' }],
  ['a nested tag look-alike', { detail: { $: 'u' }, list: [{ $: 'h' }, { $: 'o', v: {} }] }],
  ['lone surrogates and NUL in strings', { s: '\ud800x\udc00\u0000' }],
  ['plain data', { path: 'ledgers/a/000001.jsonl', lines: 3, ok: true, none: null, runs: [1, 2, 1, 0] }],
];

describe('wire form: values through JSON exactly', () => {
  it.each(cases)('%s comes back equal', (_name, value) => {
    expect(roundTrip(value)).toStrictEqual(value);
  });

  it('negative zero stays negative zero (toStrictEqual aside)', () => {
    expect(Object.is(roundTrip(-0), -0)).toBe(true);
    expect(Object.is((roundTrip([['h', -0]]) as number[][])[0]?.[1], -0)).toBe(true);
  });

  it('plain JSON would lose these values: the reason the wire form exists', () => {
    const plain = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;
    expect(Object.is((plain([-0]) as number[])[0], -0)).toBe(false);
    expect(plain({ nan: NaN })).toEqual({ nan: null });
    expect(plain({ detail: undefined })).toStrictEqual({});
    expect(plain(sparse)).toEqual([1, null, 3]);
  });

  it('an own "__proto__" member stays data: no prototype is set and nothing is polluted', () => {
    const back = roundTrip(withProto) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.hasOwn(back, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['a Uint8Array', new Uint8Array(2), /\$\.bytes cannot be sent .* a Uint8Array/],
    ['a Map', new Map(), /\$\.bytes cannot be sent .* a Map/],
    ['a Set', new Set(), /a Set/],
    ['a Date', new Date(0), /a Date/],
    ['a bigint', 1n, /a bigint/],
    ['a function', () => 1, /a function/],
  ])('refuses %s, naming where it is', (_name, value, message) => {
    expect(() => toWire({ bytes: value })).toThrow(TypeError);
    expect(() => toWire({ bytes: value })).toThrow(message);
  });

  it('refuses a tag it does not know instead of guessing', () => {
    expect(() => fromWire({ $: 'x' })).toThrow(/not a value this version of the queue protocol knows/);
    expect(() => fromWire({ $: 'n', v: '12' })).toThrow(TypeError);
    expect(() => fromWire({ a: [{ $: 'o', v: [] }] })).toThrow(/\$\.a\[0\]/);
  });
});

/**
 * A runner that checks each segment here, but hands the engine only what came through the
 * wire (and the checker only the setup that came through it), asserting both round trips.
 */
function wireRunner(source: ReturnType<typeof memorySource>, seen: { results: number }) {
  return async (setup: RunnerSetup): Promise<SegmentRunner> => {
    // What the queue carries (without the keyring as built: a worker builds its own).
    const queued = queuedSetup(setup);
    const setupBack = roundTrip(queued) as RunnerSetup;
    expect(setupBack).toStrictEqual(queued);
    const check = await segmentChecker(source, setupBack, {
      verifier: nativeStrictVerifier,
      controlFactories: controlFactories(),
    });
    return {
      name: 'the wire',
      concurrency: 1,
      async run(task) {
        const taskBack = roundTrip(task) as typeof task;
        expect(taskBack).toStrictEqual(task);
        const result = await check(taskBack);
        const back = roundTrip(result) as SegmentResult;
        expect(back).toStrictEqual(result);
        seen.results++;
        return back;
      },
      close: async () => undefined,
    };
  };
}

const withoutRunnerLine = (report: VerifyReport) => ({
  ...report,
  checks: report.checks.filter((c) => !c.check.startsWith('Segments checked by')),
});

describe('segment results and setups of real archives through the wire', async () => {
  const demo = await makeDemoArchive({ cedar: nodeCedar, receipts: 1200, receiptsPerSegment: 200 });
  const edit = (change: (files: Map<string, Uint8Array>) => void) => {
    const files = new Map(demo.files);
    change(files);
    return files;
  };
  const text = (files: Map<string, Uint8Array>, path: string) => new TextDecoder().decode(files.get(path));
  const put = (files: Map<string, Uint8Array>, path: string, content: string) =>
    files.set(path, new TextEncoder().encode(content));
  const archives: [string, Map<string, Uint8Array>][] = [
    ['the demo archive (planted control failures)', demo.files],
    [
      'a receipt edited (its signature, the chain and the manifest hash fail) and one removed',
      edit((files) => {
        const a = 'ledgers/gw-eu-1/000002.jsonl';
        put(
          files,
          a,
          text(files, a).replace(/"latency_ms":(\d+)/, (_m, n: string) => `"latency_ms":${Number(n) + 1}`),
        );
        const b = 'ledgers/gw-us-1/000003.jsonl';
        const lines = text(files, b).split('\n');
        lines.splice(5, 1);
        put(files, b, lines.join('\n'));
      }),
    ],
    [
      'a latency of -0 and a line that is not JSON',
      edit((files) => {
        const a = 'ledgers/gw-eu-1/000003.jsonl';
        put(files, a, text(files, a).replace(/"latency_ms":\d+/, '"latency_ms":-0'));
        const b = 'ledgers/gw-us-1/000002.jsonl';
        put(files, b, text(files, b).replace(/\n/, '\n{"not a receipt\n'));
      }),
    ],
  ];

  it.each(archives)('%s: the report through the wire is the report checked here', async (_name, files) => {
    const options = { ...engineOptions(), trustedRoots: [demo.rootPublicKey], segmentRunnerMinBytes: 0 };
    const here = await verifyArchive(memorySource(files, 'demo.zip'), options);
    const seen = { results: 0 };
    const source = memorySource(files, 'demo.zip');
    const wired = await verifyArchive(source, { ...options, segmentRunner: wireRunner(source, seen) });
    expect(seen.results).toBeGreaterThanOrEqual(6);
    expect(wired.checks).toContainEqual({ check: 'Segments checked by the wire', status: 'ran' });
    expect(withoutRunnerLine(wired)).toStrictEqual(withoutRunnerLine(here));
  });
});
