/**
 * Verifies one archive off the UI thread and streams what the window stores: raw line
 * chunks while verifying (with back-pressure), then the report, the column blocks and the
 * archive's keys. One archive per worker; the window terminates the worker afterwards.
 *
 * Past the engine's threshold of ledger data (16 MiB) the segments are checked by a pool of segment workers
 * (segment-pool.ts, one per core) and merged here in order; below it, here, one by one.
 */
/// <reference lib="webworker" />
import type { RandomAccessBytes, RawEntry } from '../../shared/archive/source.ts';
import { blobBytes } from '../../shared/archive/blob.ts';
import type { KeptFile, Progress, VerifyReport } from '../../shared/engine/types.ts';
import { LISTING, verifyZipBytes } from '../../shared/engine/verify.ts';
import { FreePieceBuffers } from '../../shared/engine/pieces.ts';
import { webCryptoVerifier, type AsyncSignatureVerifier } from '../../shared/format/webcrypto-ed25519.ts';
import { nobleStrictVerifier, publicKeyOf, signBytes } from '../../shared/format/ed25519.ts';
import type { RunnerSetup } from '../../shared/engine/verify.ts';
import { ColumnBuilder, type LineChunk } from './receipt-columns.ts';
import { KeptFiles } from './kept-files.ts';
import { buildPointIndex } from './point-index.ts';
import { blockParts, indexParts } from './import-parts.ts';
import { buildReceiptTable } from './receipt-table.ts';
import { ByteRelay, answerRead } from './relay.ts';
import { ChunkFlow, progressReporter } from './line-flow.ts';
import { startSegmentPool, warmSegmentWorkers, type WarmWorkers, type WorkerHandle } from './segment-pool.ts';
import { loadControlChecks } from './control-checks.ts';
import { createPrivacyCollector, type PrivacyCollector } from '../../shared/controls/privacy.ts';
import { createMetricsCollector, type MetricsCollector } from '../../shared/controls/metrics.ts';
import { archiveKeys } from './archive-keys.ts';
import { fileSha256 } from './file-sha256.ts';
import { Pace } from './pace.ts';
import { webInflate } from '../../shared/archive/web-inflate.ts';
import { zlibInflate } from '../../shared/archive/zlib-inflate.ts';
import zlibWasmUrl from '@zip.js/zip.js/dist/zip-module.wasm?url';
import type { NativeInflate, StoredData } from '../../shared/archive/zip.ts';
import { installFastestSha256 } from './file-hashing.ts';
import type { ArchiveBytesSource, FromWorker, ToWorker, WorkerImportTimings } from './verify-protocol.ts';
import { decodeUtf8InScriptFromNow } from '../../shared/format/bytes.ts';

declare const self: DedicatedWorkerGlobalScope;

// Receipt lines decoded in script, not by Chromium's TextDecoder (shared/format/bytes.ts says why).
decodeUtf8InScriptFromNow();

const abort = new AbortController();
const chunks = new ChunkFlow(post, abort.signal);
const relay = new ByteRelay((request) => post(request));

function post(message: FromWorker, transfer: Transferable[] = []): void {
  self.postMessage(message, transfer);
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  switch (message.type) {
    case 'warm':
      preload();
      break;
    case 'start':
      void run(message.source, message.trustedRoots, message.runControls);
      break;
    case 'cancel':
      abort.abort();
      chunks.cancel();
      relay.cancelAll();
      break;
    case 'stored':
      chunks.storedUpTo(message.chunks);
      break;
    case 'bytes':
      relay.answer(message);
      break;
  }
};

function bytesOf(source: ArchiveBytesSource): RandomAccessBytes {
  return source.kind === 'blob' ? blobBytes(source.blob) : relay.bytes(source.size);
}

/**
 * WebCrypto's Ed25519 (native, about fifteen times the JavaScript reference here) for the
 * receipts' signatures, behind the strict RFC 8032 checks; null where this browser has none,
 * and the strict reference verifies everything.
 */
let bulk: Promise<AsyncSignatureVerifier | null> | null = null;
function receiptVerifier(): Promise<AsyncSignatureVerifier | null> {
  bulk ??= webCryptoVerifier();
  return bulk;
}

/** Segment workers to start: one per core, at most four (a laptop's cores, not a server's). */
function poolSize(): number {
  return Math.max(1, Math.min(4, self.navigator.hardwareConcurrency || 1));
}

const createWorker = () =>
  new Worker(new URL('./segment.worker.ts', import.meta.url), {
    type: 'module',
    name: 'tickmark-segment',
  }) as unknown as WorkerHandle;
/**
 * Segment workers started before the setup is known: by a worker started ahead (`warm`), else as
 * soon as the listing shows a pool is worth it (the engine's `warmSegmentRunner`). The pool takes
 * them when the engine asks for it; those it never takes are stopped after the run.
 */
let warm: WarmWorkers | null = null;
const warmSegmentRunner = () => void (warm ??= warmSegmentWorkers(createWorker, poolSize()));

