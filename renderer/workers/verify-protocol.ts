/**
 * Messages between the window and the verify worker. Types only, shared by both sides so
 * they cannot drift apart.
 */
import type { ControlMetricsReport } from '../../shared/controls/metrics.ts';
import type { PrivacyReport } from '../../shared/controls/privacy.ts';
import type { Progress, VerifyReport, KeptFile } from '../../shared/engine/types.ts';
import type { Dictionaries, LineChunk } from './receipt-columns.ts';
import type { ReadAnswer, ReadRequest } from './relay.ts';
import type { AheadMessage, DoneParts } from './import-parts.ts';

/** Where the worker reads the archive's bytes. */
export type ArchiveBytesSource =
  /** A File or Blob: the worker slices it itself. */
  | { readonly kind: 'blob'; readonly blob: Blob; readonly name: string }
  /** Bytes only the window can reach (the Electron host): the worker asks with `read` messages. */
  | { readonly kind: 'relay'; readonly size: number; readonly name: string };

export type ToWorker =
  | {
      readonly type: 'start';
      readonly source: ArchiveBytesSource;
      readonly trustedRoots: readonly string[];
      readonly runControls: boolean;
    }
  /**
   * Load now what a verification needs first (the WebAssembly SHA-256 and zlib, Cedar, WebCrypto's
   * Ed25519, the JavaScript Ed25519's table), while no archive is chosen yet: the start page
   * starts a worker ahead (verify-client.ts's `prewarmVerification`).
   */
  | { readonly type: 'warm' }
  | { readonly type: 'cancel' }
  /** The window stored line chunks up to `chunks` (back-pressure). */
  | { readonly type: 'stored'; readonly chunks: number }
  | ReadAnswer;

export interface VerifyProgress extends Progress {
  readonly elapsedMs: number;
  /** Receipts per second over the last 5 s of progress. */
  readonly rate: number;
  /** Estimated milliseconds left, from the byte rate over the last 5 s; null until ledger bytes have moved for 3 s. */
  readonly etaMs: number | null;
  /** In phase `done`, what the import does once verification ended (each takes a second or more at 1,000,000 receipts). */
  readonly step?: StoringStep;
  /** In step `saving`, the parts written so far and in all, so that the progress moves while they are. */
  readonly saved?: { readonly done: number; readonly of: number };
  /** In step `index`, how far the point index is built (`buildPointIndex`'s `onRows`). */
  readonly indexed?: { readonly done: number; readonly of: number };
}

/** Building the receipt table, indexing receipts by their fields, saving to the database. */
export type StoringStep = 'table' | 'index' | 'saving';

export interface ArchiveKey {
  readonly kid: string;
  readonly publicKey: string;
  readonly roles: string[];
}

export type FromWorker =
  | { readonly type: 'progress'; readonly progress: VerifyProgress }
  /** A column block, or a group of the point index's buckets, sent ahead of `done` (import-parts.ts). */
  | AheadMessage
  | { readonly type: 'lines'; readonly seq: number; readonly chunk: LineChunk }
  | ReadRequest
  | ({
      readonly type: 'done';
      readonly report: VerifyReport;
      readonly dictionaries: Dictionaries;
      readonly rowsByLedger: Record<string, number>;
      readonly keys: ArchiveKey[];
      /** Why the control checks could not be loaded, or null (the report's `checks` say what ran). */
      readonly controlsUnavailable: string | null;
      /** The privacy report (`tickmark privacy`), or null when the control checks did not run. */
      readonly privacy: PrivacyReport | null;
      /** Control metrics (population and exceptions per control and month), or null when the control checks did not run. */
      readonly metrics: ControlMetricsReport | null;
      /** The archive's files other than segments, as read (kept for the reconstruction view). */
      readonly files: KeptFile[];
      /** Lowercase hex SHA-256 of the archive file's bytes, or null when it could not be read. */
      readonly fileSha256: string | null;
      /** Where the worker's time went (absent from a worker that does not say). */
      readonly timings?: WorkerImportTimings;
    } & DoneParts)
  | { readonly type: 'cancelled' }
  | { readonly type: 'failed'; readonly message: string };

/**
 * Milliseconds in the verify worker, for the import's benchmark: the window adds its own
 * and marks the whole (`performance.measure('tickmark import')`, import-archive.ts).
 */
export interface WorkerImportTimings {
  /** From the start message to the engine's report (reading, verifying, merging). */
  readonly verify: number;
  /** Of that, reading held back because the window had too many chunks not yet stored. */
  readonly waitedForStore: number;
  /**
   * After the engine's report, until the table could be built: the last chunks handed over, the
   * archive's keys read for the store, and the archive file's own hash finished (it is read beside
   * the verification, at most a tenth of the file ahead of it, and may end after it).
   */
  readonly beforeTable: number;
  /** Joining the column blocks into the table, and building its point index. */
  readonly table: number;
  readonly pointIndex: number;
  /** Each segment worker's time checking and waiting for work (null: no pool, one thread checked all). */
  readonly pool: readonly { readonly busyMs: number; readonly idleMs: number }[] | null;
  /** What inflated the entries: zlib in WebAssembly, the engine's DecompressionStream where that cannot load, or zip.js's pipeline. */
  readonly inflate: 'zlib (WebAssembly)' | 'DecompressionStream' | 'zip.js';
}
