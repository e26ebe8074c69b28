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
 * milliseconds.
 *
 * Runtime-neutral (no DOM, no Node): the verify worker builds the columns, the window
 * reads them.
 */
import type { RecordRead } from '../../shared/engine/types.ts';
import { parseTime } from '../../shared/format/time.ts';

/** Raw lines per stored chunk row. */
export const LINES_PER_CHUNK = 1000;
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

/** One stored block of a ledger's index columns. */
export interface ColumnBlock extends ReceiptColumns {
  readonly ledger: string;
  readonly blockNo: number;
  /** Ledger-local index of the first row. */
  readonly start: number;
  readonly count: number;
}

export interface Dictionaries {
  readonly agents: readonly string[];
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly paths: readonly string[];
}

/** One stored chunk of raw lines: what the receipt detail panel reads. */
export interface LineChunk {
  readonly ledger: string;
  readonly chunkNo: number;
  readonly texts: readonly string[];
  readonly hashes: readonly string[];
}

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

class GrowableBlock {
  count = 0;
  readonly seq = new Float64Array(ROWS_PER_BLOCK);
  readonly ts = new Float64Array(ROWS_PER_BLOCK);
  readonly agent = new Uint32Array(ROWS_PER_BLOCK);
  readonly action = new Uint32Array(ROWS_PER_BLOCK);
  readonly resource = new Uint32Array(ROWS_PER_BLOCK);
  readonly path = new Uint32Array(ROWS_PER_BLOCK);
  readonly line = new Uint32Array(ROWS_PER_BLOCK);
  readonly effect = new Uint8Array(ROWS_PER_BLOCK);
  readonly status = new Uint8Array(ROWS_PER_BLOCK);
  constructor(
    readonly ledger: string,
    readonly blockNo: number,
  ) {}
  /** The filled part, copied so the buffers can be transferred to another thread. */
  seal(): ColumnBlock {
    const n = this.count;
    return {
      ledger: this.ledger,
      blockNo: this.blockNo,
      start: this.blockNo * ROWS_PER_BLOCK,
      count: n,
      seq: this.seq.slice(0, n),
      ts: this.ts.slice(0, n),
      agent: this.agent.slice(0, n),
      action: this.action.slice(0, n),
      resource: this.resource.slice(0, n),
      path: this.path.slice(0, n),
      line: this.line.slice(0, n),
      effect: this.effect.slice(0, n),
      status: this.status.slice(0, n),
    };
  }
}

interface LedgerBuilder {
  rows: number;
  block: GrowableBlock;
  texts: string[];
  hashes: string[];
}

