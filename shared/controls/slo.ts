/**
 * `SLO_BREACH` (FORMAT.md §7): over the receipts decided under one bundle hash, the
 * nearest-rank p99 of `exec.latency_ms` (the ⌈0.99·n⌉-th smallest) must not exceed the
 * bundle's `slo.p99_latency_ms`.
 *
 * Latencies are kept exactly, counted by value ({@link LatencyCounts}: the whole
 * milliseconds below 65,536 in a table of counts, any other value in a column), and only
 * for bundles that declare an SLO; the p99 is found in the counts, at the end, and only
 * when a breach needs it stated. Ten million receipts cost a few hundred kilobytes, not
 * the 80 MB (and more while a column grows) of keeping each latency.
 *
 * Map, then merge (projected.ts): a worker projects each receipt to its bundle hash and
 * latency, and the fold counts the latency in that bundle's counts. Only the nearest
 * rank over the whole column decides a breach, so no segment can judge one alone.
 */
import { finding, type Finding } from '../engine/findings.ts';
import type {
  ArchiveContext,
  ControlCheck,
  ControlCheckFactory,
  ReceiptContext,
  ResolvedBundle,
} from '../engine/types.ts';
import type { Receipt } from '../format/schema.ts';
import { GrowableFloat64 } from '../format/growable.ts';
import { bundleName } from './location.ts';
import { projectedCheck } from './projected.ts';

/** One receipt's latency under a bundle with an objective: 83 bytes structured-cloned. */
export type LatencyProjection = readonly [bundle: string, latency: number];

interface BundleLatencies {
  readonly bundle: ResolvedBundle;
  /** The bundle's `slo.p99_latency_ms`. */
  readonly limit: number;
  readonly latencies: LatencyCounts;
  /** Receipts slower than the SLO: with n this decides a breach without sorting. */
  over: number;
}

/** ⌈0.99·n⌉ in integers, so no floating-point product can round the rank the wrong way. */
export function nearestRank99(n: number): number {
  return Math.floor((99 * n + 99) / 100);
}

/** Whole milliseconds below this are counted in a table; any other latency is kept in a column. */
const COUNTED = 65_536;

/**
 * Latencies counted by value, for an exact nearest rank in little memory. A latency is a JSON
 * integer of milliseconds, almost always below a minute: those are counted in a table of
 * 65,536 counts (512 KiB). Any other value (larger, negative, fractional) is kept as it is,
 * 8 bytes each, and sorted when a rank is asked for.
 */
export class LatencyCounts {
  #counts: Float64Array | null = null;
  readonly #others = new GrowableFloat64(64);
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(latency: number): void {
    // -0 is kept apart: a sort puts it before 0, and so must the rank.
    if (Number.isInteger(latency) && latency >= 0 && latency < COUNTED && !Object.is(latency, -0)) {
      const counts = (this.#counts ??= new Float64Array(COUNTED));
      counts[latency] = (counts[latency] as number) + 1;
    } else {
      this.#others.push(latency);
    }
    this.#length++;
  }

  /** The `rank`-th smallest latency (from 1), as a sort of all of them would give it; null out of range. */
  nthSmallest(rank: number): number | null {
    if (!(Number.isInteger(rank) && rank >= 1 && rank <= this.#length)) return null;
    const others = Float64Array.from(this.#others.view()).sort();
    const counts = this.#counts;
    let below = 0;
    let next = 0;
    for (let value = 0; value < COUNTED; value++) {
      // Kept values below this one (negative, -0, or a fraction below it) come first.
      while (next < others.length && ((others[next] as number) < value || Object.is(others[next], -0))) {
        if (++below === rank) return others[next] as number;
        next++;
      }
      const count = counts ? (counts[value] as number) : 0;
      if (below + count >= rank) return value;
      below += count;
    }
    return others[next + rank - below - 1] ?? null;
  }
}

export const sloCheck: ControlCheckFactory = (archive: ArchiveContext): ControlCheck => {
  const byBundle = new Map<string, BundleLatencies>();
  return projectedCheck<LatencyProjection>({
    id: 'slo',
    name: 'latency SLO',
    project: projectLatency,
    fold([hash, latency]) {
      let entry = byBundle.get(hash);
      if (!entry) {
        // `project` shipped only the hash; the bundle is the archive's, the one the engine
        // put in the receipt's context (both come from the same `bundlesByHash`).
        const bundle = archive.bundlesByHash.get(hash);
        const limit = bundle?.body.slo?.p99_latency_ms;
        if (!bundle || limit === undefined) return;
        byBundle.set(hash, (entry = { bundle, limit, latencies: new LatencyCounts(), over: 0 }));
      }
      entry.latencies.push(latency);
      if (latency > entry.limit) entry.over++;
    },
    finish() {
      const findings: Finding[] = [];
      for (const entry of byBundle.values()) {
        const found = judgeBundle(entry);
        if (found) findings.push(found);
      }
      return findings;
    },
  });
};

/** Receipts under a bundle without an objective add nothing, so they project to null. */
export function projectLatency(receipt: Receipt, context: ReceiptContext): LatencyProjection | null {
  const bundle = context.bundle;
  if (!bundle || bundle.body.slo?.p99_latency_ms === undefined) return null;
  return [bundle.hash, receipt.exec.latency_ms];
}

function judgeBundle({ bundle, limit, latencies, over }: BundleLatencies): Finding | null {
  const n = latencies.length;
  const rank = nearestRank99(n);
  // The rank-th smallest exceeds the limit exactly when more than n - rank receipts do.
  if (n === 0 || over <= n - rank) return null;
  const p99 = latencies.nthSmallest(rank) ?? 0;
  return finding(
    'SLO_BREACH',
    `Under ${bundleName(bundle)}, the 99th-percentile latency (nearest rank: the ${rank}th smallest of ${n} receipts) is ${p99} ms, above the bundle's objective of ${limit} ms; ${over} receipt(s) took longer than ${limit} ms.`,
    { path: bundle.path },
    { bundle: bundle.hash, receipts: n, rank, p99LatencyMs: p99, sloMs: limit, slower: over },
  );
}
