/**
 * Cost per container entry and per key (issue 9): an archive of many one-byte entries and
 * a keys.json of many keys must cost time linear in their number. Each size is verified in
 * a child process (`tickmark verify`, every check) so peak memory is its own.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import { makeCleanArchive } from '../../shared/producer/demo.ts';
import { nodeCedar } from '../../cli/cedar-node.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));

export interface EntryCost {
  readonly entries: number;
  readonly seconds: number;
  readonly maxRssMiB: number;
}

/** Verifies a small clean archive plus `n` one-byte unlisted attachments; wall time and peak RSS. */
export async function benchManyEntries(sizes: readonly number[]): Promise<EntryCost[]> {
  const archive = await makeCleanArchive({ cedar: nodeCedar, receipts: 200, seed: 'bench-entries' });
  const dir = mkdtempSync(join(tmpdir(), 'tickmark-bench-entries-'));
  const out: EntryCost[] = [];
  for (const n of sizes) {
    const input: Record<string, [Uint8Array, { level: 0 }]> = {};
    for (const [k, v] of archive.files) input[k] = [v, { level: 0 }];
    for (let i = 0; i < n; i++) input[`attachments/x${i}`] = [new Uint8Array([65]), { level: 0 }];
    const path = join(dir, `entries-${n}.zip`);
    writeFileSync(path, zipSync(input));
    const started = process.hrtime.bigint();
    const child = spawnSync(
      '/usr/bin/time',
      [
        '-f',
        '%M',
        process.execPath,
        join(repo, 'cli/bin/tickmark.mjs'),
        'verify',
        path,
        '--trust-root',
        archive.rootPublicKey,
        '--json',
      ],
      { cwd: repo, maxBuffer: 1 << 30 },
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const rssKb = Number(child.stderr.toString().trim().split('\n').at(-1));
    out.push({ entries: n, seconds, maxRssMiB: Math.round(rssKb / 1024) });
  }
  return out;
}
