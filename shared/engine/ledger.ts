/**
 * The merge step for one ledger (FORMAT.md §5-6): reads its checkpoints, joins its
 * segments' results in order (the links where segments meet, archive-wide receipt ids,
 * projected controls), then judges checkpoints, truncation, the unsealed tail, the
 * ledger's state and the period it proves continuous.
 */
import { checkpointsPath } from '../format/layout.ts';
import { pushAll } from './append.ts';
import type { LineRead } from '../archive/lines.ts';
import { CheckpointSchema, validate, type Checkpoint } from '../format/schema.ts';
import { linkProblems, SeqSet, UNKNOWN_SPAN, type ChainTail } from './chain.ts';
import { breaksContinuity, finding, sortFindings, tampers, type Finding, type FindingCode } from './findings.ts';
import { signedParts } from './keys.ts';
import { readStoredLine } from './record.ts';
import type { IdRepeat, ReceiptIdClaims } from './receipt-ids.ts';
import type { SegmentResult, SeqTime } from './segment.ts';
import type { ControlCheck, Keyring, KeyUse, LedgerState, LedgerSummary, Period } from './types.ts';
import type { SignatureVerifier } from '../format/ed25519.ts';
import type { SignedTriple } from '../format/remembering-verifier.ts';

export type { SignedTriple } from '../format/remembering-verifier.ts';

/** One line of checkpoints.jsonl read on its own ({@link LedgerMerger.readCheckpoint}). */
export interface CheckpointRead {
  readonly line: number;
  /** What its stored form gives (not UTF-8, not JSON, not canonical…): reported whatever follows. */
  readonly findings: Finding[];
  /** Why it is no checkpoint of this ledger, whatever the lines before it say. */
  readonly refusal?: { readonly code: FindingCode; readonly message: string };
  /** A checkpoint of this ledger (valid once judged in order)… */
  readonly checkpoint?: Checkpoint;
  /** …the use of its key at its time… */
  readonly use?: KeyUse;
  /** …and the signature to verify with that key: null when the key is not usable or its sig is not 128 hex digits. */
  readonly signed?: SignedTriple | null;
}

export class LedgerMerger {
  readonly findings: Finding[] = [];
  /** Findings about this ledger's files, reported by the caller; they count for its state. */
  private readonly fileFindings: Finding[] = [];
  private readonly checkpointsPath: string;
  /**
   * The valid checkpoints, in order, as the ledger's end needs them: seq, line, and the outcome
   * of comparing its head with its receipt's hash, made as soon as both are known (the ts of the
   * receipt when they match; both hashes when not; undefined while the receipt is not read). A
   * producer may checkpoint every receipt: a million checkpoint objects and a million kept
   * hashes held to the end took about half a GiB.
   */
  private readonly validSeqs: number[] = [];
  private readonly validLines: number[] = [];
  private readonly outcomes = new Outcomes();
  /** Valid checkpoints whose receipt's hash is not known yet, by seq. */
  private readonly awaiting = new Map<number, { readonly index: number; readonly head: string }>();
  /**
   * The first kept hash of each seq past the last valid checkpoint read, which a later valid
   * checkpoint may ask for (a valid checkpoint's seq is higher than the one before it, so a hash
   * at or below the last valid seq is asked for by none; those are dropped, see `dropUnaskable`).
   */
  private readonly sealedHashes = new Map<number, { hash: string; ts: string }>();
  /** The size of {@link sealedHashes} past which hashes no checkpoint can ask for are dropped. */
  private dropAt = 4096;
  /** Every checkpoint line has been judged ({@link noMoreCheckpoints}): no hash is kept for a later one. */
  private checkpointsJudged = false;
  /** The valid checkpoints themselves, when kept (`keepValidCheckpoints`). */
  private readonly kept: { checkpoint: Checkpoint; line: number }[] | null;
  private checkpointLines = 0;
  private readonly segments: string[] = [];
  private receipts = 0;
  private last: ChainTail | null = null;
  private unreadableAfterLast: string | null = null;
  /** Its checkpoints file was refused unread (see `checkpointsNotRead`). */
  private checkpointsRefused = false;
  /** The file being joined (its pieces come one after another) has had a readable receipt. */
  private fileHasReceipt = false;
  /** The receipts with the lowest and highest seq read (the first stored of equal seqs). */
  private lowest: SeqTime | null = null;
  private highest: SeqTime | null = null;
  private signed = 0;
  private unanchored = 0;
  private readonly seqs = new SeqSet();
  private maxSeq = 0;
  private unknownSpans = 0;
  /** Lines of this ledger that could not be read as receipts (Infinity: a span of unknown size). */
  private unreadableLines = 0;
  private controlsTold = false;

