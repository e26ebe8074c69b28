/**
 * The engine's parallel protocol for control checks (`ControlCheck.parallel`), played in
 * one thread over given segments, so a test can compare it with one `visit` pass:
 *   - `stateless`: a fresh instance per segment visits its receipts and finishes; the
 *     segments' findings are joined in segment order.
 *   - `projected`: a fresh instance per segment projects its receipts; each projection
 *     goes through `structuredClone` (what `postMessage` does to it), nulls are not
 *     shipped, and one instance folds them in order, then finishes.
 * Runtime-neutral (shared/ rules), like fixtures.test-helper.ts.
 */
import type { Finding } from '../engine/findings.ts';
import type { ArchiveContext, ControlCheck, ControlCheckFactory } from '../engine/types.ts';
import type { FixtureRecord } from './fixtures.test-helper.ts';

export interface SegmentedRun<C extends ControlCheck> {
  readonly findings: Finding[];
  /** The instance holding the whole archive's state: the folding one; null if stateless. */
  readonly folded: C | null;
}

/** Runs one check over `segments` (consecutive, in ledger then seq order) as a pool would. */
export async function runCheckInSegments<C extends ControlCheck>(
  make: () => C | Promise<C>,
  segments: readonly (readonly FixtureRecord[])[],
): Promise<SegmentedRun<C>> {
  const findings: Finding[] = [];
  const first = await make();
  if (first.parallel === 'stateless') {
    for (const segment of segments) {
      const worker = await make();
      for (const { receipt, context } of segment) await worker.visit(receipt, context);
      findings.push(...(await worker.finish()));
    }
    return { findings, folded: null };
  }
  if (first.parallel === 'projected') {
    const shipped: unknown[] = [];
    for (const segment of segments) {
      const worker = await make();
      const project = worker.project?.bind(worker);
      if (!project) throw new Error(`check "${worker.name}" is projected but has no project()`);
      for (const { receipt, context } of segment) {
        const projection = project(receipt, context);
        if (projection !== null) shipped.push(structuredClone(projection));
      }
    }
    const main = await make();
    const fold = main.visitProjection?.bind(main);
    if (!fold) throw new Error(`check "${main.name}" is projected but has no visitProjection()`);
    for (const projection of shipped) fold(projection);
    findings.push(...(await main.finish()));
    return { findings, folded: main };
  }
  throw new Error(`check "${first.name}" does not declare how it runs in parallel`);
}

/** Every factory's findings from {@link runCheckInSegments}, joined in factory order. */
export async function runChecksInSegments(
  factories: readonly ControlCheckFactory[],
  archive: ArchiveContext,
  segments: readonly (readonly FixtureRecord[])[],
): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const make of factories) findings.push(...(await runCheckInSegments(() => make(archive), segments)).findings);
  return findings;
}

/** `records` cut before each index in `cuts` (out-of-range and repeated cuts ignored). */
export function splitAt<T>(records: readonly T[], cuts: readonly number[]): T[][] {
  const at = [...new Set(cuts.filter((c) => c > 0 && c < records.length))].sort((a, b) => a - b);
  const segments: T[][] = [];
  let start = 0;
  for (const cut of [...at, records.length]) {
    segments.push(records.slice(start, cut));
    start = cut;
  }
  return segments;
}
