/**
 * One ledger's hash chain (FORMAT.md §5-6), as a fold over its lines in order.
 *
 * Per-line checks (form, schema, key, signature, bundle) are independent of each other;
 * the chain state carried from line to line is small (last seq, hash and time), which is
 * what lets a later worker pool check segments between checkpoints in parallel and join them.
 */
import { decodeUtf8Strict } from '../format/bytes.ts';
import { parseCanonical } from '../format/canonical.ts';
import type { SignatureVerifier } from '../format/ed25519.ts';
import { hashOf, ZERO_HASH } from '../format/hash.ts';
import { CheckpointSchema, ReceiptSchema, validate, type Checkpoint, type Receipt } from '../format/schema.ts';
import { parseTime } from '../format/time.ts';
import type { LineRead } from '../archive/lines.ts';
import { finding, type Finding, type FindingCode } from './findings.ts';
import { verifySigned } from './keys.ts';
import { inEffect } from './policies.ts';
import type { ControlCheck, Keyring, LedgerState, LedgerSummary, Period, RecordRead, ResolvedBundle } from './types.ts';

/** Codes that make a ledger "tampered": its records or chain cannot be relied on. */
const TAMPER_CODES: ReadonlySet<FindingCode> = new Set<FindingCode>([
  'RECORD_MALFORMED', 'RECORD_NONCANONICAL', 'SIGNATURE_INVALID', 'CHAIN_BROKEN', 'CHAIN_GAP',
  'CHAIN_DUPLICATE_SEQ', 'RECEIPT_ID_DUPLICATE', 'TIME_REGRESSION', 'CHECKPOINT_INVALID', 'CHECKPOINT_MISMATCH',
  'KEY_UNKNOWN', 'KEY_CERT_INVALID', 'KEY_ROLE_MISMATCH', 'KEY_NOT_VALID_AT', 'KEY_REVOKED', 'ENTRY_TOO_LARGE',
  'FILE_HASH_MISMATCH', 'FILE_MISSING', 'ARCHIVE_UNREADABLE',
]);

export interface LedgerContext {
  readonly keyring: Keyring;
  readonly verifier: SignatureVerifier;
  readonly bundlesByHash: ReadonlyMap<string, ResolvedBundle>;
  /** Receipt ids seen in the whole archive so far (ids are unique archive-wide). */
  readonly receiptIds: Map<string, string>;
  readonly controls: readonly ControlCheck[];
  readonly onRecord: ((record: RecordRead) => void | Promise<void>) | undefined;
}

interface ValidCheckpoint {
  readonly checkpoint: Checkpoint;
  readonly line: number;
}

export class LedgerVerifier {
  readonly findings: Finding[] = [];
  /** Findings about this ledger's files, reported by the caller; they count for its state. */
  private readonly fileFindings: Finding[] = [];
  private readonly checkpointsPath: string;
  private readonly checkpoints: ValidCheckpoint[] = [];
  private readonly checkpointSeqs = new Set<number>();
  private checkpointLines = 0;
  /** Hash of each receipt whose seq a checkpoint names, and its time. */
  private readonly sealedHashes = new Map<number, { hash: string; ts: string }>();
  private readonly segments: string[] = [];
  private receipts = 0;
  private last: { seq: number; hash: string; tsMs: number; ts: string } | null = null;
  /** The line right after `last` was unreadable; its hash still links the chain. */
  private unreadableAfterLast: string | null = null;
  private firstTs: string | null = null;
  private firstSeq: number | null = null;
  /** Lowest seq at which something breaks continuity or authenticity. */
  private firstProblemSeq = Infinity;
  private problemWithoutSeq = false;
  private anchored = true;
  private signedAny = false;

  constructor(
    readonly ledger: string,
    private readonly context: LedgerContext,
  ) {
    this.checkpointsPath = `ledgers/${ledger}/checkpoints.jsonl`;
  }

  private report(code: FindingCode, message: string, where: { path: string; line?: number; seq?: number; receipt?: string }, detail?: Record<string, unknown>): void {
    this.findings.push(finding(code, message, { ...where, ledger: this.ledger }, detail));
    if (code === 'CHAIN_UNSEALED' || code === 'CHAIN_TRUNCATED') return;
    if (where.seq !== undefined) this.firstProblemSeq = Math.min(this.firstProblemSeq, where.seq);
    else if (where.path !== this.checkpointsPath) this.problemWithoutSeq = true;
  }

