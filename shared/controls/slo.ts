/**
 * `SLO_BREACH` (FORMAT.md §7): over the receipts decided under one bundle hash, the
 * nearest-rank p99 of `exec.latency_ms` (the ⌈0.99·n⌉-th smallest) must not exceed the
 * bundle's `slo.p99_latency_ms`.
 *
 * Latencies are kept exactly, 8 bytes a receipt in a typed array (any JSON integer up
 * to 2^53 is exact in a double), and only for bundles that declare an SLO; they are
 * sorted once, at the end, and only when a breach needs its p99 stated.
 *
 * Map, then merge (projected.ts): a worker projects each receipt to its bundle hash and
 * latency, and the fold appends the latency to that bundle's column. Only the nearest
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
import { GrowableFloat64 } from './growable.ts';
import { bundleName } from './location.ts';
import { projectedCheck } from './projected.ts';

/** One receipt's latency under a bundle with an objective: 83 bytes structured-cloned. */
export type LatencyProjection = readonly [bundle: string, latency: number];

interface BundleLatencies {
  readonly bundle: ResolvedBundle;
  /** The bundle's `slo.p99_latency_ms`. */
  readonly limit: number;
  readonly latencies: GrowableFloat64;
  /** Receipts slower than the SLO: with n this decides a breach without sorting. */
  over: number;
}

/** ⌈0.99·n⌉ in integers, so no floating-point product can round the rank the wrong way. */
export function nearestRank99(n: number): number {
  return Math.floor((99 * n + 99) / 100);
}

/** Nearest-rank p99 of `values` (sorts a copy); null for an empty set. */
export function p99NearestRank(values: Float64Array): number | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  return sorted[nearestRank99(values.length) - 1] ?? null;
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
        byBundle.set(hash, (entry = { bundle, limit, latencies: new GrowableFloat64(1024), over: 0 }));
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
  const p99 = p99NearestRank(latencies.view()) ?? 0;
  return finding(
    'SLO_BREACH',
    `Under ${bundleName(bundle)}, the 99th-percentile latency (nearest rank: the ${rank}th smallest of ${n} receipts) is ${p99} ms, above the bundle's objective of ${limit} ms; ${over} receipt(s) took longer than ${limit} ms.`,
    { path: bundle.path },
    { bundle: bundle.hash, receipts: n, rank, p99LatencyMs: p99, sloMs: limit, slower: over },
  );
}
