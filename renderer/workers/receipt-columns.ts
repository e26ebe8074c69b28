/**
 * The compact, typed-array form of an archive's receipts that the workbench filters in
 * memory, and the chunked form of their raw lines that it stores.
 *
 * Why: one IndexedDB row per receipt (full JSON, four indexes) writes at a few thousand
 * rows a second, so a 1,000,000-receipt archive would take minutes to store and seconds
 * to reopen. Instead the raw lines go into chunk rows of {@link LINES_PER_CHUNK} and the
 * columns a filter needs (seq, time, agent, action, resource, effect, status, where the
 * line was) go into a few typed arrays per ledger block: 1M receipts are ~40 MB of
 * columns in a few dozen rows, read back in well under a second and scanned in tens of
 * milliseconds. The explorer's columns ({@link BlockExtras}: transaction and step, data
 * tier, personal-data categories, data subjects, receipt id, the line's hash) came later:
 * blocks stored before them lack them, and the filters that need them say so.
 *
 * Runtime-neutral (no DOM, no Node): the verify worker builds the columns, the window
 * reads them.
 */
import type { ResumePoint } from '../../shared/archive/resume-points.ts';
import type { RecordRead } from '../../shared/engine/types.ts';
import { parseTime } from '../../shared/format/time.ts';
import { GrowableFloat64, GrowableUint32 } from '../../shared/format/growable.ts';
import { copyOf, utf8 } from '../../shared/format/bytes.ts';
import { PackedLinesBuilder, packedLineBytes, packedLinesBuffers, type PackedLines } from './packed-lines.ts';

/**
 * Raw lines per stored chunk row, for archives imported now. A receipt reached after a reload
 * is read from its chunk: 1,000 demo-sized lines (1.5 MB) took 50–120 ms beside the page's
 * other first reads, 100 or 250 lines 10–30 ms. Each row costs the browser an IndexedDB
 * write and a blob of its own (a value over 64 KB), so 100 lines a row made an import's
 * browser threads work twice as much as 1,000; 250 keeps both (docs/PERFORMANCE.md). The
 * number is stored with the archive ({@link linesPerChunkOf}); every reader asks it.
 */
export const LINES_PER_CHUNK = 250;
/** Raw lines per chunk row of archives imported before the number was stored with them. */
export const LEGACY_LINES_PER_CHUNK = 1000;

/** Throws unless `linesPerChunk` is a positive integer; `where` names the caller in the message. */
export function checkLinesPerChunk(linesPerChunk: number, where: string): void {
  if (!Number.isSafeInteger(linesPerChunk) || linesPerChunk < 1)
    throw new RangeError(`${where}: "linesPerChunk" must be a positive integer`);
}

/** Raw lines per stored chunk row of an archive (archives imported before it was stored: 1,000). */
export function linesPerChunkOf(archive: { readonly linesPerChunk?: number | undefined }): number {
  const n = archive.linesPerChunk;
  return n === undefined ? LEGACY_LINES_PER_CHUNK : n;
}
/** Rows of typed-array columns per stored index block. */
export const ROWS_PER_BLOCK = 65_536;

export const EFFECTS = Object.freeze(['', 'allow', 'deny'] as const);
export const STATUSES = Object.freeze(['', 'ok', 'error', 'blocked'] as const);
export type Effect = (typeof EFFECTS)[number];
export type ExecStatus = (typeof STATUSES)[number];

/** The columns of consecutive receipts of one ledger. Index 0 of each dictionary is "none". */
/** The typed-array columns of the receipt index, one entry per receipt line. */
export interface ReceiptColumns {
  /** NaN where the line had no readable seq. */
  readonly seq: Float64Array;
  /** Milliseconds since the epoch; NaN where unknown. */
  readonly ts: Float64Array;
  readonly agent: Uint32Array;
  readonly action: Uint32Array;
  readonly resource: Uint32Array;
  readonly path: Uint32Array;
  readonly line: Uint32Array;
  /** Index into {@link EFFECTS}. */
  readonly effect: Uint8Array;
  /** Index into {@link STATUSES}. */
  readonly status: Uint8Array;
}

/**
 * The explorer's columns of one block, added after the first imports: a block stored
 * before has none of them (never some), and every reader checks.
 */
export interface BlockExtras {
  /** Index into {@link txnIds} (0: no transaction known). */
  readonly txn: Uint32Array;
  /** This block's own dictionary of transaction ids; index 0 is "none". */
  readonly txnIds: readonly string[];
  /** `txn.step`; NaN where unknown. */
  readonly step: Float64Array;
  /** `data.tier`; NaN where unknown. */
  readonly tier: Float64Array;
  /** Index into {@link Dictionaries.personalSets} (0: no personal data, or unknown). */
  readonly personal: Uint32Array;
  /** CSR: row i's data subjects are `subjectIds[subjectStart[i] .. subjectStart[i + 1])`; count + 1 entries. */
  readonly subjectStart: Uint32Array;
  /** Indexes into {@link subjectDigests} (this block's own subjects). */
  readonly subjectIds: Uint32Array;
  /** The block's distinct data subjects, 32 bytes (the SHA-256 digest) each. */
  readonly subjectDigests: Uint8Array;
  /** Every row's receipt id, escaped ({@link escapeId}) and followed by a newline ('' where unknown). */
  readonly receiptIds: string;
  /** Every row's line hash, 32 bytes each. */
  readonly hashes: Uint8Array;
}

