/**
 * Runs one full `tickmark verify` in its own process and prints its wall time, peak
 * memory (resident set, all threads) and result, so the bench measures it cleanly.
 * Usage: verify-child.ts <archive> <root> <workers> [memory]
 * With `memory`, receipt ids and outputs stay in memory whatever the archive's size (no spill).
 */
import { verifyPath } from '../../cli/commands/verify.ts';

const [archive, root, workers, mode] = process.argv.slice(2) as [string, string, string, string | undefined];
const start = performance.now();
const report = await verifyPath(
  archive,
  { trustedRoots: [root], ...(mode === 'memory' ? { spillMinBytes: Infinity } : {}) },
  { workers: Number(workers) },
);
const ms = performance.now() - start;
const usage = process.resourceUsage();
process.stdout.write(
  JSON.stringify({
    ms,
    maxRssKiB: usage.maxRSS,
    // User and system CPU of every thread: against the wall time, what waited on the disk.
    cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
    receipts: report.summary.receipts,
    integrity: report.summary.integrity_findings,
    control: report.summary.control_findings,
    checks: report.checks.map((c) => `${c.check}: ${c.status}`),
  }) + '\n',
);
