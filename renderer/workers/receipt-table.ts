/**
 * An archive's receipts as one in-memory table of typed-array columns, and the filters
 * the workbench answers by scanning it. Pure: no DOM, no database (tested under Node).
 * Built in the verify worker at the end of an import, in the window when one is reopened.
 *
 * Rows are numbered globally: ledgers in name order, each ledger's rows in the order the
 * engine read them (segment name order, then line).
 */
import { categoryOf, type Finding, type FindingCode, type Severity } from '../../shared/engine/findings.ts';
import {
  EFFECTS,
  HASH_BYTES,
  STATUSES,
  escapeId,
  hexValue,
  putDigest,
  personalCategories,
  unescapeId,
  type BlockExtras,
  type ColumnBlock,
  type Dictionaries,
  type ReceiptColumns,
  type Effect,
  type ExecStatus,
} from './receipt-columns.ts';
import { toHex } from '../../shared/format/bytes.ts';
import { HASH_PATTERN } from '../../shared/format/hash.ts';
import { GrowableUint32 } from '../../shared/format/growable.ts';

/**
 * Groups of the explorer's columns, each absent from archives imported before it existed
 * (see {@link ReceiptTable.missing}).
 */
export type IndexedColumn = 'transaction' | 'tier' | 'personal' | 'subject' | 'receiptId' | 'hash';
export const INDEXED_COLUMNS: readonly IndexedColumn[] = Object.freeze([
  'transaction',
  'tier',
  'personal',
  'subject',
  'receiptId',
  'hash',
]);

/** The explorer's columns, joined over every block (zeros, NaN and '' where {@link ReceiptTable.missing}). */
export interface ExplorerColumns {
  /** Index into {@link txnIds} (0: none). */
  readonly txn: Uint32Array;
  /**
   * The blocks' dictionaries of transaction ids one after another; index 0 is "none". A
   * transaction whose receipts span two blocks appears once in each (no archive-wide
   * dedup: building one would cost a string map of every transaction at each load), so
   * ask {@link txnIdMask} for every id of a transaction.
   */
  readonly txnIds: readonly string[];
  readonly step: Float64Array;
  readonly tier: Float64Array;
  /** Index into `dictionaries.personalSets` (0: none). */
  readonly personal: Uint32Array;
  /** CSR: row i's subjects are `subjectIds[subjectStart[i] .. subjectStart[i + 1])`. */
  readonly subjectStart: Uint32Array;
  /** Indexes into {@link subjectDigests}: each block's subjects, one after another (one hash may appear once per block). */
  readonly subjectIds: Uint32Array;
  readonly subjectDigests: Uint8Array;
  /**
   * A newline, then every row's escaped receipt id followed by a newline: row r's id is
   * `receiptIdText.slice(receiptIdStart[r], receiptIdStart[r + 1] - 1)`. One string, so a
   * search for an id or a prefix is one native `indexOf`.
   */
  readonly receiptIdText: string;
  readonly receiptIdStart: Uint32Array;
  /** Every row's line hash, {@link HASH_BYTES} bytes each. */
  readonly hashes: Uint8Array;
}

/** Every ledger's index columns joined into global rows. */
export interface ReceiptTable extends ReceiptColumns, ExplorerColumns {
  readonly count: number;
  /** Ledger names in row order. */
  readonly ledgers: readonly string[];
  /** Global row of each ledger's first row (same order as {@link ledgers}). */
  readonly ledgerStart: readonly number[];
  readonly ledgerOf: Uint16Array;
  readonly dictionaries: Dictionaries;
  readonly findings: readonly Finding[];
  /** Per finding: the global row it is about, or -1 when it is not about one receipt. */
  readonly findingRow: Int32Array;
  /** Per row: the indices of its findings (rows without findings are absent). */
  readonly rowFindings: ReadonlyMap<number, readonly number[]>;
  /**
   * Column groups this import did not index (blocks stored before they existed): the
   * filters and the search that need them are not available, never "nothing matches".
   */
  readonly missing: readonly IndexedColumn[];
}

/**
 * Joins column blocks into one table and places each finding on the receipt it names.
 * @param rowsByLedger receipts per ledger; ledgers with no row still get an entry.
 */