/** One stored block of a ledger's index columns. */
export interface ColumnBlock extends ReceiptColumns, Partial<BlockExtras> {
  readonly ledger: string;
  readonly blockNo: number;
  /** Ledger-local index of the first row. */
  readonly start: number;
  readonly count: number;
}

/**
 * Values the columns index, archive-wide. Members may be added (optional, absent in
 * archives imported before): readers check.
 */
export interface Dictionaries {
  readonly agents: readonly string[];
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly paths: readonly string[];
  /**
   * Sets of personal-data categories, each the JSON of its sorted distinct names
   * ({@link personalKey}); index 0 ('') is "none". Absent in imports before the explorer.
   */
  readonly personalSets?: readonly string[];
}

/** The dictionary key of a set of personal-data categories: '' when empty. */
export function personalKey(categories: readonly string[]): string {
  if (categories.length === 0) return '';
  return JSON.stringify([...new Set(categories)].sort());
}

/** The categories of a {@link personalKey}. */
export function personalCategories(key: string): string[] {
  return key === '' ? [] : (JSON.parse(key) as string[]);
}

/**
 * A receipt id as kept in the newline-separated id text: backslash and newline escaped
 * (`\\`, `\n`), so no id contains the separator. The escape is a prefix code: `p` is a
 * prefix of `id` exactly when `escapeId(p)` is a prefix of `escapeId(id)`.
 */
export function escapeId(id: string): string {
  return id.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'));
}

