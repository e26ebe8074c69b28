/**
 * The sampling commands: a sample re-performed here with node:crypto's SHA-256 alone (FORMAT
 * §9) equals the command's; a larger sample keeps the smaller; strata use their own seeds;
 * sizes and limits through the command line; bad parameters exit 2.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDemoArchive } from '../../shared/producer/demo.ts';
import { zipFiles } from '../../shared/producer/zip.ts';
import { segmentsOf, text } from '../../test/support/tamper.ts';
import { nodeCedar } from '../cedar-node.ts';
import { runTickmark } from '../../test/support/cli.ts';

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

let dir: string;
let zip: string;
/** Every receipt line: its hash, id, ledger, agent, action. */
let lines: { hash: string; id: string; ledger: string; agent: string; action: string }[];

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
        .map((line) => {
          const r = JSON.parse(line) as { id: string; agent: { id: string }; request: { action: { id: string } } };
          return { hash: `sha256:${sha(line)}`, id: r.id, ledger, agent: r.agent.id, action: r.request.action.id };
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
  items: { receipt: string; hash: string; score: string }[];
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
    expect(out.items.map((i) => [i.receipt, i.hash, i.score])).toEqual(
      reperform('heads:abc', 25).map((l) => [l.id, l.hash, l.score]),
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
