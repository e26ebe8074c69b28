/**
 * `tickmark verify --queue` with `tickmark worker`s, end to end: a redis-server started
 * here on a free loopback port, worker processes, and the report compared with a local
 * `tickmark verify --json` (minus the line that says who checked the segments). One worker
 * is killed (SIGKILL) mid-task and its segment is checked elsewhere; the archive is also
 * served over HTTP with Range support; a tampered archive gives the local findings; a
 * worker with another archive and a Redis that is not there stop the run with exit 2.
 *
 * Needs Debian's redis-server (.ci/run installs it); without it these tests say they are
 * skipped. No timing is asserted: timeouts are generous for a loaded two-core machine.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unzipSync, zipSync } from 'fflate';
import { Redis } from 'ioredis';
import { QUEUE_NAME } from './protocol.ts';
import { startRangeServer, type RangeServer } from './range-server.test-helper.ts';
import { runTickmark } from '../../test/support/cli.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HAVE_REDIS = spawnSync('which', ['redis-server']).status === 0;
const RECEIPTS = 12_000; // 24 segments of 500 receipts (two ledgers)
const LONG = 240_000;

interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `tickmark …` in a child process, as a person runs it. */
function tickmark(args: readonly string[]): { child: ChildProcess; done: Promise<Finished>; stderr: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => void (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => void (stderr += d.toString()));
  const done = new Promise<Finished>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done, stderr: () => stderr };
}