  constructor(
    readonly ledger: string,
    private readonly keyring: Keyring,
    private readonly verifier: SignatureVerifier,
    /** Receipt ids of the whole archive so far → where first seen. */
    private readonly receiptIds: ReceiptIdClaims,
    /** Whether {@link validCheckpoints} keeps each valid checkpoint (a run's merger needs not). */
    { keepValidCheckpoints = true }: { readonly keepValidCheckpoints?: boolean } = {},
  ) {
    this.checkpointsPath = checkpointsPath(ledger);
    this.kept = keepValidCheckpoints ? [] : null;
  }

  private report(
    code: FindingCode,
    message: string,
    where: { path: string; line?: number; seq?: number; receipt?: string },
    detail?: Record<string, unknown>,
  ): void {
    this.findings.push(finding(code, message, { ...where, ledger: this.ledger }, detail));
  }

  /**
   * Reads one line of checkpoints.jsonl on its own, without verifying its signature: what
   * judging it in order needs ({@link judgeCheckpoint}). Changes nothing, so a run can read a
   * ledger's checkpoints first (their seqs tell the segment checks which hashes to keep) and
   * verify their signatures later, in batches, while the segments are checked.
   */
  readCheckpoint(read: LineRead): CheckpointRead {
    const stored = readStoredLine(this.checkpointsPath, read, this.ledger);
    const line = read.line;
    if (stored.value === undefined) return { line, findings: stored.findings };
    const checked = validate(CheckpointSchema, stored.value);
    if (!checked.ok)
      return {
        line,
        findings: stored.findings,
        refusal: { code: 'RECORD_MALFORMED', message: `Checkpoint is not valid: ${checked.message}.` },
      };
    const checkpoint = checked.value;
    if (checkpoint.ledger !== this.ledger)
      return {
        line,
        findings: stored.findings,
        refusal: {
          code: 'CHECKPOINT_INVALID',
          message: `Checkpoint names ledger "${checkpoint.ledger}" but is stored in ledgers/${this.ledger}/.`,
        },
      };
    const use = this.keyring.check(checkpoint.kid, 'gate', checkpoint.ts);
    const parts = use.ok ? signedParts(stored.value as Record<string, unknown>, stored) : null;
    return {
      line,
      findings: stored.findings,
      checkpoint,
      use,
      signed: parts && use.ok ? { ...parts, publicKey: use.publicKey } : null,
    };
  }

  /**
   * The seq a checkpoint line names, when it reads as a JSON object of this ledger with a
   * numeric seq, valid or not; null otherwise. Every line {@link readCheckpoint} could find a
   * checkpoint of this ledger in names its seq here, so these seqs are the ones whose receipts'
   * hashes a segment check keeps before the checkpoints are judged (extra ones are harmless).
   */
  checkpointSeqOf(read: LineRead): number | null {
    const value = readStoredLine(this.checkpointsPath, read, this.ledger).value as Record<string, unknown> | undefined;
    if (typeof value !== 'object' || value === null || Array.isArray(value) || value.ledger !== this.ledger)
      return null;
    return typeof value.seq === 'number' ? value.seq : null;
  }

