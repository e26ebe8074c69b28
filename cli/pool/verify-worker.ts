/**
 * A verification worker (Node worker_threads): checks pieces of segment files sent with
 * their bytes (or opens the archive itself for a whole file), rebuilds the
 * keyring, bundles and controls from the setup, and checks the segments it is sent with
 * exactly the code the main thread would use (shared/engine/segment-worker.ts, shared with
 * the app's Web Workers). Started with `job: 'replay'`, it is policy-diff's replay worker
 * instead (replay-worker.ts); with `job: 'sample'`, sample's ranking worker (sample-worker.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { segmentChecker } from '../../shared/engine/segment-worker.ts';
import { nativeStrictVerifier } from '../native-ed25519.ts';
import { useNativeSha256 } from '../native-sha256.ts';
import { openArchivePath } from '../open-archive.ts';
import { controlFactories } from '../engine-options.ts';
import { SharedDecisions } from '../../shared/decisions/shared-memo.ts';
import type { RunnerSetup } from '../../shared/engine/verify.ts';
import type { SegmentResult } from '../../shared/engine/segment.ts';
import { pieceBuffersOf, type SegmentTask } from '../../shared/engine/segment-task.ts';
import type { SetupMessage, WorkerInit } from './protocol.ts';
import { serveTasks } from './serve-tasks.ts';

useNativeSha256();
// The pool's one worker script (one bundle, worker-bundle.ts) also runs policy-diff's
// replay and sample's ranking.
const job = (workerData as { job?: string }).job;
if (job === 'replay') await import('./replay-worker.ts');
else if (job === 'sample') await import('./sample-worker.ts');
else await verifyWorker();

async function verifyWorker(): Promise<void> {
  const init = workerData as WorkerInit;
  const port = parentPort;
  if (!port) throw new Error('verify-worker must run as a worker thread');

  // Started warm (pool-runner.ts's `warmPool`): its code is loaded; the setup is its first message.
  const setup = await new Promise<RunnerSetup>((resolve) =>
    port.once('message', (message: SetupMessage) => resolve(message.setup)),
  );
  // Opened only when a whole file is asked for: pieces come with their bytes.
  const check = await segmentChecker(() => openArchivePath(init.archivePath, setup.limits), setup, {
    verifier: nativeStrictVerifier,
    controlFactories: controlFactories(init.decisions ? SharedDecisions.attach(init.decisions) : undefined),
  });

  // A message holds one task or several (whole small files, pieces.ts's batchSmallFiles), checked
  // in order. Nothing of a piece is held once it is checked (lines are decoded, signed bytes
  // verified at once; results hold strings and numbers): its buffer goes back to be read into again.
  serveTasks(
    port,
    async (tasks: SegmentTask[]) => {
      const results: SegmentResult[] = [];
      for (const task of tasks) results.push(await check(task));
      return results;
    },
    pieceBuffersOf,
  );
}
