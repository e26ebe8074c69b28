/**
 * One worker of the app's verification pool: checks pieces of segment files sent with their
 * bytes, or opens the archive itself for a whole file (a File is shared between threads, not
 * copied; Electron's bytes are relayed through the verify worker),
 * rebuilds keys, bundles and controls from the setup, and checks the segments it is sent
 * with the engine's own segment code (shared/engine/segment-worker.ts). Each result goes
 * back with the segment's rows (raw lines and index columns) for the verify worker to store.
 */
/// <reference lib="webworker" />
import { blobBytes } from '../../shared/archive/blob.ts';
import { openZip } from '../../shared/archive/zip.ts';
import { nobleStrictVerifier } from '../../shared/format/ed25519.ts';
import { webCryptoVerifier } from '../../shared/format/webcrypto-ed25519.ts';
import { webCryptoLineHashes } from '../../shared/engine/line-hashes.ts';
import { segmentChecker, type SegmentChecker } from '../../shared/engine/segment-worker.ts';
import type { DigestSubtle } from '../../shared/format/webcrypto-sha256.ts';
import { createMetricsCollector } from '../../shared/controls/metrics.ts';
import { createPrivacyCollector } from '../../shared/controls/privacy.ts';
import { loadControlChecks } from './control-checks.ts';
import { SharedDecisions } from '../../shared/decisions/shared-memo.ts';
import { SegmentRowsBuilder, segmentRowsBuffers, type PiecePlace } from './receipt-columns.ts';
import { ByteRelay } from './relay.ts';
import { installFastestSha256 } from './file-hashing.ts';
import type { FromSegmentWorker, ToSegmentWorker } from './segment-protocol.ts';
import { decodeUtf8InScriptFromNow } from '../../shared/format/bytes.ts';
import { PIECE_BYTES } from '../../shared/engine/pieces.ts';
import type { SegmentTask } from '../../shared/engine/segment-task.ts';

declare const self: DedicatedWorkerGlobalScope;

// Receipt lines decoded in script, not by Chromium's TextDecoder (shared/format/bytes.ts says why).
decodeUtf8InScriptFromNow();

const relay = new ByteRelay((request) => post(request));
let checker: Promise<SegmentChecker> | null = null;
/** Time checking tasks, and time between tasks since the worker was ready (the import's benchmark). */
let busyMs = 0;
let idleMs = 0;
let idleSince: number | null = null;
let running = 0;
/** The tasks sent so far, each run after the one before. */
let tasks: Promise<void> = Promise.resolve();
/** Buffers lines came back in before (segment-pool.ts's `SpareLineBuffers`), to pack a piece's lines into. */
const spareLines: ArrayBuffer[] = [];

const MAX_SPARE_LINES = 4;

/**
 * Memory for `bytes` of a piece's lines: a spare buffer that large, else a new one of at least a
 * whole piece's size, so that, once it comes back, it holds the lines of any piece after it.
 */
function linesBufferFor(bytes: number): ArrayBuffer {
  const at = spareLines.findIndex((buffer) => buffer.byteLength >= bytes);
  return at < 0 ? new ArrayBuffer(Math.max(bytes, PIECE_BYTES)) : (spareLines.splice(at, 1)[0] as ArrayBuffer);
}

function post(message: FromSegmentWorker, transfer: Transferable[] = []): void {
  self.postMessage(message, transfer);
}

self.onmessage = (event: MessageEvent<ToSegmentWorker>) => {
  const message = event.data;
  switch (message.type) {
    case 'warm':
      preload();
      break;
    case 'init':
      checker = start(message);
      checker.catch((error: Error) => post({ type: 'init-failed', message: error.message ?? String(error) }));
      break;
    case 'tasks':
      // One after another, in the order sent, answered in that order: the pool sends a worker
      // its next tasks before the last are done (pool-core.ts's `tasksPerWorker`).
      if (message.linesBuffer && spareLines.length < MAX_SPARE_LINES) spareLines.push(message.linesBuffer);
      tasks = tasks.then(() => runTasks(message.id, message.tasks, message.linesKept));
      break;
    case 'bytes':
      relay.answer(message);
      break;
  }
};

/**
 * What a worker loads before it can check: the WebAssembly SHA-256, WebCrypto's Ed25519 and
 * Cedar (only for a run with controls). A warm worker asks for all three at `warm`, while the
 * verify worker still reads the archive's manifest, keys and bundles; `init` finds them loaded.
 */
let cedar: ReturnType<typeof loadControlChecks> | null = null;
let signatures: ReturnType<typeof webCryptoVerifier> | null = null;
const loadCedar = () => (cedar ??= loadControlChecks());
const loadSignatures = () => (signatures ??= webCryptoVerifier());

function preload(): void {
  void installFastestSha256();
  void loadSignatures();
  void loadCedar();
}

