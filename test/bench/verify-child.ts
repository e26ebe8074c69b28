/**
 * Runs one full `tickmark verify` in its own process and prints its wall time, peak
 * memory (resident set, all threads) and result, so the bench measures it cleanly.
 * Usage: verify-child.ts <archive> <root> <workers>
 */
import { verifyPath } from '../../cli/commands/verify.ts';

const [archive, root, workers] = process.argv.slice(2) as [string, string, string];
const start = performance.now();
const report = await verifyPath(archive, { trustedRoots: [root] }, { workers: Number(workers) });
const ms = performance.now() - start;
process.stdout.write(
  JSON.stringify({
    ms,
    maxRssKiB: process.resourceUsage().maxRSS,
    receipts: report.summary.receipts,
    integrity: report.summary.integrity_findings,
    control: report.summary.control_findings,
    checks: report.checks.map((c) => `${c.check}: ${c.status}`),
  }) + '\n',
);
