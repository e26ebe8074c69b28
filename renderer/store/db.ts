/**
 * The workbench's one IndexedDB database (Dexie), with versioned `stores()`.
 *
 * Receipts are not stored one row per receipt (see ../workers/receipt-columns.ts for
 * why): `receiptLines` holds raw lines in chunks, `receiptIndex` typed-array columns in
 * blocks, `findings` the report's findings in chunks. Every row of an archive carries
 * its `archiveId`, so one archive is deleted with one indexed range per table.
 *
 * An archive is written under status `importing` and flipped to `complete` in the last
 * transaction; anything still `importing` at start-up was interrupted and is removed.
 */
import { Dexie, type EntityTable, type Table } from 'dexie';
import type { ControlMetricsReport } from '../../shared/controls/metrics.ts';
import type { PrivacyReport } from '../../shared/controls/privacy.ts';
import type { Finding } from '../../shared/engine/findings.ts';
import type { VerifyReport } from '../../shared/engine/types.ts';
import type { DsseEnvelope } from '../../shared/workpaper/dsse.ts';
import type { LookupBucket, LookupSummary } from '../workers/point-index.ts';
import type {
  ChunkFiles,
  ChunkPiece,
  ChunkPlaces,
  ColumnBlock,
  Dictionaries,
  FilePoint,
  SegmentFile,
} from '../workers/receipt-columns.ts';
import type { PackedLines } from '../workers/packed-lines.ts';
import type { CheckpointPiece, CheckpointPiecesSummary } from './checkpoint-pieces.ts';
import { normalizeEngagement } from './engagement-rules.ts';

/**
 * One engagement: one client, one SOC 2 Type II examination period. Every archive is
 * stored under one engagement.
 */
export interface EngagementRow {
  id: string;
  name: string;
  /** The audited organization; '' when not recorded. */
  client: string;
  /**
   * First and last day of the examination period (`YYYY-MM-DD`, UTC, both included), or
   * both null: not set. Never one without the other.
   */
  periodFrom: string | null;
  periodTo: string | null;
  notes?: string;
  createdAt: string;
  /** Last time its fields changed (creation counts). */
  updatedAt: string;
}

/**
 * Small workbench settings, one row per key. Kept here rather than in localStorage so a
 * setting changes in the same transaction as the rows it names, every window sees it
 * through a live query, and it lives and is cleared with the data it refers to.
 */
export interface SettingRow {
  key: string;
  value: string;
}

/** Setting naming the engagement that imports go to and the start screen shows. */
export const CURRENT_ENGAGEMENT_SETTING = 'currentEngagement';

export type ArchiveStatus = 'importing' | 'complete';

/** The report as stored: findings live in their own table. */
export type StoredReport = Omit<VerifyReport, 'findings'>;

export interface ArchiveRow {
  id: string;
  engagementId: string;
  /** File name the user opened. */
  name: string;
  size: number;
  status: ArchiveStatus;
  startedAt: string;
  completedAt?: string;
  /** Root public keys that were pinned when this archive was verified. */
  trustedRoots: string[];
  /**
   * Raw lines per `receiptLines` row (set when the import begins). Absent in archives imported
   * before 2026-12-01's last layout, whose rows hold 1,000: read it with `linesPerChunkOf`.
   */
  linesPerChunk?: number;
  /**
   * Per ledger whose checkpoints file was kept, what its stored pieces hold (`checkpointPieces`).
   * Absent in archives imported before the pieces: their files are read whole.
   */
  checkpointPieces?: Record<string, CheckpointPiecesSummary>;
  /** Set once complete. */
  report?: StoredReport;
  rowsByLedger?: Record<string, number>;
  dictionaries?: Dictionaries;
  findingCount?: number;
  /**
   * The point index's summary (buckets, segment ranges), set once complete; its buckets are
   * `receiptLookup` rows. Absent for archives imported before it existed: a receipt is then
   * found by reading the whole table.
   */
  lookup?: LookupSummary;
  /**
   * The privacy report made in the same verification (set once complete). Absent for
   * archives imported before the workbench made one, or when the control checks could not
   * run: the privacy screen says so, never an empty table.
   */
  privacy?: PrivacyReport;
  /**
   * Control metrics of the same verification (set once complete). Absent for archives
   * imported before the workbench computed them, or when the control checks could not run:
   * the controls and metrics screens say so, never a table of zeros.
   */
  metrics?: ControlMetricsReport;
  /** Where the archive came from: a file, a host token, the built-in demo. */
  origin: 'file' | 'host' | 'demo';
  /**
   * Lowercase hex SHA-256 of the archive file's bytes, read at import (a workpaper names the
   * archive by it). Absent for archives imported before it was kept: the workpaper says so.
   * For an ExecLayer log: of the log file (the audit log, or the journal's ledger.jsonl).
   */
  fileSha256?: string;
  /**
   * Set when the evidence is an ExecLayer kernel's log, not an archive
   * (docs/FORMAT-EXECLAYER.md; `report.format` says which kernel): what was given and with
   * which options. The HMAC secret itself is never stored, only whether one was given.
   */
  execlayer?: ExeclayerImport;
}

