/**
 * A replay worker (Node worker_threads) for `tickmark policy-diff`: takes pieces of segment
 * files with their bytes, replays each line's recorded request under both versions of the
 * bundle (shared/policy/replay.ts, the code the command's own thread runs), and hands back
 * what it found for that piece. Its Cedar memo lives as long as the worker, so a request
 * seen in an earlier piece is not evaluated again.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DEFAULT_LIMITS } from '../../shared/archive/source.ts';
import { pieceLines } from '../../shared/engine/segment-task.ts';
import { ImpactCollector } from '../../shared/policy/impact.ts';
import { replayLines } from '../../shared/policy/replay.ts';
import { nodeCedar } from '../cedar-node.ts';
import { useNativeSha256 } from '../native-sha256.ts';
import type { ReplayFromWorker, ReplayToWorker, ReplayWorkerInit } from './protocol.ts';

useNativeSha256();
const init = workerData as ReplayWorkerInit;
const port = parentPort;
if (!port) throw new Error('replay-worker must run as a worker thread');

const collector = new ImpactCollector(nodeCedar, init.from, init.to);

port.on('message', async (message: ReplayToWorker) => {
  try {
    const notReadLines = await replayLines(pieceLines(message.piece, DEFAULT_LIMITS.maxLineBytes), collector);
    port.postMessage({
      type: 'result',
      id: message.id,
      result: { part: collector.drain(), notReadLines },
    } satisfies ReplayFromWorker);
  } catch (error) {
    port.postMessage({
      type: 'error',
      id: message.id,
      message: (error as Error).stack ?? String(error),
    } satisfies ReplayFromWorker);
  }
});
port.postMessage({ type: 'ready' } satisfies ReplayFromWorker);
