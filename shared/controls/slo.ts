/**
 * `SLO_BREACH` (FORMAT.md §7): over the receipts decided under one bundle hash, the
 * nearest-rank p99 of `exec.latency_ms` (the ⌈0.99·n⌉-th smallest) must not exceed the
 * bundle's `slo.p99_latency_ms`.
 *
 * Latencies are kept exactly, 8 bytes a receipt in a typed array (any JSON integer up
 * to 2^53 is exact in a double), and only for bundles that declare an SLO; they are
 * sorted once, at the end, and only when a breach needs its p99 stated. Merging two
 * partial states is concatenating their columns.
 */
import { finding, type Finding } from '../engine/findings.ts';
import type { ControlCheck, ControlCheckFactory, ResolvedBundle } from '../engine/types.ts';
import { GrowableFloat64 } from './growable.ts';
import { bundleName } from './location.ts';

interface BundleLatencies {
  readonly bundle: ResolvedBundle;
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

export const sloCheck: ControlCheckFactory = (): ControlCheck => {
  const byBundle = new Map<string, BundleLatencies>();
  return {
    name: 'latency SLO',
    visit(receipt, context) {
      const bundle = context.bundle;
      const limit = bundle?.body.slo?.p99_latency_ms;
      if (!bundle || limit === undefined) return;
      let entry = byBundle.get(bundle.hash);
      if (!entry) byBundle.set(bundle.hash, (entry = { bundle, latencies: new GrowableFloat64(1024), over: 0 }));
      entry.latencies.push(receipt.exec.latency_ms);
      if (receipt.exec.latency_ms > limit) entry.over++;
    },
    finish() {
      const findings: Finding[] = [];
      for (const entry of byBundle.values()) {
        const found = judgeBundle(entry);
        if (found) findings.push(found);
      }
      return findings;
    },
  };
};

function judgeBundle({ bundle, latencies, over }: BundleLatencies): Finding | null {
  const limit = bundle.body.slo?.p99_latency_ms ?? Infinity;
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
