/**
 * Policy bundles off the window's thread: the diff of two versions (Cedar's formatter and
 * `policyToJson`), one receipt replayed under another bundle (`evaluatePolicies`), and a
 * share of an archive's stored lines counted per bundle and replayed under two versions
 * (`ImpactCollector`, memoised). A pool of these, one per core, reads its shares straight
 * from IndexedDB: a million lines copied through the window would cost it seconds of
 * structured cloning. Cedar's `/web` build is loaded once, on the first request.
 */
/// <reference lib="webworker" />
import init, * as cedarWeb from '@cedar-policy/cedar-wasm/web';
import { sha256 } from '@noble/hashes/sha2.js';
import { evaluatePolicies, type CedarFormatting } from '../../shared/decisions/policy-status.ts';
import { useSha256, type Sha256 } from '../../shared/format/hash.ts';
import { wasmSha256 } from '../../shared/format/wasm-sha256.ts';
import { diffBundles } from '../../shared/policy/diff.ts';
import { ImpactCollector } from '../../shared/policy/impact.ts';
import { SharedDecisions } from '../../shared/decisions/shared-memo.ts';
import { db } from '../store/db.ts';
import { chunkTexts } from '../store/line-files.ts';
import type { FromImpactWorker, ScanShare, ToImpactWorker } from './impact-protocol.ts';
import { scanShare, type ReadChunks } from './impact-shard.ts';
import { memoSha256 } from './memo-sha256.ts';
import { decodeUtf8InScriptFromNow } from '../../shared/format/bytes.ts';

declare const self: DedicatedWorkerGlobalScope;

// Receipt lines decoded in script, not by Chromium's TextDecoder (shared/format/bytes.ts says why).
decodeUtf8InScriptFromNow();

// The decision memo hashes each replayed request; recorded traffic repeats, and a browser has
// no native synchronous SHA-256: repeated inputs are answered from memory (exactly, by their bytes).
// The SHA-256 under the memo is the WebAssembly one where it loads (wasm-sha256.ts).
const noble: Sha256 = { digest: (data) => sha256(data), create: () => sha256.create() };
useSha256(memoSha256(noble));
const hashing: Promise<void> = wasmSha256()
  .then((wasm) => void (wasm && useSha256(memoSha256(wasm))))
  .catch(() => undefined);

let cedarReady: Promise<CedarFormatting> | null = null;

function loadCedar(): Promise<CedarFormatting> {
  cedarReady ??= init().then(() => cedarWeb as unknown as CedarFormatting);
  cedarReady.catch(() => (cedarReady = null));
  return cedarReady;
}

function post(message: FromImpactWorker): void {
  self.postMessage(message);
}

// One request at a time, in order.
let queue: Promise<void> = Promise.resolve();

self.onmessage = (event: MessageEvent<ToImpactWorker>) => {
  const request = event.data;
  if (!request || typeof request !== 'object') return;
  queue = queue.then(() => answer(request));
};

async function answer(request: ToImpactWorker): Promise<void> {
  await hashing;
  let cedar: CedarFormatting | null = null;
  try {
    // Counting receipts per bundle needs no Cedar.
    if (request.type !== 'scan' || request.sides) cedar = await loadCedar();
  } catch (error) {
    post({
      type: 'failed',
      id: request.id,
      message: `Cedar could not be loaded, so no policy can be formatted or evaluated: ${(error as Error).message}`,
    });
    return;
  }
  try {
    switch (request.type) {
      case 'diff':
        post({ type: 'diffed', id: request.id, diff: diffBundles(cedar as CedarFormatting, request.from, request.to) });
        return;
      case 'evaluate': {
        const value = JSON.parse(request.line) as { request?: unknown; entities?: unknown };
        if (typeof value?.request !== 'object' || value.request === null || !Array.isArray(value.entities))
          throw new Error('the stored line has no request and entities to replay');
        const evaluation = evaluatePolicies(
          cedar as CedarFormatting,
          request.policies,
          value.request as Parameters<typeof evaluatePolicies>[2],
          value.entities as Parameters<typeof evaluatePolicies>[3],
        );
        post({ type: 'evaluated', id: request.id, evaluation });
        return;
      }
      case 'scan': {
        const started = performance.now();
        const collector =
          request.sides && cedar
            ? new ImpactCollector(cedar, request.sides.from, request.sides.to, {
                ...(request.decisions ? { shared: SharedDecisions.attach(request.decisions) } : {}),
              })
            : null;
        const result = await scanShare(request.share, readerFor(request.share), collector, (linesDone) =>
          post({ type: 'progress', id: request.id, linesDone }),
        );
        post({ type: 'scanned', id: request.id, result, ms: performance.now() - started });
        return;
      }
    }
  } catch (error) {
    post({ type: 'failed', id: request.id, message: (error as Error).message });
  }
}

/** Stored chunks of one ledger by chunk number, one indexed range read. */
function readerFor(share: ScanShare): ReadChunks {
  return async (ledger, from, to) => {
    const rows = await db.receiptLines
      .where('[archiveId+ledger+chunkNo]')
      .between([share.archiveId, ledger, from], [share.archiveId, ledger, to], true, true)
      .toArray();
    const read: Map<number, string[]> = new Map();
    // One after another: a kept segment file is inflated once for the chunks that read it.
    for (const row of rows) read.set(row.chunkNo, await chunkTexts(row));
    return read;
  };
}
