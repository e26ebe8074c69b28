/**
 * The window's side of the explain worker: one worker for the window's life (Cedar loads
 * once: on the first receipt, or before it when a view receipts are walked from warms the
 * worker), one request at a time. A worker that fails is dropped and
 * every request waiting on it is rejected with the reason; the next request starts a new one.
 */
import type { Explanation } from '../../../shared/explain/explain.ts';
import type { MaterialsWithManifestText } from '../../../shared/explain/materials-text.ts';
import type {
  ExplainRequest,
  ExplainTimings,
  FromExplainWorker,
  ToExplainWorker,
} from '../../workers/explain-protocol.ts';

export interface Answer {
  readonly explanation: Explanation;
  readonly ms: number;
  readonly timings: ExplainTimings;
}

/** The judgment without Cedar, sent while Cedar loads in a fresh worker. */
export interface PartialAnswer {
  readonly explanation: Explanation;
  readonly ms: number;
}

interface Pending {
  resolve(answer: Answer): void;
  reject(error: Error): void;
  partial?: (answer: PartialAnswer) => void;
}

let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, Pending>();

function failAll(message: string): void {
  worker?.terminate();
  worker = null;
  for (const p of pending.values()) p.reject(new Error(message));
  pending.clear();
}

function theWorker(): Worker {
  if (worker) return worker;
  const started = new Worker(new URL('../../workers/explain.worker.ts', import.meta.url), {
    type: 'module',
    name: 'tickmark-explain',
  });
  started.onmessage = (event: MessageEvent<FromExplainWorker>) => {
    const message = event.data;
    const waiting = pending.get(message.id);
    if (!waiting) return;
    if (message.type === 'partial') {
      waiting.partial?.({ explanation: message.explanation, ms: message.ms });
      return;
    }
    pending.delete(message.id);
    if (message.type === 'explained')
      waiting.resolve({ explanation: message.explanation, ms: message.ms, timings: message.timings });
    else waiting.reject(new Error(message.message));
  };
  started.onerror = (event) => {
    event.preventDefault();
    failAll(`The reconstruction worker failed: ${event.message || 'it could not start'}.`);
  };
  started.onmessageerror = () => failAll('The reconstruction worker sent an answer that could not be read.');
  worker = started;
  return started;
}

/** Starts the worker and has it load Cedar, while the window does other work (reading the archive). */
export function warmExplainWorker(): void {
  try {
    theWorker().postMessage({ type: 'warm' } satisfies ToExplainWorker);
  } catch {
    // The first request starts it again and says why it cannot.
  }
}

/**
 * Warms the worker once the window is idle (at the latest `within` ms later), for a view a
 * receipt's reconstruction is one click from (the explorer with its receipt detail): the first
 * receipt walked then no longer waits for Cedar's load and first calls. Returns the cancel,
 * for a view closed first.
 */
export function warmExplainWorkerWhenIdle(within = 2000): () => void {
  if (typeof requestIdleCallback !== 'function') {
    const timer = setTimeout(warmExplainWorker, within);
    return () => clearTimeout(timer);
  }
  const handle = requestIdleCallback(warmExplainWorker, { timeout: within });
  return () => cancelIdleCallback(handle);
}

/**
 * Judges `materials` in the worker (the same checks as `tickmark explain`). When Cedar is
 * not loaded yet, `partial` first receives the judgment of everything else
 * (`replayPending`); the promise resolves with the whole judgment.
 */
export function explainInWorker(
  materials: MaterialsWithManifestText,
  trustedRoots: readonly string[],
  partial?: (answer: PartialAnswer) => void,
): Promise<Answer> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject, ...(partial ? { partial } : {}) });
    const request: ExplainRequest = { type: 'explain', id, materials, trustedRoots: [...trustedRoots] };
    try {
      theWorker().postMessage(request);
    } catch (error) {
      pending.delete(id);
      reject(new Error(`The receipt could not be handed to the reconstruction worker: ${(error as Error).message}`));
    }
  });
}
