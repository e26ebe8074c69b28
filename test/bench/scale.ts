/**
 * Time and memory against the number of receipts (issue 14: peak RSS < 1 GiB at 10,000,000,
 * time linear): one full `tickmark verify` per size, each in its own process, on demo archives
 * kept as folders (past 4 GiB a ZIP needs ZIP64, which the demo's writer does not write).
 * The figure is µs per receipt at each size over µs per receipt at the smallest, in one run.
 *
 *   BENCH_SCALE=1000000,10000000 BENCH_ONLY=scale npm run bench
 *   (off unless asked: on 2 cores, 10,000,000 receipts took 24 minutes to generate, once, and
 *   17 to verify; docs/PERFORMANCE.md)
 *
 * With BENCH_SCALE_MEMORY=1 each size is also verified with receipt ids and outputs kept in
 * memory (no spill to disk), right after the run that spills, so the two compare in one run.
 */
import { ensureArchive, verifyInChild } from './end-to-end.ts';

export interface ScaleFigure {
  readonly receipts: number;
  readonly generateSeconds: number | null;
  readonly verifySeconds: number;
  readonly microsPerReceipt: number;
  /** CPU (all threads) per receipt: linear where the wall time is not means time spent waiting (the disk). */
  readonly cpuMicrosPerReceipt: number;
  readonly maxRssMiB: number;
  readonly findings: string;
  /** 'spill' (what `tickmark verify` does) or 'memory' (spill turned off). */
  readonly mode: 'spill' | 'memory';
}

/** One figure per size, each given as soon as it is measured (a 10,000,000 run takes a while). */
export function* benchScale(sizes: readonly number[], workers: number, alsoInMemory = false): Generator<ScaleFigure> {
  for (const n of sizes) {
    const archive = ensureArchive(n, 1000, 'folder');
    for (const mode of alsoInMemory ? (['spill', 'memory'] as const) : (['spill'] as const)) {
      const full = verifyInChild(archive.path, archive.root, workers, mode === 'memory');
      yield {
        receipts: full.receipts,
        generateSeconds: mode === 'spill' ? archive.generateSeconds : null,
        verifySeconds: full.ms / 1000,
        microsPerReceipt: (full.ms * 1000) / full.receipts,
        cpuMicrosPerReceipt: (full.cpuMs * 1000) / full.receipts,
        maxRssMiB: Math.round(full.maxRssKiB / 1024),
        findings: `${full.integrity} integrity, ${full.control} control`,
        mode,
      };
    }
  }
}
