/**
 * Runs one `tickmark verify --queue` in its own process and prints its wall time (from the
 * archive's hash to the report), so the bench measures it as verify-child.ts measures a
 * local run. Usage: verify-queue-child.ts <archive> <root> <redis://host:port>
 */
import { verifyOnQueue } from '../../cli/distributed/verify-queue.ts';

const [archive, root, queue] = process.argv.slice(2) as [string, string, string];
const start = performance.now();
const report = await verifyOnQueue(archive, { trustedRoots: [root], queue, workerWaitSeconds: 120 });
const ms = performance.now() - start;
process.stdout.write(
  JSON.stringify({
    ms,
    receipts: report.summary.receipts,
    integrity: report.summary.integrity_findings,
    control: report.summary.control_findings,
    checks: report.checks.map((c) => `${c.check}: ${c.status}`),
  }) + '\n',
);