  /**
   * Judges a checkpoint line read by {@link readCheckpoint}, in file order: its seq must
   * increase past the last valid one, its key must be usable, its signature must verify.
   * @param verified the answer of a verifier held to the same strict rules for `read.signed`,
   *   when it was verified ahead; otherwise this merger's verifier is asked now.
   */
  judgeCheckpoint(read: CheckpointRead, verified?: boolean): void {
    this.checkpointLines++;
    pushAll(this.findings, read.findings);
    const where = { path: this.checkpointsPath, line: read.line };
    if (read.refusal) {
      this.report(read.refusal.code, read.refusal.message, where);
      return;
    }
    const cp = read.checkpoint;
    if (!cp || !read.use) return;
    const previous = this.validSeqs.at(-1);
    if (previous !== undefined && cp.seq <= previous) {
      this.report(
        'CHECKPOINT_INVALID',
        `Checkpoint seq ${cp.seq} does not increase (the one before is seq ${previous}).`,
        where,
      );
      return;
    }
    const use = read.use;
    if (!use.ok) {
      this.report(use.code, `Checkpoint at seq ${cp.seq}: ${use.message}.`, where);
      return;
    }
    const signed = read.signed;
    // No signature of 128 hex digits: nothing to verify, and it does not verify.
    const valid =
      signed !== null &&
      signed !== undefined &&
      (verified ?? this.verifier.verify(signed.signature, signed.message, signed.publicKey));
    if (!valid) {
      this.report(
        'CHECKPOINT_INVALID',
        `Checkpoint at seq ${cp.seq} has a signature that does not verify with gate key ${cp.kid}.`,
        where,
      );
      return;
    }
    if (!use.anchored) this.unanchored++;
    const index = this.validSeqs.length;
    this.validSeqs.push(cp.seq);
    this.validLines.push(read.line);
    this.kept?.push({ checkpoint: cp, line: read.line });
    const got = this.sealedHashes.get(cp.seq);
    if (got) {
      this.sealedHashes.delete(cp.seq);
      this.outcomes.push(outcome(cp.head, got));
    } else {
      this.outcomes.push(undefined);
      this.awaiting.set(cp.seq, { index, head: cp.head });
    }
    if (this.sealedHashes.size > this.dropAt) this.dropUnaskable();
  }

  /** Drops the kept hashes no later valid checkpoint can ask for: at or below the last valid seq. */
  private dropUnaskable(): void {
    const last = this.validSeqs.at(-1);
    if (last !== undefined) for (const seq of this.sealedHashes.keys()) if (seq <= last) this.sealedHashes.delete(seq);
    this.dropAt = Math.max(4096, 2 * this.sealedHashes.size);
  }

  /**
   * Every line of the checkpoints file has been judged (or none will be): a receipt's hash is
   * kept from now on only for a checkpoint that waits for it. Those of an archive whose
   * checkpoints are all invalid are not held to the end.
   */
  noMoreCheckpoints(): void {
    this.checkpointsJudged = true;
    this.sealedHashes.clear();
  }

  /** Valid checkpoints judged whose receipt's hash has not come yet. */
  get checkpointsAwaitingReceipts(): number {
    return this.awaiting.size;
  }

  /** Receipts' hashes kept for checkpoints not judged yet (and a few no checkpoint will ask for). */
  get hashesAwaitingCheckpoints(): number {
    return this.sealedHashes.size;
  }

  /** Seqs of the valid checkpoints read so far, in order (increasing). */
  get checkpointSeqs(): readonly number[] {
    return this.validSeqs;
  }

  /** Reads and judges one line of checkpoints.jsonl, in file order (a ledger's segments may come before or after). */
  addCheckpointLine(read: LineRead): void {
    this.judgeCheckpoint(this.readCheckpoint(read));
  }

  /**
   * The checkpoints read so far that are valid (signed by a usable gate key, increasing), in order.
   * @throws Error when this merger was made not to keep them (misuse).
   */
  get validCheckpoints(): readonly { readonly checkpoint: Checkpoint; readonly line: number }[] {
    if (!this.kept) throw new Error('LedgerMerger: made with keepValidCheckpoints false');
    return this.kept;
  }

  /** A finding about this ledger's files found elsewhere (manifest, container). */
  addFileFinding(f: Finding): void {
    this.fileFindings.push(f);
  }