export function unescapeId(text: string): string {
  return text.replace(/\\([\\n])/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
}

/** Bytes per stored hash (a SHA-256 digest). */
export const HASH_BYTES = 32;
const HASH_PREFIX = 'sha256:';

/**
 * Writes the digest of `sha256:<64 hex>` at `out[at..at+32)`. The engine always gives
 * such a hash; anything else (a stand-in in a test) is written as zeros.
 */
export function putDigest(hash: string, out: Uint8Array, at: number): void {
  if (hash.length !== HASH_PREFIX.length + 64 || !hash.startsWith(HASH_PREFIX)) {
    out.fill(0, at, at + HASH_BYTES);
    return;
  }
  for (let i = 0; i < HASH_BYTES; i++) {
    const hi = hexValue(hash.charCodeAt(HASH_PREFIX.length + 2 * i));
    const lo = hexValue(hash.charCodeAt(HASH_PREFIX.length + 2 * i + 1));
    if (hi < 0 || lo < 0) {
      out.fill(0, at, at + HASH_BYTES);
      return;
    }
    out[at + i] = (hi << 4) | lo;
  }
}

/** Value of a lowercase hex digit's char code, or -1. */
export function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/** One stored chunk of raw lines: what the receipt detail panel reads. */
export interface LineChunk {
  readonly ledger: string;
  readonly chunkNo: number;
  /** The raw lines, packed (one buffer of UTF-8 and the lines' ends). */
  readonly lines: PackedLines;
  readonly hashes: readonly string[];
  /**
   * Each line's place, as its column block has it: segment (path dictionary id), line
   * number, and receipt id (escaped, each followed by a newline, '' where unknown). A receipt
   * reached after a reload is placed from its own chunk, without reading its 65,536-row block.
   */
  readonly places: ChunkPlaces;
  /**
   * Segment files whose lines this chunk does not hold (each such line is empty in `lines`):
   * their stored bytes are kept whole instead (`segmentFiles`, or a part of the archive kept
   * whole, `inFiles.parts`), and a reader takes line
   * `places.line[i]` of file `paths[k]` for a line whose `places.path[i]` is `ids[k]`
   * (renderer/store/line-files.ts). Absent: the chunk holds every line.
   */
  readonly inFiles?: ChunkFiles;
  /**
   * Where in their files the lines of `inFiles` lie: the pieces of them this chunk's lines came
   * in (the import's, shared/engine/pieces.ts), by path id. A large file is read back from its
   * resume points a piece at a time, not whole (renderer/store/line-files.ts).
   */
  readonly pieces?: readonly ChunkPiece[];
  /** Files of `inFiles` that no chunk before this one named, and that have no place in `inFiles.parts`: stored with this chunk. */
  readonly files?: readonly SegmentFile[];
  /** Resume points of large kept files noted since the chunk before (shared/archive/resume-points.ts): stored with this chunk. */
  readonly points?: readonly FilePoint[];
}

/** Where a run of whole lines lies in its file: from byte `offset`, `span` bytes, the first of them line `line`. */
export interface PiecePlace {
  readonly offset: number;
  readonly line: number;
  readonly span: number;
}

/** A piece of a kept file that a chunk's lines are in (see {@link LineChunk.pieces}). */
export interface ChunkPiece extends PiecePlace {
  /** The file's path dictionary id, as in `places.path`. */
  readonly path: number;
}

/** A resume point of a large kept file (see {@link LineChunk.points}). */
export interface FilePoint extends ResumePoint {
  readonly path: string;
}

/**
 * Segment files up to this many bytes (inflated) are kept as their stored bytes instead of their
 * lines (renderer/store/line-files.ts) and read back whole: inflating one takes tens of
 * milliseconds at most, so a receipt still opens quickly. A larger file is kept as its stored
 * bytes too where the import's inflate notes resume points (`SegmentFile.resumable`), and read
 * back a piece at a time; elsewhere its lines are stored.
 */
export const KEPT_FILE_MAX_BYTES = 4 * 1024 * 1024;

/**
 * The `path` of the row that holds the archive file kept whole (renderer/workers/kept-files.ts):
 * the kept segment files are then parts of it. No entry has this name (a segment's path starts
 * with `ledgers/`).
 */
export const WHOLE_ARCHIVE_PATH = '';

/** A segment file kept as its stored bytes instead of its lines (renderer/store/line-files.ts). */
export interface SegmentFile {
  readonly path: string;
  /**
   * Its stored bytes (deflated or not): a slice of the archive file, or the relayed bytes the
   * engine read. Absent where `part` says where they are. The row {@link WHOLE_ARCHIVE_PATH}
   * holds the archive file.
   */
  readonly blob?: Blob;
  /** Where its stored bytes are instead: `length` bytes from `offset` of the blob of the row `in`. */
  readonly part?: { readonly in: string; readonly offset: number; readonly length: number };
  /** 0 stored, 8 deflated. */
  readonly method: number;
  /** Its bytes once inflated. */
  readonly size: number;
  /**
   * A large file read back from its resume points (`LineChunk.points`) a piece at a time; a
   * small one (absent) is inflated whole.
   */
  readonly resumable?: true;
}

/** The segment files a chunk's lines are read from (see {@link LineChunk.inFiles}). */
export interface ChunkFiles {
  /** Path dictionary ids, as in `places.path`. */
  readonly ids: readonly number[];
  /** The segment file's path (its entry name) for each id. */
  readonly paths: readonly string[];
  /**
   * For each file, where its stored bytes lie in the archive kept whole (the row
   * {@link WHOLE_ARCHIVE_PATH}), when the file has no row of its own in `segmentFiles` (a small
   * one: kept-files.ts's `PART_IN_CHUNK_MAX_BYTES`); null for a file that has one. Absent
   * (imports before 2026-12-07, or no such file): every file has its row. Why: a row for each
   * small file was most of what an import with files of ten receipts paid beyond the command
   * line (10,000 rows, about 2.4 s of the browser's CPU at 100,000 receipts;
   * docs/PERFORMANCE.md, fiftieth session); every chunk that names the file says where it lies instead.
   */
  readonly parts?: readonly (FilePart | null)[];
}

/** A small kept file's place in the archive kept whole, and how to inflate it (see {@link ChunkFiles.parts}). */
export interface FilePart {
  /** `length` stored bytes from `offset` of the archive's copy. */
  readonly offset: number;
  readonly length: number;
  /** 0 stored, 8 deflated. */
  readonly method: number;
  /** Its bytes once inflated. */
  readonly size: number;
}

/** The places of a chunk's lines (see {@link LineChunk.places}). */
export interface ChunkPlaces {
  readonly path: Uint32Array;
  readonly line: Uint32Array;
  readonly receiptIds: string;
}

const NO_BYTES = new Uint8Array(0);

class Dictionary {
  private readonly index = new Map<string, number>([['', 0]]);
  readonly values: string[] = [''];
  id(value: string | undefined): number {
    if (value === undefined || value === '') return 0;
    let id = this.index.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.index.set(value, id);
    }
    return id;
  }
}

/** The data subjects of one block or segment: distinct hashes, numbered from 0. */
class SubjectList {
  private readonly index = new Map<string, number>();
  readonly values: string[] = [];
  id(hash: string): number {
    let id = this.index.get(hash);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(hash);
      this.index.set(hash, id);
    }
    return id;
  }
  digests(): Uint8Array {
    const out = new Uint8Array(this.values.length * HASH_BYTES);
    this.values.forEach((hash, i) => putDigest(hash, out, i * HASH_BYTES));
    return out;
  }
}

/** One row as the builders take it, dictionary ids not yet given (but `personal` is a key). */
interface RowValues {
  readonly line: number;
  readonly seq: number;
  readonly ts: number;
  readonly effect: number;
  readonly status: number;
  readonly agent: string | undefined;
  readonly action: string | undefined;
  readonly resource: string | undefined;
  readonly receiptId: string;
  readonly txn: string | undefined;
  readonly step: number;
  readonly tier: number;
  readonly personal: string;
  readonly subjects: readonly string[];
  /** The raw line's UTF-8 (a view: copied when added). */
  readonly bytes: Uint8Array;
  readonly hash: string;
}

