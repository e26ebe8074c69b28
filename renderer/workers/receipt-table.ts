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
  STATUSES,
  type ColumnBlock,
  type Dictionaries,
  type ReceiptColumns,
  type Effect,
  type ExecStatus,
} from './receipt-columns.ts';

/** Every ledger's index columns joined into global rows. */
export interface ReceiptTable extends ReceiptColumns {
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
  const startOf = new Map(ledgers.map((name, i) => [name, ledgerStart[i] as number]));
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
  for (const block of blocks) {
    const base = startOf.get(block.ledger);
    if (base === undefined) throw new Error(`buildReceiptTable: block of unknown ledger "${block.ledger}"`);
    const at = base + block.start;
    if (at + block.count > count)
      throw new Error(
        `buildReceiptTable: block ${block.ledger}#${block.blockNo} runs past the ledger's ${rowsByLedger[block.ledger]} rows`,
      );
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
  const partial = { count, ledgers, ledgerStart, ...t, dictionaries };
  const findingRow = locateFindings(partial, findings);
  const rowFindings = new Map<number, number[]>();
  findingRow.forEach((row, i) => {
    if (row < 0) return;
    const list = rowFindings.get(row);
    if (list) list.push(i);
    else rowFindings.set(row, [i]);
  });
  return { ...partial, findings, findingRow, rowFindings };
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
  readonly effect?: Exclude<Effect, ''>;
  readonly status?: Exclude<ExecStatus, ''>;
  /** Only receipts with at least one finding matching every finding-level member below. */
  readonly withFindings?: boolean;
  readonly codes?: readonly string[];
  readonly severity?: Severity;
  readonly category?: 'integrity' | 'control';
  /** Inclusive time bounds, ms since the epoch. */
  readonly fromMs?: number;
  readonly toMs?: number;
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
 * The rows matching `filter`, ascending. One pass over the columns; dictionary values are
 * resolved to ids first so the loop compares integers only.
 */
export function filterRows(table: ReceiptTable, filter: ReceiptFilter): Uint32Array {
  const none = new Uint32Array(0);
  const want = (values: readonly string[], value: string | undefined): number | null | undefined => {
    if (value === undefined) return undefined;
    const id = values.indexOf(value);
    return id < 0 ? null : id;
  };
  const agent = want(table.dictionaries.agents, filter.agent);
  const action = want(table.dictionaries.actions, filter.action);
  if (agent === null || action === null) return none;
  let ledgerLo = 0;
  let ledgerHi = table.count;
  if (filter.ledger !== undefined) {
    const i = table.ledgers.indexOf(filter.ledger);
    if (i < 0) return none;
    ledgerLo = table.ledgerStart[i] as number;
    ledgerHi = (table.ledgerStart[i + 1] as number | undefined) ?? table.count;
  }
  const effect = filter.effect === undefined ? -1 : EFFECTS.indexOf(filter.effect);
  const status = filter.status === undefined ? -1 : STATUSES.indexOf(filter.status);
  let mask: Uint8Array | null = null;
  if (filtersFindings(filter)) {
    mask = new Uint8Array(table.count);
    table.findings.forEach((f, i) => {
      const row = table.findingRow[i] as number;
      if (row >= 0 && findingMatches(f, filter)) mask![row] = 1;
    });
  }
  const fromMs = filter.fromMs ?? -Infinity;
  const toMs = filter.toMs ?? Infinity;
  const timed = filter.fromMs !== undefined || filter.toMs !== undefined;
  const out = new Uint32Array(ledgerHi - ledgerLo);
  let n = 0;
  for (let row = ledgerLo; row < ledgerHi; row++) {
    if (mask && mask[row] === 0) continue;
    if (agent !== undefined && table.agent[row] !== agent) continue;
    if (action !== undefined && table.action[row] !== action) continue;
    if (effect >= 0 && table.effect[row] !== effect) continue;
    if (status >= 0 && table.status[row] !== status) continue;
    if (timed) {
      const ts = table.ts[row] as number;
      if (!(ts >= fromMs && ts <= toMs)) continue;
    }
    out[n++] = row;
  }
  return out.slice(0, n);
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