  /**
   * Its checkpoints.jsonl exists but was refused before any of it was read (`finding` says
   * why): whether its receipts are sealed is not known, so none is called unsealed.
   */
  checkpointsNotRead(f: Finding): void {
    this.fileFindings.push(f);
    this.checkpointsRefused = true;
  }

  /**
   * Lines of unknown number could not be read here, in stored order (a segment refused or
   * failing part-way): no link across them is judged, seqs they may hold are not called
   * absent, and a checkpoint past the readable receipts does not prove truncation.
   */
  markUnknownSpan(): void {
    this.unreadableAfterLast = UNKNOWN_SPAN;
    this.seqs.unknownSpan();
    this.unknownSpans++;
    this.unreadableLines = Infinity;
  }

  /** Tells the controls, once, that part of this ledger could not be read (see ControlCheck.ledgerUnreadable). */
  tellControlsIfPartlyRead(controls: readonly ControlCheck[]): void {
    if (this.controlsTold || this.unreadableLines === 0) return;
    this.controlsTold = true;
    for (const control of controls) control.ledgerUnreadable?.(this.ledger);
  }

  /** Whether some lines of this ledger could not be read as receipts. */
  get partlyRead(): boolean {
    return this.unreadableLines > 0;
  }

  /** Joins the next segment, in name order; feeds projected controls in order. */
  absorb(segment: SegmentResult, controls: readonly ControlCheck[]): void {
    if (this.segments.at(-1) !== segment.path) {
      this.segments.push(segment.path); // a file's pieces come one after another
      this.fileHasReceipt = false;
    }
    this.receipts += segment.lines;
    this.signed += segment.signed;
    this.unanchored += segment.unanchored;
    pushAll(this.findings, segment.findings);
    for (const e of this.seqs.add(segment.path, segment.seqRuns, segment.unreadableAtEnd)) {
      this.report(e.code, e.message, { path: e.path, line: e.line, seq: e.seq });
    }
    this.unreadableLines += segment.unreadableAtEnd;
    for (let i = 3; i < segment.seqRuns.length; i += 4) this.unreadableLines += segment.seqRuns[i] as number;
    if (segment.seqRuns.length === 0 && segment.lines > 0) this.unreadableLines += segment.lines;
    for (let i = 1; i < segment.seqRuns.length; i += 4)
      this.maxSeq = Math.max(this.maxSeq, segment.seqRuns[i] as number);
    const head = segment.head;
    if (head) {
      const unreadable = head.unreadableBefore ?? this.unreadableAfterLast;
      for (const p of linkProblems(this.last, unreadable, head)) {
        this.report(p.code, p.message, { path: head.path, line: head.line, seq: head.seq, receipt: head.receipt });
      }
    }
    if (segment.lowest && (this.lowest === null || segment.lowest.seq < this.lowest.seq)) this.lowest = segment.lowest;
    if (segment.highest && (this.highest === null || segment.highest.seq > this.highest.seq))
      this.highest = segment.highest;
    if (segment.tail) {
      this.last = segment.tail;
      this.unreadableAfterLast = segment.tail.unreadableAfter;
      this.fileHasReceipt = true;
    } else if (segment.lines > 0) {
      // Only unreadable lines: a piece that its file continues after, or the last piece of a
      // file that held a receipt before it, carries the last one's hash on, as one unsplit check
      // of the file would; a whole file of them is a span of unknown content.
      this.unreadableAfterLast =
        (segment.continuedInFile || this.fileHasReceipt) && segment.endUnreadable !== null
          ? segment.endUnreadable
          : UNKNOWN_SPAN;
    }
    const lastValid = this.validSeqs.at(-1) ?? -Infinity;
    for (const [seq, hash, ts] of segment.sealed) {
      const waiting = this.awaiting.get(seq);
      if (waiting) {
        this.awaiting.delete(seq);
        this.outcomes.set(waiting.index, outcome(waiting.head, { hash, ts }));
      } else if (!this.checkpointsJudged && seq > lastValid && !this.sealedHashes.has(seq))
        this.sealedHashes.set(seq, { hash, ts });
    }
    for (let i = 0; i < segment.ids.length; i++) {
      const id = segment.ids[i] as string;
      const seq = segment.idSeqs[i] as number;
      const line = segment.idLines[i] as number;
      const seen = this.receiptIds.claim(id, this.ledger, seq, segment.path, line);
      if (seen !== null) this.reportRepeat({ id, ledger: this.ledger, seq, path: segment.path, line, seen });
    }
    for (const [i, control] of controls.entries()) {
      if (control.parallel !== 'projected' || !control.visitProjection) continue;
      for (const projection of segment.projections[i] ?? []) control.visitProjection(projection);
    }
  }

