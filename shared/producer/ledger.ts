/**
 * One ledger's hash chain (FORMAT.md §5-6): numbers, links, signs and segments receipts,
 * and signs checkpoints over the current head.
 *
 * The writer keeps only the open segment in memory. A caller that streams (the demo, a
 * gate flushing to storage) takes each full segment with {@link LedgerWriter.takeSegments}
 * as soon as it closes, so a ledger of any length needs memory for one segment.
 */
import { canonicalize } from '../format/canonical.ts';
import { concatBytes, toHex, utf8 } from '../format/bytes.ts';
import { HASH_PREFIX, ZERO_HASH, sha256Bytes } from '../format/hash.ts';
import { ReceiptSchema, validate } from '../format/schema.ts';
import { checkpointsPath, segmentPath } from '../format/layout.ts';
import { parseTime } from '../format/time.ts';
import { nobleSigner, type ProducerKey, type Signer } from './keys.ts';
import { CHAIN_MEMBERS, type ReceiptDraft } from './receipt.ts';

/** A file of the archive: its path and exact bytes. */
export interface ArchiveFile {
  readonly path: string;
  readonly bytes: Uint8Array;
}

export interface LedgerWriterOptions {
  /** Defaults to {@link nobleSigner}. */
  readonly sign?: Signer;
  /** Receipts per `nnnnnn.jsonl` segment; defaults to 10,000. */
  readonly receiptsPerSegment?: number;
  /**
   * Check each finished receipt against the format's schema before signing (default true).
   * Turning it off is for generators whose output is tested elsewhere; it saves a few
   * microseconds a receipt.
   */
  readonly validate?: boolean;
}

export interface AppendedReceipt {
  readonly seq: number;
  readonly id: string;
  /** The stored line, without its newline. */
  readonly line: string;
  /** `H(line)`: what the next receipt's `prev` and a checkpoint's `head` name. */
  readonly hash: string;
  /** The segment the line goes to, e.g. `ledgers/gw-eu-1/000001.jsonl`. */
  readonly path: string;
}

export interface WrittenCheckpoint {
  readonly seq: number;
  readonly head: string;
  readonly line: string;
}

/** `C(object)` split into its members, each `C(key):C(value)`, with the keys in the same order. */
interface CanonicalMembers {
  readonly keys: readonly string[];
  readonly pieces: readonly string[];
}

/**
 * The members of `C(object)` in RFC 8785 order (UTF-16 code units, which is how
 * JavaScript compares strings). Signing needs `C(receipt without sig)` and storing needs
 * `C(receipt)`: building both from the same pieces canonicalizes each receipt once
 * instead of twice, which matters at a million receipts.
 */
function canonicalMembers(object: Readonly<Record<string, unknown>>): CanonicalMembers {
  const keys = Object.keys(object)
    .filter((key) => object[key] !== undefined)
    .sort();
  return { keys, pieces: keys.map((key) => `${canonicalize(key)}:${canonicalize(object[key])}`) };
}

function joinMembers(pieces: readonly string[]): string {
  return `{${pieces.join(',')}}`;
}

/** `C(object with key: value)` from the members of the object without `key`. */
function withMember(members: CanonicalMembers, key: string, value: unknown): string {
  let at = 0;
  // Keys are compared, not pieces: a key like "a!" sorts after "a", but its piece would not.
  while (at < members.keys.length && members.keys[at]! < key) at++;
  const pieces = [...members.pieces];
  pieces.splice(at, 0, `${canonicalize(key)}:${canonicalize(value)}`);
  return joinMembers(pieces);
}

/** Ledger names become folder names: keep them to one plain path segment. */
const LEDGER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const NEWLINE = utf8('\n');

export class LedgerWriter {
  readonly ledger: string;
  private readonly gateKey: ProducerKey;
  private readonly sign: Signer;
  private readonly perSegment: number;
  private readonly validate: boolean;
  private seq = 0;
  private head: string = ZERO_HASH;
  private lastTsMs = -Infinity;
  private segmentNumber = 1;
  private openLines: Uint8Array[] = [];
  private readonly closed: ArchiveFile[] = [];
  private readonly checkpointLines: string[] = [];
  private lastCheckpointSeq = 0;
  private finished = false;

  /**
   * @throws TypeError when `ledger` is not a plain folder name or `receiptsPerSegment`
   *   is not a positive integer.
   */
  constructor(ledger: string, gateKey: ProducerKey, options: LedgerWriterOptions = {}) {
    if (typeof ledger !== 'string' || !LEDGER_NAME.test(ledger)) {
      throw new TypeError(
        'LedgerWriter: "ledger" must be letters, digits, ".", "_" or "-", starting with a letter or digit',
      );
    }
    const perSegment = options.receiptsPerSegment ?? 10_000;
    if (!Number.isSafeInteger(perSegment) || perSegment < 1)
      throw new TypeError('LedgerWriter: "receiptsPerSegment" must be a positive integer');
    this.ledger = ledger;
    this.gateKey = gateKey;
    this.sign = options.sign ?? nobleSigner;
    this.perSegment = perSegment;
    this.validate = options.validate ?? true;
  }

