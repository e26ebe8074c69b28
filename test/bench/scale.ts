/**
 * Time and memory against the number of receipts (issue 14: peak RSS < 1 GiB at 10,000,000,
 * time linear): one full `tickmark verify` per size, each in its own process, on demo archives
 * kept as folders (past 4 GiB a ZIP needs ZIP64, which the demo's writer does not write).
 * The figure is µs per receipt at each size over µs per receipt at the smallest, in one run.
 *
 *   BENCH_SCALE=1000000,10000000 npm run bench     (off unless asked: 10,000,000 takes about
 *                                                   25 minutes to generate and 30 to verify on 2 cores)
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ensureArchive } from './end-to-end.ts';

const ROOT_DIR = fileURLToPath(new URL('../../', import.meta.url));

export interface ScaleFigure {
  readonly receipts: number;
  readonly generateSeconds: number | null;
  readonly verifySeconds: number;
  readonly microsPerReceipt: number;
  readonly maxRssMiB: number;
  readonly findings: string;
}

/** One figure per size, each given as soon as it is measured (a 10,000,000 run takes a while). */
export function* benchScale(sizes: readonly number[], workers: number): Generator<ScaleFigure> {
  for (const n of sizes) {
    const archive = ensureArchive(n, 1000, 'folder');
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', 'test/bench/verify-child.ts', archive.path, archive.root, String(workers)],
      { cwd: ROOT_DIR, encoding: 'utf8', maxBuffer: 1 << 26 },
    );
    const full = JSON.parse(out.trim().split('\n').at(-1) as string) as {
      ms: number;
      maxRssKiB: number;
      receipts: number;
      integrity: number;
      control: number;
    };
    yield {
      receipts: full.receipts,
      generateSeconds: archive.generateSeconds,
      verifySeconds: full.ms / 1000,
      microsPerReceipt: (full.ms * 1000) / full.receipts,
      maxRssMiB: Math.round(full.maxRssKiB / 1024),
      findings: `${full.integrity} integrity, ${full.control} control`,
    };
  }
}