/** An ExecLayer log as imported: its files and the options of its verification. */
export interface ExeclayerImport {
  readonly kind: 'execlayer-py' | 'execlayer-v4';
  /** The log (the audit log, or the journal's ledger) and, for a v4 journal, its head file when given. */
  readonly files: readonly ExeclayerImportFile[];
  /** Whether an HMAC secret was given for this verification (the secret is not kept). */
  readonly hmacSecretGiven: boolean;
  /** The issuer key ids allowed (v4), or null when none were given. */
  readonly issuers: readonly string[] | null;
}

export interface ExeclayerImportFile {
  readonly role: 'log' | 'head';
  /** The path findings name it by (`execlayer_audit.log.jsonl`, `data/ledger.jsonl`, `dag_head.json`). */
  readonly path: string;
  readonly size: number;
  /** Lowercase hex SHA-256 of its bytes; for the log, in `ArchiveRow.fileSha256` once verified. */
  readonly sha256: string | null;
}

export interface ReceiptLinesRow {
  archiveId: string;
  ledger: string;
  chunkNo: number;
  /** The raw lines, packed (imports since 2026-12-01); read them with `storedLine` (packed-lines.ts). */
  lines?: PackedLines;
  /** The raw lines as strings (imports before 2026-12-01, and the ExecLayer log's). */
  texts?: string[];
  hashes: string[];
  /** Each line's segment, line number and receipt id; absent in archives imported before (2026-12-01). */
  places?: ChunkPlaces;
  /**
   * The segment files whose lines this row leaves out (empty in `lines`): read them with
   * `readLineChunk` (line-files.ts), which takes them from `segmentFiles`, or from the archive kept
   * whole where `inFiles.parts` says where they lie. Absent: every line is here.
   */
  inFiles?: ChunkFiles;
  /**
   * Where in their files the lines of `inFiles` lie, for a large file read back from its resume
   * points (`resumePoints`) a piece at a time (imports since 2026-12-06).
   */
  pieces?: readonly ChunkPiece[];
}

/**
 * A resume point of a large segment file kept as its stored bytes (`segmentFiles`, `resumable`):
 * where inflating can start again, and the 32 KiB before it (shared/archive/resume-points.ts).
 */
export type ResumePointRow = FilePoint & { archiveId: string };

/**
 * A small segment file kept as its stored bytes (deflated or not: a slice of the archive file,
 * or the bytes the engine read when they were relayed) instead of its lines in `receiptLines`
 * (imports since 2026-12-02).
 * `path` is the entry's name as the engine read it; `size` its bytes once inflated (the ZIP's
 * uncompressed size, which the import's read checked).
 */
export type SegmentFileRow = SegmentFile & { archiveId: string };

export type ReceiptIndexRow = ColumnBlock & { archiveId: string };

/** A piece of a ledger's checkpoints file (`cutCheckpoints`, checkpoint-pieces.ts). */
export type CheckpointPieceRow = CheckpointPiece & { archiveId: string; ledger: string };

export interface FindingsRow {
  archiveId: string;
  chunkNo: number;
  items: Finding[];
  /**
   * Per item, the global row the receipt table placed it on (-1: none). Absent in archives
   * imported before the point index.
   */
  rows?: Int32Array;
}

