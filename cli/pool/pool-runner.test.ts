/**
 * The worker pool must give exactly the single-thread answer: same findings in the same
 * order, same ledger verdicts, on an archive with planted failures and on a tampered one,
 * with workers run from the bundle (worker-bundle.ts) and through tsx alike.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { zipFiles } from '../../shared/producer/zip.ts';
import { makeDemoArchive } from '../../shared/producer/demo.ts';
import { nodeCedar } from '../cedar-node.ts';
import { verifyPath } from '../commands/verify.ts';
import { FreePieceBuffers } from '../../shared/engine/pieces.ts';
import { startPool } from './pool-runner.ts';
import { poolWorkerScript } from './worker-bundle.ts';

describe('verification in a pool of worker threads', () => {
  it('gives the same report as one thread, planted failures and tampering included', async () => {
    const demo = await makeDemoArchive({ cedar: nodeCedar, receipts: 2400, receiptsPerSegment: 300 });
    // Tamper with one receipt in the middle segment of gw-us-1: a changed latency.
    const path = 'ledgers/gw-us-1/000002.jsonl';
    const text = new TextDecoder().decode(demo.files.get(path));
    demo.files.set(
      path,
      new TextEncoder().encode(text.replace(/"latency_ms":(\d+)/, (_m, n) => `"latency_ms":${Number(n) + 1}`)),
    );
    const zip = join(mkdtempSync(join(tmpdir(), 'tickmark-pool-')), 'demo.zip');
    writeFileSync(zip, zipFiles(demo.files));

    const single = await verifyPath(zip, { trustedRoots: [demo.rootPublicKey] }, { workers: 1 });
    const pooled = await verifyPath(
      zip,
      { trustedRoots: [demo.rootPublicKey], segmentRunnerMinBytes: 0 },
      { workers: 2 },
    );

    // esbuild comes with tsx, so the default pool runs the bundle, not the fallback.
    expect(await poolWorkerScript()).toMatchObject({ kind: 'bundle' });
    expect(pooled.checks.map((c) => c.check)).toContain('Segments checked by a pool of 2 worker threads');
    expect(single.checks.map((c) => c.check)).toContain('Segments checked by this thread');
    expect(pooled.findings).toEqual(single.findings);
    expect(pooled.ledgers).toEqual(single.ledgers);
    expect(pooled.summary).toEqual(single.summary);
    const codes = new Set(single.findings.map((f) => f.code));
    for (const p of demo.plantedFailures) expect(codes).toContain(p.code);
    expect(codes).toContain('SIGNATURE_INVALID');
    expect(codes).toContain('FILE_HASH_MISMATCH');

    // The fallback when the worker bundle cannot be built: TypeScript through tsx in each worker.
    const tsx = await verifyPath(
      zip,
      {
        trustedRoots: [demo.rootPublicKey],
        segmentRunnerMinBytes: 0,
        segmentRunner: (setup) => startPool(zip, setup, 2, { script: { kind: 'tsx', reason: 'a test' } }),
      },
      { workers: 1 },
    );
    expect(tsx.checks.map((c) => c.check)).toContain('Segments checked by a pool of 2 worker threads');
    expect(tsx.findings).toEqual(single.findings);
    expect(tsx.ledgers).toEqual(single.ledgers);
  });

  it('splits large files into pieces: one 1,200-receipt file per ledger gives the single-thread report', async () => {
    const demo = await makeDemoArchive({ cedar: nodeCedar, receipts: 2400, receiptsPerSegment: 1200 });
    const path = 'ledgers/gw-eu-1/000001.jsonl';
    const text = new TextDecoder().decode(demo.files.get(path));
    // Two tamperings far apart in one file: a changed latency and a line made unreadable.
    const lines = text.split('\n');
    lines[100] = (lines[100] as string).replace(/"latency_ms":(\d+)/, (_m, n) => `"latency_ms":${Number(n) + 1}`);
    lines[900] = 'not json';
    demo.files.set(path, new TextEncoder().encode(lines.join('\n')));
    const zip = join(mkdtempSync(join(tmpdir(), 'tickmark-pool-')), 'large-files.zip');
    writeFileSync(zip, zipFiles(demo.files));

    const single = await verifyPath(zip, { trustedRoots: [demo.rootPublicKey] }, { workers: 1 });
    const buffers = new CountingBuffers();
    let progressCalls = 0;
    let lastProgress = { bytesDone: 0, bytesTotal: -1 };
    const pooled = await verifyPath(
      zip,
      {
        trustedRoots: [demo.rootPublicKey],
        segmentRunnerMinBytes: 0,
        pieceBytes: 64 * 1024,
        // The first file's pieces start at 4 KiB and double up to 64 KiB.
        firstPieceBytes: 4096,
        onProgress: (p) => {
          if (p.phase !== 'ledgers') return;
          progressCalls++;
          lastProgress = p;
        },
      },
      { workers: 2, pieceBuffers: buffers },
    );
    expectPoolGaveSingleThreadReport(pooled, single, ['SIGNATURE_INVALID', 'RECORD_MALFORMED']);
    // The threads moved each checked piece's buffer back (whether the reader takes one again
    // depends on sizes and timing: pieces.test.ts reads pieces into given-back buffers).
    expect(buffers.given).toBeGreaterThan(20);
    // About 1.6 MB of receipts in 64 KiB pieces: progress moved with each piece, not each file.
    expect(progressCalls).toBeGreaterThan(20);
    // Bytes done counts each piece's span (its bytes were moved to a worker) and ends at the total.
    expect(lastProgress.bytesDone).toBe(lastProgress.bytesTotal);
  });

  it('files of a few receipts go to a thread several at a time, and give the single-thread report', async () => {
    const demo = await makeDemoArchive({ cedar: nodeCedar, receipts: 2400, receiptsPerSegment: 10 });
    // A changed latency in one small file, a line made unreadable in another.
    const tamper = (path: string, change: (text: string) => string) =>
      demo.files.set(path, new TextEncoder().encode(change(new TextDecoder().decode(demo.files.get(path)))));
    tamper('ledgers/gw-us-1/000030.jsonl', (t) =>
      t.replace(/"latency_ms":(\d+)/, (_m, n) => `"latency_ms":${Number(n) + 1}`),
    );
    tamper('ledgers/gw-eu-1/000041.jsonl', (t) => t.replace(/^[^\n]*/, 'not json'));
    const zip = join(mkdtempSync(join(tmpdir(), 'tickmark-pool-')), 'small-files.zip');
    writeFileSync(zip, zipFiles(demo.files));

    const single = await verifyPath(zip, { trustedRoots: [demo.rootPublicKey] }, { workers: 1 });
    const batches: number[] = [];
    const pooled = await verifyPath(
      zip,
      {
        trustedRoots: [demo.rootPublicKey],
        segmentRunnerMinBytes: 0,
        segmentRunner: async (setup) => {
          const pool = await startPool(zip, setup, 2);
          const runMany = pool.runMany?.bind(pool);
          if (!runMany) throw new Error('the pool runs no tasks together');
          return {
            ...pool,
            run: (task) => pool.run(task),
            close: () => pool.close(),
            runMany: (tasks) => {
              batches.push(tasks.length);
              return runMany(tasks);
            },
          };
        },
      },
      { workers: 1 },
    );
    expectPoolGaveSingleThreadReport(pooled, single, ['SIGNATURE_INVALID', 'RECORD_MALFORMED']);
    // Every segment file went to a thread once, most of them several to a message.
    const segments = [...demo.files.keys()].filter((p) => /^ledgers\/[^/]+\/\d+\.jsonl$/.test(p)).length;
    expect(segments).toBeGreaterThan(200);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(segments);
    expect(batches.length).toBeLessThan(segments / 4);
  });
});

type Report = Awaited<ReturnType<typeof verifyPath>>;

/** The pool of 2 threads checked the segments and gave the single thread's report, with `codes` among its findings. */
function expectPoolGaveSingleThreadReport(pooled: Report, single: Report, codes: readonly string[]): void {
  expect(pooled.checks.map((c) => c.check)).toContain('Segments checked by a pool of 2 worker threads');
  expect(pooled.findings).toEqual(single.findings);
  expect(pooled.ledgers).toEqual(single.ledgers);
  expect(pooled.summary).toEqual(single.summary);
  const found = new Set(single.findings.map((f) => f.code));
  for (const code of codes) expect(found).toContain(code);
}

/** Free piece buffers that count what the pool's threads gave back. */
class CountingBuffers extends FreePieceBuffers {
  given = 0;
  override give(buffer: ArrayBuffer): void {
    this.given++;
    super.give(buffer);
  }
}
