/**
 * Judges one receipt's materials with `explainReceipt` (shared/explain/explain.ts), off
 * the window's thread: the same checks `tickmark explain` runs, with Cedar's `/web` build
 * (loaded once, on the first request) and the strict noble Ed25519 reference, its answers
 * remembered across requests (memo-verifier.ts). The window gathers the materials from
 * its store; this worker only judges them.
 *
 * A fresh worker (a link opened after a reload) answers twice: first the judgment without
 * Cedar (`replayPending`), its signatures verified ahead with WebCrypto, while Cedar's
 * WebAssembly loads; then the whole judgment.
 */
/// <reference lib="webworker" />
import init, * as cedarWeb from '@cedar-policy/cedar-wasm/web';
import { evaluatePolicies, type CedarFormatting } from '../../shared/decisions/policy-status.ts';
import { signaturesAsked } from '../../shared/explain/ahead.ts';
import { explainReceipt } from '../../shared/explain/explain.ts';
import { utf8 } from '../../shared/format/bytes.ts';
import { nobleStrictVerifier, publicKeyOf, signBytes } from '../../shared/format/ed25519.ts';
import { webCryptoVerifier, type AsyncSignatureVerifier } from '../../shared/format/webcrypto-ed25519.ts';
import type { ExplainRequest, FromExplainWorker, ToExplainWorker } from './explain-protocol.ts';
import { memoVerifier } from './memo-verifier.ts';

declare const self: DedicatedWorkerGlobalScope;

let cedarReady: Promise<CedarFormatting> | null = null;
/**
 * A judgment with Cedar has been made: Cedar's WebAssembly functions are compiled on first
 * call, so until then one takes hundreds of ms more (the made-up warm-up evaluation reaches
 * only part of what a real bundle's policies need).
 */
let cedarWarm = false;
/** Shared by every request: the next receipt of an archive mostly checks the same signatures again. */
const verifier = memoVerifier(nobleStrictVerifier);

let bulk: Promise<AsyncSignatureVerifier | null> | null = null;
/** WebCrypto's Ed25519 behind the strict checks, or null where this runtime has none (checked on RFC 8032 TEST 1). */
function bulkVerifier(): Promise<AsyncSignatureVerifier | null> {
  bulk ??= webCryptoVerifier().catch(() => null);
  return bulk;
}

/**
 * In a fresh worker the reference verifier is cold (several times slower until the JIT has
 * optimized it): the signatures this receipt's judgment checks are listed first
 * (shared/explain/ahead.ts) and verified together with WebCrypto, their answers remembered,
 * so the judgment reads them. Anything not listed, or any failure here, is left to the
 * judgment's own verifier.
 */
async function verifyAhead(request: ExplainRequest): Promise<void> {
  const fast = await bulkVerifier();
  if (!fast) return;
  try {
    const asked = (await signaturesAsked(request.materials, request.trustedRoots)).filter(
      (t) => !verifier.knows(t.signature, t.message, t.publicKey),
    );
    const answers = await Promise.all(asked.map((t) => fast.verifyAsync(t.signature, t.message, t.publicKey)));
    asked.forEach((t, i) => verifier.remember(t.signature, t.message, t.publicKey, answers[i] === true));
  } catch {
    // The judgment asks its own verifier.
  }
}

function loadCedar(): Promise<CedarFormatting> {
  cedarReady ??= init().then(() => cedarWeb as unknown as CedarFormatting);
  cedarReady.catch(() => (cedarReady = null));
  return cedarReady;
}

/** Requests received and not yet answered: a warm-up step never runs while one waits. */
let waiting = 0;

/** Runs `step` as its own task, unless a request has come in meanwhile. */
function whenIdle(step: () => void): Promise<boolean> {
  return new Promise((resolve) =>
    setTimeout(() => {
      if (waiting > 0) return resolve(false);
      step();
      resolve(true);
    }, 0),
  );
}

