/**
 * Per-receipt facts kept on disk instead of in memory, for the checks that compare every
 * receipt of the archive with every other: receipt ids (RECEIPT_ID_DUPLICATE) and outputs
 * (NONDETERMINISTIC_OUTPUT). In memory they cost about 110 bytes a receipt, over a gigabyte
 * at 10,000,000 receipts; spilled, a run holds one partition's table at a time.
 *
 * How it stays exact: each fact is written to the partition its key hashes to, in the
 * order the run met it. Facts with the same key are all in one partition, in that order,
 * so settling the partitions one by one, each with the very table the in-memory run uses,
 * gives the same "first seen" for every key, and the same findings (the report sorts them).
 *
 * The host gives the files ({@link SpillStore}: the command line, a temporary folder); the
 * app gives none and keeps the tables in memory.
 */
import { concatBytes, copyOf } from '../format/bytes.ts';

/** Where a run may write files it reads back once. */
export interface SpillStore {
  /** A new, empty file. */
  create(name: string): SpillFile;
  /** Bytes a partition collects before they are appended to its file (default 32 KiB; tests use tiny ones). */
  readonly flushBytes?: number;
}

export interface SpillFile {
  append(bytes: Uint8Array): void;
  /** Everything appended, in order. */
  readAll(): Uint8Array;
  /** Deletes the file; it is not read again. */
  remove(): void;
}

/**
 * A key's partition is its hash's top bits: the tables that settle a partition place keys by
 * their low bits, which must still vary within one partition.
 */
const PARTITION_BITS = 7;
const PARTITIONS = 2 ** PARTITION_BITS;
const FLUSH_BYTES = 32 * 1024;

/** Records written to partitions by key hash, then read back partition by partition. */
export class SpillPartitions {
  readonly #store: SpillStore;
  readonly #name: string;
  readonly #files: (SpillFile | null)[] = new Array<SpillFile | null>(PARTITIONS).fill(null);
  /** Bytes collected for each partition, made when the partition gets its first record. */
  readonly #pending: (Uint8Array | null)[] = new Array<Uint8Array | null>(PARTITIONS).fill(null);
  readonly #fill = new Int32Array(PARTITIONS);
  readonly #flushBytes: number;
  readonly #record = new RecordWriter();
  #settled = false;

  constructor(store: SpillStore, name: string) {
    this.#store = store;
    this.#name = name;
    this.#flushBytes = Math.max(1, store.flushBytes ?? FLUSH_BYTES);
  }

  /** A writer for one record; {@link end} puts it in the partition of `hash`. */
  begin(): RecordWriter {
    this.#record.reset();
    return this.#record;
  }

  /** Appends the record begun last to the partition of `hash` (a uniform 32-bit number). */
  end(hash: number): void {
    if (this.#settled) throw new Error(`spill ${this.#name}: a record after the partitions were read`);
    const partition = (hash >>> 0) >>> (32 - PARTITION_BITS);
    const record = this.#record.bytes();
    const fill = this.#fill[partition] as number;
    if (fill + record.length > this.#flushBytes) this.#flush(partition);
    if (record.length > this.#flushBytes) {
      this.#file(partition).append(copyOf(record));
      return;
    }
    const pending = (this.#pending[partition] ??= new Uint8Array(this.#flushBytes));
    pending.set(record, this.#fill[partition]);
    this.#fill[partition] = (this.#fill[partition] as number) + record.length;
  }

  /**
   * Each partition's records in the order written, one partition at a time; the partition's
   * file is deleted once read. Read once.
   */
  *partitions(): Generator<RecordReader> {
    this.#settled = true;
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const file = this.#files[partition];
      const fill = this.#fill[partition] as number;
      let bytes: Uint8Array;
      if (file) {
        this.#flush(partition);
        bytes = file.readAll();
        file.remove();
        this.#files[partition] = null;
      } else {
        bytes = this.#pending[partition]?.subarray(0, fill) ?? new Uint8Array(0);
      }
      this.#pending[partition] = null;
      if (bytes.length > 0) yield new RecordReader(bytes);
    }
  }

  #file(partition: number): SpillFile {
    let file = this.#files[partition];
    if (!file) file = this.#files[partition] = this.#store.create(`${this.#name}-${partition}`);
    return file;
  }

  #flush(partition: number): void {
    const fill = this.#fill[partition] as number;
    if (fill === 0) return;
    this.#file(partition).append((this.#pending[partition] as Uint8Array).subarray(0, fill));
    this.#fill[partition] = 0;
  }
}

/** Builds one record: numbers and strings, exactly (any UTF-16 string, lone surrogates too). */
export class RecordWriter {
  #bytes = new Uint8Array(256);
  #view = new DataView(this.#bytes.buffer);
  #length = 0;

