/**
 * The sampling commands: a sample re-performed here with node:crypto's SHA-256 alone (FORMAT
 * §9) equals the command's; a larger sample keeps the smaller; strata use their own seeds;
 * sizes and limits through the command line; bad parameters exit 2. The draw in the worker
 * pool equals the draw in one thread, whatever the pieces the files are cut into (one
 * piece per line included), with repeated, malformed, over-long lines and a file that
 * cannot be read to its end; a pool that cannot start leaves the draw to this thread.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, type ArchiveSource } from '../../shared/archive/source.ts';
import { makeDemoArchive } from '../../shared/producer/demo.ts';
import { zipFiles } from '../../shared/producer/zip.ts';
import { segmentsOf, text, type Files } from '../../test/support/tamper.ts';
import { readArchiveDocs } from '../archive-docs.ts';
import { nodeCedar } from '../cedar-node.ts';
import { useNativeSha256 } from '../native-sha256.ts';
import { openArchiveForCommand } from '../open-archive.ts';
import { runTickmark } from '../../test/support/cli.ts';
import { drawSample, type SampleOptions } from './sampling.ts';

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

let dir: string;
let zip: string;
/** Every receipt line: its hash, id, ledger, agent, action. */
let lines: { hash: string; id: string; ledger: string; agent: string; action: string; path: string; line: number }[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickmark-sample-'));
  const demo = await makeDemoArchive({ cedar: nodeCedar, receipts: 2000, seed: 'sampling', receiptsPerSegment: 300 });
  zip = join(dir, 'demo.zip');
  await writeFile(zip, zipFiles(demo.files));
  lines = ['gw-eu-1', 'gw-us-1'].flatMap((ledger) =>
    segmentsOf(demo.files, ledger).flatMap((path) =>
      text(demo.files, path)
        .split('\n')
        .filter(Boolean)
        .map((line, index) => {
          const r = JSON.parse(line) as { id: string; agent: { id: string }; request: { action: { id: string } } };
          return {
            hash: `sha256:${sha(line)}`,
            id: r.id,
            ledger,
            agent: r.agent.id,
            action: r.request.action.id,
            path,
            line: index + 1,
          };
        }),
    ),
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const run = (...args: string[]) => runTickmark(args);

/** FORMAT.md §9 by hand. */
function reperform(seed: string, size: number, population = lines) {
  return population
    .map((l) => ({ ...l, score: sha(`${seed}\n${l.hash}`) }))
    .sort((a, b) => (a.score < b.score ? -1 : a.score > b.score ? 1 : a.hash < b.hash ? -1 : 1))
    .slice(0, size);
}

interface SampleJson {
  seed: string;
  population: number;
  items: { receipt: string; hash: string; score: string; ledger: string; path: string; line: number }[];
  strata?: {
    stratum: string;
    seed: string;
    population: number;
    items: { receipt: string; hash: string; score: string }[];
  }[];
}

describe('tickmark sample', () => {
  it('equals the sample re-performed with plain SHA-256', async () => {
    const { code, stdout } = await run('sample', zip, '--seed', 'heads:abc', '--size', '25', '--json');
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as SampleJson;
    expect(out.population).toBe(lines.length);
    expect(out.items.map((i) => [i.receipt, i.hash, i.score, i.ledger, i.path, i.line])).toEqual(
      reperform('heads:abc', 25).map((l) => [l.id, l.hash, l.score, l.ledger, l.path, l.line]),
    );
  });

  it('a larger sample with the same seed keeps every item of the smaller one, in the same order', async () => {
    const small = JSON.parse((await run('sample', zip, '--seed', 's', '--size', '10', '--json')).stdout) as SampleJson;
    const large = JSON.parse((await run('sample', zip, '--seed', 's', '--size', '40', '--json')).stdout) as SampleJson;
    expect(large.items.slice(0, 10)).toEqual(small.items);
  });

  it('stratified by action: each stratum ranked with seed/stratum', async () => {
    const out = JSON.parse(
      (await run('sample', zip, '--seed', 'q3', '--size', '3', '--stratify', 'action', '--json')).stdout,
    ) as SampleJson;
    const actions = [...new Set(lines.map((l) => l.action))].sort();
    expect(out.strata?.map((s) => s.stratum)).toEqual(actions);
    for (const s of out.strata ?? []) {
      const population = lines.filter((l) => l.action === s.stratum);
      expect(s.seed).toBe(`q3/${s.stratum}`);
      expect(s.population).toBe(population.length);
      expect(s.items.map((i) => i.hash)).toEqual(reperform(`q3/${s.stratum}`, 3, population).map((l) => l.hash));
    }
  });

  it('a filter narrows the population', async () => {
    const out = JSON.parse(
      (await run('sample', zip, '--seed', 'x', '--size', '5', '--ledger', 'gw-us-1', '--action', 'db.read', '--json'))
        .stdout,
    ) as SampleJson;
    const population = lines.filter((l) => l.ledger === 'gw-us-1' && l.action === 'db.read');
    expect(out.population).toBe(population.length);
    expect(out.items.map((i) => i.hash)).toEqual(reperform('x', 5, population).map((l) => l.hash));
  });

  it('bad parameters exit 2 with a sentence', async () => {
    expect(await run('sample', zip, '--seed', 'x', '--size', '0')).toMatchObject({ code: 2 });
    const tooMany = await run('sample', zip, '--seed', 'x', '--size', String(lines.length + 1));
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toMatch(/more than the population \(2000 receipts\)/);
    expect((await run('sample', zip, '--size', '3')).stderr).toMatch(/--seed is required/);
    expect((await run('sample', zip, '--seed', 'x', '--size', '3', '--stratify', 'month')).code).toBe(2);
    expect((await run('sample', join(dir, 'nope.zip'), '--seed', 'x', '--size', '3')).code).toBe(2);
  });
});

describe('tickmark sample in the worker pool', () => {
  const options: string[][] = [
    [],
    ['--stratify', 'ledger'],
    ['--stratify', 'agent'],
    ['--stratify', 'action'],
    ['--ledger', 'gw-us-1', '--action', 'db.read'],
  ];

  it('--workers 2 prints what --workers 1 prints, byte for byte, for every option, human and --json', async () => {
    for (const option of options)
      for (const json of [[], ['--json']]) {
        const args = ['sample', zip, '--seed', 'pool', '--size', '2', ...option, ...json];
        const one = await run(...args, '--workers', '1');
        const two = await run(...args, '--workers', '2');
        expect(one.code, option.join(' ')).toBe(0);
        expect(two, option.join(' ')).toEqual(one);
      }
  });

  it('--workers must be a whole number from 1 to 64', async () => {
    for (const bad of ['0', '65', '1.5', 'two']) {
      const { code, stderr } = await run('sample', zip, '--seed', 'x', '--size', '3', '--workers', bad);
      expect(code).toBe(2);
      expect(stderr).toContain('--workers must be a whole number from 1 to 64');
    }
  });
});

describe('drawSample over pieces of one large file per ledger', () => {
  const LONG = 'x'.repeat(DEFAULT_LIMITS.maxLineBytes + 10);
  const CUT = 'cut short for the test';
  let big: string;
  let files: Files;
  /** gw-us-1's file is read up to this byte (mid-line), then its reader fails. */
  let cutAt: number;
  /** Bytes of gw-eu-1's lines 1 to 11: pieces of this size meet between the two copies (11, 12). */
  let copiesApart: number;

  beforeAll(async () => {
    useNativeSha256();
    // 3,000 receipts, one file per ledger (about 0.6 MB each): many pieces of a few KiB.
    const demo = await makeDemoArchive({ cedar: nodeCedar, receipts: 3000, seed: 'pieces', receiptsPerSegment: 5000 });
    files = demo.files;
    const [eu] = segmentsOf(files, 'gw-eu-1');
    const [us] = segmentsOf(files, 'gw-us-1');
    if (!eu || !us || segmentsOf(files, 'gw-eu-1').length !== 1) throw new Error('one file per ledger expected');
    // gw-eu-1: line 11 stored twice, line 501 not JSON, an over-long line before line 801.
    const euLines = text(files, eu).split('\n');
    euLines.splice(11, 0, euLines[10] as string);
    euLines[500] = 'not json';
    euLines.splice(800, 0, LONG);
    files.set(eu, new TextEncoder().encode(euLines.join('\n')));
    copiesApart = Buffer.byteLength(euLines.slice(0, 11).join('\n')) + 1;
    // gw-us-1: an over-long line at line 1001; the reader fails in the middle of line 1200.
    const usLines = text(files, us).split('\n');
    usLines.splice(1000, 0, LONG);
    files.set(us, new TextEncoder().encode(usLines.join('\n')));
    cutAt = Buffer.byteLength(usLines.slice(0, 1199).join('\n')) + 1 + 40;
    big = join(dir, 'big.zip');
    await writeFile(big, zipFiles(files));
  });

  /** The archive, with gw-us-1's reader failing at `cutAt` when `cut` is set. */
  async function open(cut: boolean): Promise<ArchiveSource> {
    const source = await openArchiveForCommand(big);
    if (!cut) return source;
    return {
      name: source.name,
      entries: () => source.entries(),
      close: () => source.close(),
      read: (entry, signal) =>
        entry.name.startsWith('ledgers/gw-us-1/')
          ? (async function* () {
              let left = cutAt;
              for await (const chunk of source.read(entry, signal)) {
                if (chunk.length >= left) {
                  yield chunk.subarray(0, left);
                  throw new Error(CUT);
                }
                left -= chunk.length;
                yield chunk;
              }
            })()
          : source.read(entry, signal),
    };
  }

  type Rule = Pick<SampleOptions, 'seed' | 'size' | 'stratify' | 'filter'>;

  async function draw(rule: Rule, cut: boolean, how: Partial<SampleOptions> = {}) {
    const source = await open(cut);
    try {
      const d = await drawSample(source, await readArchiveDocs(source), { ...rule, ...how });
      return {
        population: d.population,
        notRead: d.notRead,
        unreadableLines: d.unreadableLines,
        leftOut: d.leftOut,
        strata: [...d.selectors]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([name, s]) => ({
            name,
            offered: s.offered,
            items: s.result().map((c) => ({ hash: c.hash, score: c.score, ...c.item })),
          })),
      };
    } finally {
      await source.close();
    }
  }

  /** FORMAT §9 by hand over the stored lines, with the command's population rule. */
  function byHand(rule: Rule, cut: boolean) {
    type Item = { hash: string; score: string; ledger: string; path: string; line: number; text: string };
    const strata = new Map<string, Item[]>();
    let unreadableLines = 0;
    let leftOut = 0;
    const needsReceipt =
      rule.stratify === 'agent' ||
      rule.stratify === 'action' ||
      rule.filter.agent !== undefined ||
      rule.filter.action !== undefined;
    for (const ledger of ['gw-eu-1', 'gw-us-1']) {
      if (rule.filter.ledger !== undefined && rule.filter.ledger !== ledger) continue;
      const path = segmentsOf(files, ledger)[0] as string;
      let content = text(files, path);
      // Only whole lines read before the failure.
      if (cut && ledger === 'gw-us-1') {
        const read = Buffer.from(content).subarray(0, cutAt);
        content = read.subarray(0, read.lastIndexOf(0x0a) + 1).toString();
      }
      const stored = content.split('\n');
      if (stored.at(-1) === '') stored.pop();
      stored.forEach((line, index) => {
        if (Buffer.byteLength(line) > DEFAULT_LIMITS.maxLineBytes) return void unreadableLines++;
        let stratum = ledger;
        if (needsReceipt) {
          let r: { agent: { id: string }; request: { action: { id: string } } };
          try {
            r = JSON.parse(line) as typeof r;
          } catch {
            return void leftOut++;
          }
          if (rule.filter.agent !== undefined && r.agent.id !== rule.filter.agent) return;
          if (rule.filter.action !== undefined && r.request.action.id !== rule.filter.action) return;
          if (rule.stratify === 'agent') stratum = r.agent.id;
          if (rule.stratify === 'action') stratum = r.request.action.id;
        }
        const name = rule.stratify ? stratum : '';
        const seed = rule.stratify ? `${rule.seed}/${name}` : rule.seed;
        const hash = `sha256:${sha(line)}`;
        const item = { hash, score: sha(`${seed}\n${hash}`), ledger, path, line: index + 1, text: line };
        strata.set(name, [...(strata.get(name) ?? []), item]);
      });
    }
    const order = (a: Item, b: Item) =>
      a.score !== b.score
        ? a.score < b.score
          ? -1
          : 1
        : a.hash !== b.hash
          ? a.hash < b.hash
            ? -1
            : 1
          : a.ledger !== b.ledger
            ? a.ledger < b.ledger
              ? -1
              : 1
            : a.line - b.line;
    return {
      population: [...strata.values()].reduce((n, s) => n + s.length, 0),
      notRead: cut && rule.filter.ledger !== 'gw-eu-1' ? [`ledgers/gw-us-1/000001.jsonl: ${CUT}`] : [],
      unreadableLines,
      leftOut,
      strata: [...strata]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([name, items]) => ({ name, offered: items.length, items: items.sort(order).slice(0, rule.size) })),
    };
  }

  /** One thread, whole files (pieces of 4 MiB); one thread, pieces of 16 KiB; two workers, 8 KiB. */
  const ways: [string, Partial<SampleOptions>][] = [
    ['in this thread', { workers: 1 }],
    ['16 KiB pieces in this thread', { workers: 1, pieceBytes: 16384 }],
    ['two workers, 8 KiB pieces', { workers: 2, pieceBytes: 8192 }],
  ];

  const rules: Rule[] = [
    { seed: 'big', size: 40, filter: {} },
    { seed: 'big', size: 7, stratify: 'ledger', filter: {} },
    { seed: 'big', size: 3, stratify: 'agent', filter: {} },
    { seed: 'big', size: 3, stratify: 'action', filter: { ledger: 'gw-eu-1' } },
    { seed: 'big', size: 9, filter: { agent: 'crm-01' } },
  ];

  it.each([
    ['every way of cutting and running the draw equals FORMAT §9 re-performed with node:crypto', false],
    ['the same when a file cannot be read to its end: only its whole lines read before count', true],
  ])('%s', async (_name, cut) => {
    for (const rule of rules) {
      const expected = byHand(rule, cut);
      for (const [way, how] of ways)
        expect(await draw(rule, cut, how), `${way}, ${JSON.stringify(rule)}`).toEqual(expected);
    }
  });

  it('counts repeated and malformed lines in, over-long lines and a line cut short out', async () => {
    const eu = text(files, 'ledgers/gw-eu-1/000001.jsonl').split('\n').filter(Boolean).length;
    const us = text(files, 'ledgers/gw-us-1/000001.jsonl').split('\n').filter(Boolean).length;
    const how = { workers: 2, pieceBytes: 8192 };
    const whole = await draw({ seed: 'big', size: 1, filter: {} }, false, how);
    // Each file holds one over-long line; gw-eu-1's malformed line and both copies are in.
    expect([whole.population, whole.unreadableLines, whole.leftOut]).toEqual([eu - 1 + us - 1, 2, 0]);
    // gw-us-1 cut in line 1200: its 1,199 whole lines are read, one of them over-long.
    const cut = await draw({ seed: 'big', size: 1, filter: {} }, true, how);
    expect([cut.population, cut.unreadableLines, cut.notRead]).toEqual([
      eu - 1 + 1198,
      2,
      [`ledgers/gw-us-1/000001.jsonl: ${CUT}`],
    ]);
    const agent = await draw({ seed: 'big', size: 1, filter: { agent: 'crm-01' } }, false, how);
    expect(agent.leftOut).toBe(1);
  });

  it('of two copies of one line, the one stored first is drawn first, wherever the pieces meet', async () => {
    const rule: Rule = { seed: 'copies', size: 1, filter: {} };
    const ranked = byHand({ ...rule, size: 1_000_000 }, false).strata[0]?.items ?? [];
    const first = ranked.findIndex((i) => i.ledger === 'gw-eu-1' && i.line === 11);
    expect(ranked[first + 1]).toMatchObject({ ledger: 'gw-eu-1', line: 12, hash: ranked[first]?.hash });
    const apart: [string, Partial<SampleOptions>][] = [
      ['in this thread, pieces meeting between the copies', { workers: 1, pieceBytes: copiesApart }],
      ['two workers, pieces meeting between the copies', { workers: 2, pieceBytes: copiesApart }],
    ];
    for (const [way, how] of [...ways, ...apart]) {
      const drawn = await draw({ ...rule, size: first + 1 }, false, how);
      expect(drawn.strata[0]?.items.at(-1), way).toMatchObject({ line: 11, hash: ranked[first]?.hash });
      const both = await draw({ ...rule, size: first + 2 }, false, how);
      expect(
        both.strata[0]?.items.slice(-2).map((i) => i.line),
        way,
      ).toEqual([11, 12]);
    }
  });

  it('a pool that cannot start: the draw runs in this thread, and says so', async () => {
    const broken = join(dir, 'broken-worker.mjs');
    await writeFile(broken, "throw new Error('this worker cannot start');\n");
    const notes: string[] = [];
    const rule: Rule = { seed: 'big', size: 5, stratify: 'ledger', filter: {} };
    const drawn = await draw(rule, false, {
      workers: 2,
      pool: { script: { kind: 'bundle', file: broken } },
      note: (t) => void notes.push(t),
    });
    expect(drawn).toEqual(byHand(rule, false));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(
      /^the worker pool could not start \(.*this worker cannot start.*\); sampling in this thread$/s,
    );
  });
});

