/**
 * The map step: checks one ledger segment (`ledgers/<ledger>/<nnnnnn>.jsonl`) on its own
 * and returns a small, structured-clone-safe result that the merge step
 * (ledger.ts) joins in order. Every per-receipt check happens here: stored form, schema,
 * key, signature, bundle in effect, the chain links inside the segment, and the per-receipt
 * controls; where the segment meets its neighbour is left to the merge.
 */
import type { FileDigest } from '../format/hash.ts';
import { pushAll } from './append.ts';
import type { LineRead } from '../archive/lines.ts';
import { decodeUtf8Strict } from '../format/bytes.ts';
import type { SignatureVerifier } from '../format/ed25519.ts';
import type { AsyncSignatureVerifier } from '../format/webcrypto-ed25519.ts';
import { hashOf } from '../format/hash.ts';
import { validateReceipt, type Receipt } from '../format/schema.ts';
import { instantOf, type Instant } from '../format/time.ts';
import { linkProblems, SeqRunsBuilder, type ChainTail, type LinkInput, type SeqRuns } from './chain.ts';
import { finding, type Finding, type FindingCode } from './findings.ts';
import { signedParts } from './keys.ts';
import { inEffect } from './policies.ts';
import { readStoredLine, releaseFilledSlabs, type ByteSlab } from './record.ts';
import type { ControlCheck, Keyring, ReceiptContext, RecordRead, ResolvedBundle } from './types.ts';

export interface SegmentHead extends LinkInput {
  readonly path: string;
  readonly line: number;
  readonly receipt: string;
  /** Hash of the unreadable line just before the first receipt, if it followed one. */
  readonly unreadableBefore: string | null;
}

/** A receipt's seq and time. */
export interface SeqTime {
  readonly seq: number;
  readonly ts: string;
}

/** What a segment check returns: everything the merge needs, nothing per receipt but ids. */
export interface SegmentResult {
  readonly path: string;
  readonly ledger: string;
  readonly lines: number;
  readonly findings: Finding[];
  /** First readable receipt, to link to the previous segment's tail. */
  readonly head: SegmentHead | null;
  /** Last readable receipt, and an unreadable line after it if the segment ends with one. */
  readonly tail: (ChainTail & { readonly unreadableAfter: string | null }) | null;
  /**
   * The readable receipts with the lowest and the highest seq, with their times (the first
   * stored of equal seqs): a ledger's first and last receipt whatever order it is stored in.
   */
  readonly lowest: SeqTime | null;
  readonly highest: SeqTime | null;
  /** The seqs it holds, as runs (see {@link SeqRuns}), and how many unreadable lines end it. */
  readonly seqRuns: SeqRuns;
  readonly unreadableAtEnd: number;
  /** The hash of the last line when it is unreadable ('unreadable' when too long to hash), else null. */
  readonly endUnreadable: string | null;
  /** Set by the engine before merging: the result is a piece of a file, and more of the file follows. */
  continuedInFile?: boolean;
  /** Receipts whose seq a checkpoint names: [seq, hash, ts]. */
  readonly sealed: [number, string, string][];
  /** Receipt ids in order, with their seq and line, for archive-wide duplicate detection. */
  readonly ids: string[];
  readonly idSeqs: number[];
  readonly idLines: number[];
  readonly signed: number;
  readonly unanchored: number;
  /** Projections of each projected control, by control index, in receipt order. */
  readonly projections: unknown[][];
  /** Size and hash of the segment's bytes, for the manifest check (set by the reader). */
  file?: FileDigest | null;
}

export interface SegmentContext {
  readonly keyring: Keyring;
  readonly verifier: SignatureVerifier;
  /** Verifies receipt signatures asynchronously (WebCrypto), many at a time; else `verifier`. */
  readonly bulkVerifier?: AsyncSignatureVerifier | undefined;
  readonly bundlesByHash: ReadonlyMap<string, ResolvedBundle>;
  /** Seqs whose receipts' hashes are kept (named by the ledger's checkpoints). */
  readonly checkpointSeqs: { has(seq: number): boolean };
  /** The run's controls: stateless ones are visited, projected ones projected. */
  readonly controls: readonly ControlCheck[];
  readonly onRecord?: ((record: RecordRead) => void | Promise<void>) | undefined;
}