export function buildReceiptTable(
  blocks: readonly ColumnBlock[],
  dictionaries: Dictionaries,
  rowsByLedger: Readonly<Record<string, number>>,
  findings: readonly Finding[],
): ReceiptTable {
  const ledgers = Object.keys(rowsByLedger).sort();
  const ledgerStart: number[] = [];
  let count = 0;
  for (const name of ledgers) {
    ledgerStart.push(count);
    count += rowsByLedger[name] ?? 0;
  }
  const ledgerIndex = new Map(ledgers.map((name, i) => [name, i]));
  const t = {
    ledgerOf: new Uint16Array(count),
    seq: new Float64Array(count),
    ts: new Float64Array(count),
    agent: new Uint32Array(count),
    action: new Uint32Array(count),
    resource: new Uint32Array(count),
    path: new Uint32Array(count),
    line: new Uint32Array(count),
    effect: new Uint8Array(count),
    status: new Uint8Array(count),
  };
  const placed = placeBlocks(blocks, ledgers, ledgerStart, count);
  for (const { at, block } of placed) {
    t.ledgerOf.fill(ledgerIndex.get(block.ledger) as number, at, at + block.count);
    t.seq.set(block.seq, at);
    t.ts.set(block.ts, at);
    t.agent.set(block.agent, at);
    t.action.set(block.action, at);
    t.resource.set(block.resource, at);
    t.path.set(block.path, at);
    t.line.set(block.line, at);
    t.effect.set(block.effect, at);
    t.status.set(block.status, at);
  }
  // The explorer's columns exist for the whole table or not at all: a table where some
  // blocks had them would answer "no match" for rows that were never indexed.
  const indexed = placed.every(({ block }) => hasExtras(block));
  const missing: IndexedColumn[] = indexed
    ? dictionaries.personalSets === undefined && count > 0
      ? ['personal']
      : []
    : [...INDEXED_COLUMNS];
  const explorer = indexed ? joinExplorerColumns(placed, count) : emptyExplorerColumns(count);
  const partial = { count, ledgers, ledgerStart, ...t, ...explorer, dictionaries };
  const findingRow = locateFindings(partial, findings);
  const rowFindings = new Map<number, number[]>();
  findingRow.forEach((row, i) => {
    if (row < 0) return;
    const list = rowFindings.get(row);
    if (list) list.push(i);
    else rowFindings.set(row, [i]);
  });
  return { ...partial, findings, findingRow, rowFindings, missing };
}

interface Placed {
  /** The global row of the block's first row. */
  readonly at: number;
  readonly block: ColumnBlock;
}

/** Where each block's rows go in the table, in row order (ledgers in name order, then first row). */
export function placeBlocks(
  blocks: readonly ColumnBlock[],
  ledgers: readonly string[],
  ledgerStart: readonly number[],
  count: number,
): Placed[] {
  const indexOf = new Map(ledgers.map((name, i) => [name, i]));
  const placed: Placed[] = [];
  for (const block of blocks) {
    const index = indexOf.get(block.ledger);
    if (index === undefined) throw new Error(`buildReceiptTable: block of unknown ledger "${block.ledger}"`);
    const base = ledgerStart[index] as number;
    const at = base + block.start;
    const end = ledgerStart[index + 1] ?? count;
    if (at + block.count > end)
      throw new Error(
        `buildReceiptTable: block ${block.ledger}#${block.blockNo} runs past the ledger's ${end - base} rows`,
      );
    placed.push({ at, block });
  }
  return placed.sort((a, b) => a.at - b.at);
}

function hasExtras(block: ColumnBlock): block is ColumnBlock & BlockExtras {
  return (
    block.txn !== undefined &&
    block.txnIds !== undefined &&
    block.step !== undefined &&
    block.tier !== undefined &&
    block.personal !== undefined &&
    block.subjectStart !== undefined &&
    block.subjectIds !== undefined &&
    block.subjectDigests !== undefined &&
    block.receiptIds !== undefined &&
    block.hashes !== undefined
  );
}

function emptyExplorerStrings(count: number): Pick<ExplorerColumns, 'txnIds' | 'receiptIdText'> {
  return { txnIds: [''], receiptIdText: '\n' + '\n'.repeat(count) };
}

function emptyExplorerColumns(count: number): ExplorerColumns {
  return {
    ...emptyExplorerStrings(count),
    txn: new Uint32Array(count),
    step: new Float64Array(count).fill(Number.NaN),
    tier: new Float64Array(count).fill(Number.NaN),
    personal: new Uint32Array(count),
    subjectStart: new Uint32Array(count + 1),
    subjectIds: new Uint32Array(0),
    subjectDigests: new Uint8Array(0),
    receiptIdStart: ascending(1, count + 1),
    hashes: new Uint8Array(count * HASH_BYTES),
  };
}

/** `length` integers from `first` up. */
function ascending(first: number, length: number): Uint32Array {
  const out = new Uint32Array(length);
  for (let i = 0; i < length; i++) out[i] = first + i;
  return out;
}