/** One bucket of an archive's point index (renderer/workers/point-index.ts). */
export type ReceiptLookupRow = LookupBucket & { archiveId: string };

export interface BundleRow {
  archiveId: string;
  hash: string;
  id: string;
  version: number;
  path: string;
}

/** A root key as listed in an archive's keys.json, kept to offer trust-on-first-use (archives stored by earlier versions hold every key: readers check the roles). */
export interface ArchiveKeyRow {
  archiveId: string;
  kid: string;
  publicKey: string;
  roles: string[];
}

export type PinMethod = 'pasted' | 'file' | 'trust-on-first-use' | 'demo';

/** A pinned root key: the auditor's decision to anchor trust in it, with its record. */
export interface TrustedRootRow {
  publicKey: string;
  kid: string;
  label: string;
  method: PinMethod;
  pinnedAt: string;
  /** True when pinned on first use from an archive rather than obtained independently. */
  tofu: boolean;
  /** Archive (file name and id) the key came from, for trust-on-first-use and the demo. */
  sourceArchive?: { id: string; name: string };
  note: string;
}

/**
 * A file of an archive kept whole at import, for the screens that show more than the
 * verification report: keys.json, the manifest, policy bundles, checkpoints, attachments.
 * `text` for JSON/JSONL files, `bytes` for attachments (up to a cap; above it only the
 * hash and size are kept and `kept` is false).
 */
export interface ArchiveFileRow {
  archiveId: string;
  path: string;
  kind: 'manifest' | 'keys' | 'bundle' | 'checkpoints' | 'attachment';
  size: number;
  /** `sha256:` + hex of the bytes as read. */
  sha256: string;
  kept: boolean;
  text?: string;
  bytes?: Uint8Array;
}

/** A named receipts filter of an engagement (the route query as text); a sample population later. */
export interface SavedFilterRow {
  id?: number;
  engagementId: string;
  name: string;
  /** The receipts route's query string, without `?` (archive-independent). */
  query: string;
  createdAt: string;
}

/**
 * A sample drawn for a test of controls (FORMAT.md §9), with how its size was chosen, the
 * population it was drawn from and the evidence that population was complete, and its
 * evaluation once tested. Items are rows of `sampleItems`.
 */
export interface SampleRow {
  id?: number;
  archiveId: string;
  /** Set for samples made since store version 5; older placeholder rows have none. */
  engagementId?: string;
  /** The control tested (a stable id from the control library). */
  controlId?: string;
  name?: string;
  seed: string;
  size: number;
  createdAt: string;
  /** Anything else the sampling screens record (population, sizing inputs, evaluation, conclusion). */
  details?: Record<string, unknown>;
}

/** One sampled receipt and what the auditor recorded for it. */
export interface SampleItemRow {
  sampleId: number;
  /** Position in score order, 0-based. */
  index: number;
  receiptId: string;
  ledger: string;
  seq: number;
  hash: string;
  score: string;
  /** Attribute id → result; automated attributes are filled from the engine, manual ones by the auditor. */
  results: Record<string, 'pass' | 'fail' | 'not-applicable' | null>;
  note: string;
}

/** An engagement's test of one control: its manual attributes and the auditor's conclusion. */
export interface ControlTestRow {
  engagementId: string;
  controlId: string;
  attributes: { id: string; text: string }[];
  conclusion: string;
  note: string;
  updatedAt: string;
}

/** A policy change the auditor reviewed for the workpaper: two bundle versions and what they found. */
export interface PolicyDiffNote {
  /** Bundle id and version, as `id@version`, and the bundle's hash, of each side. */
  from: string;
  fromHash: string;
  to: string;
  toHash: string;
  summary: string;
  addedAt: string;
}

/** The preparer's sign-off: the DSSE envelope as signed, and what it names. */
export interface PreparedSignOff {
  name: string;
  /** Hex Ed25519 public key that signed. */
  publicKey: string;
  signedAt: string;
  envelope: DsseEnvelope;
  /** Hex SHA-256 of the signed predicate's canonical JSON. */
  workpaperHash: string;
  /** The PDF rendering named as a subject, and its hex SHA-256. */
  pdfName: string;
  pdfSha256: string;
}

