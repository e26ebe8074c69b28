/**
 * One impact worker's share of an archive: its stored line chunks read a few at a time, each
 * line read once as the command line reads it (`readForReplay`: one scan of a canonical line),
 * counted by the bundle its decision names and, when two bundles are given, replayed under both
 * by the shared `ImpactCollector` (memoised). Runtime-neutral:
 * the worker passes a reader over IndexedDB, a test passes one over an archive in memory.
 */
import type { ImpactCollector } from '../../shared/policy/impact.ts';
import { readForReplay } from '../../shared/policy/replay.ts';
import { GrowableFloat64, GrowableUint32 } from '../../shared/format/growable.ts';
import type { ChunkTask, ScanShare, ShareResult } from './impact-protocol.ts';

/** The stored texts of chunks `from..to` (inclusive) of one ledger, by chunk number (absent: not stored). */
export type ReadChunks = (ledger: string, from: number, to: number) => Promise<ReadonlyMap<number, readonly string[]>>;

/**
 * Lines read in one go (whole chunks, however many lines a chunk holds): about 11 MB of text
 * for demo-sized receipts.
 */
export const LINES_PER_READ = 8000;

/**
 * Consecutive tasks of one ledger whose chunks start less than {@link LINES_PER_READ} lines
 * after the first's (at least one task a batch).
 */
function batches(tasks: readonly ChunkTask[]): ChunkTask[][] {
  const out: ChunkTask[][] = [];
  let current: ChunkTask[] = [];
  for (const task of tasks) {
    const first = current[0];
    if (first && (first.ledger !== task.ledger || task.start - first.start >= LINES_PER_READ)) {
      out.push(current);
      current = [];
    }
    current.push(task);
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * Reads and replays `share` in order. `collector` null: count only.
 * @param onProgress lines done so far in this share, after each read
 */
export async function scanShare(
  share: ScanShare,
  read: ReadChunks,
  collector: ImpactCollector | null,
  onProgress: (linesDone: number) => void = () => undefined,
): Promise<ShareResult> {
  const bundleCounts = new Map<string, number>();
  let linesRead = 0;
  let readMs = 0;
  let notStored = 0;
  let notReceipts = 0;
  let noBundle = 0;
  let done = 0;
  // What was handed to the collector, in order: to place each changed outcome on its table row.
  const addedRow = new GrowableUint32(1024);
  const addedSeq = new GrowableFloat64(1024);
  // The receipt's own `ledger` member (what the collector copies), as a number.
  const addedLedger = new GrowableUint32(1024);
  const ledgerNames: string[] = [];
  const ledgerNo = new Map<string, number>();
  const ledgerNumber = (name: string): number => {
    let n = ledgerNo.get(name);
    if (n === undefined) {
      n = ledgerNames.push(name) - 1;
      ledgerNo.set(name, n);
    }
    return n;
  };

  const all = batches(share.tasks);
  const readBatch = (batch: readonly ChunkTask[]) => {
    const first = batch[0] as ChunkTask;
    const promise = read(first.ledger, first.chunkNo, (batch.at(-1) as ChunkTask).chunkNo);
    promise.catch(() => undefined); // awaited below; this only silences a rejection not yet awaited
    return promise;
  };
  // The next batch is read while this one is replayed: the store works beside the replay.
  let next = all[0] ? readBatch(all[0]) : null;
  for (let b = 0; b < all.length; b++) {
    const batch = all[b] as ChunkTask[];
    const first = batch[0] as ChunkTask;
    const readStarted = performance.now();
    const stored = await (next as ReturnType<ReadChunks>);
    readMs += performance.now() - readStarted;
    next = all[b + 1] ? readBatch(all[b + 1] as ChunkTask[]) : null;
    const base = share.ledgerStart[first.ledger] ?? 0;
    for (const task of batch) {
      const texts = stored.get(task.chunkNo) ?? [];
      const offsets = task.offsets ?? null;
      const wanted = offsets ? offsets.length : task.lines;
      for (let k = 0; k < wanted; k++) {
        const offset = offsets ? (offsets[k] as number) : k;
        const text = texts[offset];
        if (text === undefined) {
          notStored++;
          continue;
        }
        linesRead++;
        // Read as `tickmark policy-diff` reads a line (one scan of a canonical line, else parsed).
        const line = readForReplay(text, true);
        if (line.bundle !== null) bundleCounts.set(line.bundle, (bundleCounts.get(line.bundle) ?? 0) + 1);
        else noBundle++;
        const receipt = line.receipt;
        if (!receipt) {
          notReceipts++;
          continue;
        }
        if (collector) {
          line.replay(collector);
          addedRow.push(base + task.start + offset);
          addedSeq.push(receipt.seq);
          addedLedger.push(ledgerNumber(receipt.ledger));
        }
      }
      done += wanted;
    }
    onProgress(done);
  }

  const impact = collector ? collector.result() : null;
  const changedRows: number[] = [];
  if (impact) {
    // The collector lists changed outcomes in the order receipts were added: walk both.
    let p = 0;
    for (const c of impact.changed) {
      while (
        p < addedRow.length &&
        !(addedSeq.at(p) === c.seq && ledgerNames[addedLedger.at(p) as number] === c.ledger)
      )
        p++;
      changedRows.push(p < addedRow.length ? (addedRow.at(p++) as number) : -1);
    }
  }
  return { linesRead, readMs, notStored, notReceipts, bundleCounts, noBundle, impact, changedRows };
}
