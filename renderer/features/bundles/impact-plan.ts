/**
 * The plan of a replay over an archive's stored lines, and the merge of what each worker
 * found. Pure: the tasks are the stored chunks in ledger order (ledgers sorted by name, as
 * the table and `tickmark policy-diff` order them), split into contiguous shares so each
 * worker's results come back in order and join by concatenation.
 */
import type { ChangedOutcome, Impact } from '../../../shared/policy/impact.ts';
import type { ChunkTask, ShareResult } from '../../workers/impact-protocol.ts';
import { checkLinesPerChunk } from '../../workers/receipt-columns.ts';

/** The part of the receipt table a plan needs. */
export interface PlanTable {
  readonly ledgers: readonly string[];
  readonly ledgerStart: readonly number[];
  readonly count: number;
}

/** Every stored line of every ledger, chunk by chunk (chunks of the archive's `linesPerChunkOf`). */
export function planAll(rowsByLedger: Readonly<Record<string, number>>, linesPerChunk: number): ChunkTask[] {
  checkLinesPerChunk(linesPerChunk, 'planAll');
  const tasks: ChunkTask[] = [];
  for (const ledger of Object.keys(rowsByLedger).sort()) {
    const rows = rowsByLedger[ledger] ?? 0;
    for (let chunkNo = 0; chunkNo * linesPerChunk < rows; chunkNo++) {
      const start = chunkNo * linesPerChunk;
      tasks.push({ ledger, chunkNo, start, lines: Math.min(linesPerChunk, rows - start) });
    }
  }
  return tasks;
}

/** The chunks holding `rows` (global table rows, ascending), each with the offsets it needs. */
export function planRows(table: PlanTable, rows: ArrayLike<number>, linesPerChunk: number): ChunkTask[] {
  checkLinesPerChunk(linesPerChunk, 'planRows');
  const tasks: ChunkTask[] = [];
  let li = 0;
  let current: { ledger: string; chunkNo: number; start: number; offsets: number[] } | null = null;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as number;
    if (i > 0 && row <= (rows[i - 1] as number)) throw new RangeError('planRows: "rows" must be ascending');
    while (li + 1 < table.ledgers.length && row >= (table.ledgerStart[li + 1] as number)) li++;
    const ledger = table.ledgers[li] as string;
    const local = row - (table.ledgerStart[li] as number);
    const chunkNo = Math.floor(local / linesPerChunk);
    if (!current || current.ledger !== ledger || current.chunkNo !== chunkNo) {
      if (current) tasks.push({ ...current, lines: current.offsets.length });
      current = { ledger, chunkNo, start: chunkNo * linesPerChunk, offsets: [] };
    }
    current.offsets.push(local % linesPerChunk);
  }
  if (current) tasks.push({ ...current, lines: current.offsets.length });
  return tasks;
}

const linesOf = (t: ChunkTask) => t.offsets?.length ?? t.lines;

/** Contiguous shares of about equal lines, at most `parts` (none empty). */
export function splitShares(tasks: readonly ChunkTask[], parts: number): ChunkTask[][] {
  if (!Number.isInteger(parts) || parts < 1) throw new RangeError('splitShares: "parts" must be a positive integer');
  const total = tasks.reduce((n, t) => n + linesOf(t), 0);
  const shares: ChunkTask[][] = [];
  let current: ChunkTask[] = [];
  let inCurrent = 0;
  let before = 0;
  for (const task of tasks) {
    current.push(task);
    inCurrent += linesOf(task);
    // Close a share once it reaches its fair part of what is left.
    const left = parts - shares.length;
    if (left > 1 && inCurrent >= (total - before) / left) {
      shares.push(current);
      before += inCurrent;
      current = [];
      inCurrent = 0;
    }
  }
  if (current.length > 0) shares.push(current);
  return shares;
}

/** Lines a plan covers. */
export function planLines(tasks: readonly ChunkTask[]): number {
  return tasks.reduce((n, t) => n + linesOf(t), 0);
}

