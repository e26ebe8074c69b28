/**
 * Time and memory against the number of receipts (issue 14: peak RSS < 1 GiB at 10,000,000,
 * time linear): one full `tickmark verify` per size, each in its own process, on demo archives
 * kept as folders (past 4 GiB a ZIP needs ZIP64, which the demo's writer does not write).
 * The figure is µs per receipt at each size over µs per receipt at the smallest, in one run.
 *
 *   BENCH_SCALE=1000000,10000000 BENCH_ONLY=scale npm run bench
 *   (off unless asked: on 2 cores, 10,000,000 receipts took 24 minutes to generate, once, and
 *   17 to verify; docs/PERFORMANCE.md)
 */
import { ensureArchive, verifyInChild } from './end-to-end.ts';

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
    const full = verifyInChild(archive.path, archive.root, workers);
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
