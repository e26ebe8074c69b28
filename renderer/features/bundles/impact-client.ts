/**
 * The window's side of the impact workers. One worker for the window's life answers diffs
 * and single replays (Cedar loads once). A scan — receipts counted per bundle, or every
 * recorded request replayed under two versions — starts one worker per core, each with a
 * contiguous share of the stored chunks; results are merged in share order (= ledger
 * order). Progress is the lines done over all workers; cancel terminates them. The first
 * failure terminates every worker and fails the scan with its reason. Finished scans are
 * kept in memory by what they were asked, so coming back to a screen does not replay again.
 */
import type { PolicyEvaluation } from '../../../shared/decisions/policy-status.ts';
import type { BundleDiff, BundleSide } from '../../../shared/policy/diff.ts';
import type { ChunkTask, FromImpactWorker, ToImpactWorker } from '../../workers/impact-protocol.ts';
import { mergeShares, planLines, splitShares, type MergedScan } from './impact-plan.ts';
import { sharedDecisionsBuffer } from '../../../shared/decisions/shared-memo.ts';

const startWorker = (name: string) =>
  new Worker(new URL('../../workers/impact.worker.ts', import.meta.url), { type: 'module', name });

// --- one worker for diffs and single replays -----------------------------------------

interface Pending {
  resolve(message: FromImpactWorker): void;
  reject(error: Error): void;
}

let service: Worker | null = null;
let nextId = 1;
const pending = new Map<number, Pending>();

function failService(message: string): void {
  service?.terminate();
  service = null;
  for (const p of pending.values()) p.reject(new Error(message));
  pending.clear();
}

function theService(): Worker {
  if (service) return service;
  const worker = startWorker('tickmark-bundles');
  worker.onmessage = (event: MessageEvent<FromImpactWorker>) => {
    const waiting = pending.get(event.data.id);
    if (!waiting || event.data.type === 'progress') return;
    pending.delete(event.data.id);
    if (event.data.type === 'failed') waiting.reject(new Error(event.data.message));
    else waiting.resolve(event.data);
  };
  worker.onerror = (event) => {
    event.preventDefault();
    failService(`The policy worker failed: ${event.message || 'it could not start'}.`);
  };
  worker.onmessageerror = () => failService('The policy worker sent an answer that could not be read.');
  service = worker;
  return worker;
}

function ask(request: ToImpactWorker): Promise<FromImpactWorker> {
  return new Promise((resolve, reject) => {
    pending.set(request.id, { resolve, reject });
    try {
      theService().postMessage(request);
    } catch (error) {
      pending.delete(request.id);
      reject(new Error(`The request could not be handed to the policy worker: ${(error as Error).message}`));
    }
  });
}

/** The diff of two sides (Cedar's formatter and `policyToJson` in the worker). */
export async function diffInWorker(from: BundleSide, to: BundleSide): Promise<BundleDiff> {
  const answer = await ask({ type: 'diff', id: nextId++, from, to });
  if (answer.type !== 'diffed') throw new Error('The policy worker answered something else than a diff.');
  return answer.diff;
}

/** One stored receipt line replayed under `policies`, whole and policy by policy. */
export async function evaluateInWorker(
  line: string,
  policies: Readonly<Record<string, string>>,
): Promise<PolicyEvaluation> {
  const answer = await ask({ type: 'evaluate', id: nextId++, line, policies });
  if (answer.type !== 'evaluated') throw new Error('The policy worker answered something else than an evaluation.');
  return answer.evaluation;
}

// --- scans over the stored lines -------------------------------------------------------

export class ScanCancelled extends Error {
  constructor() {
    super('The replay was cancelled; nothing of it is shown.');
  }
}

export interface ScanProgress {
  readonly linesDone: number;
  readonly linesTotal: number;
  readonly elapsedMs: number;
  readonly workers: number;
}

export interface ScanOutcome extends MergedScan {
  readonly ms: number;
  readonly workers: number;
  readonly linesTotal: number;
}

export interface ScanJob {
  readonly outcome: Promise<ScanOutcome>;
  cancel(): void;
}