/** The index fields of one record, before dictionary ids are given. */
function rowFields(record: RecordRead) {
  const r = record.receipt;
  return {
    seq: r ? r.seq : Number.NaN,
    ts: r ? (parseTime(r.ts) ?? Number.NaN) : Number.NaN,
    agent: r?.agent.id,
    action: r?.request.action.id,
    resource: r ? `${r.request.resource.type}::${r.request.resource.id}` : undefined,
    effect: r ? EFFECTS.indexOf(r.decision.effect) : 0,
    status: r ? STATUSES.indexOf(r.exec.status) : 0,
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
  readonly texts: readonly string[];
  readonly hashes: readonly string[];
  readonly seq: Float64Array;
  readonly ts: Float64Array;
  readonly line: Uint32Array;
  readonly effect: Uint8Array;
  readonly status: Uint8Array;
  /** Indexes into `agents`, `actions`, `resources` (index 0 is "none"). */
  readonly agent: Uint32Array;
  readonly action: Uint32Array;
  readonly resource: Uint32Array;
  readonly agents: readonly string[];
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

/** Collects one segment's records as {@link SegmentRows}. */
export class SegmentRowsBuilder {
  private readonly agents = new Dictionary();
  private readonly actions = new Dictionary();
  private readonly resources = new Dictionary();
  private readonly texts: string[] = [];
  private readonly hashes: string[] = [];
  private readonly numbers: {
    seq: number[];
    ts: number[];
    line: number[];
    effect: number[];
    status: number[];
    agent: number[];
    action: number[];
    resource: number[];
  } = {
    seq: [],
    ts: [],
    line: [],
    effect: [],
    status: [],
    agent: [],
    action: [],
    resource: [],
  };

  constructor(
    private readonly ledger: string,
    private readonly path: string,
  ) {}

  add(record: RecordRead): void {
    if (record.ledger !== this.ledger || record.path !== this.path)
      throw new Error(`a record of ${record.path} was given to the rows of ${this.path}`);
    const f = rowFields(record);
    const n = this.numbers;
    n.seq.push(f.seq);
    n.ts.push(f.ts);
    n.line.push(record.line);
    n.effect.push(f.effect);
    n.status.push(f.status);
    n.agent.push(this.agents.id(f.agent));
    n.action.push(this.actions.id(f.action));
    n.resource.push(this.resources.id(f.resource));
    this.texts.push(record.text);
    this.hashes.push(record.hash);
  }

  finish(): SegmentRows {
    const n = this.numbers;
    return {
      ledger: this.ledger,
      path: this.path,
      count: this.texts.length,
      texts: this.texts,
      hashes: this.hashes,
      seq: Float64Array.from(n.seq),
      ts: Float64Array.from(n.ts),
      line: Uint32Array.from(n.line),
      effect: Uint8Array.from(n.effect),
      status: Uint8Array.from(n.status),
      agent: Uint32Array.from(n.agent),
      action: Uint32Array.from(n.action),
      resource: Uint32Array.from(n.resource),
      agents: this.agents.values,
      actions: this.actions.values,
      resources: this.resources.values,
    };
  }
}

/** The buffers of segment rows, for `postMessage(…, transfer)`. */
export function segmentRowsBuffers(rows: SegmentRows): ArrayBuffer[] {
  return [rows.seq, rows.ts, rows.line, rows.effect, rows.status, rows.agent, rows.action, rows.resource].map(
    (a) => a.buffer as ArrayBuffer,
  );
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
  private readonly ledgers = new Map<string, LedgerBuilder>();
  private readonly blocks: ColumnBlock[] = [];

  /** Adds one record; returns a full line chunk when this record completed one. */
  add(record: RecordRead): LineChunk | null {
    const f = rowFields(record);
    return this.addRow(
      record.ledger,
      this.paths.id(record.path),
      record.line,
      f.seq,
      f.ts,
      this.agents.id(f.agent),
      this.actions.id(f.action),
      this.resources.id(f.resource),
      f.effect,
      f.status,
      record.text,
      record.hash,
    );
  }

  /** Adds a segment's rows (built where the segment was checked); returns the line chunks they completed. */
  addSegment(rows: SegmentRows): LineChunk[] {
    const chunks: LineChunk[] = [];
    const pathId = this.paths.id(rows.path);
    const agents = rows.agents.map((v) => this.agents.id(v));
    const actions = rows.actions.map((v) => this.actions.id(v));
    const resources = rows.resources.map((v) => this.resources.id(v));
    for (let i = 0; i < rows.count; i++) {
      const chunk = this.addRow(
        rows.ledger,
        pathId,
        rows.line[i] as number,
        rows.seq[i] as number,
        rows.ts[i] as number,
        agents[rows.agent[i] as number] as number,
        actions[rows.action[i] as number] as number,
        resources[rows.resource[i] as number] as number,
        rows.effect[i] as number,
        rows.status[i] as number,
        rows.texts[i] as string,
        rows.hashes[i] as string,
      );
      if (chunk) chunks.push(chunk);
    }
    return chunks;
  }

  private addRow(
    ledgerName: string,
    pathId: number,
    line: number,
    seq: number,
    ts: number,
    agent: number,
    action: number,
    resource: number,
    effect: number,
    status: number,
    text: string,
    hash: string,
  ): LineChunk | null {
    let ledger = this.ledgers.get(ledgerName);
    if (!ledger) {
      ledger = { rows: 0, block: new GrowableBlock(ledgerName, 0), texts: [], hashes: [] };
      this.ledgers.set(ledgerName, ledger);
    }
    const block = ledger.block;
    const i = block.count;
    block.seq[i] = seq;
    block.ts[i] = ts;
    block.agent[i] = agent;
    block.action[i] = action;
    block.resource[i] = resource;
    block.path[i] = pathId;
    block.line[i] = line;
    block.effect[i] = effect;
    block.status[i] = status;
    block.count++;
    if (block.count === ROWS_PER_BLOCK) {
      this.blocks.push(block.seal());
      ledger.block = new GrowableBlock(ledgerName, block.blockNo + 1);
    }
    ledger.texts.push(text);
    ledger.hashes.push(hash);
    ledger.rows++;
    if (ledger.texts.length === LINES_PER_CHUNK) return this.takeChunk(ledgerName, ledger);
    return null;
  }

  /** The last, partly filled line chunks; call once at the end. */
  flush(): LineChunk[] {
    const out: LineChunk[] = [];
    for (const [name, ledger] of this.ledgers) if (ledger.texts.length > 0) out.push(this.takeChunk(name, ledger));
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
      },
      rowsByLedger,
    };
  }

  private takeChunk(name: string, ledger: LedgerBuilder): LineChunk {
    const chunkNo = Math.floor((ledger.rows - ledger.texts.length) / LINES_PER_CHUNK);
    const chunk: LineChunk = { ledger: name, chunkNo, texts: ledger.texts, hashes: ledger.hashes };
    ledger.texts = [];
    ledger.hashes = [];
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
  ].map((a) => a.buffer as ArrayBuffer);
}

/** Where a ledger-local row's raw line is stored. */
export function chunkOf(localRow: number): { chunkNo: number; offset: number } {
  return { chunkNo: Math.floor(localRow / LINES_PER_CHUNK), offset: localRow % LINES_PER_CHUNK };
}