/** Joins the blocks' explorer columns (blocks in row order, each with them). */
function joinExplorerColumns(placed: readonly Placed[], count: number): ExplorerColumns {
  const txn = new Uint32Array(count);
  const step = new Float64Array(count).fill(Number.NaN);
  const tier = new Float64Array(count).fill(Number.NaN);
  const personal = new Uint32Array(count);
  const hashes = new Uint8Array(count * HASH_BYTES);
  const subjectStart = new Uint32Array(count + 1);
  let subjectTotal = 0;
  let digestTotal = 0;
  for (const { block } of placed) {
    subjectTotal += (block.subjectIds as Uint32Array).length;
    digestTotal += (block.subjectDigests as Uint8Array).length;
  }
  const subjectIds = new Uint32Array(subjectTotal);
  const subjectDigests = new Uint8Array(digestTotal);
  let txnIdsSoFar = 0;
  let subjectsSoFar = 0;
  let digestsSoFar = 0;
  let row = 0;
  for (const { at, block: b } of placed) {
    const block = b as ColumnBlock & BlockExtras;
    // Rows no block covers (none in a complete import) have no subjects (and no id: explorerStrings).
    for (let r = row; r < at; r++) subjectStart[r + 1] = subjectsSoFar;
    // Local id l > 0 is global id `offset + l`; 0 stays "none" (explorerStrings joins the ids so).
    const offset = txnIdsSoFar;
    txnIdsSoFar += block.txnIds.length - 1;
    for (let i = 0; i < block.count; i++) {
      const local = block.txn[i] as number;
      txn[at + i] = local === 0 ? 0 : offset + local;
    }
    step.set(block.step, at);
    tier.set(block.tier, at);
    personal.set(block.personal, at);
    hashes.set(block.hashes, at * HASH_BYTES);
    const firstSubject = digestsSoFar / HASH_BYTES;
    subjectDigests.set(block.subjectDigests, digestsSoFar);
    digestsSoFar += block.subjectDigests.length;
    for (let i = 0; i < block.subjectIds.length; i++)
      subjectIds[subjectsSoFar + i] = firstSubject + (block.subjectIds[i] as number);
    for (let i = 0; i < block.count; i++)
      subjectStart[at + i + 1] = subjectsSoFar + (block.subjectStart[i + 1] as number);
    subjectsSoFar += block.subjectIds.length;
    row = at + block.count;
  }
  for (let r = row; r < count; r++) subjectStart[r + 1] = subjectsSoFar;
  const { txnIds, receiptIdText } = explorerStrings(placed, count);
  const receiptIdStart = new Uint32Array(count + 1);
  let pos = 1;
  for (let r = 0; r < count; r++) {
    receiptIdStart[r] = pos;
    pos = receiptIdText.indexOf('\n', pos) + 1;
    if (pos === 0) throw new Error('buildReceiptTable: a block has fewer receipt ids than rows');
  }
  receiptIdStart[count] = pos;
  if (pos !== receiptIdText.length) throw new Error('buildReceiptTable: a block has more receipt ids than rows');
  return {
    txn,
    txnIds,
    step,
    tier,
    personal,
    subjectStart,
    subjectIds,
    subjectDigests,
    receiptIdText,
    receiptIdStart,
    hashes,
  };
}

/**
 * Joins blocks' transaction ids and receipt ids in row order, a block at a time (the window
 * adds each block as it arrives, so no one task joins them all). The receipt ids are joined
 * with `+`, which V8 keeps as a rope until the text is first read.
 */
export class ExplorerStringsJoiner {
  readonly #txnIds: string[] = [''];
  #text = '\n';
  #rows = 0;