/** Most errors kept in full after the merge, as `ImpactCollector` keeps them. */
const MAX_ERRORS_KEPT = 1000;

export interface MergedScan extends Omit<ShareResult, 'impact'> {
  readonly impact: Impact | null;
}

/** The shares' results joined in share order; changed outcomes listed by ledger, seq, row. */
export function mergeShares(results: readonly ShareResult[]): MergedScan {
  const bundleCounts = new Map<string, number>();
  let linesRead = 0;
  let readMs = 0;
  let notStored = 0;
  let notReceipts = 0;
  let noBundle = 0;
  const changedRows: number[] = [];
  const impacts: Impact[] = [];
  for (const r of results) {
    linesRead += r.linesRead;
    readMs += r.readMs;
    notStored += r.notStored;
    notReceipts += r.notReceipts;
    noBundle += r.noBundle;
    for (const [hash, n] of r.bundleCounts) bundleCounts.set(hash, (bundleCounts.get(hash) ?? 0) + n);
    for (const row of r.changedRows) changedRows.push(row);
    if (r.impact) impacts.push(r.impact);
  }
  const impact = impacts.length === 0 ? null : mergeImpacts(impacts);
  if (!impact) return { linesRead, readMs, notStored, notReceipts, noBundle, bundleCounts, changedRows, impact };
  // Listed by ledger, then seq (then table row): the order `tickmark policy-diff` lists them in,
  // whatever order the store holds a ledger's segments in.
  const order = impact.changed.map((_, k) => k);
  const c = impact.changed;
  order.sort((a, b) => {
    const x = c[a] as ChangedOutcome;
    const y = c[b] as ChangedOutcome;
    return x.ledger < y.ledger
      ? -1
      : x.ledger > y.ledger
        ? 1
        : x.seq - y.seq || (changedRows[a] ?? 0) - (changedRows[b] ?? 0);
  });
  return {
    linesRead,
    readMs,
    notStored,
    notReceipts,
    noBundle,
    bundleCounts,
    changedRows: order.map((k) => changedRows[k] as number),
    impact: { ...impact, changed: order.map((k) => c[k] as ChangedOutcome) },
  };
}

/** Impacts of consecutive shares joined: counts summed, lists concatenated in order. */
export function mergeImpacts(parts: readonly Impact[]): Impact {
  const sum = (a: { allowToDeny: number; denyToAllow: number; otherPolicies: number } | undefined, b: typeof a) => ({
    allowToDeny: (a?.allowToDeny ?? 0) + (b?.allowToDeny ?? 0),
    denyToAllow: (a?.denyToAllow ?? 0) + (b?.denyToAllow ?? 0),
    otherPolicies: (a?.otherPolicies ?? 0) + (b?.otherPolicies ?? 0),
  });
  // No prototype: a policy or action id is evidence, and "__proto__" is a possible one.
  const byPolicy = Object.create(null) as Record<string, number>;
  const byAction = Object.create(null) as Record<
    string,
    { allowToDeny: number; denyToAllow: number; otherPolicies: number }
  >;
  let counts = sum(undefined, undefined);
  for (const p of parts) {
    counts = sum(counts, p.counts);
    for (const [k, n] of Object.entries(p.byPolicy)) byPolicy[k] = (byPolicy[k] ?? 0) + n;
    for (const [k, c] of Object.entries(p.byAction)) byAction[k] = sum(byAction[k], c);
  }
  return {
    evaluated: parts.reduce((n, p) => n + p.evaluated, 0),
    unchanged: parts.reduce((n, p) => n + p.unchanged, 0),
    changed: parts.flatMap((p) => p.changed),
    errors: parts.flatMap((p) => p.errors).slice(0, MAX_ERRORS_KEPT),
    errorCount: parts.reduce((n, p) => n + p.errorCount, 0),
    counts,
    byPolicy,
    byAction,
    cedarCalls: parts.reduce((n, p) => n + p.cedarCalls, 0),
  };
}
