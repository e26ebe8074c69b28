/**
 * Issue 14's app target, measured side by side: the workbench's import of an archive (verify,
 * store and index, in this machine's Chromium through the real UI: the open button, the file
 * chooser, the dashboard at the end) against `tickmark verify --json` on the same archive in a
 * process of its own, one after the other, the order alternated round by round.
 *
 * - The app's time is the window's own measure of the import (`tickmark import`,
 *   import-archive.ts: from the start of verification to the last row stored); its CPU is every
 *   Chromium process's, read from /proc before and after. Nothing drives the page while it
 *   imports: the end is awaited by a check once a second, so the figure is the import's, not a
 *   test's input (test/e2e/responsiveness.test.ts times the window under input instead).
 * - The command line's time is the whole command as a user waits for it (Node's start, tsx,
 *   the run, the JSON written), timed from outside; its CPU is what the process and its threads
 *   used (this process's reaped children's time in /proc/self/stat, before and after).
 *
 * Needs Debian's Chromium at /usr/bin/chromium and the renderer's production build (made here
 * unless BENCH_APP_SKIP_BUILD=1). Both must report the archive's receipts and the same numbers
 * of integrity and control findings; an import that fails or a count that differs throws.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openWorkbench, pinRootKey, repo, startImport } from '../e2e/browser.ts';
import { staticServer } from '../e2e/global-setup.ts';
import { chromiumCpuSeconds, reapedChildrenCpuSeconds, threadCpuTracker, type ThreadUse } from '../e2e/process-cpu.ts';

const CHROMIUM = '/usr/bin/chromium';

interface Findings {
  readonly integrity: number;
  readonly control: number;
}

export interface AppImportRound {
  readonly first: 'app' | 'cli';
  /** The window's measure of the import, in seconds. */
  readonly appSeconds: number;
  /** Every Chromium process's CPU during the import, or null where /proc cannot tell. */
  readonly appCpuSeconds: number | null;
  readonly cliSeconds: number;
  readonly cliCpuSeconds: number | null;
  readonly cliExit: number;
  readonly receipts: number;
  /** Integrity and control findings, the same in both (else the bench stops). */
  readonly findings: Findings;
  /** The app's CPU by thread during the import (read from /proc once a second), largest first; empty without /proc. */
  readonly appThreads: readonly (readonly [string, ThreadUse])[];
}

/** `tickmark verify <archive> --trust-root <root> --json` in its own process, as a user runs it. */
async function runCli(
  archive: string,
  root: string,
): Promise<{ seconds: number; cpuSeconds: number | null; exit: number; receipts: number; findings: Findings }> {
  const cpuBefore = reapedChildrenCpuSeconds();
  const start = performance.now();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'cli/main.ts', 'verify', archive, '--trust-root', root, '--json'],
    { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const out: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  const exit = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? -1));
  });
  const seconds = (performance.now() - start) / 1000;
  const cpuAfter = reapedChildrenCpuSeconds();
  let summary: { receipts: number; integrity_findings: number; control_findings: number };
  try {
    ({ summary } = JSON.parse(Buffer.concat(out).toString('utf8')) as { summary: typeof summary });
  } catch {
    throw new Error(`tickmark verify exited ${exit} without a JSON report on ${archive}`);
  }
  return {
    seconds,
    cpuSeconds: cpuBefore !== null && cpuAfter !== null ? cpuAfter - cpuBefore : null,
    exit,
    receipts: summary.receipts,
    findings: { integrity: summary.integrity_findings, control: summary.control_findings },
  };
}

