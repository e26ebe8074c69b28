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
import type { Finding } from '../../shared/engine/findings.ts';
import type { VerifyReport } from '../../shared/engine/types.ts';
import type { ColumnBlock, Dictionaries } from '../workers/receipt-columns.ts';

export interface EngagementRow {
  id: string;
  name: string;
  createdAt: string;
}

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
  /** Set once complete. */
  report?: StoredReport;
  rowsByLedger?: Record<string, number>;
  dictionaries?: Dictionaries;
  findingCount?: number;
  /** Where the archive came from: a file, a host token, the built-in demo. */
  origin: 'file' | 'host' | 'demo';
}

export interface ReceiptLinesRow {
  archiveId: string;
  ledger: string;
  chunkNo: number;
  texts: string[];
  hashes: string[];
}

export type ReceiptIndexRow = ColumnBlock & { archiveId: string };

export interface FindingsRow {
  archiveId: string;
  chunkNo: number;
  items: Finding[];
}

export interface BundleRow {
  archiveId: string;
  hash: string;
  id: string;
  version: number;
  path: string;
}

/** A key as listed in an archive's keys.json (kept to offer trust-on-first-use for its roots). */
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

/** Placeholder for reproducible samples (FORMAT.md §9); not used by any screen yet. */
export interface SampleRow {
  id?: number;
  archiveId: string;
  seed: string;
  size: number;
  createdAt: string;
}

/** Placeholder for workpapers; not used by any screen yet. */
export interface WorkpaperRow {
  id?: number;
  engagementId: string;
  title: string;
  createdAt: string;
}

export const FINDINGS_PER_CHUNK = 5000;

export class TickmarkDatabase extends Dexie {
  engagements!: EntityTable<EngagementRow, 'id'>;
  archives!: EntityTable<ArchiveRow, 'id'>;
  receiptLines!: Table<ReceiptLinesRow, [string, string, number]>;
  receiptIndex!: Table<ReceiptIndexRow, [string, string, number]>;
  findings!: Table<FindingsRow, [string, number]>;
  bundles!: Table<BundleRow, [string, string]>;
  keys!: Table<ArchiveKeyRow, [string, string]>;
  trustedRoots!: EntityTable<TrustedRootRow, 'publicKey'>;
  samples!: EntityTable<SampleRow, 'id'>;
  workpapers!: EntityTable<WorkpaperRow, 'id'>;

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
  }
}

export const db = new TickmarkDatabase();

/** Tables that hold rows of one archive, keyed by `archiveId`. */
export function archiveTables(database: TickmarkDatabase): Table<{ archiveId: string }, unknown>[] {
  return [database.receiptLines, database.receiptIndex, database.findings, database.bundles, database.keys, database.samples] as unknown as Table<{ archiveId: string }, unknown>[];
}
