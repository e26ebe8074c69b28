/**
 * A sample worker (Node worker_threads) for `tickmark sample`: takes pieces of segment
 * files with their bytes, hashes and scores each line and hands back, per stratum, how many
 * lines the piece offered and its lowest scores (shared/sampling/piece.ts, the code the
 * command's own thread runs with one worker).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DEFAULT_LIMITS } from '../../shared/archive/source.ts';
import { samplePiece, type SamplePieceTask } from '../../shared/sampling/piece.ts';
import { useNativeSha256 } from '../native-sha256.ts';
import type { SampleWorkerInit } from './protocol.ts';
import { serveTasks } from './serve-tasks.ts';

useNativeSha256();
const init = workerData as SampleWorkerInit;
const port = parentPort;
if (!port) throw new Error('sample-worker must run as a worker thread');

// A candidate's line is decoded to text before the part is returned: nothing of the piece is
// held, and its buffer goes back to be read into again.
serveTasks(
  port,
  (task: SamplePieceTask) => samplePiece(task, init.rule, DEFAULT_LIMITS.maxLineBytes),
  (task) => [task.piece.bytes.buffer as ArrayBuffer],
);