/** One import in a fresh Chromium profile (an empty database), through the open button. */
async function runApp(
  baseUrl: string,
  archive: string,
  root: string,
  timeoutMs: number,
): Promise<{
  seconds: number;
  cpuSeconds: number | null;
  receipts: number;
  findings: Findings;
  threads: readonly (readonly [string, ThreadUse])[];
}> {
  const wb = await openWorkbench(baseUrl);
  try {
    await pinRootKey(wb.page, root, 'Benchmark root');
    const cpuBefore = chromiumCpuSeconds(wb.profile);
    const threads = threadCpuTracker(wb.profile);
    // A worker's thread is gone once it ends: each thread's last figure is kept.
    const sampling = setInterval(() => threads.sample(), 1000);
    try {
      await startImport(wb.page, archive);
      // Checked once a second: a locator's wait would poll every animation frame and add its own work.
      await wb.page.waitForFunction(
        () =>
          document.querySelector('[data-testid="dashboard"]') !== null ||
          document.querySelector('[data-testid="import-failed"]') !== null,
        undefined,
        { polling: 1000, timeout: timeoutMs },
      );
    } finally {
      clearInterval(sampling);
    }
    threads.sample();
    const cpuAfter = chromiumCpuSeconds(wb.profile);
    const measured = await wb.page.evaluate(() => {
      const entry = performance.getEntriesByName('tickmark import').at(-1) as PerformanceMeasure | undefined;
      const detail = entry?.detail as
        { receipts: number; findings: { integrity: number; control: number } } | undefined;
      return entry && detail ? { ms: entry.duration, receipts: detail.receipts, findings: detail.findings } : null;
    });
    if (!measured) {
      const error = await wb.page
        .getByTestId('import-failed')
        .textContent({ timeout: 1000 })
        .catch(() => null);
      throw new Error(
        `the app did not import ${archive}: ${error ?? 'no measure of the import'} ${wb.errors.join('; ')}`,
      );
    }
    return {
      seconds: measured.ms / 1000,
      cpuSeconds: cpuBefore !== null && cpuAfter !== null ? cpuAfter - cpuBefore : null,
      receipts: measured.receipts,
      findings: measured.findings,
      threads: threads.since(),
    };
  } finally {
    await wb.close();
  }
}

/**
 * `rounds` pairs of an app import and a command-line verification of `archive`, the order
 * alternated; `onRound` is given each pair as it ends (a round at 1,000,000 takes minutes).
 */
export async function benchAppImport(
  archive: { readonly path: string; readonly root: string },
  receipts: number,
  rounds: number,
  onRound: (round: AppImportRound, index: number) => void,
): Promise<AppImportRound[]> {
  if (!existsSync(CHROMIUM))
    throw new Error(`the app import bench needs Chromium at ${CHROMIUM} (Debian: apt-get install -y chromium)`);
  const dist = join(repo, 'dist', 'renderer');
  if (process.env.BENCH_APP_SKIP_BUILD !== '1')
    execFileSync('npm', ['run', '-s', 'build:renderer'], {
      cwd: repo,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, NODE_ENV: 'production' },
    });
  const server = staticServer(dist);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  const timeoutMs = 120_000 + receipts * 2;
  const out: AppImportRound[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const first = round % 2 === 0 ? 'app' : 'cli';
      let app: Awaited<ReturnType<typeof runApp>> | undefined;
      if (first === 'app') app = await runApp(baseUrl, archive.path, archive.root, timeoutMs);
      const cli = await runCli(archive.path, archive.root);
      if (first === 'cli') app = await runApp(baseUrl, archive.path, archive.root, timeoutMs);
      if (!app) throw new Error('unreachable');
      // Both must verify the same receipts; fewer than the archive holds only where both refused
      // the same entries (the reader's limits: the findings are compared next, and the row says so).
      if (app.receipts !== cli.receipts || cli.receipts > receipts || (cli.receipts < receipts && cli.exit === 0))
        throw new Error(
          `${archive.path}: the app saw ${app.receipts} receipts, the command line ${cli.receipts}, of ${receipts}`,
        );
      if (cli.receipts < receipts)
        console.log(
          `${archive.path}: both verified ${cli.receipts} of its ${receipts} receipts (entries refused by the reader's limits, reported by both)`,
        );
      if (app.findings.integrity !== cli.findings.integrity || app.findings.control !== cli.findings.control)
        throw new Error(
          `${archive.path}: the app found ${JSON.stringify(app.findings)}, the command line ${JSON.stringify(cli.findings)}`,
        );
      const pair: AppImportRound = {
        first,
        appSeconds: app.seconds,
        appCpuSeconds: app.cpuSeconds,
        cliSeconds: cli.seconds,
        cliCpuSeconds: cli.cpuSeconds,
        cliExit: cli.exit,
        receipts,
        findings: cli.findings,
        appThreads: app.threads,
      };
      onRound(pair, round);
      out.push(pair);
    }
  } finally {
    server.close();
  }
  return out;
}
