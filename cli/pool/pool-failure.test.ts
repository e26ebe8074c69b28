/**
 * The worker_threads transport under the pool core's failure rule (shared/engine/pool-core.ts),
 * with real workers: one that cannot start refuses the pool, naming why, instead of hanging;
 * a task that fails fails the pool with its reason.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../shared/archive/source.ts';
import { makeDemoArchive } from '../../shared/producer/demo.ts';
import { zipFiles } from '../../shared/producer/zip.ts';
import { nodeCedar } from '../cedar-node.ts';
import type { RunnerSetup } from '../../shared/engine/verify.ts';
import { startPool, warmPool, withoutTsx } from './pool-runner.ts';

const setup: RunnerSetup = { keys: null, trustedRoots: [], bundles: [], limits: DEFAULT_LIMITS, controlIds: [] };

describe('the worker-thread pool', () => {
  it('a whole file asked of workers that cannot open the archive fails, naming it (pieces need no archive)', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'tickmark-pool-')), 'missing.zip');
    const pool = await startPool(missing, setup, 2);
    try {
      await expect(pool.run({ ledger: 'a', path: 'ledgers/a/000001.jsonl', checkpointRuns: [] })).rejects.toThrow(
        /missing\.zip/,
      );
    } finally {
      await pool.close();
    }
  });

  it('refuses to start when a worker is asked for a control this build lacks', async () => {
    const demo = await makeDemoArchive({ cedar: nodeCedar, receipts: 40, receiptsPerSegment: 20 });
    const zip = join(mkdtempSync(join(tmpdir(), 'tickmark-pool-')), 'demo.zip');
    writeFileSync(zip, zipFiles(demo.files));
    await expect(startPool(zip, { ...setup, controlIds: ['no-such-control'] }, 2)).rejects.toThrow(
      'no control check with the id "no-such-control" in this build',
    );
  });

  it('a warm pool: its threads, started before the setup, judge it when it comes; closed untaken, it cannot start', async () => {
    const demo = await makeDemoArchive({ cedar: nodeCedar, receipts: 40, receiptsPerSegment: 20 });
    const zip = join(mkdtempSync(join(tmpdir(), 'tickmark-pool-')), 'demo.zip');
    writeFileSync(zip, zipFiles(demo.files));
    const warm = warmPool(zip, 2);
    // The threads load while this thread waits; the setup comes later, as the engine's does.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const pool = await warm.start({ ...setup, controlIds: ['no-such-control'] }).catch((error: Error) => error);
    // The setup reached the warm threads: they judged it as a started pool's threads do.
    expect(pool).toBeInstanceOf(Error);
    expect((pool as Error).message).toContain('no control check with the id "no-such-control" in this build');
    await expect(warm.start(setup)).rejects.toThrow('already started or closed');

    const unused = warmPool(zip, 2);
    await unused.close();
    await expect(unused.start(setup)).rejects.toThrow('already started or closed');
  });

  it('a warm thread that cannot load refuses the pool with its reason, said before anyone listened', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'tickmark-pool-')), 'no-such-bundle.mjs');
    const warm = warmPool('unused.zip', 2, { script: { kind: 'bundle', file: missing } });
    // Long enough for the threads to fail before the pool listens to them.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await expect(warm.start(setup)).rejects.toThrow(/no-such-bundle\.mjs|Cannot find module/);
  });

  it("the bundle's threads start without tsx's loader, keeping every other flag", () => {
    expect(withoutTsx(['--import', 'tsx', '--cpu-prof', '--import=tsx', '--require', 'tsx/cjs', '-r', 'tsx'])).toEqual([
      '--cpu-prof',
    ]);
    // What the tsx command gives node.
    expect(
      withoutTsx([
        '--require',
        '/work/node_modules/tsx/dist/preflight.cjs',
        '--import',
        'file:///work/node_modules/tsx/dist/loader.mjs',
        '--inspect',
      ]),
    ).toEqual(['--inspect']);
    expect(withoutTsx(['--import', './mine.mjs', '--loader', 'tsx-like', '--max-old-space-size=100'])).toEqual([
      '--import',
      './mine.mjs',
      '--loader',
      'tsx-like',
      '--max-old-space-size=100',
    ]);
  });
});