/** The reviewer's sign-off: an envelope whose subject is the preparer's envelope. */
export interface ReviewSignOff {
  name: string;
  publicKey: string;
  signedAt: string;
  decision: 'approved' | 'returned';
  note: string;
  envelope: DsseEnvelope;
}

/** What happened to a workpaper's sign-offs, in order; nothing is ever removed from it. */
export type WorkpaperEvent =
  | { kind: 'prepared'; at: string; by: string; publicKey: string; workpaperHash: string }
  | { kind: 'reviewed'; at: string; by: string; publicKey: string; decision: 'approved' | 'returned'; note: string }
  | {
      kind: 'reopened';
      at: string;
      by: string;
      reason: string;
      /** The review the reopening set aside (no longer covering the workpaper as it will be signed). */
      setAside: { by: string; at: string; decision: 'approved' | 'returned'; publicKey: string } | null;
    };

/**
 * An engagement's workpaper for one archive (since store version 6; rows of version 1 were
 * placeholders no screen wrote). The draft is recomputed from the engagement's data; the
 * row keeps what the auditor added here (policy changes reviewed), the sign-offs as
 * signed, and their history. Kept when the archive is removed: a signed workpaper is a record.
 */
export interface WorkpaperRow {
  id?: number;
  engagementId: string;
  archiveId?: string;
  title: string;
  createdAt: string;
  policyDiffs?: PolicyDiffNote[];
  prepared?: PreparedSignOff | null;
  review?: ReviewSignOff | null;
  history?: WorkpaperEvent[];
}

/**
 * An auditor's Ed25519 signing key in browser mode: a WebCrypto key made non-extractable
 * (the private key cannot be read out by any script, only used to sign), kept by IndexedDB's
 * structured clone. In the desktop app keys live in the main process instead (electron/main/signing-keys.ts).
 */
export interface SigningKeyRow {
  /** Hex of the raw 32-byte public key. */
  publicKey: string;
  /** Whose key it is, as the auditor named it. */
  label: string;
  createdAt: string;
  privateKey: CryptoKey;
}

/**
 * A receipt kept for the engagement's workpaper ("Add to workpaper" in the reconstruction
 * view). It names the receipt by archive and id and keeps where it is and the hash of its
 * line, so the reference still says which evidence it was if the archive is imported again.
 */
export interface WorkpaperRefRow {
  id?: number;
  engagementId: string;
  archiveId: string;
  receiptId: string;
  ledger: string;
  seq: number;
  /** `H(line)` of the receipt as stored. */
  hash: string;
  addedAt: string;
  note?: string;
}

export const FINDINGS_PER_CHUNK = 5000;

export class TickmarkDatabase extends Dexie {
  engagements!: EntityTable<EngagementRow, 'id'>;
  archives!: EntityTable<ArchiveRow, 'id'>;
  receiptLines!: Table<ReceiptLinesRow, [string, string, number]>;
  receiptIndex!: Table<ReceiptIndexRow, [string, string, number]>;
  receiptLookup!: Table<ReceiptLookupRow, [string, number]>;
  checkpointPieces!: Table<CheckpointPieceRow, [string, string, number]>;
  findings!: Table<FindingsRow, [string, number]>;
  bundles!: Table<BundleRow, [string, string]>;
  keys!: Table<ArchiveKeyRow, [string, string]>;
  trustedRoots!: EntityTable<TrustedRootRow, 'publicKey'>;
  samples!: EntityTable<SampleRow, 'id'>;
  workpapers!: EntityTable<WorkpaperRow, 'id'>;
  settings!: EntityTable<SettingRow, 'key'>;
  sampleItems!: Table<SampleItemRow, [number, number]>;
  controlTests!: Table<ControlTestRow, [string, string]>;
  archiveFiles!: Table<ArchiveFileRow, [string, string]>;
  savedFilters!: EntityTable<SavedFilterRow, 'id'>;
  workpaperRefs!: EntityTable<WorkpaperRefRow, 'id'>;
  signingKeys!: EntityTable<SigningKeyRow, 'publicKey'>;
  segmentFiles!: Table<SegmentFileRow, [string, string]>;
  resumePoints!: Table<ResumePointRow, [string, string, number]>;