  /** Seq and hash of the last receipt written (seq 0 and the zero hash before the first). */
  get headState(): { readonly seq: number; readonly hash: string } {
    return { seq: this.seq, hash: this.head };
  }

  /**
   * Adds the chain fields to `draft`, signs it with the gate key and appends its line.
   * @throws TypeError when `draft` sets a chain member, its `ts` is not RFC 3339 UTC or
   *   earlier than the previous receipt's (a verifier would report `TIME_REGRESSION`), or
   *   (with `validate`) the finished receipt does not match the schema.
   * @throws Error after {@link finish}.
   */
  append(draft: ReceiptDraft): AppendedReceipt {
    if (this.finished) throw new Error(`LedgerWriter(${this.ledger}): append after finish`);
    for (const member of CHAIN_MEMBERS) {
      if (member in draft)
        throw new TypeError(`LedgerWriter.append: "draft.${member}" is set by the writer, not the caller`);
    }
    const tsMs = parseTime(draft.ts);
    if (tsMs === null) throw new TypeError('LedgerWriter.append: "draft.ts" must be an RFC 3339 UTC time');
    if (tsMs < this.lastTsMs)
      throw new TypeError(
        `LedgerWriter.append: "draft.ts" ${draft.ts} is earlier than the previous receipt of ${this.ledger}`,
      );

    const seq = this.seq + 1;
    const unsigned = { ...draft, v: 1, ledger: this.ledger, seq, prev: this.head, kid: this.gateKey.kid };
    if (this.validate) {
      const checked = validate(ReceiptSchema, { ...unsigned, sig: '0'.repeat(128) });
      if (!checked.ok)
        throw new TypeError(`LedgerWriter.append: receipt ${draft.id} is not valid (${checked.message})`);
    }
    const members = canonicalMembers(unsigned);
    const sig = toHex(this.sign(utf8(joinMembers(members.pieces)), this.gateKey.secretKey));
    const line = withMember(members, 'sig', sig);
    const lineBytes = utf8(line);
    const hash = HASH_PREFIX + toHex(sha256Bytes(lineBytes));

    this.seq = seq;
    this.head = hash;
    this.lastTsMs = tsMs;
    const path = segmentPath(this.ledger, this.segmentNumber);
    this.openLines.push(lineBytes, NEWLINE);
    if (this.openLines.length / 2 >= this.perSegment) this.closeSegment();
    return { seq, id: draft.id, line, hash, path };
  }

  /**
   * Signs a checkpoint that receipt `seq` (the current head) has hash `head`.
   * The last checkpoint written seals the ledger up to that receipt.
   * @throws TypeError when there is no receipt yet, the head is already checkpointed, or
   *   `ts` is not RFC 3339 UTC or is earlier than the head receipt's time.
   */
  checkpoint(ts: string): WrittenCheckpoint {
    if (this.finished) throw new Error(`LedgerWriter(${this.ledger}): checkpoint after finish`);
    const tsMs = parseTime(ts);
    if (tsMs === null) throw new TypeError('LedgerWriter.checkpoint: "ts" must be an RFC 3339 UTC time');
    if (this.seq === 0)
      throw new TypeError(`LedgerWriter.checkpoint: ledger ${this.ledger} has no receipt to checkpoint`);
    if (this.seq === this.lastCheckpointSeq)
      throw new TypeError(`LedgerWriter.checkpoint: seq ${this.seq} of ${this.ledger} is already checkpointed`);
    if (tsMs < this.lastTsMs) throw new TypeError('LedgerWriter.checkpoint: "ts" is earlier than the head receipt');
    const unsigned = { head: this.head, kid: this.gateKey.kid, ledger: this.ledger, seq: this.seq, ts };
    const sig = toHex(this.sign(utf8(canonicalize(unsigned)), this.gateKey.secretKey));
    const line = canonicalize({ ...unsigned, sig });
    this.checkpointLines.push(line);
    this.lastCheckpointSeq = this.seq;
    return { seq: this.seq, head: this.head, line };
  }

  /** Segments that are full and will not change again; each is returned once. */
  takeSegments(): ArchiveFile[] {
    return this.closed.splice(0, this.closed.length);
  }

  /**
   * Closes the ledger: returns the segments not yet taken (including a last, partial one)
   * and `checkpoints.jsonl` (omitted when no checkpoint was written). Further appends throw.
   */
  finish(): { segments: ArchiveFile[]; checkpoints: ArchiveFile | null } {
    if (!this.finished) {
      if (this.openLines.length > 0) this.closeSegment();
      this.finished = true;
    }
    const checkpoints =
      this.checkpointLines.length === 0
        ? null
        : {
            path: checkpointsPath(this.ledger),
            bytes: utf8(this.checkpointLines.map((l) => l + '\n').join('')),
          };
    return { segments: this.takeSegments(), checkpoints };
  }

  private closeSegment(): void {
    this.closed.push({ path: segmentPath(this.ledger, this.segmentNumber), bytes: concatBytes(this.openLines) });
    this.openLines = [];
    this.segmentNumber++;
  }
}
