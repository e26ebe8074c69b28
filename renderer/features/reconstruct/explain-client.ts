/**
 * The window's side of the explain worker: one worker for the window's life (Cedar loads
 * once: on the first receipt, or before it when a view receipts are walked from warms the
 * worker), one request at a time. A worker that fails is dropped and
 * every request waiting on it is rejected with the reason; the next request starts a new one.
 */
import { documentsKey, type Explanation } from '../../../shared/explain/explain.ts';
import type { MaterialsWithManifestText } from '../../../shared/explain/materials-text.ts';
import { peekLoadedArchive } from '../../app/loaded-archives.ts';
import { documentRows, documentsOf } from './archive-documents.ts';
import type {
  DocumentsRequest,
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
/** The documents (`documentsId` and roots) given to {@link worker} to check ahead: each once. */
let documentsGiven = new Set<string>();
let nextId = 1;
const pending = new Map<number, Pending>();

function failAll(message: string): void {
  worker?.terminate();
  worker = null;
  documentsGiven = new Set();
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
  return whenIdle(warmExplainWorker, within);
}

/** Calls `run` once the window is idle, at the latest `within` ms later; returns the cancel. */
function whenIdle(run: () => void, within: number): () => void {
  if (typeof requestIdleCallback !== 'function') {
    const timer = setTimeout(run, within);
    return () => clearTimeout(timer);
  }
  const handle = requestIdleCallback(run, { timeout: within });
  return () => cancelIdleCallback(handle);
}

/**
 * Has the worker check an archive's keys.json and manifest now, as the first receipt walked
 * would (with 100,000 files that was 0.4 s of the first walk), for a view receipts are walked
 * from that has opened on it; once a worker. The walk finds them checked; a failure here is its
 * to meet. Not for a view that walks a receipt at once: reading the manifest (10 MB with 100,000
 * files) ahead of the receipt's own reads put it before them in the store's queue.
 */
async function checkArchiveDocuments(archiveId: string, trustedRoots: readonly string[]): Promise<void> {
  try {
    const documents = documentsOf(archiveId, await documentRows(archiveId));
    const given = documentsKey(documents.documentsId, trustedRoots);
    if (documentsGiven.has(given)) return;
    const request: DocumentsRequest = { type: 'documents', documents, trustedRoots: [...trustedRoots] };
    theWorker().postMessage(request);
    documentsGiven.add(given);
  } catch {
    // The walk reads them again and says what fails.
  }
}

/**
 * Has the worker check the documents of an archive in memory (its table read, as a view its
 * receipts are walked from has it) once the window is idle, at the latest `within` ms later,
 * against the roots pinned when it was verified; nothing for an archive not in memory. Returns
 * the cancel.
 */
export function checkArchiveDocumentsWhenIdle(archiveId: string, within = 2000): () => void {
  return whenIdle(() => {
    const loaded = peekLoadedArchive(archiveId);
    if (loaded) void checkArchiveDocuments(archiveId, loaded.archive.trustedRoots);
  }, within);
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
