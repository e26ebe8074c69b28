/**
 * Messages between the window and the impact workers (policy bundles: diff, decision
 * impact, receipts per version, one receipt replayed under another bundle). Types only,
 * shared by both sides so they cannot drift apart.
 */
import type { PolicyEvaluation } from '../../shared/decisions/policy-status.ts';
import type { BundleDiff, BundleSide } from '../../shared/policy/diff.ts';
import type { Impact } from '../../shared/policy/impact.ts';

/** One stored chunk of raw lines (`receiptLines`, the archive's `linesPerChunk` a row) to read. */
export interface ChunkTask {
  readonly ledger: string;
  readonly chunkNo: number;
  /** The ledger-local row of the chunk's first line. */
  readonly start: number;
  /** Lines the store should hold in this chunk (from the archive's row counts). */
  readonly lines: number;
  /** Only these offsets in the chunk (ascending): a saved filter's rows. Absent: every line. */
  readonly offsets?: readonly number[];
}

/** A contiguous share of an archive's chunks, in ledger order, for one worker. */
export interface ScanShare {
  readonly archiveId: string;
  readonly tasks: readonly ChunkTask[];
  /** Global table row of each ledger's first line (rows are reported as table rows). */
  readonly ledgerStart: Readonly<Record<string, number>>;
}

export type ToImpactWorker =
  | { readonly type: 'diff'; readonly id: number; readonly from: BundleSide; readonly to: BundleSide }
  | {
      readonly type: 'evaluate';
      readonly id: number;
      /** The stored receipt line, replayed under `policies`. */
      readonly line: string;
      readonly policies: Readonly<Record<string, string>>;
    }
  /** Count receipts per `decision.bundle`; with `sides`, also replay each under both. */
  | {
      readonly type: 'scan';
      readonly id: number;
      readonly share: ScanShare;
      readonly sides: { readonly from: BundleSide; readonly to: BundleSide } | null;
      /** The scan's shared Cedar decisions (shared/decisions/shared-memo.ts), where the page is cross-origin isolated. */
      readonly decisions?: SharedArrayBuffer;
    };

/** What one worker read and replayed of its share. */
export interface ShareResult {
  /** Lines read from the store (every line of the share that was there). */
  readonly linesRead: number;
  /** Milliseconds spent waiting for the store (the next read runs while a batch is replayed). */
  readonly readMs: number;
  /** Lines the archive's counts promise but the store did not hold. */
  readonly notStored: number;
  /** Lines that are not JSON objects with the members a replay needs (not evaluated, not counted as unchanged). */
  readonly notReceipts: number;
  /** Receipts per `decision.bundle` (the hash as written), over the lines read. A map: any text may be a key. */
  readonly bundleCounts: ReadonlyMap<string, number>;
  /** Lines with no `decision.bundle` string. */
  readonly noBundle: number;
  /** The replay, when sides were given. */
  readonly impact: Impact | null;
  /** Table row of each `impact.changed` entry, in the same order (-1 when not placed). */
  readonly changedRows: readonly number[];
}

export type FromImpactWorker =
  | { readonly type: 'progress'; readonly id: number; readonly linesDone: number }
  | { readonly type: 'diffed'; readonly id: number; readonly diff: BundleDiff }
  | { readonly type: 'evaluated'; readonly id: number; readonly evaluation: PolicyEvaluation }
  | { readonly type: 'scanned'; readonly id: number; readonly result: ShareResult; readonly ms: number }
  | { readonly type: 'failed'; readonly id: number; readonly message: string };
