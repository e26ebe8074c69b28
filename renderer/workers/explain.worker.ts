/**
 * Judges one receipt's materials with `explainReceipt` (shared/explain/explain.ts), off
 * the window's thread: the same checks `tickmark explain` runs, with Cedar's `/web` build
 * (loaded once, on the first request) and the strict noble Ed25519 reference, its answers
 * remembered across requests (shared/format/remembering-verifier.ts). The window gathers the
 * materials from its store; this worker only judges them.
 *
 * A fresh worker (a link opened after a reload) answers twice: first the judgment without
 * Cedar (`replayPending`), its signatures verified ahead with WebCrypto, while Cedar's
 * WebAssembly loads; then the whole judgment.
 */
/// <reference lib="webworker" />
import init, * as cedarWeb from '@cedar-policy/cedar-wasm/web';
import type { CedarFormatting } from '../../shared/decisions/policy-status.ts';
import { BoundedLru } from '../../shared/decisions/lru.ts';
import { checkDocumentsAhead, explainWithAnswersAhead } from '../../shared/explain/ahead.ts';
import {
  documentsChecked,
  explainReceipt,
  type DocumentsCache,
  type DocumentsChecked,
  type ExplainMaterials,
  type Explanation,
} from '../../shared/explain/explain.ts';
import { withManifestFromText } from '../../shared/explain/materials-text.ts';
import { utf8, decodeUtf8InScriptFromNow } from '../../shared/format/bytes.ts';
import { nobleStrictVerifier, publicKeyOf, signBytes } from '../../shared/format/ed25519.ts';
import { RememberingVerifier } from '../../shared/format/remembering-verifier.ts';
import { runtimeWebCryptoVerifier } from '../../shared/format/webcrypto-ed25519.ts';
import type { DocumentsRequest, ExplainRequest, FromExplainWorker, ToExplainWorker } from './explain-protocol.ts';
import { warmupReceipt } from './explain-warmup.ts';
import { installFastestSha256 } from './file-hashing.ts';

declare const self: DedicatedWorkerGlobalScope;

// Receipt lines decoded in script, not by Chromium's TextDecoder (shared/format/bytes.ts says why).
decodeUtf8InScriptFromNow();

let cedarReady: Promise<CedarFormatting> | null = null;
// One request (or warm-up step) at a time, in order: the window waits for each answer before the next.
let queue: Promise<void> = Promise.resolve();
/**
 * A judgment with Cedar has been made: Cedar's WebAssembly functions are compiled on first
 * call, so until then one takes hundreds of ms more. The warm-up receipt's judgment compiles
 * what the demo's policies reach; another producer's policies may reach more, so only a real
 * judgment counts.
 */
let cedarWarm = false;
/** Shared by every request: the next receipt of an archive mostly checks the same signatures again. */
const verifier = new RememberingVerifier(nobleStrictVerifier);

/**
 * keys.json and the manifest as checked, for the last two archives' documents walked
 * (`ExplainMaterials.documentsId`): with 100,000 files the manifest's check took a third of a
 * second of every walk.
 */
const documents: DocumentsCache = new BoundedLru<string, DocumentsChecked>(2);

/**
 * The WebAssembly SHA-256 (file-hashing.ts), installed as the worker starts: compiled before
 * its first call, where the JavaScript one runs cold (interpreted) through a fresh worker's
 * first judgment, which hashes every line it reads and every signed message it remembers.
 */
const hashing = installFastestSha256(); // never rejects: what fails to load leaves the JavaScript SHA-256

/** WebCrypto's Ed25519 behind the strict checks, or null where this runtime has none (checked on RFC 8032 TEST 1). */
const bulkVerifier = runtimeWebCryptoVerifier;

/**
 * The judgment without Cedar. In a fresh worker the reference verifier is cold (several
 * times slower until the JIT has optimized it): where WebCrypto has Ed25519, the signatures
 * the judgment checks are listed first and verified together with it, their answers
 * remembered, and the listing pass is the judgment when they all hold
 * (shared/explain/ahead.ts). `ahead`: when those signatures had been verified, ms after the call.
 */
async function judgeWithoutCedar(
  materials: ExplainMaterials,
  trustedRoots: readonly string[],
): Promise<{ readonly explanation: Explanation; readonly ahead: number | null }> {
  const started = performance.now();
  const [fast] = await Promise.all([bulkVerifier(), hashing]);
  if (!fast)
    return {
      explanation: await explainReceipt(materials, { cedar: null, verifier, trustedRoots, documents }),
      ahead: null,
    };
  const waited = performance.now() - started;
  const judged = await explainWithAnswersAhead(materials, trustedRoots, fast, verifier, documents);
  return { explanation: judged.explanation, ahead: waited + judged.verifiedMs };
}

function loadCedar(): Promise<CedarFormatting> {
  cedarReady ??= init().then(() => cedarWeb as unknown as CedarFormatting);
  cedarReady.catch(() => (cedarReady = null));
  return cedarReady;
}

/** Requests received and not yet answered. */
let waiting = 0;
/** A request has arrived: warming stops for good (it only prepares for the first one). */
let requested = false;
/** Warm-up steps completed before the first request (reported in its timings). */
let warmSteps = 0;

/**
 * Runs `step` as its own task in the requests' queue, unless a request has arrived: a
 * request that comes in meanwhile waits for the step under way, never for the next one.
 */