/**
 * Rows a ledger's first block makes room for; it doubles as it fills, up to {@link ROWS_PER_BLOCK}.
 * Each row costs about 100 bytes in its columns: made at full size for every ledger, 2,000
 * ledgers asked for 13 GB at once and the import failed ("Array buffer allocation failed").
 * What a ledger holds until the end of an import is its last block and its last chunk's lines
 * (`PackedLinesBuilder`, also started small): 20,000 ledgers of a receipt each held 2.2 GB with
 * blocks of 1,024 rows and 64 KiB of lines, 0.1 GB so.
 */
const FIRST_BLOCK_ROWS = 64;

class GrowableBlock {
  count = 0;
  /** Rows the columns hold room for. */
  private rows = 0;
  seq = new Float64Array(0);
  ts = new Float64Array(0);
  agent = new Uint32Array(0);
  action = new Uint32Array(0);
  resource = new Uint32Array(0);
  path = new Uint32Array(0);
  line = new Uint32Array(0);
  effect = new Uint8Array(0);
  status = new Uint8Array(0);
  txn = new Uint32Array(0);
  readonly txnIds = new Dictionary();
  step = new Float64Array(0);
  tier = new Float64Array(0);
  personal = new Uint32Array(0);
  subjectStart = new Uint32Array(1);
  readonly subjectIds = new GrowableUint32(1024);
  readonly subjects = new SubjectList();
  readonly receiptIds: string[] = [];
  hashes = new Uint8Array(0);
  /** A ledger's later blocks start full size: the ledger has filled one already. */
  constructor(
    readonly ledger: string,
    readonly blockNo: number,
  ) {
    this.resize(blockNo === 0 ? FIRST_BLOCK_ROWS : ROWS_PER_BLOCK);
  }

  /** Room for one more row: full columns double (up to {@link ROWS_PER_BLOCK}, when the block is sealed). */
  makeRoom(): void {
    if (this.count === this.rows) this.resize(Math.min(this.rows * 2, ROWS_PER_BLOCK));
  }

  private resize(rows: number): void {
    this.seq = widened(this.seq, rows);
    this.ts = widened(this.ts, rows);
    this.agent = widened(this.agent, rows);
    this.action = widened(this.action, rows);
    this.resource = widened(this.resource, rows);
    this.path = widened(this.path, rows);
    this.line = widened(this.line, rows);
    this.effect = widened(this.effect, rows);
    this.status = widened(this.status, rows);
    this.txn = widened(this.txn, rows);
    this.step = widened(this.step, rows);
    this.tier = widened(this.tier, rows);
    this.personal = widened(this.personal, rows);
    this.subjectStart = widened(this.subjectStart, rows + 1);
    this.hashes = widened(this.hashes, rows * HASH_BYTES);
    this.rows = rows;
  }

  /** The filled part, copied so the buffers can be transferred to another thread. */
  seal(): ColumnBlock {
    const n = this.count;
    return {
      ledger: this.ledger,
      blockNo: this.blockNo,
      start: this.blockNo * ROWS_PER_BLOCK,
      count: n,
      seq: copyOf(this.seq, 0, n),
      ts: copyOf(this.ts, 0, n),
      agent: copyOf(this.agent, 0, n),
      action: copyOf(this.action, 0, n),
      resource: copyOf(this.resource, 0, n),
      path: copyOf(this.path, 0, n),
      line: copyOf(this.line, 0, n),
      effect: copyOf(this.effect, 0, n),
      status: copyOf(this.status, 0, n),
      txn: copyOf(this.txn, 0, n),
      txnIds: this.txnIds.values,
      step: copyOf(this.step, 0, n),
      tier: copyOf(this.tier, 0, n),
      personal: copyOf(this.personal, 0, n),
      subjectStart: copyOf(this.subjectStart, 0, n + 1),
      subjectIds: copyOf(this.subjectIds.view()),
      subjectDigests: this.subjects.digests(),
      receiptIds: this.receiptIds.length === 0 ? '' : this.receiptIds.join('\n') + '\n',
      hashes: copyOf(this.hashes, 0, n * HASH_BYTES),
    };
  }
}

/** `column` copied into a longer one of the same kind. */
function widened<T extends Float64Array<ArrayBuffer> | Uint32Array<ArrayBuffer> | Uint8Array<ArrayBuffer>>(
  column: T,
  length: number,
): T {
  const out = new (column.constructor as new (length: number) => T)(length);
  out.set(column as never);
  return out;
}

interface LedgerBuilder {
  rows: number;
  block: GrowableBlock;
  lines: PackedLinesBuilder;
  hashes: string[];
  /** The places of the lines in `lines` (see {@link LineChunk.places}). */
  path: Uint32Array;
  line: Uint32Array;
  ids: string[];
  /** The files whose lines the current chunk does not hold, by path id (see {@link LineChunk.inFiles}). */
  inFiles: Map<number, string>;
  /** The pieces of those files the current chunk's lines are in (see {@link LineChunk.pieces}). */
  pieces: ChunkPiece[];
}

