/**
 * What a worker does with a job, without Redis (segment-service.ts): the result is the
 * segment's result as this thread checks it; the archive is hashed once, and again when
 * the file is replaced; a job for other bytes is refused naming both hashes; a read that
 * fails fails the task instead of becoming a finding.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipSync } from 'fflate';
import { memorySource } from '../../shared/archive/memory.ts';
import type { SegmentResult } from '../../shared/engine/segment.ts';
import type { SegmentTask } from '../../shared/engine/segment-task.ts';
import { localRunner } from '../../shared/engine/segment-task.ts';
import { buildKeyring } from '../../shared/engine/keys.ts';
import { verifyArchive, type RunnerSetup } from '../../shared/engine/verify.ts';
import { makeDemoArchive } from '../../shared/producer/demo.ts';
import { nodeCedar } from '../cedar-node.ts';
import { controlFactories, engineOptions } from '../engine-options.ts';
import { nativeStrictVerifier } from '../native-ed25519.ts';
import { buildControlsById } from '../../shared/engine/segment-worker.ts';
import { JOB_FORMAT, queuedSetup, setupSha256, type SegmentJobData } from './protocol.ts';
import { startRangeServer, type RangeServer } from './range-server.test-helper.ts';
import { DifferentArchiveError, JobRefusedError, segmentService } from './segment-service.ts';
import { fromWire, toWire } from './wire.ts';

const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** The setup and tasks the engine hands a runner for `files`. */
async function setupAndTasks(files: Map<string, Uint8Array>, root: string) {
  let setup: RunnerSetup | null = null;
  const tasks: SegmentTask[] = [];
  await verifyArchive(memorySource(files, 'demo.zip'), {
    ...engineOptions(),
    trustedRoots: [root],
    segmentRunnerMinBytes: 0,
    segmentRunner: async (s) => {
      setup = s;
      return {
        name: 'capture',
        concurrency: 1,
        run: async (task) => {
          tasks.push(task);
          throw new Error('captured');
        },
        close: async () => undefined,
      };
    },
  }).catch(() => undefined);
  return { setup: setup as unknown as RunnerSetup, tasks };
}

const demo = await makeDemoArchive({ cedar: nodeCedar, receipts: 600, receiptsPerSegment: 200, seed: 'service' });
const other = await makeDemoArchive({ cedar: nodeCedar, receipts: 600, receiptsPerSegment: 200, seed: 'other' });
const zipOf = (files: Map<string, Uint8Array>) => zipSync(Object.fromEntries(files));
const zipBytes = zipOf(demo.files);
const otherZip = zipOf(other.files);
const { setup } = await setupAndTasks(demo.files, demo.rootPublicKey);
const task: SegmentTask = { ledger: 'gw-eu-1', path: 'ledgers/gw-eu-1/000002.jsonl', checkpointRuns: [] };

/** The result this thread gives for `task` (a fresh checker, as a worker builds one). */
async function expected(files: Map<string, Uint8Array>, t: SegmentTask): Promise<SegmentResult> {
  const keyring = buildKeyring(setup.keys, setup.trustedRoots, nativeStrictVerifier).keyring;
  const bundlesByHash = new Map(setup.bundles.map((b) => [b.hash, b]));
  const controls = await buildControlsById(controlFactories(), setup.controlIds, {
    bundlesByHash,
    keyring,
    verifier: nativeStrictVerifier,
  });
  const source = memorySource(files, 'demo.zip');
  const entries = new Map((await source.entries()).map((e) => [e.name, e]));
  const result = await localRunner(
    source,
    entries,
    { keyring, verifier: nativeStrictVerifier, bundlesByHash, controls },
    setup.limits.maxLineBytes,
  ).run(t);
  for (const control of controls)
    if (control.parallel === 'stateless') result.findings.push(...(await control.finish()));
  return result;
}

/** The run's setup as `verify --queue` puts it in Redis, and its SHA-256 as jobs name it. */
const SETUP_TEXT = JSON.stringify(toWire(queuedSetup(setup)));
const SETUP_SHA = setupSha256(SETUP_TEXT);

/** The service with a store of setups by SHA-256 (Redis in `tickmark worker`), counting its reads. */
function serviceWith(setups: ReadonlyMap<string, string> = new Map([[SETUP_SHA, SETUP_TEXT]])) {
  const reads: string[] = [];
  const service = segmentService({
    setupText: async (run, sha) => (reads.push(run), setups.get(sha) ?? null),
  });
  return Object.assign(service, { reads });
}

const job = (
  location: string,
  archiveSha: string,
  t: SegmentTask = task,
  run = randomUUID(),
  setupSha = SETUP_SHA,
): SegmentJobData => ({
  format: JOB_FORMAT,
  run,
  index: 0,
  archive: { location, sha256: archiveSha },
  setupSha256: setupSha,
  task: toWire(t),
});

let dir: string;
let server: RangeServer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tickmark-service-'));
  writeFileSync(join(dir, 'demo.zip'), zipBytes);
  writeFileSync(join(dir, 'other.zip'), otherZip);
  server = await startRangeServer({ 'demo.zip': zipBytes });
});
afterAll(async () => server.close());

