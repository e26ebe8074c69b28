/**
 * `npm run bench:queue`: throughput of `tickmark verify --queue` with 1, 2 and 4
 * `tickmark worker` processes (one task at a time each) on one cached demo archive, beside
 * the local worker-thread pool on the same archive in the same run. A redis-server is
 * started on a free loopback port. Not a test: nothing here passes or fails.
 *
 *   npm run bench:queue                                  (100,000 receipts; workers 1,2,4)
 *   BENCH_QUEUE_RECEIPTS=30000 BENCH_QUEUE_WORKERS=1,2 npm run bench:queue
 *   BENCH_QUEUE_SHAPE=independent-ledgers500 npm run bench:queue  (a shape as BENCH_SHAPES names it; the demo's
 *                                                          files of 1,000 by default)
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { benchShape, shapeArchive } from './end-to-end.ts';

const ROOT_DIR = fileURLToPath(new URL('../../', import.meta.url));
const receipts = Number(process.env.BENCH_QUEUE_RECEIPTS ?? 100_000);
const shapeName = process.env.BENCH_QUEUE_SHAPE ?? '1000';
const workerCounts = (process.env.BENCH_QUEUE_WORKERS ?? '1,2,4').split(',').map(Number);
const poolSize = availableParallelism();
const f = (n: number) => Math.round(n).toLocaleString('en-US');
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');

interface ChildFigures {
  readonly ms: number;
  readonly receipts: number;
  readonly integrity: number;
  readonly control: number;
  readonly checks: string[];
}

function child(script: string, args: string[]): ChildFigures {
  const out = execFileSync(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT_DIR,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  return JSON.parse(out.trim().split('\n').at(-1) as string) as ChildFigures;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function startWorker(url: string): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'worker', '--queue', url], {
    cwd: ROOT_DIR,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let said = '';
  return new Promise((resolve, reject) => {
    proc.stderr?.on('data', (d: Buffer) => {
      said += d.toString();
      if (/ready: taking tasks/.test(said)) resolve(proc);
    });
    proc.on('exit', (code) => reject(new Error(`a worker exited (${code}) before it was ready:\n${said}`)));
  });
}

async function stopWorkers(workers: ChildProcess[]): Promise<void> {
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          w.on('exit', () => resolve());
          w.kill('SIGTERM');
        }),
    ),
  );
}

if (spawnSync('which', ['redis-server']).status !== 0) {
  console.log('bench:queue needs redis-server (apt-get install -y redis-server)');
  process.exit(1);
}

console.log(`# Tickmark queue benchmark, ${new Date().toISOString()}`);
console.log(`Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'})`);
console.log(`load average at start: ${load()}`);
const archive = shapeArchive(receipts, benchShape(shapeName, receipts));
console.log(
  `archive: ${f(receipts)} receipts, shape ${shapeName}, ${archive.generateSeconds === null ? 'cached' : `made in ${archive.generateSeconds.toFixed(0)} s`}\n`,
);

const port = await freePort();
const url = `redis://127.0.0.1:${port}`;
const redis = spawn(
  'redis-server',
  ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
  {
    stdio: 'ignore',
  },
);
try {
  const rows: { runner: string; processes: string; figures: ChildFigures }[] = [];
  // The local pool runs first and last: on a shared machine the two figures show the noise.
  const localRun = () => child('test/bench/verify-child.ts', [archive.path, archive.root, String(poolSize)]);
  const first = localRun();
  rows.push({ runner: `local pool of ${poolSize} worker threads (first)`, processes: '1', figures: first });
  for (const n of workerCounts) {
    const workers = await Promise.all(Array.from({ length: n }, () => startWorker(url)));
    try {
      const figures = child('test/bench/verify-queue-child.ts', [archive.path, archive.root, url]);
      rows.push({ runner: `BullMQ queue, ${n} worker process${n === 1 ? '' : 'es'}`, processes: `1 + ${n}`, figures });
    } finally {
      await stopWorkers(workers);
    }
  }
  const last = localRun();
  rows.push({ runner: `local pool of ${poolSize} worker threads (last)`, processes: '1', figures: last });
  const localRate = ((first.receipts + last.receipts) * 1000) / (first.ms + last.ms);
  console.log(
    '| segments checked by | processes | receipts | time (s) | receipts/s | vs local pool (mean) | findings |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const { runner, processes, figures } of rows) {
    const rate = (figures.receipts * 1000) / figures.ms;
    console.log(
      `| ${runner} | ${processes} | ${f(figures.receipts)} | ${(figures.ms / 1000).toFixed(1)} | ${f(rate)} | ${(rate / localRate).toFixed(2)} | ${figures.integrity} integrity, ${figures.control} control |`,
    );
  }
  console.log(`\nload average at end: ${load()}`);
} finally {
  redis.kill('SIGTERM');
}