/** `tickmark …` in this process (demo, local verify): faster than a child. */
const inProcess = (...argv: string[]): Promise<Finished> => runTickmark(argv);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function until(what: string, test: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!(await test())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The report without the check that names the runner (the only line that may differ). */
function comparable(json: string): unknown {
  const report = JSON.parse(json) as { checks: { check: string }[] };
  return { ...report, checks: report.checks.filter((c) => !c.check.startsWith('Segments checked by')) };
}

const sha256 = (path: string) => `sha256:${createHash('sha256').update(readFileSync(path)).digest('hex')}`;

describe.skipIf(!HAVE_REDIS)('verify --queue with tickmark workers on Redis', () => {
  let dir: string;
  let redis: ChildProcess;
  let url: string;
  let client: Redis;
  let zip: string;
  let root: string;
  let localJson: string;
  const workers: { proc: ReturnType<typeof tickmark>; killed: boolean }[] = [];

  const startWorker = async () => {
    const proc = tickmark([
      'worker',
      '--queue',
      url,
      '--lock-duration',
      '2000',
      '--stalled-interval',
      '500',
      '--verbose',
    ]);
    const worker = { proc, killed: false };
    workers.push(worker);
    await until('a worker to be ready', () => /ready: taking tasks/.test(proc.stderr()));
    return worker;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tickmark-queue-'));
    const port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    await until('redis-server', async () => {
      try {
        if (client.status === 'wait' || client.status === 'end') await client.connect();
        return (await client.ping()) === 'PONG';
      } catch {
        return false;
      }
    });
    zip = join(dir, 'demo.zip');
    const made = await inProcess('demo', zip, '--receipts', String(RECEIPTS), '--segment-receipts', '500');
    expect(made.code).toBe(0);
    root = /--trust-root ([0-9a-f]{64})/.exec(made.stdout)?.[1] as string;
    const local = await inProcess('verify', zip, '--trust-root', root, '--json', '--workers', '1');
    expect(local.code).toBe(1); // the demo plants control failures
    localJson = local.stdout;
  }, LONG);

  afterAll(async () => {
    for (const w of workers) w.proc.child.kill('SIGKILL');
    client?.disconnect();
    redis?.kill('SIGKILL');
  });

  it(
    'with no worker connected, the run waits, then stops with exit 2 and says how to start one',
    async () => {
      const run = tickmark(['verify', zip, '--trust-root', root, '--queue', url, '--worker-wait', '2']);
      const done = await run.done;
      expect(done.code).toBe(2);
      expect(done.stderr).toMatch(
        new RegExp(
          `no tickmark worker has been connected to the queue at ${url} for 2 s; start workers with: tickmark worker --queue ${url}`,
        ),
      );
      expect(done.stdout).toBe('');
    },
    LONG,
  );

  it(
    'three workers, one killed (SIGKILL) mid-task: the report is the local one, the segment checked elsewhere',
    async () => {
      await Promise.all([startWorker(), startWorker(), startWorker()]);
      const run = tickmark(['verify', zip, '--trust-root', root, '--queue', url, '--json']);
      // Kill a worker in the middle of a task, once a few tasks are done. It is frozen first
      // (SIGSTOP) and killed only if, frozen, its last word is still "checking": so it surely
      // dies holding that task (a plain kill could land just after it finished).
      const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
      const lastLine = (w: (typeof workers)[number]) => w.proc.stderr().trim().split('\n').at(-1) ?? '';
      let killedTask: string | null = null;
      await until(
        'a worker to take a task mid-run',
        async () => {
          const checked = workers.reduce((n, w) => n + (w.proc.stderr().match(/: checked /g)?.length ?? 0), 0);
          if (checked < 4) return false;
          for (const w of workers) {
            const before = lastLine(w);
            const m = /: checking (\S+) \(job (\S+),/.exec(before);
            if (!m || w.killed) continue;
            w.proc.child.kill('SIGSTOP');
            await sleep(300); // what it wrote before it stopped reaches us
            if (lastLine(w) === before) {
              w.proc.child.kill('SIGKILL');
              w.killed = true;
              killedTask = `${m[1]} (job ${m[2]}`;
              return true;
            }
            w.proc.child.kill('SIGCONT');
          }
          return false;
        },
        LONG,
      );
      const done = await run.done;
      expect(done.stderr).not.toMatch(/internal error/);
      expect(done.code).toBe(1);
      expect(comparable(done.stdout)).toEqual(comparable(localJson));
      const checks = (JSON.parse(done.stdout) as { checks: { check: string }[] }).checks.map((c) => c.check);
      expect(checks).toContain(`Segments checked by a BullMQ queue at ${url}`);
      // The killed worker's task was taken again, by another worker, to its end.
      const killedOnes = workers.filter((w) => w.killed);
      expect(killedOnes).toHaveLength(1);
      expect(killedOnes[0]?.proc.stderr()).not.toContain(`checked ${killedTask}`);
      const survivors = workers.filter((w) => !w.killed).map((w) => w.proc.stderr());
      expect(survivors.some((log) => log.includes(`checked ${killedTask}`))).toBe(true);
      await startWorker(); // three alive again
    },
    LONG,
  );

  it(
    'the archive served over HTTP with Range requests: the same report',
    async () => {
      const server: RangeServer = await startRangeServer({ 'demo.zip': zip });
      try {
        const done = await tickmark(['verify', server.url('demo.zip'), '--trust-root', root, '--queue', url, '--json'])
          .done;
        expect(done.stderr).not.toMatch(/internal error/);
        expect(done.code).toBe(1);
        expect(comparable(done.stdout)).toEqual(comparable(localJson));
        // The workers read segments by Range requests, never the server's whole-file answer.
        const ranged = server.requests.filter((r) => r.status === 206 && r.range !== 'bytes=0-0');
        expect(ranged.length).toBeGreaterThan(24);
        expect(server.requests.every((r) => r.status === 206)).toBe(true);
      } finally {
        await server.close();
      }
    },
    LONG,
  );

  let tampered: string;
  it(
    'a tampered archive: the same findings as a local verify',
    async () => {
      const files = unzipSync(readFileSync(zip));
      const edit = (path: string, change: (text: string) => string) => {
        files[path] = new TextEncoder().encode(change(new TextDecoder().decode(files[path])));
      };
      edit('ledgers/gw-eu-1/000004.jsonl', (t) =>
        t.replace(/"latency_ms":(\d+)/, (_m, n: string) => `"latency_ms":${Number(n) + 1}`),
      );
      edit('ledgers/gw-us-1/000007.jsonl', (t) => {
        const lines = t.split('\n');
        lines.splice(10, 1);
        return lines.join('\n');
      });
      tampered = join(dir, 'tampered.zip');
      writeFileSync(tampered, zipSync(files));
      const local = await inProcess('verify', tampered, '--trust-root', root, '--json', '--workers', '1');
      const codes = (JSON.parse(local.stdout) as { findings: { code: string }[] }).findings.map((f) => f.code);
      expect(codes).toEqual(expect.arrayContaining(['SIGNATURE_INVALID', 'FILE_HASH_MISMATCH']));
      const done = await tickmark(['verify', tampered, '--trust-root', root, '--queue', url, '--json']).done;
      expect(done.stderr).not.toMatch(/internal error/);
      expect(done.code).toBe(1);
      expect(comparable(done.stdout)).toEqual(comparable(local.stdout));
    },
    LONG,
  );

  it('after the runs, Redis holds no job of theirs: only the queue itself', async () => {
    const keys = await client.keys(`bull:${QUEUE_NAME}:*`);
    expect(keys.filter((k) => /[0-9a-f-]{36}-\d+/.test(k))).toEqual([]);
    for (const list of ['wait', 'active', 'paused']) expect(await client.llen(`bull:${QUEUE_NAME}:${list}`)).toBe(0);
    for (const set of ['completed', 'failed', 'delayed', 'prioritized'])
      expect(await client.zcard(`bull:${QUEUE_NAME}:${set}`)).toBe(0);
    expect(await client.xlen(`bull:${QUEUE_NAME}:events`)).toBeLessThanOrEqual(600); // trimmed near 500
  });

  it(
    'workers that open another archive refuse the tasks: exit 2 naming both hashes, not a report',
    async () => {
      const done = await tickmark([
        'verify',
        zip,
        '--trust-root',
        root,
        '--queue',
        url,
        '--worker-archive',
        tampered,
        '--json',
      ]).done;
      expect(done.code).toBe(2);
      expect(done.stdout).toBe('');
      expect(done.stderr).toMatch(
        `worker has a different archive: expected ${sha256(zip)}, found ${sha256(tampered)} (at ${tampered})`,
      );
      expect(done.stderr).toMatch(
        /^tickmark verify: verification on the queue stopped: a worker could not check ledgers\//m,
      );
    },
    LONG,
  );

  it('every run put its setup in Redis once and took it away at its end, the stopped one too', async () => {
    // Each run's jobs named it by SHA-256 (protocol.ts, setupKey); none is left.
    expect(await client.keys('tickmark:setup:*')).toEqual([]);
    const logs = workers.map((w) => w.proc.stderr()).join('\n');
    expect(logs).not.toMatch(/setup .* is not in Redis/);
  });
});

if (!HAVE_REDIS)
  describe('verify --queue with tickmark workers on Redis', () => {
    it.skip('SKIPPED: redis-server is not installed here (.ci/run installs it: apt-get install -y redis-server)', () => {});
  });

describe('verify --queue when Redis cannot be reached', () => {
  it(
    'exits 2 with "cannot reach Redis at redis://…: <reason>" instead of retrying',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tickmark-noredis-'));
      const zip = join(dir, 'tiny.zip');
      writeFileSync(zip, zipSync({ 'manifest.json': new TextEncoder().encode('{}') }));
      const port = await freePort();
      const done = await tickmark(['verify', zip, '--queue', `redis://127.0.0.1:${port}`, '--json']).done;
      expect(done.code).toBe(2);
      expect(done.stdout).toBe('');
      expect(done.stderr).toMatch(
        new RegExp(`^tickmark verify: cannot reach Redis at redis://127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`),
      );
    },
    LONG,
  );
});