async function start(init: Extract<ToSegmentWorker, { type: 'init' }>): Promise<SegmentChecker> {
  const { source, setup, decisions } = init;
  // Opened only if a whole file is asked for: pieces come with their bytes.
  const archive = () =>
    openZip(source.kind === 'blob' ? blobBytes(source.blob) : relay.bytes(source.size), source.name, setup.limits);
  let factories: Awaited<ReturnType<typeof loadControlChecks>>['factories'] = [];
  if (setup.controlIds.length > 0) {
    const controls = await loadCedar();
    if (controls.unavailable) throw new Error(controls.unavailable);
    // The verify worker runs the privacy and metrics collectors beside the controls: their projections are made here too.
    const checks = decisions ? controls.sharing(SharedDecisions.attach(decisions)) : controls.factories;
    factories = [...checks, createPrivacyCollector, createMetricsCollector];
  }
  const bulkVerifier = await loadSignatures();
  const hashing = await installFastestSha256();
  const subtle = (globalThis as { crypto?: { subtle?: unknown } }).crypto?.subtle as DigestSubtle | undefined;
  const check = await segmentChecker(archive, setup, {
    verifier: nobleStrictVerifier,
    bulkVerifier: bulkVerifier ?? undefined,
    controlFactories: factories,
    // Without the WebAssembly SHA-256, line hashes with WebCrypto's (JavaScript's is the one left otherwise).
    hashLines: hashing === 'webassembly' ? undefined : ((await webCryptoLineHashes(subtle ?? null)) ?? undefined),
  });
  post({ type: 'ready', signatures: bulkVerifier?.name ?? nobleStrictVerifier.name });
  idleSince = performance.now();
  return check;
}

/**
 * Tasks checked in order and answered in one message, their rows in one set: one piece, or
 * several whole small files (SegmentRows' `files` then says whose each row is).
 */
async function runTasks(id: number, batch: readonly SegmentTask[], linesKept: readonly boolean[]): Promise<void> {
  try {
    const results = [];
    const pieceBuffers: ArrayBuffer[] = [];
    // Lines kept as the file's stored bytes are not sent back (nor copied into a buffer for
    // them); the others are packed into one buffer of their size: for a single piece, one its
    // lines came back in before (or a new whole piece's), for whole small files one their size.
    // A whole file sent without its bytes (read by the worker) has lines of a size not known yet.
    let lineBytes: number | undefined = 0;
    for (const [i, task] of batch.entries())
      if (linesKept[i] !== true)
        lineBytes = task.piece && lineBytes !== undefined ? lineBytes + task.piece.bytes.length : undefined;
    const into = batch.length === 1 && lineBytes ? linesBufferFor(lineBytes) : undefined;
    let rows: SegmentRowsBuilder | undefined;
    for (const [i, task] of batch.entries()) {
      const kept = linesKept[i] === true;
      if (rows) rows.next(task.ledger, task.path, kept, placeOf(task));
      else rows = new SegmentRowsBuilder(task.ledger, task.path, lineBytes, kept, into, placeOf(task));
      const checked = await checkTask(task, rows);
      results.push(checked.result);
      if (checked.freed) pieceBuffers.push(checked.freed);
    }
    if (!rows) throw new Error('a message of no tasks');
    const done = rows.finish();
    post({ type: 'results', id, results, rows: done, busyMs, idleMs, pieceBuffers }, [
      ...segmentRowsBuffers(done),
      ...pieceBuffers,
    ]);
  } catch (error) {
    post({ type: 'error', id, message: (error as Error).stack ?? String(error) });
  }
}

/** Where a task's piece lies in its file. */
function placeOf(task: SegmentTask): PiecePlace | undefined {
  return task.piece ? { offset: task.piece.offset, line: task.piece.firstLine, span: task.piece.span } : undefined;
}

/**
 * Checks one task, its records added to `rows`: its result, and its piece's buffer, free once
 * the piece is checked.
 */
async function checkTask(
  task: SegmentTask,
  rows: SegmentRowsBuilder,
): Promise<{ result: Awaited<ReturnType<SegmentChecker>>; freed?: ArrayBuffer }> {
  if (!checker) throw new Error('task before init');
  const check = await checker;
  const from = performance.now();
  if (running++ === 0 && idleSince !== null) idleMs += from - idleSince;
  let result: Awaited<ReturnType<SegmentChecker>>;
  try {
    result = await check(task, (record) => rows.add(record));
  } finally {
    const to = performance.now();
    busyMs += to - from;
    if (--running === 0) idleSince = to;
  }
  // Nothing of the piece is held once it is checked (lines are copied into the rows, signed
  // bytes into slabs): its buffer goes back to be read into again.
  const freed = task.piece && task.piece.bytes.byteLength > 0 ? (task.piece.bytes.buffer as ArrayBuffer) : undefined;
  return { result, ...(freed ? { freed } : {}) };
}