  /** A receipt id of this ledger used before (told now, or when a spill of ids is settled). */
  reportRepeat({ id, seq, path, line, seen }: IdRepeat): void {
    this.report('RECEIPT_ID_DUPLICATE', `Receipt id ${id} was already used (${seen}).`, {
      path,
      line,
      seq,
      receipt: id,
    });
  }

  /** Ends the ledger: checkpoints against the chain, truncation, unsealed tail, state. */
  finish(): LedgerSummary {
    for (const e of this.seqs.gaps()) this.report(e.code, e.message, { path: e.path, line: e.line, seq: e.seq });
    // The highest seq held, whatever order the lines are stored in.
    const lastSeq = this.last ? this.maxSeq : null;
    const firstBreak = this.firstBreakSeq();
    let sealed: { seq: number; ts: string } | null = null;
    let provenEnd: { seq: number; ts: string } | null = null;
    for (const [i, seq] of this.validSeqs.entries()) {
      const where = { path: this.checkpointsPath, line: this.validLines[i] as number, seq };
      const got = this.outcomes.get(i);
      if (got === undefined) {
        // Lines that could not be read may hold it: nothing is established either way.
        if (this.unknownSpans > 0) continue;
        if (lastSeq === null || seq > lastSeq) {
          this.report(
            'CHAIN_TRUNCATED',
            `A checkpoint seals seq ${seq}, but the ledger ends at ${lastSeq === null ? 'no receipt at all' : `seq ${lastSeq}`}: receipts were removed from its end.`,
            where,
          );
        } else {
          this.report(
            'CHECKPOINT_MISMATCH',
            `A checkpoint seals seq ${seq}, but no readable receipt with that seq is in the ledger.`,
            where,
          );
        }
        continue;
      }
      if (typeof got !== 'string') {
        this.report(
          'CHECKPOINT_MISMATCH',
          `The checkpoint says receipt ${seq} has hash ${got.head}, but its line hashes to ${got.got}.`,
          where,
        );
        continue;
      }
      sealed = { seq, ts: got };
      if (seq < firstBreak) provenEnd = sealed;
    }
    const truncated = this.findings.some((f) => f.code === 'CHAIN_TRUNCATED');
    if (lastSeq !== null && !truncated && !this.checkpointsRefused && (sealed === null || lastSeq > sealed.seq)) {
      const from = sealed ? sealed.seq + 1 : (this.lowest?.seq ?? 1);
      this.report(
        'CHAIN_UNSEALED',
        `Receipts ${from} to ${lastSeq} come after the last valid checkpoint${sealed ? ` (seq ${sealed.seq})` : ' (there is none)'}: they are not yet sealed, so the ledger is not proven complete past that point.`,
        { path: this.checkpointsPath, seq: from },
      );
    }
    const { state, reason } = this.state(truncated);
    // From the lowest seq's time to the highest's, whatever order the receipts are stored in.
    const claimed: Period | null = this.lowest && this.highest ? { from: this.lowest.ts, to: this.highest.ts } : null;
    const proven: Period | null =
      state !== 'unverifiable' && provenEnd && this.lowest?.seq === 1
        ? { from: this.lowest.ts, to: provenEnd.ts }
        : null;
    return {
      ledger: this.ledger,
      receipts: this.receipts,
      segments: this.segments,
      firstSeq: this.lowest?.seq ?? null,
      lastSeq,
      sealedSeq: sealed?.seq ?? null,
      checkpoints: this.checkpointLines,
      state,
      stateReason: reason,
      claimed,
      proven,
    };
  }

