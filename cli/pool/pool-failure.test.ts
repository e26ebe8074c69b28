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
import { startPool } from './pool-runner.ts';

const setup: RunnerSetup = { keys: null, trustedRoots: [], bundles: [], limits: DEFAULT_LIMITS, controlIds: [] };

describe('the worker-thread pool', () => {
  it('a whole file asked of workers that cannot open the archive fails, naming it (pieces need no archive)', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'tickmark-pool-')), 'missing.zip');
    const pool = await startPool(missing, setup, 2);
    try {
      await expect(pool.run({ ledger: 'a', path: 'ledgers/a/000001.jsonl', checkpointSeqs: [] })).rejects.toThrow(
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
});