function newChunkPlaces(linesPerChunk: number): Pick<LedgerBuilder, 'path' | 'line' | 'ids'> {
  return { path: new Uint32Array(linesPerChunk), line: new Uint32Array(linesPerChunk), ids: [] };
}

/** The index fields of one record. */
function rowValues(record: RecordRead): RowValues {
  const r = record.receipt;
  return {
    line: record.line,
    seq: r ? r.seq : Number.NaN,
    ts: r ? (parseTime(r.ts) ?? Number.NaN) : Number.NaN,
    agent: r?.agent.id,
    action: r?.request.action.id,
    resource: r ? `${r.request.resource.type}::${r.request.resource.id}` : undefined,
    effect: r ? EFFECTS.indexOf(r.decision.effect) : 0,
    status: r ? STATUSES.indexOf(r.exec.status) : 0,
    receiptId: r ? r.id : '',
    txn: r?.txn.id,
    step: r ? r.txn.step : Number.NaN,
    tier: r ? r.data.tier : Number.NaN,
    personal: r ? personalKey(r.data.personal) : '',
    subjects: r ? r.data.subjects : [],
    bytes: record.bytes ?? utf8(record.text),
    hash: record.hash,
  };
}

/**
 * The rows of one checked segment, columnar, with segment-local dictionaries: what a pool
 * worker sends back beside its segment result, so the orchestrating worker can index and
 * chunk them in ledger order without the receipts themselves crossing threads.
 */
export interface SegmentRows {
  readonly ledger: string;
  readonly path: string;
  readonly count: number;
  /** The raw lines; each empty when `linesLeftOut`. */
  readonly lines: PackedLines;
  /** The lines were left out: the file is kept as its stored bytes (renderer/store/line-files.ts). */
  readonly linesLeftOut?: boolean;
  /** Where the lines left out lie in their file: the piece they were checked in. */
  readonly piece?: PiecePlace;
  readonly hashes: readonly string[];
  readonly seq: Float64Array;
  readonly ts: Float64Array;
  readonly line: Uint32Array;
  readonly effect: Uint8Array;
  readonly status: Uint8Array;
  /** Indexes into `agents`, `actions`, `resources`, `txns`, `personalSets` (index 0 is "none"). */
  readonly agent: Uint32Array;
  readonly action: Uint32Array;
  readonly resource: Uint32Array;
  readonly txn: Uint32Array;
  readonly personal: Uint32Array;
  readonly agents: readonly string[];
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly txns: readonly string[];
  readonly personalSets: readonly string[];
  readonly step: Float64Array;
  readonly tier: Float64Array;
  /** CSR over `subjectIds` (count + 1 entries); `subjectIds` index `subjects`. */
  readonly subjectStart: Uint32Array;
  readonly subjectIds: Uint32Array;
  readonly subjects: readonly string[];
  readonly receiptIds: readonly string[];
  /**
   * The rows of several whole small files checked together (one group of a pool worker,
   * shared/engine/pieces.ts's `batchSmallFiles`): each file's ledger, path and row count, in
   * order; `ledger`, `path`, `linesLeftOut` and `piece` above are then the first file's. Absent:
   * every row is of `path`. One set of rows for a group, not one per file: each set cost a
   * worker its columns, dictionaries and buffers to build and post, and the verify worker a
   * message to read (docs/PERFORMANCE.md, fiftieth session).
   */
  readonly files?: readonly RowsFile[];
}

/** One file's rows within {@link SegmentRows} of several files. */
export interface RowsFile {
  readonly ledger: string;
  readonly path: string;
  readonly count: number;
  readonly linesLeftOut?: boolean;
  readonly piece?: PiecePlace;
}

/** Collects one segment's records as {@link SegmentRows} (or several whole files', one after another: {@link next}). */
export class SegmentRowsBuilder {
  private readonly agents = new Dictionary();
  private readonly actions = new Dictionary();
  private readonly resources = new Dictionary();
  private readonly txns = new Dictionary();
  private readonly personalSets = new Dictionary();
  private readonly subjects = new SubjectList();
  private readonly lines: PackedLinesBuilder;
  private readonly hashes: string[] = [];
  private readonly receiptIds: string[] = [];
  private readonly numbers = {
    seq: new GrowableFloat64(),
    ts: new GrowableFloat64(),
    step: new GrowableFloat64(),
    tier: new GrowableFloat64(),
    line: new GrowableUint32(),
    effect: new GrowableUint32(),
    status: new GrowableUint32(),
    agent: new GrowableUint32(),
    action: new GrowableUint32(),
    resource: new GrowableUint32(),
    txn: new GrowableUint32(),
    personal: new GrowableUint32(),
    subjectStart: new GrowableUint32(),
    subjectIds: new GrowableUint32(),
  };

