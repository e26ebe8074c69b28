/**
 * Verifies one ExecLayer log off the UI thread (docs/FORMAT-EXECLAYER.md): the Python
 * kernel's audit log or the v4 journal's ledger, with `shared/execlayer/verify.ts`, the
 * command line's code. It speaks the verify worker's language to the window (progress, line
 * chunks with back-pressure, reads relayed from the Electron host, then the report, the
 * column blocks and the table), so the window stores the log as it stores an archive. The
 * ZIP path (verify.worker.ts) is not involved. One log per worker.
 *
 * The HMAC secret arrives in the start message and lives in this worker's memory until the
 * verification ends: it is never posted back, stored or logged.
 */
/// <reference lib="webworker" />
import { blobBytes } from '../../shared/archive/blob.ts';
import { readLines } from '../../shared/archive/lines.ts';
import { DEFAULT_LIMITS, type RandomAccessBytes } from '../../shared/archive/source.ts';
import type { Progress } from '../../shared/engine/types.ts';
import { verifyExeclayer } from '../../shared/execlayer/verify.ts';
import { fromHex, decodeUtf8InScriptFromNow } from '../../shared/format/bytes.ts';
import { createHasher, HASH_PREFIX } from '../../shared/format/hash.ts';
import { installFastestSha256 } from './file-hashing.ts';
import { ExeclayerRows } from './execlayer-rows.ts';
import type { ExeclayerStart, ToExeclayerWorker } from './execlayer-protocol.ts';
import { ColumnBuilder, type LineChunk } from './receipt-columns.ts';
import { buildPointIndex } from './point-index.ts';
import { blockParts, indexParts } from './import-parts.ts';
import { buildReceiptTable } from './receipt-table.ts';
import { ByteRelay } from './relay.ts';
import { ChunkFlow, progressReporter } from './line-flow.ts';
import type { FromWorker } from './verify-protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

// Receipt lines decoded in script, not by Chromium's TextDecoder (shared/format/bytes.ts says why).
decodeUtf8InScriptFromNow();

/** Bytes of the log read at a time. */
const READ_SLICE = 1024 * 1024;

/** Why the control checks, privacy report and metrics are not made for an ExecLayer log. */
const EXECLAYER_CONTROLS_UNAVAILABLE =
  'ExecLayer logs do not record in a checkable form what the control checks test (execution after a BLOCK or REFUSE, data tiers, recipients, approvals, latency).';

const abort = new AbortController();
const chunks = new ChunkFlow(post, abort.signal);
const relay = new ByteRelay((request) => post(request));

function post(message: FromWorker, transfer: Transferable[] = []): void {
  self.postMessage(message, transfer);
}

self.onmessage = (event: MessageEvent<ToExeclayerWorker>) => {
  const message = event.data;
  switch (message.type) {
    case 'start-execlayer':
      void run(message.input);
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

/** The log's bytes in order, hashed on the way (the log file's SHA-256, as a workpaper would name it). */
async function* readAll(
  bytes: RandomAccessBytes,
  hasher: { update(chunk: Uint8Array): void },
  onRead: (done: number) => void,
): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.size;) {
    abort.signal.throwIfAborted();
    const length = Math.min(READ_SLICE, bytes.size - offset);
    const chunk = await bytes.read(offset, length);
    if (chunk.length !== length)
      throw new Error(`the file ended early: ${offset + chunk.length} of ${bytes.size} bytes could be read`);
    hasher.update(chunk);
    offset += length;
    onRead(offset);
    yield chunk;
  }
}

async function run(input: ExeclayerStart): Promise<void> {
  const bytes = input.log.kind === 'blob' ? blobBytes(input.log.blob) : relay.bytes(input.log.size);
  let bytesDone = 0;
  const builder = new ColumnBuilder();
  const rows = new ExeclayerRows(input.kind, input.logPath, async (segment) => {
    for (const chunk of builder.addSegment(segment)) await postChunk(chunk);
  });
  const progress = progressReporter(post);
  const report = (force = false, phase: Progress['phase'] = 'ledgers') =>
    progress(
      { phase, bytesDone, bytesTotal: bytes.size, receiptsDone: rows.count, checkpointsDone: 0, checkpointsTotal: 0 },
      force,
    );
  const sendChunk = (chunk: LineChunk) => chunks.send(chunk);
  const postChunk = async (chunk: LineChunk) => {
    await chunks.sendAndWait(chunk);
    abort.signal.throwIfAborted();
  };
  try {
    report(true);
    await installFastestSha256();
    const hasher = createHasher();
    const lines = rows.lines(
      readLines(
        readAll(bytes, hasher, (done) => {
          bytesDone = done;
          report();
        }),
        DEFAULT_LIMITS.maxLineBytes,
      ),
    );
    const result = await verifyExeclayer({
      kind: input.kind,
      source: input.source,
      logPath: input.logPath,
      lines,
      headPath: input.headPath,
      headText: input.headText,
      hmacSecret: input.hmacSecretHex === null ? null : fromHex(input.hmacSecretHex),
      issuers: input.issuers,
      // The reasons name the import screen's fields, not the command line's flags.
      optionNames: { hmacSecret: 'HMAC secret', issuer: 'allowed issuer' },
      onLine: rows.onLine,
    });
    if (abort.signal.aborted) return post({ type: 'cancelled' });
    builder.flush().forEach(sendChunk);
    const { blocks, dictionaries, rowsByLedger } = builder.finish();
    // An empty journal still has its ledger (no rows), as the report has its summary.
    if (rowsByLedger[input.kind] === undefined) rowsByLedger[input.kind] = 0;
    report(true, 'done');
    const table = buildReceiptTable(blocks, dictionaries, rowsByLedger, result.findings);
    // The blocks first, each message read in its own task (the window stores them while the
    // point index is built), then the point index's buckets.
    for (const { message, transfer } of blockParts(blocks, table)) post(message, transfer);
    const pointIndex = buildPointIndex(table);
    const parts = indexParts(blocks.length, table, pointIndex);
    for (const { message, transfer } of parts.ahead) post(message, transfer);
    post(
      {
        type: 'done',
        report: result,
        ...parts.done,
        dictionaries,
        rowsByLedger,
        keys: [],
        controlsUnavailable: EXECLAYER_CONTROLS_UNAVAILABLE,
        privacy: null,
        metrics: null,
        files: [],
        fileSha256: hasher.digest().slice(HASH_PREFIX.length),
      },
      parts.transfer,
    );
  } catch (error) {
    if (abort.signal.aborted) post({ type: 'cancelled' });
    else post({ type: 'failed', message: (error as Error).message ?? String(error) });
  }
}
