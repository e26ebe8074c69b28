/**
 * A replay worker (Node worker_threads) for `tickmark policy-diff`: takes pieces of segment
 * files with their bytes, replays each line's recorded request under both versions of the
 * bundle (shared/policy/replay.ts, the code the command's own thread runs), and hands back
 * what it found for that piece. Its Cedar memo lives as long as the worker, so a request
 * seen in an earlier piece is not evaluated again.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DEFAULT_LIMITS } from '../../shared/archive/source.ts';
import type { SegmentPiece } from '../../shared/engine/pieces.ts';
import { pieceLines } from '../../shared/engine/segment-task.ts';
import { ImpactCollector } from '../../shared/policy/impact.ts';
import { replayLines } from '../../shared/policy/replay.ts';
import { nodeCedar } from '../cedar-node.ts';
import { SharedDecisions } from '../../shared/decisions/shared-memo.ts';
import { useNativeSha256 } from '../native-sha256.ts';
import type { ReplayResult, ReplayWorkerInit } from './protocol.ts';
import { serveTasks } from './serve-tasks.ts';

useNativeSha256();
const init = workerData as ReplayWorkerInit;
const port = parentPort;
if (!port) throw new Error('replay-worker must run as a worker thread');

const collector = new ImpactCollector(nodeCedar, init.from, init.to, {
  ...(init.decisions ? { shared: SharedDecisions.attach(init.decisions) } : {}),
});

// Lines are decoded to text and nothing of a piece is held once it is replayed: its buffer goes
// back to be read into again.
serveTasks(
  port,
  async (piece: SegmentPiece): Promise<ReplayResult> => {
    const notReadLines = await replayLines(pieceLines(piece, DEFAULT_LIMITS.maxLineBytes), collector);
    return { part: collector.drain(), notReadLines };
  },
  (piece) => [piece.bytes.buffer as ArrayBuffer],
);
