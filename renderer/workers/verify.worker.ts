/**
 * Verifies one archive off the UI thread and streams what the window stores: raw line
 * chunks while verifying (with back-pressure), then the report, the column blocks and the
 * archive's keys. One archive per worker; the window terminates the worker afterwards.
 */
/// <reference lib="webworker" />
import type { RandomAccessBytes } from '../../shared/archive/source.ts';
import { blobBytes } from '../../shared/archive/blob.ts';
import type { Progress, VerifyReport } from '../../shared/engine/types.ts';
import { verifyZipBytes } from '../../shared/engine/verify.ts';
import { webCryptoVerifier, type AsyncSignatureVerifier } from '../../shared/format/webcrypto-ed25519.ts';
import { ColumnBuilder, blockBuffers } from './receipt-columns.ts';
import { loadControlChecks } from './control-checks.ts';
import { readArchiveKeys } from './archive-keys.ts';
import type { ArchiveBytesSource, FromWorker, ToWorker, VerifyProgress } from './verify-protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

/** Line chunks posted but not yet stored that make verification wait. */
const MAX_CHUNKS_IN_FLIGHT = 8;
const PROGRESS_INTERVAL_MS = 100;

const abort = new AbortController();
let chunksPosted = 0;
let chunksStored = 0;
let wakeWhenStored: (() => void) | null = null;
let nextRequestId = 1;
const pendingReads = new Map<number, { resolve: (bytes: Uint8Array) => void; reject: (error: Error) => void }>();

function post(message: FromWorker, transfer: Transferable[] = []): void {
  self.postMessage(message, transfer);
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  switch (message.type) {
    case 'start':
      void run(message.source, message.trustedRoots, message.runControls);
      break;
    case 'cancel':
      abort.abort();
      wakeWhenStored?.();
      for (const read of pendingReads.values()) read.reject(new Error('cancelled'));
      pendingReads.clear();
      break;
    case 'stored':
      chunksStored = Math.max(chunksStored, message.chunks);
      if (chunksPosted - chunksStored < MAX_CHUNKS_IN_FLIGHT) wakeWhenStored?.();
      break;
    case 'bytes': {
      const read = pendingReads.get(message.requestId);
      pendingReads.delete(message.requestId);
      if (!read) break;
      if (message.bytes) read.resolve(message.bytes);
      else read.reject(new Error(message.error ?? 'The host could not read the archive.'));
      break;
    }
  }
};

/** Bytes the window reads for us (Electron host): one message per read. */
function relayBytes(size: number): RandomAccessBytes {
  return {
    size,
    read(offset: number, length: number): Promise<Uint8Array> {
      const requestId = nextRequestId++;
      return new Promise((resolve, reject) => {
        pendingReads.set(requestId, { resolve, reject });
        post({ type: 'read', requestId, offset, length });
      });
    },
  };
}

function bytesOf(source: ArchiveBytesSource): RandomAccessBytes {
  return source.kind === 'blob' ? blobBytes(source.blob) : relayBytes(source.size);
}

function waitUntilStored(): Promise<void> {
  if (chunksPosted - chunksStored < MAX_CHUNKS_IN_FLIGHT || abort.signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    wakeWhenStored = () => {
      wakeWhenStored = null;
      resolve();
    };
  });
}

function progressReporter(): (progress: Progress, force?: boolean) => void {
  const started = performance.now();
  let lastPost = 0;
  return (progress, force = false) => {
    const now = performance.now();
    if (!force && now - lastPost < PROGRESS_INTERVAL_MS) return;
    lastPost = now;
    const elapsedMs = now - started;
    const rate = elapsedMs > 0 ? (progress.receiptsDone * 1000) / elapsedMs : 0;
    const byteRate = elapsedMs > 0 ? progress.bytesDone / elapsedMs : 0;
    const etaMs = progress.bytesDone > 0 && byteRate > 0 && progress.bytesTotal >= progress.bytesDone
      ? (progress.bytesTotal - progress.bytesDone) / byteRate
      : null;
    const full: VerifyProgress = { ...progress, elapsedMs, rate, etaMs };
    post({ type: 'progress', progress: full });
  };
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

async function run(source: ArchiveBytesSource, trustedRoots: readonly string[], runControls: boolean): Promise<void> {
  const builder = new ColumnBuilder();
  const report = progressReporter();
  let lastProgress: Progress = { phase: 'listing', bytesDone: 0, bytesTotal: 0, receiptsDone: 0 };
  report(lastProgress, true);
  try {
    const controls = runControls ? await loadControlChecks() : { factories: [], policyParser: undefined, unavailable: 'Control checks were not requested.' };
    const bulkVerifier = await receiptVerifier();
    const result: VerifyReport = await verifyZipBytes(bytesOf(source), source.name, {
      trustedRoots,
      ...(bulkVerifier ? { bulkVerifier } : {}),
      controls: controls.factories,
      ...(controls.policyParser ? { policyParser: controls.policyParser } : {}),
      signal: abort.signal,
      onProgress: (progress) => {
        const phaseChanged = progress.phase !== lastProgress.phase;
        lastProgress = progress;
        report(progress, phaseChanged);
      },
      onRecord: async (record) => {
        const chunk = builder.add(record);
        if (!chunk) return;
        chunksPosted++;
        post({ type: 'lines', seq: chunksPosted, chunk });
        await waitUntilStored();
      },
    });
    if (abort.signal.aborted) return post({ type: 'cancelled' });
    for (const chunk of builder.flush()) {
      chunksPosted++;
      post({ type: 'lines', seq: chunksPosted, chunk });
    }
    const keys = await readArchiveKeys(bytesOf(source), source.name).catch(() => []);
    const { blocks, dictionaries, rowsByLedger } = builder.finish();
    report({ ...lastProgress, phase: 'done' }, true);
    post(
      { type: 'done', report: result, blocks, dictionaries, rowsByLedger, keys, controlsUnavailable: controls.unavailable },
      blocks.flatMap(blockBuffers),
    );
  } catch (error) {
    if (abort.signal.aborted) post({ type: 'cancelled' });
    else post({ type: 'failed', message: (error as Error).message ?? String(error) });
  }
}