  reset(): void {
    this.#length = 0;
  }

  bytes(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }

  u32(value: number): this {
    this.#room(4);
    this.#view.setUint32(this.#length, value, true);
    this.#length += 4;
    return this;
  }

  f64(value: number): this {
    this.#room(8);
    this.#view.setFloat64(this.#length, value, true);
    this.#length += 8;
    return this;
  }

  /** A string: its length and whether it is one byte a unit, then its units. */
  text(value: string): this {
    let narrow = true;
    for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 0xff) narrow = false;
    this.u32(value.length * 2 + (narrow ? 0 : 1));
    const width = narrow ? 1 : 2;
    this.#room(value.length * width);
    const bytes = this.#bytes;
    let at = this.#length;
    for (let i = 0; i < value.length; i++) {
      const unit = value.charCodeAt(i);
      bytes[at++] = unit & 0xff;
      if (!narrow) bytes[at++] = unit >>> 8;
    }
    this.#length = at;
    return this;
  }

  #room(more: number): void {
    if (this.#length + more <= this.#bytes.length) return;
    let capacity = this.#bytes.length * 2;
    while (capacity < this.#length + more) capacity *= 2;
    const bigger = new Uint8Array(capacity);
    bigger.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = bigger;
    this.#view = new DataView(bigger.buffer);
  }
}

/** Reads records as {@link RecordWriter} wrote them, field by field, in the same order. */
export class RecordReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #at = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get done(): boolean {
    return this.#at >= this.#bytes.length;
  }

  u32(): number {
    const value = this.#view.getUint32(this.#at, true);
    this.#at += 4;
    return value;
  }

  f64(): number {
    const value = this.#view.getFloat64(this.#at, true);
    this.#at += 8;
    return value;
  }

  text(): string {
    const head = this.u32();
    const length = head >>> 1;
    const wide = (head & 1) === 1;
    const bytes = this.#bytes;
    let at = this.#at;
    let text = '';
    // In slices, so a long string does not pass too many arguments at once.
    for (let done = 0; done < length;) {
      const count = Math.min(length - done, 4096);
      const units = new Array<number>(count);
      for (let i = 0; i < count; i++, at += wide ? 2 : 1)
        units[i] = wide ? (bytes[at] as number) | ((bytes[at + 1] as number) << 8) : (bytes[at] as number);
      text += String.fromCharCode(...units);
      done += count;
    }
    this.#at = at;
    return text;
  }
}

/** A number for each distinct string, in the order first seen (ledger names, file paths). */
export class Names {
  readonly names: string[] = [];
  readonly #numbers = new Map<string, number>();

  numberOf(name: string): number {
    let number = this.#numbers.get(name);
    if (number === undefined) {
      number = this.names.push(name) - 1;
      this.#numbers.set(name, number);
    }
    return number;
  }

  nameOf(number: number): string {
    return this.names[number] as string;
  }
}

/** Files kept in memory: for tests, and hosts that have no disk. */
export function memorySpillStore(): SpillStore & { readonly files: Map<string, Uint8Array[]> } {
  const files = new Map<string, Uint8Array[]>();
  return {
    files,
    create(name) {
      if (files.has(name)) throw new Error(`spill file ${name} exists`);
      const chunks: Uint8Array[] = [];
      files.set(name, chunks);
      return {
        append: (bytes) => void chunks.push(copyOf(bytes)),
        readAll: () => concatBytes(chunks),
        remove: () => void files.delete(name),
      };
    },
  };
}