  /** Reads one line of checkpoints.jsonl (call for all of them before any receipt). */
  addCheckpointLine(read: LineRead): void {
    this.checkpointLines++;
    const value = this.parseLine(this.checkpointsPath, read);
    if (value === undefined) return;
    const checked = validate(CheckpointSchema, value);
    const where = { path: this.checkpointsPath, line: read.line };
    if (!checked.ok) {
      this.report('RECORD_MALFORMED', `Checkpoint is not valid: ${checked.message}.`, where);
      return;
    }
    const cp = checked.value;
    if (cp.ledger !== this.ledger) {
      this.report('CHECKPOINT_INVALID', `Checkpoint names ledger "${cp.ledger}" but is stored in ledgers/${this.ledger}/.`, where);
      return;
    }
    const previous = this.checkpoints.at(-1);
    if (previous && cp.seq <= previous.checkpoint.seq) {
      this.report('CHECKPOINT_INVALID', `Checkpoint seq ${cp.seq} does not increase (the one before is seq ${previous.checkpoint.seq}).`, where);
      return;
    }
    const use = this.context.keyring.check(cp.kid, 'gate', parseTime(cp.ts) as number);
    if (!use.ok) {
      this.report(use.code, `Checkpoint at seq ${cp.seq}: ${use.message}.`, where);
      return;
    }
    if (!verifySigned(cp, use.publicKey, this.context.verifier)) {
      this.report('CHECKPOINT_INVALID', `Checkpoint at seq ${cp.seq} has a signature that does not verify with gate key ${cp.kid}.`, where);
      return;
    }
    if (!use.anchored) this.anchored = false;
    this.checkpoints.push({ checkpoint: cp, line: read.line });
    this.checkpointSeqs.add(cp.seq);
  }

  /** A finding about this ledger's files found elsewhere (manifest, container). */
  addFileFinding(f: Finding): void {
    this.fileFindings.push(f);
    this.problemWithoutSeq = true;
  }

  /** Parses a stored line: UTF-8, JSON, canonical form. Reports and returns undefined when unusable. */
  private parseLine(path: string, read: LineRead): unknown {
    const where = { path, line: read.line };
    if (read.kind === 'too-long') {
      this.report('RECORD_MALFORMED', `Line is ${read.length} bytes long, over the limit for one record; it was skipped.`, where);
      return undefined;
    }
    if (read.kind === 'unterminated') {
      this.report('RECORD_MALFORMED', 'The file ends without a newline after its last record (the file may have been cut short).', where);
    }
    const text = decodeUtf8Strict(read.bytes);
    if (text === null) {
      this.report('RECORD_MALFORMED', 'Line is not valid UTF-8.', where);
      return undefined;
    }
    if (text.length === 0) {
      this.report('RECORD_MALFORMED', 'Line is empty; every line must hold one record.', where);
      return undefined;
    }
    const parsed = parseCanonical(text);
    if (parsed.ok) return parsed.value;
    if (parsed.reason === 'json') {
      this.report('RECORD_MALFORMED', `Line is ${parsed.message}.`, where);
      return undefined;
    }
    this.report('RECORD_NONCANONICAL', `Line is ${parsed.message}.`, where);
    return parsed.value;
  }

  startSegment(path: string): void {
    this.segments.push(path);
  }

  /** Reads one receipt line of the current segment. */
  async addReceiptLine(path: string, read: LineRead): Promise<void> {
    this.receipts++;
    const lineHash = read.kind === 'too-long' ? null : hashOf(read.bytes);
    const value = this.parseLine(path, read);
    const checked = value === undefined ? null : validate(ReceiptSchema, value);
    if (checked && !checked.ok) {
      this.report('RECORD_MALFORMED', `Receipt is not valid: ${checked.message}.`, { path, line: read.line });
    }
    const receipt = checked?.ok ? checked.value : null;
    if (this.context.onRecord && lineHash && read.kind !== 'too-long') {
      await this.context.onRecord({ ledger: this.ledger, path, line: read.line, text: decodeUtf8Strict(read.bytes) ?? '', hash: lineHash, receipt });
    }
    if (!receipt || !lineHash) {
      // The chain continues through an unreadable line: the next receipt's prev may still name it.
      this.unreadableAfterLast = lineHash ?? 'unknown';
      this.problemWithoutSeq = true;
      return;
    }
    await this.checkReceipt(path, read.line, receipt, lineHash);
  }