  /** The files before the current one, when there were any ({@link next}). */
  private readonly done: RowsFile[] = [];
  /** Rows of the files before the current one. */
  private rowsBefore = 0;

  constructor(
    private ledger: string,
    private path: string,
    /** The bytes of the lines to come, when known (a piece's): their buffer is made that size at once. */
    lineBytes?: number,
    /** Leave the lines out (each empty): the file is kept as its stored bytes. */
    private linesLeftOut = false,
    /** Memory to pack the lines into, when it holds `lineBytes` (a buffer lines came back in before). */
    into?: ArrayBuffer,
    /** The piece the lines are from, said with the rows when their lines are left out. */
    private piece?: PiecePlace,
  ) {
    this.lines = new PackedLinesBuilder(lineBytes, into);
    this.numbers.subjectStart.push(0);
  }

  /** The records that follow are another whole file's (the rows then say each file's, `files`). */
  next(ledger: string, path: string, linesLeftOut = false, piece?: PiecePlace): void {
    this.done.push(this.currentFile());
    this.rowsBefore = this.lines.count;
    this.ledger = ledger;
    this.path = path;
    this.linesLeftOut = linesLeftOut;
    this.piece = piece;
  }

  private currentFile(): RowsFile {
    return {
      ledger: this.ledger,
      path: this.path,
      count: this.lines.count - this.rowsBefore,
      ...(this.linesLeftOut ? { linesLeftOut: true } : {}),
      ...(this.linesLeftOut && this.piece ? { piece: this.piece } : {}),
    };
  }

  add(record: RecordRead): void {
    if (record.ledger !== this.ledger || record.path !== this.path)
      throw new Error(`a record of ${record.path} was given to the rows of ${this.path}`);
    const f = rowValues(record);
    const n = this.numbers;
    n.seq.push(f.seq);
    n.ts.push(f.ts);
    n.step.push(f.step);
    n.tier.push(f.tier);
    n.line.push(f.line);
    n.effect.push(f.effect);
    n.status.push(f.status);
    n.agent.push(this.agents.id(f.agent));
    n.action.push(this.actions.id(f.action));
    n.resource.push(this.resources.id(f.resource));
    n.txn.push(this.txns.id(f.txn));
    n.personal.push(this.personalSets.id(f.personal));
    for (const subject of f.subjects) n.subjectIds.push(this.subjects.id(subject));
    n.subjectStart.push(n.subjectIds.length);
    this.receiptIds.push(f.receiptId);
    this.lines.push(this.linesLeftOut ? NO_BYTES : f.bytes);
    this.hashes.push(f.hash);
  }

  finish(): SegmentRows {
    const n = this.numbers;
    const files = this.done.length > 0 ? [...this.done, this.currentFile()] : null;
    const first = files ? (files[0] as RowsFile) : this.currentFile();
    return {
      ledger: first.ledger,
      path: first.path,
      count: this.lines.count,
      // The builder is done: its buffer goes as it is (a piece's lines fill it, sized at the start).
      lines: this.lines.takeLast(),
      ...(first.linesLeftOut ? { linesLeftOut: true } : {}),
      ...(first.piece ? { piece: first.piece } : {}),
      ...(files ? { files } : {}),
      hashes: this.hashes,
      seq: copyOf(n.seq.view()),
      ts: copyOf(n.ts.view()),
      line: copyOf(n.line.view()),
      effect: Uint8Array.from(n.effect.view()),
      status: Uint8Array.from(n.status.view()),
      agent: copyOf(n.agent.view()),
      action: copyOf(n.action.view()),
      resource: copyOf(n.resource.view()),
      txn: copyOf(n.txn.view()),
      personal: copyOf(n.personal.view()),
      agents: this.agents.values,
      actions: this.actions.values,
      resources: this.resources.values,
      txns: this.txns.values,
      personalSets: this.personalSets.values,
      step: copyOf(n.step.view()),
      tier: copyOf(n.tier.view()),
      subjectStart: copyOf(n.subjectStart.view()),
      subjectIds: copyOf(n.subjectIds.view()),
      subjects: this.subjects.values,
      receiptIds: this.receiptIds,
    };
  }
}

/** The buffers of segment rows, for `postMessage(…, transfer)`. */
export function segmentRowsBuffers(rows: SegmentRows): ArrayBuffer[] {
  const columns = [
    rows.seq,
    rows.ts,
    rows.line,
    rows.effect,
    rows.status,
    rows.agent,
    rows.action,
    rows.resource,
    rows.txn,
    rows.personal,
    rows.step,
    rows.tier,
    rows.subjectStart,
    rows.subjectIds,
  ];
  return [...packedLinesBuffers(rows.lines), ...columns.map((a) => a.buffer as ArrayBuffer)];
}

/** The buffers of a line chunk, for `postMessage(…, transfer)`: its lines and places are moved. */
export function lineChunkBuffers(chunk: LineChunk): ArrayBuffer[] {
  return [
    ...packedLinesBuffers(chunk.lines),
    chunk.places.path.buffer as ArrayBuffer,
    chunk.places.line.buffer as ArrayBuffer,
  ];
}