  /** Lowest seq where continuity or authenticity breaks; 0 when a break has no seq (a bad line, a bad file). */
  private firstBreakSeq(): number {
    let first = Infinity;
    for (const f of [...this.findings, ...this.fileFindings]) {
      // Control findings (which workers report with their segment) say nothing of continuity.
      if (!breaksContinuity(f.code) || f.path === this.checkpointsPath) continue;
      if (f.seq === undefined) return 0;
      first = Math.min(first, f.seq);
    }
    return first;
  }

  private state(truncated: boolean): { state: LedgerState; reason: string } {
    // Once each: a segment's read failure is among its findings and is told as a file finding too.
    const tamper = [...new Set([...this.findings, ...this.fileFindings])].filter((f) => tampers(f.code));
    if (tamper.length > 0) {
      // In the report's order of findings, so the sentence does not depend on how the ledger's files were split.
      const codes = [...new Set(sortFindings(tamper).map((f) => f.code))].join(', ');
      return {
        state: 'tampered',
        reason: `${tamper.length} integrity finding${tamper.length === 1 ? '' : 's'} in this ledger (${codes}).`,
      };
    }
    if (truncated)
      return {
        state: 'truncated',
        reason: 'A checkpoint seals receipts that are not in the ledger: its end was cut off.',
      };
    if (this.signed === 0)
      return { state: 'unverifiable', reason: 'No receipt could be checked against a usable gate key.' };
    if (this.checkpointsRefused)
      return {
        state: 'unverifiable',
        reason: 'Its checkpoints file was not read, so whether its receipts are sealed (complete) is not known.',
      };
    if (this.unanchored > 0)
      return {
        state: 'unverifiable',
        reason:
          'Its keys are certified by a root that is not in your trust store, so its signatures prove nothing yet.',
      };
    if (this.findings.some((f) => f.code === 'CHAIN_UNSEALED'))
      return { state: 'unsealed', reason: 'Intact, but its last receipts are not sealed by a checkpoint yet.' };
    return {
      state: 'verified',
      reason: 'Every receipt is signed, chained without a break and sealed by a checkpoint.',
    };
  }
}

type Outcome = string | { readonly head: string; readonly got: string } | undefined;

/**
 * Each valid checkpoint's outcome, held to the ledger's end: a million of them where a
 * producer checkpoints every receipt. A match is held as the receipt's time in milliseconds
 * (8 bytes, not a string of 40) when the time reads back as the same text; anything else as
 * itself, aside.
 */
class Outcomes {
  /** NaN: not known yet; a number: a match at that time; -Infinity: in {@link others}. */
  private readonly times: number[] = [];
  private readonly others = new Map<number, Exclude<Outcome, undefined>>();

  push(outcome: Outcome): void {
    this.times.push(NaN);
    if (outcome !== undefined) this.set(this.times.length - 1, outcome);
  }

  set(index: number, outcome: Exclude<Outcome, undefined>): void {
    const ms = typeof outcome === 'string' ? Date.parse(outcome) : NaN;
    if (Number.isFinite(ms) && new Date(ms).toISOString() === outcome) {
      this.times[index] = ms;
      return;
    }
    this.times[index] = -Infinity;
    this.others.set(index, outcome);
  }

  get(index: number): Outcome {
    const ms = this.times[index] as number;
    if (Number.isNaN(ms)) return undefined;
    return ms === -Infinity ? this.others.get(index) : new Date(ms).toISOString();
  }
}

/** A checkpoint's head against its receipt's kept hash: the receipt's ts when they match; both hashes when not. */
function outcome(
  head: string,
  got: { readonly hash: string; readonly ts: string },
): string | { head: string; got: string } {
  return got.hash === head ? got.ts : { head, got: got.hash };
}
