/**
 * An ExecLayer log's lines as the store keeps any evidence's lines: rows of
 * {@link SegmentRows} (raw text, `H(line)`, the 1-based line, and where the line names them
 * the receipt id and time), so an import of a log is stored, reopened and deleted like an
 * archive's. Every non-blank line is a row, also one that is not a record (its findings are
 * then placed on it by line); a line over the line limit is not kept (its finding names
 * the line). The agent, action, effect and data columns stay empty: ExecLayer receipts do
 * not carry them in FORMAT.md's form, and the app's ExecLayer screen reads the lines
 * themselves.
 *
 * Pure: runs in the verify worker and under Node.
 */
import type { LineRead } from '../../shared/archive/lines.ts';
import { hashOf } from '../../shared/format/hash.ts';
import { parseTime } from '../../shared/format/time.ts';
import type { SegmentRows } from './receipt-columns.ts';
import { packTexts } from './packed-lines.ts';

/** What `verifyExeclayer` tells about a line it read as a record (its `onLine`). */
export interface ExeclayerLineInfo {
  readonly line: number;
  readonly id: string | null;
  readonly ts: string | null;
}

/** Rows per batch handed on (one stored line chunk's worth). */
export const EXECLAYER_ROWS_PER_BATCH = 1000;

interface Row {
  readonly line: number;
  readonly text: string;
  readonly hash: string;
  seq: number;
  ts: number;
  id: string;
}

// Lines that are not UTF-8 are findings; their text is kept as the browser decodes it.
const lenient = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Tees a log's lines on their way to `verifyExeclayer`: each line becomes a row, completed
 * by {@link onLine} while the verifier reads it, and rows are handed to `onBatch` in order,
 * {@link EXECLAYER_ROWS_PER_BATCH} at a time (awaited: a slow store slows the reading).
 */
export class ExeclayerRows {
  private batch: Row[] = [];
  private pending: Row | null = null;
  private records = 0;
  /** Rows handed on so far. */
  count = 0;

  constructor(
    private readonly ledger: string,
    private readonly path: string,
    private readonly onBatch: (rows: SegmentRows) => Promise<void>,
    private readonly perBatch = EXECLAYER_ROWS_PER_BATCH,
  ) {}

  /** For `verifyExeclayer`'s `onLine`: the line it just read as a record. */
  readonly onLine = (info: ExeclayerLineInfo): void => {
    const row = this.pending;
    if (!row || row.line !== info.line) return;
    row.seq = ++this.records;
    row.id = info.id ?? '';
    row.ts = info.ts === null ? Number.NaN : (parseTime(info.ts) ?? Number.NaN);
  };

  /** The lines of `source`, unchanged, recording each as a row. */
  async *lines(source: AsyncIterable<LineRead>): AsyncGenerator<LineRead> {
    for await (const read of source) {
      await this.settle();
      if (read.kind !== 'too-long') {
        const text = lenient.decode(read.bytes);
        if (text.trim() !== '')
          this.pending = { line: read.line, text, hash: hashOf(read.bytes), seq: Number.NaN, ts: Number.NaN, id: '' };
      }
      yield read;
    }
    await this.settle();
    await this.flush();
  }

  /** The line read before is complete: into the batch, and the batch on when full. */
  private async settle(): Promise<void> {
    if (this.pending) this.batch.push(this.pending);
    this.pending = null;
    if (this.batch.length >= this.perBatch) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    const rows = this.batch;
    this.batch = [];
    this.count += rows.length;
    await this.onBatch(segmentRowsOf(this.ledger, this.path, rows));
  }
}

function segmentRowsOf(ledger: string, path: string, rows: readonly Row[]): SegmentRows {
  const n = rows.length;
  const subjectStart = new Uint32Array(n + 1);
  return {
    ledger,
    path,
    count: n,
    lines: packTexts(rows.map((r) => r.text)),
    hashes: rows.map((r) => r.hash),
    seq: Float64Array.from(rows, (r) => r.seq),
    ts: Float64Array.from(rows, (r) => r.ts),
    line: Uint32Array.from(rows, (r) => r.line),
    effect: new Uint8Array(n),
    status: new Uint8Array(n),
    agent: new Uint32Array(n),
    action: new Uint32Array(n),
    resource: new Uint32Array(n),
    txn: new Uint32Array(n),
    personal: new Uint32Array(n),
    agents: [''],
    actions: [''],
    resources: [''],
    txns: [''],
    personalSets: [''],
    step: new Float64Array(n).fill(Number.NaN),
    tier: new Float64Array(n).fill(Number.NaN),
    subjectStart,
    subjectIds: new Uint32Array(0),
    subjects: [],
    receiptIds: rows.map((r) => r.id),
  };
}