export interface ScanRequest {
  readonly archiveId: string;
  readonly tasks: readonly ChunkTask[];
  readonly ledgerStart: Readonly<Record<string, number>>;
  /** Null: count receipts per bundle only. */
  readonly sides: { readonly from: BundleSide; readonly to: BundleSide } | null;
  readonly onProgress?: (progress: ScanProgress) => void;
}

/** Workers for a scan: one per core (at least one, at most eight). */
export function scanWorkers(): number {
  const cores = typeof navigator === 'undefined' ? 1 : navigator.hardwareConcurrency || 1;
  return Math.max(1, Math.min(8, cores));
}

export function startScan(request: ScanRequest): ScanJob {
  const started = performance.now();
  const shares = splitShares(request.tasks, scanWorkers());
  const linesTotal = planLines(request.tasks);
  const workers: Worker[] = [];
  const done = new Array<number>(shares.length).fill(0);
  let settled = false;
  let fail: (error: Error) => void = () => undefined;
  const stopAll = () => {
    for (const w of workers) w.terminate();
  };
  const outcome = new Promise<ScanOutcome>((resolve, reject) => {
    fail = (error) => {
      if (settled) return;
      settled = true;
      stopAll();
      reject(error);
    };
    if (shares.length === 0) {
      settled = true;
      resolve({ ...mergeShares([]), ms: 0, workers: 0, linesTotal });
      return;
    }
    const results = new Array<Parameters<typeof mergeShares>[0][number] | undefined>(shares.length);
    let remaining = shares.length;
    // One store of Cedar decisions for the scan's workers, where this page can share memory.
    const decisions = request.sides && shares.length > 1 ? sharedDecisionsBuffer() : undefined;
    shares.forEach((tasks, i) => {
      let worker: Worker;
      try {
        worker = startWorker(`tickmark-impact-${i + 1}`);
      } catch (error) {
        fail(new Error(`An impact worker could not start: ${(error as Error).message}`));
        return;
      }
      workers.push(worker);
      worker.onmessage = (event: MessageEvent<FromImpactWorker>) => {
        const m = event.data;
        if (settled) return;
        if (m.type === 'progress') {
          done[i] = m.linesDone;
          request.onProgress?.({
            linesDone: done.reduce((a, b) => a + b, 0),
            linesTotal,
            elapsedMs: performance.now() - started,
            workers: shares.length,
          });
        } else if (m.type === 'scanned') {
          results[i] = m.result;
          worker.terminate();
          if (--remaining === 0) {
            settled = true;
            const merged = mergeShares(results as Parameters<typeof mergeShares>[0]);
            resolve({ ...merged, ms: performance.now() - started, workers: shares.length, linesTotal });
          }
        } else if (m.type === 'failed') fail(new Error(`The replay failed: ${m.message}`));
        else fail(new Error('An impact worker answered something else than a scan.'));
      };
      worker.onerror = (event) => {
        event.preventDefault();
        fail(new Error(`An impact worker failed: ${event.message || 'it could not start'}.`));
      };
      worker.onmessageerror = () => fail(new Error('An impact worker sent a result that could not be read.'));
      const message: ToImpactWorker = {
        type: 'scan',
        id: i + 1,
        share: { archiveId: request.archiveId, tasks, ledgerStart: request.ledgerStart },
        sides: request.sides,
        ...(decisions ? { decisions } : {}),
      };
      worker.postMessage(message);
    });
  });
  return { outcome, cancel: () => fail(new ScanCancelled()) };
}

// --- what finished, kept for the window's life ------------------------------------------

const finished = new Map<string, ScanOutcome>();
/** Most scans kept: a replay of a million receipts can list hundreds of thousands of changes. */
const MAX_KEPT = 6;

export function keptScan(key: string): ScanOutcome | undefined {
  return finished.get(key);
}

export function keepScan(key: string, outcome: ScanOutcome): void {
  finished.delete(key);
  finished.set(key, outcome);
  for (const oldest of finished.keys()) {
    if (finished.size <= MAX_KEPT) break;
    finished.delete(oldest);
  }
}