/** zlib's WebAssembly, compiled once (null where it cannot be fetched or compiled). */
let zlibModule: Promise<WebAssembly.Module | null> | null = null;
const compiledZlib = (): Promise<WebAssembly.Module | null> =>
  (zlibModule ??= fetch(zlibWasmUrl)
    .then((response) => response.arrayBuffer())
    .then((bytes) => WebAssembly.compile(bytes))
    .catch(() => null));

/**
 * What a verification loads before it reads the archive, loaded ahead by a worker started before
 * an archive is chosen (a `warm` message): each load is kept, and the run takes it as it is. About
 * 0.45 s of this machine's time before the archive's first entry, and the JavaScript Ed25519's
 * first call (the keyring's certificates), which builds its base point's table (about 0.1 s).
 * A failure here is the run's to meet and report, as if nothing had been loaded ahead.
 */
function preload(): void {
  // The pool's workers load theirs too (an archive too small for a pool stops them unused).
  warmSegmentRunner();
  void installFastestSha256().catch(() => undefined);
  void loadControlChecks();
  void receiptVerifier().catch(() => undefined);
  void compiledZlib();
  try {
    const secret = new Uint8Array(32).fill(7);
    const message = new Uint8Array([1, 2, 3]);
    nobleStrictVerifier.verify(signBytes(message, secret), message, publicKeyOf(secret));
  } catch {
    // The run verifies with it and reports what fails.
  }
}
/** The engine's DecompressionStream inflate, made once where it keeps zip.js's rules. */
let streamInflate: Promise<NativeInflate | undefined> | null = null;

/**
 * The inflate for this import's ZIP entries and what it is: zlib in WebAssembly
 * (shared/archive/zlib-inflate.ts: its output read where zlib wrote it, not a new buffer every
 * 64 KiB), a new instance for each import, so that what an import left in its memory (a read
 * abandoned when the import failed) is not the next one's; where it cannot load, the engine's
 * DecompressionStream where it keeps zip.js's rules (web-inflate.ts); else none (zip.js's own
 * pipeline). A WebAssembly CRC-32 with both.
 */
async function chooseInflate(): Promise<{ inflate: NativeInflate; name: WorkerImportTimings['inflate'] } | undefined> {
  const module = await compiledZlib();
  const zlib = module ? await zlibInflate(module) : undefined;
  if (zlib) return { inflate: zlib, name: 'zlib (WebAssembly)' };
  const stream = await (streamInflate ??= webInflate());
  return stream ? { inflate: stream, name: 'DecompressionStream' } : undefined;
}