/**
 * Signatures made and verified with a throwaway key, so the verifier's first real uses do
 * not also pay for its tables and the JIT: a receipt's first judgment checks a dozen or more
 * signatures (keys, manifest, bundles, checkpoints, lines), each several times slower before
 * the JIT has optimized the field arithmetic. One signature per task, while Cedar downloads
 * and compiles off this thread; stops as soon as a request arrives.
 */
async function warmEd25519(): Promise<void> {
  const secret = new Uint8Array(32).fill(1);
  const publicKey = publicKeyOf(secret);
  for (let i = 0; i < 12; i++) {
    const message = utf8(`tickmark explain worker warm-up ${i}`);
    if (!(await whenIdle(() => nobleStrictVerifier.verify(signBytes(message, secret), message, publicKey)))) return;
  }
}

/**
 * One evaluation of a made-up policy set, whole and each policy alone, as a receipt's
 * judgment makes them: the WebAssembly functions it needs are compiled on first call, so
 * that cost is paid here, once Cedar is loaded, rather than in the first receipt. Skipped
 * when a request is already waiting (it would pay the same cost, later).
 */
function warmCedar(cedar: CedarFormatting): Promise<boolean> {
  return whenIdle(() => evaluateMadeUp(cedar));
}

function evaluateMadeUp(cedar: CedarFormatting): void {
  const entity = (type: string, id: string) => ({ type, id });
  evaluatePolicies(
    cedar,
    {
      'warm-permit': 'permit(principal, action == Action::"read", resource) when { context.tier <= 2 };',
      'warm-forbid': 'forbid(principal, action, resource) unless { principal.role == "agent" };',
    },
    {
      principal: entity('Agent', 'warm'),
      action: entity('Action', 'read'),
      resource: entity('Table', 'warm'),
      context: { tier: 1 },
    },
    [{ uid: entity('Agent', 'warm'), attrs: { role: 'agent' }, parents: [] }],
  );
}

function post(message: FromExplainWorker): void {
  self.postMessage(message);
}

// One request at a time, in order: the window waits for each answer before the next.
let queue: Promise<void> = Promise.resolve();

self.onmessage = (event: MessageEvent<ToExplainWorker>) => {
  const request = event.data;
  // A failed warm-up is not reported: the first request loads Cedar again and says why.
  if (request?.type === 'warm') {
    void loadCedar()
      .then(warmCedar)
      .catch(() => undefined);
    // WebCrypto checks itself on a test vector when made; the reference is warmed only where it is the one used.
    void bulkVerifier().then((fast) => (fast ? undefined : warmEd25519()));
  } else if (request?.type === 'explain') {
    const arrivedAt = performance.now();
    waiting++;
    queue = queue.then(() => answer(request, arrivedAt)).finally(() => waiting--);
  }
};

async function answer(request: ExplainRequest, arrivedAt: number): Promise<void> {
  const started = performance.now();
  const loading = loadCedar();
  // Cedar not yet loaded or not yet warm (a fresh worker): first everything else, so the
  // window can show the receipt, its evidence and its findings while the replay waits.
  let partial: number | null = null;
  let ahead: number | null = null;
  if (!cedarWarm) {
    await verifyAhead(request);
    ahead = performance.now() - started;
    try {
      const explanation = await explainReceipt(request.materials, {
        cedar: null,
        verifier,
        trustedRoots: request.trustedRoots,
      });
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
    const explanation = await explainReceipt(request.materials, {
      cedar,
      verifier,
      trustedRoots: request.trustedRoots,
    });
    const done = performance.now();
    cedarWarm = true;
    post({
      type: 'explained',
      id: request.id,
      explanation,
      ms: done - started,
      timings: { arrivedAt, cedarWait: cedarAt - waitFrom, explain: done - cedarAt, partial, ahead },
    });
  } catch (error) {
    post({
      type: 'failed',
      id: request.id,
      message: `The receipt could not be reconstructed: ${(error as Error).message}`,
    });
  }
}