  private async checkReceipt(path: string, line: number, r: Receipt, hash: string): Promise<void> {
    const where = { path, line, seq: r.seq, receipt: r.id };
    const tsMs = parseTime(r.ts) as number;
    if (r.ledger !== this.ledger) {
      this.report('RECORD_MALFORMED', `Receipt names ledger "${r.ledger}" but is stored in ledgers/${this.ledger}/.`, where);
    }
    const seen = this.context.receiptIds.get(r.id);
    if (seen !== undefined) this.report('RECEIPT_ID_DUPLICATE', `Receipt id ${r.id} was already used (${seen}).`, where);
    else this.context.receiptIds.set(r.id, `${this.ledger} seq ${r.seq}`);

    this.checkLink(r, hash, where);
    if (this.last && tsMs < this.last.tsMs) {
      this.report('TIME_REGRESSION', `Receipt time ${r.ts} is earlier than the previous receipt's (${this.last.ts}, seq ${this.last.seq}).`, where);
    }

    const use = this.context.keyring.check(r.kid, 'gate', tsMs);
    if (!use.ok) this.report(use.code, `Receipt signature: ${use.message}.`, where);
    else {
      this.signedAny = true;
      if (!use.anchored) this.anchored = false;
      if (!verifySigned(r, use.publicKey, this.context.verifier)) {
        this.report('SIGNATURE_INVALID', `Receipt signature does not verify with gate key ${r.kid}: the receipt was changed after signing or signed by another key.`, where);
      }
    }

    const bundle = this.context.bundlesByHash.get(r.decision.bundle);
    if (!bundle) this.report('POLICY_UNKNOWN', `Receipt was decided under bundle ${r.decision.bundle}, which is not in the archive.`, where);
    else if (!inEffect(bundle, tsMs)) {
      this.report('POLICY_NOT_IN_EFFECT', `Receipt at ${r.ts} was decided under bundle ${bundle.body.id} v${bundle.body.version}, in effect from ${bundle.body.effective_from}${bundle.body.effective_until ? ` until ${bundle.body.effective_until}` : ''}.`, where);
    }

    if (this.firstSeq === null) {
      this.firstSeq = r.seq;
      this.firstTs = r.ts;
    }
    if (this.checkpointSeqs.has(r.seq) && !this.sealedHashes.has(r.seq)) this.sealedHashes.set(r.seq, { hash, ts: r.ts });
    this.last = { seq: r.seq, hash, tsMs, ts: r.ts };
    this.unreadableAfterLast = null;

    for (const control of this.context.controls) await control.visit(r, { path, line, ledger: this.ledger, hash, bundle });
  }

  private checkLink(r: Receipt, hash: string, where: { path: string; line: number; seq: number; receipt: string }): void {
    void hash;
    const last = this.last;
    if (!last) {
      if (this.unreadableAfterLast !== null) return; // the ledger starts with unreadable lines, already reported
      if (r.seq !== 1) {
        this.report('CHAIN_GAP', `The ledger starts at seq ${r.seq}; receipts 1 to ${r.seq - 1} are missing.`, where);
      } else if (r.prev !== ZERO_HASH) {
        this.report('CHAIN_BROKEN', `The first receipt's prev must be ${ZERO_HASH}, found ${r.prev}.`, where);
      }
      return;
    }
    if (r.seq <= last.seq) {
      this.report('CHAIN_DUPLICATE_SEQ', `Seq ${r.seq} appears again after seq ${last.seq}: the ledger forks or is out of order.`, where);
      return;
    }
    const expectedSeq = this.unreadableAfterLast !== null ? last.seq + 2 : last.seq + 1;
    const expectedPrev = this.unreadableAfterLast !== null ? this.unreadableAfterLast : last.hash;
    if (r.seq > expectedSeq) {
      const from = last.seq + 1;
      this.report('CHAIN_GAP', `Seq jumps from ${last.seq} to ${r.seq}; ${r.seq - from === 1 ? `receipt ${from} is` : `receipts ${from} to ${r.seq - 1} are`} missing.`, where);
      return;
    }
    if (r.seq < expectedSeq) return; // seq last+1 after an unreadable line: already reported there
    if (r.prev !== expectedPrev) {
      this.report('CHAIN_BROKEN', `prev is ${r.prev}, but the hash of the line before (seq ${r.seq - 1}) is ${expectedPrev}.`, where);
    }
  }

