/**
 * Messages between the window and the explain worker (decision reconstruction). Types
 * only, shared by both sides so they cannot drift apart.
 */
import type { Explanation } from '../../shared/explain/explain.ts';
import type { DocumentsWithManifestText, MaterialsWithManifestText } from '../../shared/explain/materials-text.ts';

export interface ExplainRequest {
  readonly type: 'explain';
  /** Answers carry the request's id: one worker serves one window's requests in turn. */
  readonly id: number;
  /**
   * The manifest as its stored text: the worker parses it only when it has not checked that
   * archive's documents already (shared/explain/materials-text.ts).
   */
  readonly materials: MaterialsWithManifestText;
  /** The roots pinned when the archive was verified: the same anchors as its report. */
  readonly trustedRoots: readonly string[];
}

/** Load Cedar now, while the window reads the archive, so the first receipt does not wait for it. */
export interface WarmRequest {
  readonly type: 'warm';
}

/**
 * Check an archive's keys.json and manifest now, before its first receipt is asked for (a view
 * receipts are walked from has opened on it): kept by `documentsId` as a judgment keeps them.
 */
export interface DocumentsRequest {
  readonly type: 'documents';
  readonly documents: DocumentsWithManifestText;
  /** The roots pinned when the archive was verified, as its receipts' requests will give them. */
  readonly trustedRoots: readonly string[];
}

export type ToExplainWorker = ExplainRequest | WarmRequest | DocumentsRequest;

export type FromExplainWorker =
  | {
      readonly type: 'explained';
      readonly id: number;
      readonly explanation: Explanation;
      /** Time spent judging in the worker (Cedar's first load included when it happened). */
      readonly ms: number;
      /** Where that time went, for the benchmark (docs/PERFORMANCE.md). */
      readonly timings: ExplainTimings;
    }
  | {
      /**
       * Everything but the decision's replay, judged while Cedar loads (`replayPending`);
       * the `explained` answer for the same id follows.
       */
      readonly type: 'partial';
      readonly id: number;
      readonly explanation: Explanation;
      readonly ms: number;
    }
  | { readonly type: 'failed'; readonly id: number; readonly message: string };

/** Milliseconds, measured in the worker (its clock starts when the worker does). */
export interface ExplainTimings {
  /** When the request arrived, on the worker's clock. */
  readonly arrivedAt: number;
  /** Waiting for Cedar to load (0 once loaded). */
  readonly cedarWait: number;
  /** `explainReceipt` itself. */
  readonly explain: number;
  /** The judgment without Cedar sent first, while Cedar loaded (null: Cedar was ready). */
  readonly partial: number | null;
  /** Of that, listing the signatures and verifying them with WebCrypto first (null: not done). */
  readonly ahead: number | null;
  /** Warm-up steps (explain-warmup.ts) the worker had completed when the first request came. */
  readonly warmSteps: number;
}