describe('tickmark sample-size and evaluate', () => {
  it('sample-size --json gives the size and the expected deviations', async () => {
    const { code, stdout } = await run(
      'sample-size',
      '--confidence',
      '95',
      '--tolerable',
      '5',
      '--expected',
      '1',
      '--json',
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ sample_size: 93, expected_deviations: 1 });
    expect(
      JSON.parse(
        (await run('sample-size', '--confidence', '95', '--tolerable', '10', '--expected', '0', '--json')).stdout,
      ),
    ).toMatchObject({
      sample_size: 29,
      expected_deviations: 0,
    });
  });

  it('evaluate --json gives the unrounded upper deviation limit and the exact comparison', async () => {
    const { code, stdout } = await run(
      'evaluate',
      '--size',
      '100',
      '--deviations',
      '5',
      '--confidence',
      '95',
      '--tolerable',
      '10',
      '--json',
    );
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as {
      upper_deviation_limit: number;
      upper_deviation_limit_text: string;
      within_tolerable: boolean;
    };
    expect(out.upper_deviation_limit).toBeCloseTo(10.2253, 3);
    expect(out.upper_deviation_limit_text.replace('.', '').length).toBeGreaterThanOrEqual(14);
    expect(out.within_tolerable).toBe(false);
  });

  it('bad parameters exit 2: confidence 100, tolerable below expected, size 0', async () => {
    const c100 = await run('sample-size', '--confidence', '100', '--tolerable', '5', '--expected', '0');
    expect(c100.code).toBe(2);
    expect(c100.stderr).toMatch(/confidence must be at least 80 and below 100/);
    const below = await run('sample-size', '--confidence', '95', '--tolerable', '2', '--expected', '3');
    expect(below.code).toBe(2);
    expect(below.stderr).toMatch(/must be below the tolerable rate/);
    const zero = await run('evaluate', '--size', '0', '--deviations', '0', '--confidence', '95');
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/size must be a whole number of at least 1/);
  });
});