  /** Ends the ledger: checkpoints against the chain, truncation, unsealed tail, state. */
  finish(): LedgerSummary {
    const lastSeq = this.last?.seq ?? null;
    let sealed: { seq: number; ts: string } | null = null;
    let provenEnd: { seq: number; ts: string } | null = null;
    for (const { checkpoint: cp, line } of this.checkpoints) {
      const where = { path: this.checkpointsPath, line, seq: cp.seq };
      const got = this.sealedHashes.get(cp.seq);
      if (!got) {
        if (lastSeq === null || cp.seq > lastSeq) {
          this.report('CHAIN_TRUNCATED', `A checkpoint seals seq ${cp.seq}, but the ledger ends at ${lastSeq === null ? 'no receipt at all' : `seq ${lastSeq}`}: receipts were removed from its end.`, where);
        } else {
          this.report('CHECKPOINT_MISMATCH', `A checkpoint seals seq ${cp.seq}, but no readable receipt with that seq is in the ledger.`, where);
        }
        continue;
      }
      if (got.hash !== cp.head) {
        this.report('CHECKPOINT_MISMATCH', `The checkpoint says receipt ${cp.seq} has hash ${cp.head}, but its line hashes to ${got.hash}.`, where);
        continue;
      }
      sealed = { seq: cp.seq, ts: got.ts };
      if (cp.seq < this.firstProblemSeq && !this.problemWithoutSeq) provenEnd = sealed;
    }
    const truncated = this.findings.some((f) => f.code === 'CHAIN_TRUNCATED');
    if (lastSeq !== null && !truncated && (sealed === null || lastSeq > sealed.seq)) {
      const from = sealed ? sealed.seq + 1 : (this.firstSeq ?? 1);
      this.report('CHAIN_UNSEALED', `Receipts ${from} to ${lastSeq} come after the last valid checkpoint${sealed ? ` (seq ${sealed.seq})` : ' (there is none)'}: they are not yet sealed, so the ledger is not proven complete past that point.`, { path: this.checkpointsPath, seq: from });
    }
    const { state, reason } = this.state(truncated);
    const claimed: Period | null = this.firstTs && this.last ? { from: this.firstTs, to: this.last.ts } : null;
    const proven: Period | null = state !== 'unverifiable' && provenEnd && this.firstTs && this.firstSeq === 1 ? { from: this.firstTs, to: provenEnd.ts } : null;
    return {
      ledger: this.ledger,
      receipts: this.receipts,
      segments: this.segments,
      firstSeq: this.firstSeq,
      lastSeq,
      sealedSeq: sealed?.seq ?? null,
      checkpoints: this.checkpointLines,
      state,
      stateReason: reason,
      claimed,
      proven,
    };
  }

  private state(truncated: boolean): { state: LedgerState; reason: string } {
    const tamper = [...this.findings, ...this.fileFindings].filter((f) => TAMPER_CODES.has(f.code));
    if (tamper.length > 0) {
      const codes = [...new Set(tamper.map((f) => f.code))].join(', ');
      return { state: 'tampered', reason: `${tamper.length} integrity finding${tamper.length === 1 ? '' : 's'} in this ledger (${codes}).` };
    }
    if (truncated) return { state: 'truncated', reason: 'A checkpoint seals receipts that are not in the ledger: its end was cut off.' };
    if (!this.signedAny) return { state: 'unverifiable', reason: 'No receipt could be checked against a usable gate key.' };
    if (!this.anchored) return { state: 'unverifiable', reason: 'Its keys are certified by a root that is not in your trust store, so its signatures prove nothing yet.' };
    if (this.findings.some((f) => f.code === 'CHAIN_UNSEALED')) return { state: 'unsealed', reason: 'Intact, but its last receipts are not sealed by a checkpoint yet.' };
    return { state: 'verified', reason: 'Every receipt is signed, chained without a break and sealed by a checkpoint.' };
  }
}