  /** Adds a block (with the explorer's columns) whose first row is `at`; rows skipped have no id. */
  add(block: ColumnBlock, at = this.#rows): void {
    const b = block as ColumnBlock & BlockExtras;
    if (at < this.#rows) throw new Error('ExplorerStringsJoiner: blocks out of row order');
    if (at > this.#rows) this.#text += '\n'.repeat(at - this.#rows);
    for (let i = 1; i < b.txnIds.length; i++) this.#txnIds.push(b.txnIds[i] as string);
    this.#text += b.receiptIds;
    this.#rows = at + b.count;
  }

  /** The strings of a table of `count` rows (rows after the last block have no id). */
  finish(count: number): Pick<ExplorerColumns, 'txnIds' | 'receiptIdText'> {
    const text = count > this.#rows ? this.#text + '\n'.repeat(count - this.#rows) : this.#text;
    return { txnIds: this.#txnIds, receiptIdText: text };
  }
}

/** The explorer's strings, joined from the blocks' (blocks in row order, each with them). */
function explorerStrings(placed: readonly Placed[], count: number): Pick<ExplorerColumns, 'txnIds' | 'receiptIdText'> {
  const joiner = new ExplorerStringsJoiner();
  for (const { at, block } of placed) joiner.add(block, at);
  return joiner.finish(count);
}

/**
 * A table without the strings its blocks also hold (every transaction id and receipt id):
 * what a worker posts to the window, with the blocks ahead of it. Reading those strings
 * twice in one message was one task of ~0.15 s on the window's thread at 1,000,000 receipts.
 */
export type TableWithoutStrings = Omit<ReceiptTable, 'txnIds' | 'receiptIdText'> & {
  /** How many transaction ids the table had (the window checks the blocks give as many). */
  readonly txnIdCount: number;
};

export function tableWithoutStrings(table: ReceiptTable): TableWithoutStrings {
  const { txnIds, receiptIdText: _receiptIdText, ...rest } = table;
  return { ...rest, txnIdCount: txnIds.length };
}

/**
 * The table again from {@link tableWithoutStrings} and the blocks it was built from.
 * @param joined the blocks' strings as already joined in the order of `blocks` (used when
 *   that is row order with no rows between them, else they are joined again here)
 * @throws Error when the blocks do not fit the table (missing, extra, or other ids).
 */
export function tableWithBlockStrings(
  table: TableWithoutStrings,
  blocks: readonly ColumnBlock[],
  joined?: ExplorerStringsJoiner,
): ReceiptTable {
  const { txnIdCount, ...rest } = table;
  const placed = placeBlocks(blocks, table.ledgers, table.ledgerStart, table.count);
  let row = 0;
  const inRowOrder = placed.every((p, i) => {
    const next = p.block === blocks[i] && p.at === row;
    row += p.block.count;
    return next;
  });
  const strings = table.missing.includes('receiptId')
    ? emptyExplorerStrings(table.count)
    : joined && inRowOrder
      ? joined.finish(table.count)
      : explorerStrings(placed, table.count);
  const length = table.receiptIdStart[table.count];
  if (strings.receiptIdText.length !== length)
    throw new Error(
      `the blocks' receipt ids (${strings.receiptIdText.length} characters) do not fit the table's (${length})`,
    );
  if (strings.txnIds.length !== txnIdCount)
    throw new Error(`the blocks hold ${strings.txnIds.length - 1} transaction ids; the table had ${txnIdCount - 1}`);
  return { ...rest, ...strings };
}

/** The table's own buffers, for `postMessage(…, transfer)` (they are not shared with the blocks). */
export function tableBuffers(table: ReceiptTable): ArrayBuffer[] {
  return [
    table.ledgerOf,
    table.seq,
    table.ts,
    table.agent,
    table.action,
    table.resource,
    table.path,
    table.line,
    table.effect,
    table.status,
    table.txn,
    table.step,
    table.tier,
    table.personal,
    table.subjectStart,
    table.subjectIds,
    table.subjectDigests,
    table.receiptIdStart,
    table.hashes,
    table.findingRow,
  ].map((a) => a.buffer as ArrayBuffer);
}

type Locatable = Pick<
  ReceiptTable,
  'count' | 'ledgers' | 'ledgerStart' | 'ledgerOf' | 'seq' | 'path' | 'line' | 'dictionaries'
>;

/**
 * The row each finding is about: by archive path and line (exact, also for malformed
 * lines), else by ledger and seq (the first row with that seq), else -1.
 */
export function locateFindings(table: Locatable, findings: readonly Finding[]): Int32Array {
  const out = new Int32Array(findings.length).fill(-1);
  if (findings.length === 0 || table.count === 0) return out;
  // Rows of one path are contiguous and in line order: remember each path's range once.
  const pathRange = new Map<number, [number, number]>();
  for (let row = 0; row < table.count; row++) {
    const p = table.path[row] as number;
    const range = pathRange.get(p);
    if (range) range[1] = row;
    else pathRange.set(p, [row, row]);
  }
  const pathId = new Map(table.dictionaries.paths.map((p, i) => [p, i]));
  let seqIndex: Map<string, Map<number, number>> | null = null;
  findings.forEach((f, i) => {
    if (f.path !== undefined && f.line !== undefined) {
      const range = pathRange.get(pathId.get(f.path) ?? -1);
      if (range) {
        const row = searchLine(table.line, range[0], range[1], f.line);
        if (row >= 0) {
          out[i] = row;
          return;
        }
      }
    }
    if (f.ledger !== undefined && f.seq !== undefined) {
      seqIndex ??= indexSeqs(table);
      const row = seqIndex.get(f.ledger)?.get(f.seq);
      if (row !== undefined) out[i] = row;
    }
  });
  return out;
}

function searchLine(lines: Uint32Array, lo: number, hi: number, line: number): number {
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const value = lines[mid] as number;
    if (value === line) return mid;
    if (value < line) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

function indexSeqs(table: Locatable): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  table.ledgers.forEach((name) => out.set(name, new Map()));
  for (let row = 0; row < table.count; row++) {
    const seq = table.seq[row] as number;
    if (Number.isNaN(seq)) continue;
    const bySeq = out.get(table.ledgers[table.ledgerOf[row] as number] as string) as Map<number, number>;
    if (!bySeq.has(seq)) bySeq.set(seq, row);
  }
  return out;
}

/** What the receipts view can be filtered by; every member narrows (AND). */
export interface ReceiptFilter {
  readonly ledger?: string;
  readonly agent?: string;
  readonly action?: string;
  readonly resource?: string;
  readonly effect?: Exclude<Effect, ''>;
  readonly status?: Exclude<ExecStatus, ''>;
  /** Receipts of this transaction id (any ledger). */
  readonly txn?: string;
  /** `data.tier` equal to this. */
  readonly tier?: number;
  /** Any personal data, or personal data of this category. */
  readonly personal?: 'any' | { readonly category: string };
  /** Receipts naming this data subject (`sha256:` hash). */
  readonly subject?: string;
  /** Only these rows (ascending): what a search found. */
  readonly within?: Uint32Array;
  /** Only receipts with at least one finding matching every finding-level member below. */
  readonly withFindings?: boolean;
  readonly codes?: readonly string[];
  readonly severity?: Severity;
  readonly category?: 'integrity' | 'control';
  /** Inclusive time bounds, ms since the epoch. */
  readonly fromMs?: number;
  readonly toMs?: number;
}

/** The column group each filter member needs, when it needs one of the explorer's. */
const FILTER_NEEDS: readonly (readonly [keyof ReceiptFilter, IndexedColumn])[] = [
  ['txn', 'transaction'],
  ['tier', 'tier'],
  ['personal', 'personal'],
  ['subject', 'subject'],
];

/**
 * The members of `filter` this table cannot answer (its import did not index what they
 * need): the view says so and offers a re-import instead of showing no rows.
 */
export function unavailableFilters(
  table: Pick<ReceiptTable, 'missing'>,
  filter: ReceiptFilter,
): (keyof ReceiptFilter)[] {
  return FILTER_NEEDS.filter(([key, column]) => filter[key] !== undefined && table.missing.includes(column)).map(
    ([key]) => key,
  );
}

/** True when the filter constrains findings (so receipts without findings drop out). */
export function filtersFindings(filter: ReceiptFilter): boolean {
  return (
    filter.withFindings === true ||
    filter.codes !== undefined ||
    filter.severity !== undefined ||
    filter.category !== undefined
  );
}

/** Whether one finding matches the finding-level members of `filter`. */
export function findingMatches(f: Finding, filter: ReceiptFilter): boolean {
  if (filter.codes && !filter.codes.includes(f.code)) return false;
  if (filter.severity && f.severity !== filter.severity) return false;
  if (filter.category && categoryOf(f.code as FindingCode) !== filter.category) return false;
  return true;
}

/**
 * The rows matching `filter`, ascending. One pass over the columns (or over `within`);
 * dictionary values are resolved to ids first so the loop compares integers only.
 * @throws Error when a member needs a column this import did not index ({@link unavailableFilters}).
 */
export function filterRows(table: ReceiptTable, filter: ReceiptFilter): Uint32Array {
  for (const [key, column] of FILTER_NEEDS) if (filter[key] !== undefined) need(table, column);
  const none = new Uint32Array(0);
  const want = (values: readonly string[], value: string | undefined): number | null | undefined => {
    if (value === undefined) return undefined;
    const id = value === '' ? -1 : values.indexOf(value);
    return id < 0 ? null : id;
  };
  const agent = want(table.dictionaries.agents, filter.agent);
  const action = want(table.dictionaries.actions, filter.action);
  const resource = want(table.dictionaries.resources, filter.resource);
  const txns = filter.txn === undefined ? undefined : txnIdMask(table, filter.txn);
  if (agent === null || action === null || resource === null || txns === null) return none;
  if (filter.subject !== undefined && !HASH_PATTERN.test(filter.subject)) return none;
  let ledgerLo = 0;
  let ledgerHi = table.count;
  if (filter.ledger !== undefined) {
    const range = ledgerRange(table, filter.ledger);
    if (!range) return none;
    ledgerLo = range.from;
    ledgerHi = range.to;
  }
  const effect = filter.effect === undefined ? -1 : EFFECTS.indexOf(filter.effect);
  const status = filter.status === undefined ? -1 : STATUSES.indexOf(filter.status);
  const tier = filter.tier ?? -1;
  let mask: Uint8Array | null = null;
  if (filtersFindings(filter)) {
    mask = new Uint8Array(table.count);
    table.findings.forEach((f, i) => {
      const row = table.findingRow[i] as number;
      if (row >= 0 && findingMatches(f, filter)) mask![row] = 1;
    });
  }
  const personalSets = filter.personal === undefined ? null : personalSetMask(table, filter.personal);
  const subjects = filter.subject === undefined ? null : subjectMask(table, filter.subject);
  const fromMs = filter.fromMs ?? -Infinity;
  const toMs = filter.toMs ?? Infinity;
  const timed = filter.fromMs !== undefined || filter.toMs !== undefined;
  const matches = (row: number): boolean => {
    if (mask && mask[row] === 0) return false;
    if (agent !== undefined && table.agent[row] !== agent) return false;
    if (action !== undefined && table.action[row] !== action) return false;
    if (resource !== undefined && table.resource[row] !== resource) return false;
    if (effect >= 0 && table.effect[row] !== effect) return false;
    if (status >= 0 && table.status[row] !== status) return false;
    if (txns !== undefined && txns[table.txn[row] as number] === 0) return false;
    if (tier >= 0 && table.tier[row] !== tier) return false;
    if (personalSets && personalSets[table.personal[row] as number] === 0) return false;
    if (subjects && !rowHasSubject(table, row, subjects)) return false;
    if (timed) {
      const ts = table.ts[row] as number;
      if (!(ts >= fromMs && ts <= toMs)) return false;
    }
    return true;
  };
  if (filter.within) {
    const out = new Uint32Array(filter.within.length);
    let n = 0;
    for (const row of filter.within) if (row >= ledgerLo && row < ledgerHi && matches(row)) out[n++] = row;
    return out.slice(0, n);
  }
  const out = new Uint32Array(ledgerHi - ledgerLo);
  let n = 0;
  for (let row = ledgerLo; row < ledgerHi; row++) if (matches(row)) out[n++] = row;
  return out.slice(0, n);
}

/** Per personal-set id: 1 when the set matches (non-empty for 'any', holding the category otherwise). */
function personalSetMask(table: ReceiptTable, personal: NonNullable<ReceiptFilter['personal']>): Uint8Array {
  const sets = table.dictionaries.personalSets ?? [''];
  const out = new Uint8Array(sets.length);
  sets.forEach((key, id) => {
    if (id === 0) return;
    if (personal === 'any' || personalCategories(key).includes(personal.category)) out[id] = 1;
  });
  return out;
}

/** Per subject id: 1 when its digest is `subject`'s (a subject appears once per block that names it). */
function subjectMask(table: ReceiptTable, subject: string): Uint8Array {
  const wanted = new Uint8Array(HASH_BYTES);
  putDigest(subject, wanted, 0);
  const total = table.subjectDigests.length / HASH_BYTES;
  const out = new Uint8Array(total);
  const digests = table.subjectDigests;
  for (let id = 0; id < total; id++) {
    let k = 0;
    const at = id * HASH_BYTES;
    while (k < HASH_BYTES && digests[at + k] === wanted[k]) k++;
    if (k === HASH_BYTES) out[id] = 1;
  }
  return out;
}

function rowHasSubject(table: ReceiptTable, row: number, subjects: Uint8Array): boolean {
  const end = table.subjectStart[row + 1] as number;
  for (let k = table.subjectStart[row] as number; k < end; k++)
    if (subjects[table.subjectIds[k] as number]) return true;
  return false;
}

/** Findings matching the finding-level members of `filter` that name no receipt. */
export function unplacedFindings(table: ReceiptTable, filter: ReceiptFilter): Finding[] {
  const out: Finding[] = [];
  table.findings.forEach((f, i) => {
    if (
      (table.findingRow[i] as number) < 0 &&
      findingMatches(f, filter) &&
      (filter.ledger === undefined || f.ledger === filter.ledger)
    )
      out.push(f);
  });
  return out;
}

/** The ledger-local position of a global row (where its raw line is stored). */
export function localRow(
  table: Pick<ReceiptTable, 'ledgers' | 'ledgerStart' | 'ledgerOf'>,
  row: number,
): { ledger: string; local: number } {
  const li = table.ledgerOf[row] as number;
  return { ledger: table.ledgers[li] as string, local: row - (table.ledgerStart[li] as number) };
}

/** Refuses a question the table cannot answer because this import did not index it (misuse: check `missing` first). */
function need(table: Pick<ReceiptTable, 'missing'>, column: IndexedColumn): void {
  if (table.missing.includes(column))
    throw new Error(`The receipt table has no ${column} column: not indexed in this import: import the archive again.`);
}

/** The receipt id of a row ('' where the line was not a valid receipt). */
export function receiptIdOf(table: ReceiptTable, row: number): string {
  need(table, 'receiptId');
  const from = table.receiptIdStart[row] as number;
  const to = (table.receiptIdStart[row + 1] as number) - 1;
  return unescapeId(table.receiptIdText.slice(from, to));
}

/** The hash of a row's stored line, `sha256:` and 64 hex digits. */
export function hashOf(table: ReceiptTable, row: number): string {
  need(table, 'hash');
  return 'sha256:' + toHex(table.hashes.subarray(row * HASH_BYTES, (row + 1) * HASH_BYTES));
}

/** The transaction id of a row ('' where unknown). */
export function txnOf(table: ReceiptTable, row: number): string {
  need(table, 'transaction');
  return table.txnIds[table.txn[row] as number] as string;
}

/** The personal-data categories of a row, sorted. */
export function personalOf(table: ReceiptTable, row: number): string[] {
  need(table, 'personal');
  return personalCategories(table.dictionaries.personalSets?.[table.personal[row] as number] ?? '');
}

/** The data subjects of a row, as `sha256:` hashes. */
export function subjectsOf(table: ReceiptTable, row: number): string[] {
  need(table, 'subject');
  const out: string[] = [];
  for (let k = table.subjectStart[row] as number; k < (table.subjectStart[row + 1] as number); k++) {
    const id = table.subjectIds[k] as number;
    out.push('sha256:' + toHex(table.subjectDigests.subarray(id * HASH_BYTES, (id + 1) * HASH_BYTES)));
  }
  return out;
}

/** Global rows of `ledger` (a half-open range), or null when the table has no such ledger. */
export function ledgerRange(table: Pick<ReceiptTable, 'ledgers' | 'ledgerStart' | 'count'>, ledger: string) {
  const i = table.ledgers.indexOf(ledger);
  if (i < 0) return null;
  return {
    from: table.ledgerStart[i] as number,
    to: (table.ledgerStart[i + 1] as number | undefined) ?? table.count,
  };
}

/**
 * The global rows of one transaction's receipts in `ledger`, in ledger order (the order
 * the receipts are stored). Empty when the ledger or the transaction is not there.
 * @throws Error when this import did not index transactions (`table.missing`).
 */
export function transactionRows(table: ReceiptTable, ledger: string, txnId: string): number[] {
  need(table, 'transaction');
  const range = ledgerRange(table, ledger);
  const ids = txnIdMask(table, txnId);
  if (!range || !ids) return [];
  const out: number[] = [];
  for (let row = range.from; row < range.to; row++) if (ids[table.txn[row] as number] === 1) out.push(row);
  return out;
}

/**
 * Per id of {@link ReceiptTable.txnIds}: 1 where it is `txnId` (a transaction has one id
 * per block it has receipts in); null when no receipt names that transaction.
 */
export function txnIdMask(table: Pick<ReceiptTable, 'txnIds'>, txnId: string): Uint8Array | null {
  if (txnId === '') return null;
  const ids = table.txnIds;
  let mask: Uint8Array | null = null;
  for (let i = 1; i < ids.length; i++)
    if (ids[i] === txnId) {
      mask ??= new Uint8Array(ids.length);
      mask[i] = 1;
    }
  return mask;
}

/**
 * The global row of the receipt with this id (the first in row order, should an archive
 * repeat an id), or undefined.
 * @throws Error when this import did not index receipt ids (`table.missing`).
 */
export function findReceiptRow(table: ReceiptTable, receiptId: string): number | undefined {
  need(table, 'receiptId');
  if (receiptId === '') return undefined;
  const at = table.receiptIdText.indexOf('\n' + escapeId(receiptId) + '\n');
  return at < 0 ? undefined : rowAtText(table, at + 1);
}

/** The row whose id starts at text position `pos` (binary search over `receiptIdStart`). */
function rowAtText(table: Pick<ReceiptTable, 'receiptIdStart' | 'count'>, pos: number): number {
  let lo = 0;
  let hi = table.count - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if ((table.receiptIdStart[mid] as number) <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Hex digits a hash prefix needs at least (fewer would match thousands of receipts at random). */
export const MIN_HASH_PREFIX = 6;

/** One way a search text matched. */
export type SearchPart =
  | { readonly kind: 'receipt'; readonly id: string; readonly row: number }
  | { readonly kind: 'receipt-prefix'; readonly prefix: string; readonly rows: number }
  | { readonly kind: 'transaction'; readonly id: string; readonly rows: number }
  | { readonly kind: 'hash'; readonly prefix: string; readonly rows: number };

export interface SearchResult {
  /** The text searched for, trimmed. */
  readonly text: string;
  /** Every row any part matched, ascending. */
  readonly rows: Uint32Array;
  readonly parts: readonly SearchPart[];
  /** Why the text could not be searched as a hash ("sha256:ab" is too short), when so. */
  readonly problem?: string;
  /**
   * True when "no hash starts with the text" is known: the hashes were searched, or the
   * text cannot begin a hash (it is not hex). False when they were not searched.
   */
  readonly hashesCovered: boolean;
  /** Kinds of search this import could not do (not indexed). */
  readonly unavailable: readonly IndexedColumn[];
}

/**
 * One search box: a receipt id (exactly; else every id starting with the text), a
 * transaction id (exactly), a line hash prefix (at least {@link MIN_HASH_PREFIX} hex
 * digits, with or without `sha256:`, any case). Every way that matched is listed.
 * Cost: one native `indexOf` pass over the id text and one pass over the hash bytes.
 */
export function searchReceipts(table: ReceiptTable, input: string): SearchResult {
  const text = input.trim();
  const parts: SearchPart[] = [];
  const found: Uint32Array[] = [];
  const unavailable = (['receiptId', 'transaction', 'hash'] as const).filter((c) => table.missing.includes(c));
  if (text === '') return { text, rows: new Uint32Array(0), parts, unavailable, hashesCovered: false };
  if (!unavailable.includes('receiptId')) {
    const exact = findReceiptRow(table, text);
    if (exact !== undefined) {
      parts.push({ kind: 'receipt', id: text, row: exact });
      found.push(Uint32Array.of(exact));
    } else {
      const rows = receiptIdPrefixRows(table, text);
      if (rows.length > 0) {
        parts.push({ kind: 'receipt-prefix', prefix: text, rows: rows.length });
        found.push(rows);
      }
    }
  }
  if (!unavailable.includes('transaction')) {
    const ids = txnIdMask(table, text);
    if (ids) {
      const rows = rowsWhere(table.count, (row) => ids[table.txn[row] as number] === 1);
      parts.push({ kind: 'transaction', id: text, rows: rows.length });
      found.push(rows);
    }
  }
  let problem: string | undefined;
  let hashesCovered = false;
  const lower = text.toLowerCase();
  const hex = lower.startsWith('sha256:') ? lower.slice('sha256:'.length) : lower;
  const looksLikeHash = /^[0-9a-f]+$/.test(hex);
  if (!looksLikeHash) {
    hashesCovered = true;
    if (lower.startsWith('sha256:')) problem = `"${text}" is not a hash: after sha256: come hex digits (0-9, a-f).`;
  } else if (hex.length > 64) {
    hashesCovered = true;
    problem = `"${text}" is longer than a SHA-256 hash (64 hex digits).`;
  } else if (hex.length < MIN_HASH_PREFIX)
    problem = `Hashes were not searched: a hash prefix needs at least ${MIN_HASH_PREFIX} hex digits.`;
  else if (!unavailable.includes('hash')) {
    hashesCovered = true;
    const rows = hashPrefixRows(table, hex);
    if (rows.length > 0) {
      parts.push({ kind: 'hash', prefix: `sha256:${hex}`, rows: rows.length });
      found.push(rows);
    }
  }
  return { text, rows: unionRows(found), parts, ...(problem ? { problem } : {}), unavailable, hashesCovered };
}

/** Rows whose receipt id starts with `prefix`, ascending. */
export function receiptIdPrefixRows(table: ReceiptTable, prefix: string): Uint32Array {
  need(table, 'receiptId');
  const out = new GrowableUint32(64);
  if (prefix === '') return out.view();
  const needle = '\n' + escapeId(prefix);
  const text = table.receiptIdText;
  const starts = table.receiptIdStart;
  let row = 0;
  let at = text.indexOf(needle);
  while (at >= 0) {
    // Matches come in text order: walk the row pointer forward instead of searching.
    const pos = at + 1;
    while ((starts[row + 1] as number) <= pos) row++;
    out.push(row);
    // The next id begins after this one's newline.
    at = text.indexOf(needle, (starts[row + 1] as number) - 1);
  }
  return out.view();
}

/** Rows whose line hash starts with the hex digits `hex` (lowercase, 1 to 64 of them), ascending. */
export function hashPrefixRows(table: ReceiptTable, hex: string): Uint32Array {
  need(table, 'hash');
  if (!/^[0-9a-f]{1,64}$/.test(hex)) throw new Error(`hashPrefixRows: "${hex}" is not 1 to 64 lowercase hex digits`);
  const whole = hex.length >> 1;
  const prefix = new Uint8Array(whole);
  for (let i = 0; i < whole; i++)
    prefix[i] = (hexValue(hex.charCodeAt(2 * i)) << 4) | hexValue(hex.charCodeAt(2 * i + 1));
  const half = hex.length % 2 === 1 ? hexValue(hex.charCodeAt(hex.length - 1)) : -1;
  const hashes = table.hashes;
  const first = prefix[0] ?? -1;
  const out = new GrowableUint32(64);
  for (let row = 0, at = 0; row < table.count; row++, at += HASH_BYTES) {
    if (first >= 0 && hashes[at] !== first) continue;
    let k = 1;
    while (k < whole && hashes[at + k] === prefix[k]) k++;
    if (k < whole) continue;
    if (half >= 0 && (hashes[at + whole] as number) >> 4 !== half) continue;
    out.push(row);
  }
  return out.view();
}

function rowsWhere(count: number, test: (row: number) => boolean): Uint32Array {
  const out = new GrowableUint32(64);
  for (let row = 0; row < count; row++) if (test(row)) out.push(row);
  return out.view();
}

/** The ascending union of ascending row lists. */
function unionRows(lists: readonly Uint32Array[]): Uint32Array {
  if (lists.length === 0) return new Uint32Array(0);
  if (lists.length === 1) return lists[0] as Uint32Array;
  const all = new Uint32Array(lists.reduce((n, l) => n + l.length, 0));
  let n = 0;
  for (const list of lists) {
    all.set(list, n);
    n += list.length;
  }
  all.sort();
  let k = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) all[k++] = all[i] as number;
  return all.slice(0, k);
}
