/**
 * Messages between the window and the ExecLayer worker (execlayer.worker.ts). The worker
 * answers with the verify worker's own messages (`FromWorker`: progress, line chunks with
 * back-pressure, byte reads for the Electron host, done), so the window stores an ExecLayer
 * log exactly as it stores an archive. Types only.
 */
import type { ExeclayerKind } from '../../shared/execlayer/verify.ts';
import type { ReadAnswer } from './relay.ts';
import type { ArchiveBytesSource } from './verify-protocol.ts';

/** One ExecLayer log to verify (docs/FORMAT-EXECLAYER.md). */
export interface ExeclayerStart {
  readonly kind: ExeclayerKind;
  /** The name the user gave (a file, two files, a folder), for the report. */
  readonly source: string;
  /** The log file's bytes: the Python kernel's audit log, or the v4 journal's ledger.jsonl. */
  readonly log: ArchiveBytesSource;
  /** How findings name the log. */
  readonly logPath: string;
  /** v4: how findings name the head file, and its text (null when it was not given). */
  readonly headPath: string;
  readonly headText: string | null;
  /**
   * The gate's HMAC secret as hex, or null. It lives in this message and the worker's memory
   * for the verification only: never stored, never logged.
   */
  readonly hmacSecretHex: string | null;
  /** v4: the issuer key ids allowed, or null when none were given. */
  readonly issuers: readonly string[] | null;
}

export type ToExeclayerWorker =
  | { readonly type: 'start-execlayer'; readonly input: ExeclayerStart }
  | { readonly type: 'cancel' }
  /** The window stored line chunks up to `chunks` (back-pressure). */
  | { readonly type: 'stored'; readonly chunks: number }
  | ReadAnswer;