/** The result of a segment with no line read yet. */
export function emptySegmentResult(
  path: string,
  ledger: string,
  controls: number,
  findings: Finding[] = [],
): SegmentResult {
  return {
    path,
    ledger,
    lines: 0,
    findings,
    head: null,
    tail: null,
    lowest: null,
    highest: null,
    seqRuns: [],
    unreadableAtEnd: 0,
    endUnreadable: null,
    sealed: [],
    ids: [],
    idSeqs: [],
    idLines: [],
    signed: 0,
    unanchored: 0,
    projections: Array.from({ length: controls }, () => []),
  };
}

/** The members whose canonical texts a receipt's context carries (ReceiptContext.requestText). */
const REQUEST_MEMBERS = ['request', 'entities'] as const;

/** Checks one segment's lines. Never throws for bad evidence. */
export async function checkSegment(
  ledger: string,
  path: string,
  lines: AsyncIterable<LineRead>,
  context: SegmentContext,
): Promise<SegmentResult> {
  const findings: Finding[] = [];
  const report = (code: FindingCode, message: string, where: { line: number; seq?: number; receipt?: string }) =>
    findings.push(finding(code, message, { path, ledger, ...where }));
  const result = emptySegmentResult(path, ledger, context.controls.length, findings);
  let last: ChainTail | null = null;
  let unreadable: string | null = null;
  let head: SegmentHead | null = null;
  let lowest: SeqTime | null = null;
  let highest: SeqTime | null = null;
  const runs = new SeqRunsBuilder();
  const pending: Promise<void>[] = [];
  const slab: ByteSlab = { bytes: new Uint8Array(0), used: 0 };

  for await (const read of lines) {
    (result as { lines: number }).lines++;
    const lineHash = read.kind === 'too-long' ? null : (read.hash ?? hashOf(read.bytes));
    const stored = readStoredLine(path, read, ledger, slab, REQUEST_MEMBERS);
    pushAll(findings, stored.findings);
    let receipt: Receipt | null = null;
    if (stored.value !== undefined) {
      const checked = validateReceipt(stored.value);
      if (checked.ok) receipt = checked.value;
      else report('RECORD_MALFORMED', `Receipt is not valid: ${checked.message}.`, { line: read.line });
    }
    if (context.onRecord && lineHash !== null && read.kind !== 'too-long') {
      // The line as read: its canonical text when it is one (decoded once, by the read), else decoded here.
      const text = stored.canonicalText ?? decodeUtf8Strict(read.bytes);
      await context.onRecord({
        ledger,
        path,
        line: read.line,
        text: text ?? '',
        // Its bytes are its text's UTF-8 when they decoded (a line that is not UTF-8 is stored as '').
        ...(text !== null ? { bytes: read.bytes } : {}),
        hash: lineHash,
        receipt,
      });
    }
    if (!receipt || lineHash === null) {
      // The chain runs on through an unreadable line: the next receipt's prev may name it.
      unreadable = lineHash ?? 'unreadable';
      runs.unreadableLine();
      continue;
    }

    const r = receipt;
    const instant = instantOf(r.ts) as Instant;
    const where = { line: read.line, seq: r.seq, receipt: r.id };
    if (r.ledger !== ledger)
      report('RECORD_MALFORMED', `Receipt names ledger "${r.ledger}" but is stored in ledgers/${ledger}/.`, where);
    runs.receipt(r.seq, read.line);
    if (lowest === null || r.seq < lowest.seq) lowest = { seq: r.seq, ts: r.ts };
    if (highest === null || r.seq > highest.seq) highest = { seq: r.seq, ts: r.ts };
    result.ids.push(r.id);
    result.idSeqs.push(r.seq);
    result.idLines.push(read.line);

    if (head === null) {
      head = {
        seq: r.seq,
        prev: r.prev,
        ts: r.ts,
        instant,
        path,
        line: read.line,
        receipt: r.id,
        unreadableBefore: unreadable,
      };
    } else {
      for (const p of linkProblems(last, unreadable, { seq: r.seq, prev: r.prev, ts: r.ts, instant }))
        report(p.code, p.message, where);
    }

    const use = context.keyring.check(r.kid, 'gate', r.ts);
    if (!use.ok) report(use.code, `Receipt signature: ${use.message}.`, where);
    else {
      (result as { signed: number }).signed++;
      if (!use.anchored) (result as { unanchored: number }).unanchored++;
      // Signed bytes come from the value as parsed, never from the schema's output, which
      // may drop members (zod drops "__proto__"): what is verified is what is stored.
      const invalid = () =>
        report(
          'SIGNATURE_INVALID',
          `Receipt signature does not verify with gate key ${r.kid}: the receipt was changed after signing or signed by another key.`,
          where,
        );
      const parts = signedParts(stored.value as Record<string, unknown>, stored);
      if (!parts) invalid();
      else if (context.bulkVerifier) {
        // Asynchronous native verification: many in flight, awaited in batches.
        pending.push(
          context.bulkVerifier
            .verifyAsync(parts.signature, parts.message, use.publicKey)
            .then((ok) => void (ok || invalid())),
        );
        if (pending.length >= 256) await Promise.all(pending.splice(0));
      } else if (!context.verifier.verify(parts.signature, parts.message, use.publicKey)) invalid();
    }
    // Every signature asked so far has answered: the slabs filled so far are read no more.
    if (pending.length === 0 && slab.filled !== undefined) releaseFilledSlabs(slab);

    const bundle = context.bundlesByHash.get(r.decision.bundle);
    if (!bundle)
      report(
        'POLICY_UNKNOWN',
        `Receipt was decided under bundle ${r.decision.bundle}, which is not in the archive.`,
        where,
      );
    else if (!inEffect(bundle, instant)) {
      report(
        'POLICY_NOT_IN_EFFECT',
        `Receipt at ${r.ts} was decided under bundle ${bundle.body.id} v${bundle.body.version}, in effect from ${bundle.body.effective_from}${bundle.body.effective_until ? ` until ${bundle.body.effective_until}` : ''}.`,
        where,
      );
    }

    if (context.checkpointSeqs.has(r.seq)) result.sealed.push([r.seq, lineHash, r.ts]);
    last = { seq: r.seq, hash: lineHash, ts: r.ts, instant };
    unreadable = null;

    const request = stored.members?.get('request');
    const entities = stored.members?.get('entities');
    const text = stored.canonicalText;
    const receiptContext: ReceiptContext =
      request && entities && text !== undefined
        ? {
            path,
            line: read.line,
            ledger,
            hash: lineHash,
            bundle,
            requestText: text.slice(request[0], request[1]),
            entitiesText: text.slice(entities[0], entities[1]),
          }
        : { path, line: read.line, ledger, hash: lineHash, bundle };
    for (const [i, control] of context.controls.entries()) {
      if (control.parallel === 'projected' && control.project) {
        const projection = control.project(r, receiptContext);
        if (projection !== null && projection !== undefined) result.projections[i]?.push(projection);
      } else {
        // Most visits answer at once: only a promise is awaited, which spares a turn of the
        // microtask queue for each check of each receipt.
        const waiting = control.visit(r, receiptContext);
        if (waiting) await waiting;
      }
    }
  }
  await Promise.all(pending);
  releaseFilledSlabs(slab, true);
  return {
    ...result,
    head,
    tail: last ? { ...last, unreadableAfter: unreadable } : null,
    lowest,
    highest,
    seqRuns: runs.runs,
    unreadableAtEnd: runs.unreadableAtEnd,
    endUnreadable: unreadable,
  };
}