  constructor(name = 'tickmark') {
    super(name);
    this.version(1).stores({
      engagements: 'id, createdAt',
      archives: 'id, engagementId, status, startedAt',
      receiptLines: '[archiveId+ledger+chunkNo], archiveId',
      receiptIndex: '[archiveId+ledger+blockNo], archiveId',
      findings: '[archiveId+chunkNo], archiveId',
      bundles: '[archiveId+hash], archiveId',
      keys: '[archiveId+kid], archiveId',
      trustedRoots: 'publicKey, kid, pinnedAt',
      samples: '++id, archiveId',
      workpapers: '++id, engagementId',
    });
    // Engagements gain client, examination period, notes and updatedAt. The one engagement
    // version 1 made (`default`) and its archives are kept; it gets a neutral name and no
    // period (the screens say "not set", nothing is invented) and stays current.
    this.version(2)
      .stores({ engagements: 'id, createdAt, updatedAt', settings: 'key' })
      .upgrade(async (tx) => {
        const engagements = tx.table<EngagementRow, string>('engagements');
        await engagements.toCollection().modify((row) => {
          Object.assign(row, normalizeEngagement(row));
        });
        if (await engagements.get('default'))
          await tx.table<SettingRow, string>('settings').put({ key: CURRENT_ENGAGEMENT_SETTING, value: 'default' });
      });
    // Archive files kept whole (reconstruction) and saved receipt filters. Archives imported
    // before have no files: the screens that need them say so and offer a re-import.
    this.version(3).stores({
      archiveFiles: '[archiveId+path], archiveId',
      savedFilters: '++id, engagementId',
    });
    // References to receipts kept for an engagement's workpaper (kept when an archive is
    // removed: they carry the ledger, seq and line hash of the evidence they name).
    this.version(4).stores({
      workpaperRefs: '++id, engagementId, [engagementId+archiveId+receiptId]',
    });
    // Sampling and control testing: samples by engagement, their items, and each
    // engagement's test of a control. The placeholder sample rows (none were ever written
    // by a screen) keep their shape.
    this.version(5).stores({
      samples: '++id, archiveId, engagementId',
      sampleItems: '[sampleId+index], sampleId',
      controlTests: '[engagementId+controlId], engagementId',
    });
    // Signed workpapers, one per archive of an engagement (the placeholder rows of version 1
    // were never written by a screen and keep their shape), and the browser's signing keys.
    this.version(6).stores({
      workpapers: '++id, engagementId, [engagementId+archiveId]',
      signingKeys: 'publicKey, createdAt',
    });
    // The point index: a receipt found by id, its transaction and its segment's neighbours
    // without reading the whole table. Archives imported before have none and are read whole.
    this.version(7).stores({
      receiptLookup: '[archiveId+bucket], archiveId',
    });
    // Each ledger's checkpoints file also in pieces of 250 lines, so a receipt's seal is found
    // without reading the whole file. Archives imported before have none: the file is read whole.
    this.version(8).stores({
      checkpointPieces: '[archiveId+ledger+pieceNo], archiveId',
    });
    // Small segment files kept as their stored bytes instead of their lines (line-files.ts):
    // storing the lines was most of what an import cost beyond the command line's work.
    // Archives imported before hold every line in `receiptLines`.
    this.version(9).stores({
      segmentFiles: '[archiveId+path], archiveId',
    });
    // Large segment files kept too, as their stored bytes and resume points (where inflating can
    // start again: line-files.ts reads a piece from the nearest). Archives imported before hold
    // those files' lines in `receiptLines`.
    this.version(10).stores({
      resumePoints: '[archiveId+path+out], archiveId',
    });
  }
}

export const db = new TickmarkDatabase();

/** Tables that hold rows of one archive, keyed by `archiveId`. */
export function archiveTables(database: TickmarkDatabase): Table<{ archiveId: string }, unknown>[] {
  return [
    database.receiptLines,
    database.receiptIndex,
    database.receiptLookup,
    database.checkpointPieces,
    database.findings,
    database.bundles,
    database.keys,
    database.samples,
    database.archiveFiles,
    database.segmentFiles,
    database.resumePoints,
  ] as unknown as Table<{ archiveId: string }, unknown>[];
}
