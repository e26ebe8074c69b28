/**
 * The explain worker's warm-up fixture (renderer/workers/explain-warmup.json): one receipt
 * of a small clean demo archive, the last step of a four-step transaction, gathered as
 * `tickmark explain` gathers it. The worker explains it while idle, so that the first
 * receipt an auditor opens does not pay for compiling the judgment's code (measured: a
 * first judgment several times slower than the next). Made here, in Node, with the
 * producer; `warmup-fixture.test.ts` fails when the committed file differs from what this
 * makes today.
 */
import { memorySource } from '../../shared/archive/memory.ts';
import { materialsToJson, type MaterialsJson } from '../../shared/explain/materials-json.ts';
import { makeCleanArchive } from '../../shared/producer/demo.ts';
import { nodeCedar } from '../cedar-node.ts';
import { gatherMaterials } from './gather.ts';

export const WARMUP_FIXTURE_PATH = 'renderer/workers/explain-warmup.json';

export interface WarmupFixture {
  readonly about: string;
  readonly trustedRoots: readonly string[];
  readonly materials: MaterialsJson;
}

export async function makeWarmupFixture(): Promise<WarmupFixture> {
  const archive = await makeCleanArchive({
    cedar: nodeCedar,
    receipts: 40,
    seed: 'tickmark-explain-warmup',
    receiptsPerSegment: 20,
    checkpointEvery: 10,
  });
  const materials = await gatherMaterials(memorySource(archive.files, 'warm-up.zip'), 'gw-eu-1#12');
  return {
    about:
      'Made by cli/explain/warmup-fixture.ts (a clean demo archive, seed tickmark-explain-warmup): the explain worker judges it while idle. Regenerate: TICKMARK_WRITE_FIXTURE=1 npx vitest run cli/explain/warmup-fixture.test.ts',
    trustedRoots: [archive.rootPublicKey],
    materials: materialsToJson(materials),
  };
}