function warmStep(step: () => unknown): Promise<boolean> {
  return new Promise((resolve) =>
    setTimeout(() => {
      if (requested) return resolve(false);
      queue = queue.then(async () => {
        if (requested) return resolve(false);
        try {
          await step();
          warmSteps++;
          resolve(true);
        } catch {
          resolve(false);
        }
      });
    }, 0),
  );
}

/**
 * While the worker waits for its first request (the window is still opening the store and
 * gathering the receipt's materials), it judges a small clean demo receipt
 * (explain-warmup.ts) as it will judge the first real one: signatures listed and verified
 * ahead, the judgment without Cedar, a few times, then with Cedar once it has loaded. The
 * judgment's code is compiled and optimized on those (a first judgment in a fresh worker
 * took several times as long as the next), and Cedar's WebAssembly functions that real
 * policies reach are compiled. Without WebCrypto, the reference verifier is warmed first.
 */
let warming = false;
async function warmUp(): Promise<void> {
  // Once per worker, however many windows' views ask.
  if (warming) return;
  warming = true;
  const fast = await bulkVerifier();
  if (!fast) await warmEd25519();
  const { materials, trustedRoots } = warmupReceipt();
  for (let i = 0; i < 3; i++) {
    const judged = await warmStep(() => judgeWithoutCedar(materials, trustedRoots));
    if (!judged) return;
  }
  const cedar = await loadCedar();
  await warmStep(() => explainReceipt(materials, { cedar, verifier, trustedRoots }));
}

/**
 * Signatures made and verified with a throwaway key, so the reference verifier's first
 * real uses do not also pay for its tables and the JIT (only where WebCrypto has no
 * Ed25519: otherwise the reference checks few signatures). One signature per step.
 */
async function warmEd25519(): Promise<void> {
  const secret = new Uint8Array(32).fill(1);
  const publicKey = publicKeyOf(secret);
  for (let i = 0; i < 12; i++) {
    const message = utf8(`tickmark explain worker warm-up ${i}`);
    if (!(await warmStep(() => nobleStrictVerifier.verify(signBytes(message, secret), message, publicKey)))) return;
  }
}

function post(message: FromExplainWorker): void {
  self.postMessage(message);
}

self.onmessage = (event: MessageEvent<ToExplainWorker>) => {
  const request = event.data;
  // A failed warm-up is not reported: the first request loads Cedar again and says why.
  if (request?.type === 'warm') {
    // Cedar starts loading at once (off this thread, mostly); a failed load is reported by the first request.
    loadCedar().catch(() => undefined);
    void warmUp().catch(() => undefined);
  } else if (request?.type === 'documents') {
    // In the requests' queue: a receipt asked for meanwhile finds them checked, or checks them itself first.
    queue = queue.then(() => checkDocuments(request)).catch(() => undefined);
  } else if (request?.type === 'explain') {
    const arrivedAt = performance.now();
    requested = true;
    waiting++;
    queue = queue.then(() => answer(request, arrivedAt)).finally(() => waiting--);
  }
};

/**
 * An archive's documents checked ahead of its first receipt, kept in {@link documents}. A failure
 * is not reported: the receipt's judgment checks them again and says what it finds.
 */
async function checkDocuments(request: DocumentsRequest): Promise<void> {
  const given = withManifestFromText(request.documents);
  const [fast] = await Promise.all([bulkVerifier(), hashing]);
  if (fast) await checkDocumentsAhead(given, request.trustedRoots, fast, verifier, documents);
  else documentsChecked(given, { verifier, trustedRoots: request.trustedRoots, documents });
}

async function answer(request: ExplainRequest, arrivedAt: number): Promise<void> {
  const started = performance.now();
  const materials = withManifestFromText(request.materials);
  const loading = loadCedar();
  // Cedar not yet loaded or not yet warm (a fresh worker): first everything else, so the
  // window can show the receipt, its evidence and its findings while the replay waits.
  let partial: number | null = null;
  let ahead: number | null = null;
  if (!cedarWarm) {
    try {
      const judged = await judgeWithoutCedar(materials, request.trustedRoots);
      const explanation = judged.explanation;
      ahead = judged.ahead;
      partial = performance.now() - started;
      post({ type: 'partial', id: request.id, explanation, ms: partial });
    } catch {
      // The judgment with Cedar below meets the same problem and says what it is.
    }
  }
  const waitFrom = performance.now();
  let cedar: CedarFormatting;
  let cedarAt = waitFrom;
  try {
    cedar = await loading;
    cedarAt = performance.now();
  } catch (error) {
    post({
      type: 'failed',
      id: request.id,
      message: `Cedar could not be loaded, so the decision cannot be replayed: ${(error as Error).message}`,
    });
    return;
  }
  try {
    await hashing;
    const explanation = await explainReceipt(materials, {
      cedar,
      verifier,
      trustedRoots: request.trustedRoots,
      documents,
    });
    const done = performance.now();
    cedarWarm = true;
    post({
      type: 'explained',
      id: request.id,
      explanation,
      ms: done - started,
      timings: { arrivedAt, cedarWait: cedarAt - waitFrom, explain: done - cedarAt, partial, ahead, warmSteps },
    });
  } catch (error) {
    post({
      type: 'failed',
      id: request.id,
      message: `The receipt could not be reconstructed: ${(error as Error).message}`,
    });
  }
}
