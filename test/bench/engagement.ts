/**
 * The engagement commands at scale (issue 14: "the new paths keep pace"), each in its own
 * process as CI would run it, start-up included, side by side with a baseline from the
 * same run:
 * - `tickmark sample` (a 59-item sample, and the same stratified by ledger) against one bare
 *   read of every ledger byte (the floor: a sample's population is every line);
 * - `tickmark workpaper build` (verify, a 59-item sample, the predicate, the PDF, signing)
 *   against `tickmark verify --json` of the same archive (the build's floor: the predicate's
 *   summary is that verification's).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bareRead } from './explain.ts';
import { ensureArchive } from './end-to-end.ts';

const ROOT_DIR = fileURLToPath(new URL('../../', import.meta.url));

/** Runs `tickmark <args>` in its own process; seconds and exit code (exit 2 is a failure to run). */
function timeCommand(args: readonly string[]): { seconds: number; exit: number } {
  const start = performance.now();
  let exit = 0;
  try {
    execFileSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
      cwd: ROOT_DIR,
      maxBuffer: 1 << 30,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  } catch (error) {
    exit = (error as { status?: number }).status ?? -1;
    if (exit !== 1) throw error;
  }
  return { seconds: (performance.now() - start) / 1000, exit };
}

export interface EngagementFigures {
  readonly receipts: number;
  readonly readSeconds: number;
  readonly verifySeconds: number;
  readonly cases: readonly {
    readonly what: string;
    readonly seconds: number;
    readonly baseline: 'read' | 'verify';
    readonly exit: number;
  }[];
}

export async function benchEngagement(receipts: number): Promise<EngagementFigures> {
  const { path, root } = ensureArchive(receipts);
  const dir = mkdtempSync(join(tmpdir(), 'tickmark-bench-engagement-'));
  try {
    const readSeconds = await bareRead(path);
    const sample = timeCommand(['sample', path, '--seed', 'bench-2026', '--size', '59', '--json']);
    const stratified = timeCommand([
      'sample',
      path,
      '--seed',
      'bench-2026',
      '--size',
      '59',
      '--stratify',
      'ledger',
      '--json',
    ]);
    const verify = timeCommand(['verify', path, '--trust-root', root, '--json']);
    const key = join(dir, 'auditor.pem');
    execFileSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'keygen', key], { cwd: ROOT_DIR });
    const build = timeCommand([
      'workpaper',
      'build',
      path,
      '--trust-root',
      root,
      '--key',
      key,
      '--preparer',
      'Bench Auditor',
      '--sample-seed',
      'bench-2026',
      '--sample-size',
      '59',
      '--out',
      join(dir, 'workpaper.dsse.json'),
      '--pdf',
      join(dir, 'workpaper.pdf'),
    ]);
    return {
      receipts,
      readSeconds,
      verifySeconds: verify.seconds,
      cases: [
        { what: 'sample, 59 items', baseline: 'read', ...sample },
        { what: 'sample, 59 items stratified by ledger', baseline: 'read', ...stratified },
        { what: 'workpaper build (verify + 59-item sample + PDF + signature)', baseline: 'verify', ...build },
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