/**
 * Accumulates records as the engine reads them (in any interleaving of ledgers) into
 * line chunks, handed out as they fill, and column blocks, handed out at the end.
 */
export class ColumnBuilder {
  private readonly agents = new Dictionary();
  private readonly actions = new Dictionary();
  private readonly resources = new Dictionary();
  private readonly paths = new Dictionary();
  private readonly personalSets = new Dictionary();
  private readonly ledgers = new Map<string, LedgerBuilder>();
  private readonly blocks: ColumnBlock[] = [];
  /** Per path id, whether its lines are read from its kept file instead of held (asked once a path). */
  private readonly pathInFile: boolean[] = [];

  /**
   * @param linesPerChunk raw lines per stored chunk row (stored with the archive as `linesPerChunk`)
   * @param lineFile whether a segment file's lines are kept as its stored bytes (asked once a
   *   path, when its first line comes): its lines are then left out of the chunks.
   */
  constructor(
    readonly linesPerChunk: number = LINES_PER_CHUNK,
    private readonly lineFile: (path: string) => boolean = () => false,
  ) {
    checkLinesPerChunk(linesPerChunk, 'ColumnBuilder');
  }

  /** Whether the lines of path `pathId` are left out of the chunks. */
  private inFile(pathId: number): boolean {
    let known = this.pathInFile[pathId];
    if (known === undefined) {
      known = pathId !== 0 && this.lineFile(this.paths.values[pathId] as string);
      this.pathInFile[pathId] = known;
    }
    return known;
  }

  /** Adds one record; returns a full line chunk when this record completed one. */
  add(record: RecordRead): LineChunk | null {
    return this.addRow(record.ledger, this.paths.id(record.path), rowValues(record));
  }

  /**
   * Adds a segment's rows (built where the segment was checked), or several whole files' (`files`);
   * returns the line chunks they completed.
   */
  addSegment(rows: SegmentRows): LineChunk[] {
    const chunks: LineChunk[] = [];
    const files = rows.files ?? [rows];
    let from = 0;
    for (const file of files) {
      const to = from + file.count;
      if (to > rows.count) throw new Error(`The rows of ${file.path} are more than the ${rows.count} sent.`);
      this.addRows(rows, from, to, file, chunks);
      from = to;
    }
    if (from !== rows.count) throw new Error(`Rows were sent for ${rows.count - from} lines of no file.`);
    return chunks;
  }

  /** Rows `from` to `to` of `rows`, all of `file`, into `chunks`. */
  private addRows(
    rows: SegmentRows,
    from: number,
    to: number,
    file: Pick<RowsFile, 'ledger' | 'path' | 'linesLeftOut' | 'piece'>,
    chunks: LineChunk[],
  ): void {
    const pathId = this.paths.id(file.path);
    // Never store the empty lines of rows that left them out as if they were the lines.
    if (file.linesLeftOut && to > from && !this.inFile(pathId))
      throw new Error(`The rows of ${file.path} came without their lines, but the file is not kept.`);
    for (let i = from; i < to; i++) {
      const subjects: string[] = [];
      for (let k = rows.subjectStart[i] as number; k < (rows.subjectStart[i + 1] as number); k++)
        subjects.push(rows.subjects[rows.subjectIds[k] as number] as string);
      const txn = rows.txns[rows.txn[i] as number];
      const chunk = this.addRow(
        file.ledger,
        pathId,
        {
          line: rows.line[i] as number,
          seq: rows.seq[i] as number,
          ts: rows.ts[i] as number,
          effect: rows.effect[i] as number,
          status: rows.status[i] as number,
          agent: rows.agents[rows.agent[i] as number],
          action: rows.actions[rows.action[i] as number],
          resource: rows.resources[rows.resource[i] as number],
          receiptId: rows.receiptIds[i] as string,
          txn: txn === '' ? undefined : txn,
          step: rows.step[i] as number,
          tier: rows.tier[i] as number,
          personal: rows.personalSets[rows.personal[i] as number] as string,
          subjects,
          bytes: packedLineBytes(rows.lines, i) as Uint8Array,
          hash: rows.hashes[i] as string,
        },
        file.piece,
      );
      if (chunk) chunks.push(chunk);
    }
  }