describe('a worker checking one segment job', () => {
  it('returns the segment result this thread gives, from a file and over HTTP', async () => {
    const service = serviceWith();
    try {
      const want = await expected(demo.files, task);
      const fromFile = fromWire(await service.process(job(join(dir, 'demo.zip'), sha256(zipBytes))));
      expect(fromFile).toStrictEqual({ ...want, file: (fromFile as SegmentResult).file });
      expect((fromFile as SegmentResult).file).toEqual({
        bytes: demo.files.get(task.path)?.length,
        sha256: sha256(demo.files.get(task.path) as Uint8Array),
      });
      const overHttp = fromWire(await service.process(job(server.url('demo.zip'), sha256(zipBytes))));
      expect(overHttp).toStrictEqual(fromFile);
      expect(server.requests.some((r) => r.range !== null && r.range !== 'bytes=0-0')).toBe(true);
    } finally {
      await service.close();
    }
  });

  it('hashes the archive once for many tasks and runs, and again when the file is replaced', async () => {
    const service = serviceWith();
    const path = join(dir, 'moving.zip');
    writeFileSync(path, zipBytes);
    try {
      const run = randomUUID();
      for (const t of ['gw-eu-1/000001', 'gw-eu-1/000002', 'gw-us-1/000001'])
        await service.process(
          job(path, sha256(zipBytes), { ...task, ledger: t.split('/')[0] as string, path: `ledgers/${t}.jsonl` }, run),
        );
      await service.process(job(path, sha256(zipBytes)));
      expect(service.hashes()).toBe(1);
      // The setup read once for each run's checker.
      expect(new Set(service.reads).size).toBe(2);
      expect(service.reads).toHaveLength(2);
      // Another archive put in its place (a new inode): hashed again, and refused.
      writeFileSync(join(dir, 'moving.tmp'), otherZip);
      renameSync(join(dir, 'moving.tmp'), path);
      await expect(service.process(job(path, sha256(zipBytes), task, run))).rejects.toThrow(DifferentArchiveError);
      expect(service.hashes()).toBe(2);
    } finally {
      await service.close();
    }
  });

  it('refuses a job for other bytes, naming both hashes', async () => {
    const service = serviceWith();
    try {
      const error = await service.process(job(join(dir, 'other.zip'), sha256(zipBytes))).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DifferentArchiveError);
      expect(error).toBeInstanceOf(JobRefusedError);
      expect((error as Error).message).toBe(
        `worker has a different archive: expected ${sha256(zipBytes)}, found ${sha256(otherZip)} (at ${join(dir, 'other.zip')})`,
      );
    } finally {
      await service.close();
    }
  });

  it('refuses a job whose setup is not in the store, or is not the one it names', async () => {
    const service = serviceWith(new Map([[SETUP_SHA, SETUP_TEXT.replace('"trustedRoots"', '"trustedRoots" ')]]));
    try {
      const path = join(dir, 'demo.zip');
      const gone = `sha256:${'0'.repeat(64)}`;
      await expect(service.process(job(path, sha256(zipBytes), task, randomUUID(), gone))).rejects.toThrow(
        new JobRefusedError(`the run's setup (${gone}) is not in Redis: the run has ended`),
      );
      await expect(service.process(job(path, sha256(zipBytes)))).rejects.toThrow(
        new JobRefusedError(`the run's setup in Redis is not the one its jobs name (${SETUP_SHA})`),
      );
    } finally {
      await service.close();
    }
  });

  it('refuses a job that is not a segment job, or names no usable location', async () => {
    const service = serviceWith();
    await expect(service.process({ format: 'something else' })).rejects.toThrow(/not a tickmark segment job/);
    await expect(service.process(job('demo.zip', sha256(zipBytes)))).rejects.toThrow(JobRefusedError);
    await expect(service.process(job('demo.zip', sha256(zipBytes)))).rejects.toThrow(/neither an absolute path nor/);
    await expect(service.process(job(join(dir, 'missing.zip'), sha256(zipBytes)))).rejects.toThrow(
      /cannot open the archive at .*missing\.zip: ENOENT/,
    );
    await service.close();
  });

  it('a read that fails part-way fails the task (retried elsewhere), never a finding about the evidence', async () => {
    const flaky = await startRangeServer({ 'demo.zip': zipBytes });
    const service = serviceWith();
    try {
      const run = randomUUID();
      await service.process(job(flaky.url('demo.zip'), sha256(zipBytes), task, run));
      // The server fails the reads now (the file is unchanged): the engine would make that a
      // finding on the segment; the worker fails the task instead, naming what failed.
      flaky.failReads(true);
      const next = { ...task, path: 'ledgers/gw-us-1/000001.jsonl', ledger: 'gw-us-1' };
      await expect(service.process(job(flaky.url('demo.zip'), sha256(zipBytes), next, run))).rejects.toThrow(
        /could not read ledgers\/gw-us-1\/000001\.jsonl from http:\/\/127\.0\.0\.1:\d+\/demo\.zip: cannot read .*HTTP 503/,
      );
      // Served again: the next task is checked as usual (the failed checker was dropped).
      flaky.failReads(false);
      const result = fromWire(await service.process(job(flaky.url('demo.zip'), sha256(zipBytes), next, run)));
      expect(result).toMatchObject({ path: next.path, lines: 200, file: { bytes: demo.files.get(next.path)?.length } });
    } finally {
      await service.close();
      await flaky.close();
    }
  });
});