async function run(source: ArchiveBytesSource, trustedRoots: readonly string[], runControls: boolean): Promise<void> {
  const started = performance.now();
  // Segment files are kept as their stored bytes, and their lines are left out of the chunks
  // (renderer/store/line-files.ts): a small file once the engine has read it whole (size and
  // CRC-32 checked), which for these sizes is before any of its lines; a large one as it starts
  // to inflate, with its resume points. A file's bytes are slices of it; relayed bytes are
  // recorded as the engine reads them (kept-files.ts).
  const kept = new KeptFiles(source.kind === 'blob' ? source.blob : null);
  const builder = new ColumnBuilder(undefined, (path) => kept.has(path));
  const withFiles = (chunk: LineChunk): LineChunk => kept.attach(chunk);
  const report = progressReporter(post);
  let lastProgress: Progress = LISTING;
  report(lastProgress, true);
  // Before anything is hashed: the archive file's hash below starts at once.
  await installFastestSha256();
  const sendChunk = (chunk: LineChunk) => chunks.send(withFiles(chunk));
  /** Hands a line chunk to the window and waits while too many are not yet stored. */
  const postChunk = (chunk: LineChunk) => chunks.sendAndWait(withFiles(chunk));
  let pool: Awaited<ReturnType<typeof startSegmentPool>> | null = null;
  /** Pieces' buffers the pool's workers gave back, read into again (a new buffer is fresh memory). */
  const freePieces = new FreePieceBuffers();
  const segmentRunner = async (setup: RunnerSetup) =>
    (pool = await startSegmentPool({
      size: poolSize(),
      createWorker: () => warm?.take() ?? createWorker(),
      source,
      setup,
      onPieceBuffer: (buffer) => freePieces.give(buffer),
      onRows: async (rows) => {
        for (const chunk of builder.addSegment(rows)) await postChunk(chunk);
      },
      onRead: (request, reply) => answerRead(bytesOf(source), request, reply),
      linesKept: (path: string) => kept.has(path),
    }));
  // The archive file's own SHA-256 (a workpaper names the archive by it), read beside the
  // verification, at its pace (pace.ts: never more than a tenth of the file ahead of the
  // ledger bytes verified); null when it could not be read (the workpaper screen then says so).
  const hashPace = new Pace(0.1);
  const fileHash = fileSha256(bytesOf(source), {
    signal: abort.signal,
    readyFor: (offset, size) => hashPace.ready(offset / size),
  }).catch(() => null);
  try {
    const controls = runControls
      ? await loadControlChecks()
      : { factories: [], policyParser: undefined, unavailable: 'Control checks were not requested.' };
    // The privacy report (`tickmark privacy`) runs with the control checks, never without
    // them: alone it would make the report say the control checks ran.
    const privacy: PrivacyCollector | null = controls.factories.length > 0 ? createPrivacyCollector() : null;
    // Control metrics likewise: a population counted without the checks would read as no exceptions.
    const metrics: MetricsCollector | null = controls.factories.length > 0 ? createMetricsCollector() : null;
    const bulkVerifier = await receiptVerifier();
    const chosen = await chooseInflate();
    const inflate = chosen?.inflate;
    const files: KeptFile[] = [];
    const result: VerifyReport = await verifyZipBytes(bytesOf(source), source.name, {
      trustedRoots,
      ...(bulkVerifier ? { bulkVerifier } : {}),
      ...(inflate
        ? {
            inflate: kept.inflate(inflate),
            onEntries: (entries: readonly RawEntry[]) => kept.decide(entries),
            onStoredData: (path: string, stored: StoredData) => kept.offer(path, stored),
            // Only with the pool: its pieces say where each line lies in its file (rows checked
            // here, when the pool could not start, say only their line numbers).
            resumePointsFor: (path: string, stored: StoredData) =>
              pool ? kept.resumePointsFor(path, stored) : undefined,
          }
        : {}),
      controls: privacy && metrics ? [...controls.factories, () => privacy, () => metrics] : controls.factories,
      ...(controls.policyParser ? { policyParser: controls.policyParser } : {}),
      signal: abort.signal,
      onFile: (file) => void files.push(file),
      onProgress: (progress) => {
        const phaseChanged = progress.phase !== lastProgress.phase;
        lastProgress = progress;
        if (progress.bytesTotal > 0) hashPace.advance(progress.bytesDone / progress.bytesTotal);
        report(progress, phaseChanged);
      },
      onRecord: async (record) => {
        const chunk = builder.add(record);
        if (chunk) await postChunk(chunk);
      },
      segmentRunner,
      warmSegmentRunner,
      pieceBuffers: freePieces,
    });
    hashPace.release();
    if (abort.signal.aborted) return post({ type: 'cancelled' });
    const verified = performance.now();
    report({ ...lastProgress, phase: 'done', step: 'table' }, true);
    builder.flush().forEach(sendChunk);
    const keys = await archiveKeys(files, bytesOf(source), source.name);
    const fileSha = await fileHash;
    if (abort.signal.aborted) return post({ type: 'cancelled' });
    const { blocks, dictionaries, rowsByLedger } = builder.finish();
    // The window stores the blocks and filters the table; both are moved, not copied.
    const tableFrom = performance.now();
    const table = buildReceiptTable(blocks, dictionaries, rowsByLedger, result.findings);
    // The blocks go now, each message read in its own task: the window stores them while the
    // point index is built.
    for (const { message, transfer } of blockParts(blocks, table)) post(message, transfer);
    report({ ...lastProgress, phase: 'done', step: 'index', indexed: { done: 0, of: 2 * table.count } }, true);
    const indexFrom = performance.now();
    const pointIndex = buildPointIndex(table, (done, of) =>
      report({ ...lastProgress, phase: 'done', step: 'index', indexed: { done, of } }, done === of),
    );
    const timings: WorkerImportTimings = {
      verify: verified - started,
      waitedForStore: chunks.waitedMs,
      beforeTable: tableFrom - verified,
      table: indexFrom - tableFrom,
      pointIndex: performance.now() - indexFrom,
      pool: (pool as Awaited<ReturnType<typeof startSegmentPool>> | null)?.timings() ?? null,
      inflate: chosen?.name ?? 'zip.js',
    };
    // The point index's buckets, then `done`.
    const parts = indexParts(blocks.length, table, pointIndex);
    for (const { message, transfer } of parts.ahead) post(message, transfer);
    post(
      {
        type: 'done',
        report: result,
        ...parts.done,
        dictionaries,
        rowsByLedger,
        keys,
        controlsUnavailable: controls.unavailable,
        privacy: privacy?.report() ?? null,
        metrics: metrics?.metrics(result.findings) ?? null,
        files,
        fileSha256: fileSha,
        timings,
      },
      [
        ...parts.transfer,
        // Each kept file's bytes are their own buffer; a Set keeps a buffer from being listed twice.
        ...new Set(files.flatMap((f) => (f.bytes ? [f.bytes.buffer as ArrayBuffer] : []))),
      ],
    );
  } catch (error) {
    hashPace.release();
    if (abort.signal.aborted) post({ type: 'cancelled' });
    else post({ type: 'failed', message: (error as Error).message ?? String(error) });
  } finally {
    (warm as WarmWorkers | null)?.terminate();
  }
}