  private addRow(ledgerName: string, pathId: number, v: RowValues, piece?: PiecePlace): LineChunk | null {
    let ledger = this.ledgers.get(ledgerName);
    if (!ledger) {
      ledger = {
        rows: 0,
        block: new GrowableBlock(ledgerName, 0),
        lines: new PackedLinesBuilder(4096),
        hashes: [],
        ...newChunkPlaces(this.linesPerChunk),
        inFiles: new Map(),
        pieces: [],
      };
      this.ledgers.set(ledgerName, ledger);
    }
    const block = ledger.block;
    block.makeRoom();
    const i = block.count;
    block.seq[i] = v.seq;
    block.ts[i] = v.ts;
    block.agent[i] = this.agents.id(v.agent);
    block.action[i] = this.actions.id(v.action);
    block.resource[i] = this.resources.id(v.resource);
    block.path[i] = pathId;
    block.line[i] = v.line;
    block.effect[i] = v.effect;
    block.status[i] = v.status;
    block.txn[i] = block.txnIds.id(v.txn);
    block.step[i] = v.step;
    block.tier[i] = v.tier;
    block.personal[i] = this.personalSets.id(v.personal);
    for (const subject of v.subjects) block.subjectIds.push(block.subjects.id(subject));
    block.subjectStart[i + 1] = block.subjectIds.length;
    const escapedId = escapeId(v.receiptId);
    block.receiptIds.push(escapedId);
    putDigest(v.hash, block.hashes, i * HASH_BYTES);
    block.count++;
    if (block.count === ROWS_PER_BLOCK) {
      this.blocks.push(block.seal());
      ledger.block = new GrowableBlock(ledgerName, block.blockNo + 1);
    }
    const k = ledger.lines.count;
    ledger.path[k] = pathId;
    ledger.line[k] = v.line;
    ledger.ids.push(escapedId);
    if (this.inFile(pathId)) {
      ledger.lines.push(NO_BYTES);
      if (!ledger.inFiles.has(pathId)) ledger.inFiles.set(pathId, this.paths.values[pathId] as string);
      const last = ledger.pieces.at(-1);
      if (piece && (last?.path !== pathId || last.offset !== piece.offset))
        ledger.pieces.push({ path: pathId, ...piece });
    } else {
      ledger.lines.push(v.bytes);
    }
    ledger.hashes.push(v.hash);
    ledger.rows++;
    if (ledger.lines.count === this.linesPerChunk) return this.takeChunk(ledgerName, ledger);
    return null;
  }

  /** The last, partly filled line chunks; call once at the end. */
  flush(): LineChunk[] {
    const out: LineChunk[] = [];
    for (const [name, ledger] of this.ledgers) if (ledger.lines.count > 0) out.push(this.takeChunk(name, ledger));
    return out;
  }

  /** Every column block (call after {@link flush}) and the dictionaries they index. */
  finish(): { blocks: ColumnBlock[]; dictionaries: Dictionaries; rowsByLedger: Record<string, number> } {
    const blocks = [...this.blocks];
    const rowsByLedger: Record<string, number> = {};
    for (const [name, ledger] of this.ledgers) {
      if (ledger.block.count > 0) blocks.push(ledger.block.seal());
      rowsByLedger[name] = ledger.rows;
    }
    blocks.sort((a, b) => (a.ledger < b.ledger ? -1 : a.ledger > b.ledger ? 1 : a.blockNo - b.blockNo));
    return {
      blocks,
      dictionaries: {
        agents: this.agents.values,
        actions: this.actions.values,
        resources: this.resources.values,
        paths: this.paths.values,
        personalSets: this.personalSets.values,
      },
      rowsByLedger,
    };
  }

  private takeChunk(name: string, ledger: LedgerBuilder): LineChunk {
    const n = ledger.lines.count;
    const chunkNo = Math.floor((ledger.rows - n) / this.linesPerChunk);
    const chunk: LineChunk = {
      ledger: name,
      chunkNo,
      // A builder of its own per ledger, emptied by take().
      lines: ledger.lines.take(),
      hashes: ledger.hashes,
      places: {
        path: copyOf(ledger.path, 0, n),
        line: copyOf(ledger.line, 0, n),
        receiptIds: ledger.ids.join('\n') + '\n',
      },
      ...(ledger.inFiles.size > 0
        ? { inFiles: { ids: [...ledger.inFiles.keys()], paths: [...ledger.inFiles.values()] } }
        : {}),
      ...(ledger.pieces.length > 0 ? { pieces: ledger.pieces } : {}),
    };
    ledger.inFiles = new Map();
    ledger.pieces = [];
    ledger.hashes = [];
    // The chunk has copies of `path` and `line`: the next chunk writes over them.
    ledger.ids = [];
    return chunk;
  }
}

/** The buffers of a block, for `postMessage(…, transfer)`. */
export function blockBuffers(block: ColumnBlock): ArrayBuffer[] {
  return [
    block.seq,
    block.ts,
    block.agent,
    block.action,
    block.resource,
    block.path,
    block.line,
    block.effect,
    block.status,
    block.txn,
    block.step,
    block.tier,
    block.personal,
    block.subjectStart,
    block.subjectIds,
    block.subjectDigests,
    block.hashes,
  ]
    .filter((a) => a !== undefined)
    .map((a) => a.buffer as ArrayBuffer);
}

/** Where a ledger-local row's raw line is stored, in chunks of `linesPerChunk` ({@link linesPerChunkOf}). */
export function chunkOf(localRow: number, linesPerChunk: number): { chunkNo: number; offset: number } {
  return { chunkNo: Math.floor(localRow / linesPerChunk), offset: localRow % linesPerChunk };
}
