/**
 * The merge step of one ledger (shared/engine/ledger.ts, LedgerMerger) rule by rule: each
 * checkpoint line's refusal with its code, exact message and location; how segment results
 * are joined (links where segments meet, unreadable lines and spans, sealed hashes, receipt
 * ids across the archive, projected controls); and what `finish` judges: truncation, a
 * checkpoint that does not match, the unsealed tail, the state with its reason, the claimed
 * and the proven period. Segment results are written by hand (checkSegment has its own
 * tests, segment-rules.test.ts); the keyring and the verifier are stubs.
 */
import { describe, expect, it } from 'vitest';
import type { LineRead } from '../archive/lines.ts';
import { fromHex, utf8 } from '../format/bytes.ts';
import { canonicalize } from '../format/canonical.ts';
import type { SignatureVerifier } from '../format/ed25519.ts';
import { ZERO_HASH } from '../format/hash.ts';
import { finding, type Finding } from './findings.ts';
import { LedgerMerger } from './ledger.ts';
import { ReceiptIds } from './receipt-ids.ts';
import type { SegmentResult } from './segment.ts';
import type { ControlCheck, Keyring, LedgerSummary } from './types.ts';
import {
  BAD_SIG,
  KID,
  KID_REVOKED,
  KID_UNANCHORED,
  PUBLIC_KEY,
  SIG,
  at,
  stubKeyring,
  ts,
} from './stub-keys.test-helper.ts';

const LEDGER = 'L';
const CP = 'ledgers/L/checkpoints.jsonl';
const seg = (n: number) => `ledgers/L/${String(n).padStart(6, '0')}.jsonl`;
/** A stand-in for the hash of the line of seq `n` (the merge never hashes lines itself). */
const hashOfSeq = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

/** Gate keys only: asked for another role, every key is refused (as the real keyring does). */
const keyring: Keyring = stubKeyring([], 'gate');
const verifier: SignatureVerifier = { name: 'stub', verify: (signature) => signature[0] !== 0xcd };

const merger = (ids = new ReceiptIds()) => new LedgerMerger(LEDGER, keyring, verifier, ids);

type Json = Record<string, unknown>;
const checkpoint = (seq: number, over: Json = {}): Json => ({
  ledger: LEDGER,
  seq,
  head: hashOfSeq(seq),
  ts: ts(seq),
  kid: KID,
  sig: SIG,
  ...over,
});
const lineOf = (text: string, line: number): LineRead => ({ kind: 'line', line, bytes: utf8(text) });
const cpLine = (seq: number, line: number, over: Json = {}) => lineOf(canonicalize(checkpoint(seq, over)), line);

/** The result of a segment holding seqs `from`..`to` on lines 1.., each linked to the one before. */
function segment(path: string, from: number, to: number, over: Partial<SegmentResult> = {}): SegmentResult {
  const seqs = Array.from({ length: to - from + 1 }, (_, i) => from + i);
  return {
    path,
    ledger: LEDGER,
    lines: seqs.length,
    findings: [],
    head: {
      seq: from,
      prev: from === 1 ? ZERO_HASH : hashOfSeq(from - 1),
      ts: ts(from),
      instant: at(ts(from)),
      path,
      line: 1,
      receipt: `rc_${from}`,
      unreadableBefore: null,
    },
    tail: { seq: to, hash: hashOfSeq(to), ts: ts(to), instant: at(ts(to)), unreadableAfter: null },
    lowest: { seq: from, ts: ts(from) },
    highest: { seq: to, ts: ts(to) },
    seqRuns: [from, to, 1, 0],
    unreadableAtEnd: 0,
    endUnreadable: null,
    sealed: seqs.map((seq): [number, string, string] => [seq, hashOfSeq(seq), ts(seq)]),
    ids: seqs.map((seq) => `rc_${seq}`),
    idSeqs: seqs,
    idLines: seqs.map((_, i) => i + 1),
    signed: seqs.length,
    unanchored: 0,
    projections: [],
    ...over,
  };
}

/** A segment result of `lines` unreadable lines only. */
const unreadableOnly = (path: string, lines: number, over: Partial<SegmentResult> = {}): SegmentResult => ({
  ...segment(path, 1, 1),
  lines,
  head: null,
  tail: null,
  lowest: null,
  highest: null,
  seqRuns: [],
  unreadableAtEnd: lines,
  endUnreadable: 'sha256:' + 'e'.repeat(64),
  sealed: [],
  ids: [],
  idSeqs: [],
  idLines: [],
  signed: 0,
  ...over,
});

function run(checkpointSeqs: readonly number[], segments: readonly SegmentResult[], m = merger()) {
  checkpointSeqs.forEach((seq, i) => m.addCheckpointLine(cpLine(seq, i + 1)));
  for (const s of segments) m.absorb(s, []);
  const summary = m.finish();
  return { m, summary, findings: m.findings };
}

const VERIFIED = 'Every receipt is signed, chained without a break and sealed by a checkpoint.';
const UNSEALED = 'Intact, but its last receipts are not sealed by a checkpoint yet.';
const unsealedMessage = (from: number, to: number, sealed: number | null) =>
  `Receipts ${from} to ${to} come after the last valid checkpoint${sealed !== null ? ` (seq ${sealed})` : ' (there is none)'}: they are not yet sealed, so the ledger is not proven complete past that point.`;

describe('LedgerMerger: a ledger read whole', () => {
  it('sealed to its end: verified, proven from its first to its last receipt', () => {
    const { summary, findings } = run([2, 4], [segment(seg(1), 1, 3), segment(seg(2), 4, 4)]);
    expect(findings).toStrictEqual([]);
    expect(summary).toStrictEqual({
      ledger: LEDGER,
      receipts: 4,
      segments: [seg(1), seg(2)],
      firstSeq: 1,
      lastSeq: 4,
      sealedSeq: 4,
      checkpoints: 2,
      state: 'verified',
      stateReason: VERIFIED,
      claimed: { from: ts(1), to: ts(4) },
      proven: { from: ts(1), to: ts(4) },
    } satisfies LedgerSummary);
  });

  it('receipts after the last checkpoint: CHAIN_UNSEALED from the next seq, state unsealed, proven to the checkpoint', () => {
    const { summary, findings } = run([2], [segment(seg(1), 1, 5)]);
    expect(findings).toStrictEqual([
      finding('CHAIN_UNSEALED', unsealedMessage(3, 5, 2), { path: CP, seq: 3, ledger: LEDGER }),
    ]);
    expect(summary.state).toBe('unsealed');
    expect(summary.stateReason).toBe(UNSEALED);
    expect(summary.sealedSeq).toBe(2);
    expect(summary.lastSeq).toBe(5);
    expect(summary.proven).toStrictEqual({ from: ts(1), to: ts(2) });
    expect(summary.claimed).toStrictEqual({ from: ts(1), to: ts(5) });
  });

  it('no checkpoint at all: every receipt unsealed, from the first one', () => {
    const { summary, findings } = run([], [segment(seg(1), 1, 3)]);
    expect(findings).toStrictEqual([
      finding('CHAIN_UNSEALED', unsealedMessage(1, 3, null), { path: CP, seq: 1, ledger: LEDGER }),
    ]);
    expect(summary.sealedSeq).toBeNull();
    expect(summary.proven).toBeNull();
    expect(summary.checkpoints).toBe(0);
  });

  it('checkpoints refused unread: no receipt is called unsealed; unverifiable, or tampered by a tampering finding', () => {
    // A finding that does not tamper (a stand-in: refusals today are all tampering ones).
    const notRead = finding('FILE_UNLISTED', 'checkpoints.jsonl was not read.', { path: CP });
    const m = merger();
    m.checkpointsNotRead(notRead);
    const { summary, findings } = run([], [segment(seg(1), 1, 3)], m);
    expect(findings).toStrictEqual([]);
    expect([summary.state, summary.stateReason, summary.sealedSeq]).toStrictEqual([
      'unverifiable',
      'Its checkpoints file was not read, so whether its receipts are sealed (complete) is not known.',
      null,
    ]);
    const t = merger();
    t.checkpointsNotRead(finding('ARCHIVE_UNREADABLE', 'Entry cannot be read.', { path: CP }));
    const tampered = run([], [segment(seg(1), 1, 3)], t);
    expect(tampered.findings).toStrictEqual([]);
    expect(tampered.summary.stateReason).toBe('1 integrity finding in this ledger (ARCHIVE_UNREADABLE).');
    // Told nothing, the same ledger is unsealed.
    expect(run([], [segment(seg(1), 1, 3)]).summary.state).toBe('unsealed');
  });

  it('no receipt and no checkpoint: unverifiable, nothing claimed or proven', () => {
    const { summary, findings } = run([], []);
    expect(findings).toStrictEqual([]);
    expect(summary).toStrictEqual({
      ledger: LEDGER,
      receipts: 0,
      segments: [],
      firstSeq: null,
      lastSeq: null,
      sealedSeq: null,
      checkpoints: 0,
      state: 'unverifiable',
      stateReason: 'No receipt could be checked against a usable gate key.',
      claimed: null,
      proven: null,
    });
  });

  it('no receipt signed by a usable key: unverifiable even when sealed from seq 1', () => {
    const { summary } = run([3], [segment(seg(1), 1, 3, { signed: 0 })]);
    expect(summary.state).toBe('unverifiable');
    expect(summary.stateReason).toBe('No receipt could be checked against a usable gate key.');
    expect(summary.proven).toBeNull();
    expect(summary.sealedSeq).toBe(3);
  });

  it('a receipt or a checkpoint under a key not anchored in the trust store: unverifiable', () => {
    const reason =
      'Its keys are certified by a root that is not in your trust store, so its signatures prove nothing yet.';
    const receipts = run([3], [segment(seg(1), 1, 3, { unanchored: 1 })]).summary;
    expect([receipts.state, receipts.stateReason, receipts.proven]).toStrictEqual(['unverifiable', reason, null]);
    const m = merger();
    m.addCheckpointLine(cpLine(3, 1, { kid: KID_UNANCHORED }));
    m.absorb(segment(seg(1), 1, 3), []);
    const checkpoints = m.finish();
    expect([checkpoints.state, checkpoints.stateReason]).toStrictEqual(['unverifiable', reason]);
    expect(m.findings).toStrictEqual([]);
  });
});

describe('LedgerMerger: checkpoint lines', () => {
  /** Lines 1 to 8: each refused for a reason of its own, but line 4. */
  const refusals = (): LineRead[] => [
    lineOf('{"seq":', 1),
    cpLine(0, 2),
    cpLine(3, 3, { ledger: 'M' }),
    cpLine(5, 4),
    cpLine(5, 5),
    cpLine(4, 6),
    cpLine(6, 7, { kid: KID_REVOKED }),
    cpLine(7, 8, { sig: BAD_SIG }),
  ];

  it('each refusal with its code, message and line; the valid ones kept in order', () => {
    const m = merger();
    const reads: LineRead[] = [...refusals(), cpLine(8, 9)];
    for (const read of reads) m.addCheckpointLine(read);
    const at = (line: number) => ({ path: CP, line, ledger: LEDGER });
    expect(m.findings).toStrictEqual([
      finding('RECORD_MALFORMED', 'Line is not valid JSON (Unexpected end of JSON input).', at(1)),
      finding('RECORD_MALFORMED', 'Checkpoint is not valid: field "seq": must be at least 1.', at(2)),
      finding('CHECKPOINT_INVALID', 'Checkpoint names ledger "M" but is stored in ledgers/L/.', at(3)),
      finding('CHECKPOINT_INVALID', 'Checkpoint seq 5 does not increase (the one before is seq 5).', at(5)),
      finding('CHECKPOINT_INVALID', 'Checkpoint seq 4 does not increase (the one before is seq 5).', at(6)),
      finding('KEY_REVOKED', 'Checkpoint at seq 6: key was revoked at 2026-01-01.', at(7)),
      finding(
        'CHECKPOINT_INVALID',
        `Checkpoint at seq 7 has a signature that does not verify with gate key ${KID}.`,
        at(8),
      ),
    ]);
    expect(m.validCheckpoints).toStrictEqual([
      { checkpoint: checkpoint(5), line: 4 },
      { checkpoint: checkpoint(8), line: 9 },
    ]);
    expect([...m.checkpointSeqs]).toEqual([5, 8]);
    // Every line counts, valid or not.
    expect(m.finish().checkpoints).toBe(9);
  });

  it('readCheckpoint: the line on its own, with the triple to verify (null before the signature is reached); it changes nothing', () => {
    const m = merger();
    const { sig: _sig, ...body } = checkpoint(5);
    expect(m.readCheckpoint(cpLine(5, 1)).signed).toStrictEqual({
      signature: fromHex(SIG),
      message: utf8(canonicalize(body)),
      publicKey: PUBLIC_KEY,
    });
    expect(m.readCheckpoint(cpLine(7, 2, { sig: BAD_SIG })).signed?.signature).toStrictEqual(fromHex(BAD_SIG));
    expect(m.readCheckpoint(lineOf('{"seq":', 3)).signed).toBeUndefined();
    expect(m.readCheckpoint(cpLine(0, 4)).signed).toBeUndefined();
    expect(m.readCheckpoint(cpLine(3, 5, { ledger: 'M' })).signed).toBeUndefined();
    expect(m.readCheckpoint(cpLine(6, 6, { kid: KID_REVOKED })).signed).toBeNull();
    // A sig that is not 128 hex digits: the schema refuses the line, nothing to verify.
    expect(m.readCheckpoint(cpLine(6, 7, { sig: 'ab' })).refusal?.code).toBe('RECORD_MALFORMED');
    expect(m.findings).toStrictEqual([]);
    expect(m.validCheckpoints).toStrictEqual([]);
    expect(m.finish().checkpoints).toBe(0);
  });

  it('read first and judged later with answers given: the same findings, valid checkpoints and counts as line by line', () => {
    const reads: LineRead[] = [
      ...refusals(),
      cpLine(8, 9, { sig: 'ab' }),
      cpLine(9, 10),
      lineOf(`${canonicalize(checkpoint(10))} `, 11),
    ];
    const byLine = merger();
    for (const read of reads) byLine.addCheckpointLine(read);
    const asked: number[] = [];
    const ahead = new LedgerMerger(
      LEDGER,
      keyring,
      { name: 'never', verify: () => expect.fail('asked') },
      new ReceiptIds(),
    );
    const read = reads.map((r) => ahead.readCheckpoint(r));
    // The seq each line names, read alone: every checkpoint of this ledger's, valid or not, among them.
    expect(reads.map((r) => ahead.checkpointSeqOf(r))).toStrictEqual([null, 0, null, 5, 5, 4, 6, 7, 8, 9, 10]);
    for (const [i, r] of read.entries())
      if (r.checkpoint) expect(ahead.checkpointSeqOf(reads[i] as LineRead)).toBe(r.checkpoint.seq);
    expect(ahead.findings).toStrictEqual([]);
    for (const r of read) {
      if (r.signed) asked.push(r.line);
      ahead.judgeCheckpoint(
        r,
        r.signed ? verifier.verify(r.signed.signature, r.signed.message, r.signed.publicKey) : undefined,
      );
    }
    expect(ahead.findings).toStrictEqual(byLine.findings);
    expect(ahead.validCheckpoints).toStrictEqual(byLine.validCheckpoints);
    expect([...ahead.checkpointSeqs]).toStrictEqual([5, 9, 10]);
    expect(ahead.finish()).toStrictEqual(byLine.finish());
    // Every signature with a usable key is asked, also of lines the order then refuses (seqs 5 and 4).
    expect(asked).toStrictEqual([4, 5, 6, 8, 10, 11]);
  });

  it("an answer given for the signature is the one taken, whatever the merger's own verifier says", () => {
    const m = merger();
    m.judgeCheckpoint(m.readCheckpoint(cpLine(7, 1, { sig: BAD_SIG })), true);
    m.judgeCheckpoint(m.readCheckpoint(cpLine(8, 2)), false);
    expect(m.validCheckpoints.map((c) => c.checkpoint.seq)).toStrictEqual([7]);
    expect(m.findings.map((f) => [f.code, f.line])).toStrictEqual([['CHECKPOINT_INVALID', 2]]);
  });
});

describe('LedgerMerger: checkpoints against their receipts, in any order', () => {
  // Seqs 1 to 6 in two segments; checkpoints at 2 (its hash matches), 4 (another head), 6
  // (matches) and 9 (past the end). Seq 2 comes again in the second segment with another hash:
  // the first one read is the one a checkpoint is compared with.
  const cps = [cpLine(2, 1), cpLine(4, 2, { head: hashOfSeq(77) }), cpLine(6, 3), cpLine(9, 4)];
  const first = segment(seg(1), 1, 3);
  const second = segment(seg(2), 4, 6);
  const withRepeat: SegmentResult = { ...second, sealed: [...second.sealed, [2, hashOfSeq(88), ts(2)]] };
  const judge = (m: LedgerMerger, lines: readonly LineRead[]) => lines.forEach((read) => m.addCheckpointLine(read));
  const orders: Record<string, (m: LedgerMerger) => void> = {
    'checkpoints first': (m) => {
      judge(m, cps);
      m.absorb(first, []);
      m.absorb(withRepeat, []);
    },
    'segments first': (m) => {
      m.absorb(first, []);
      m.absorb(withRepeat, []);
      judge(m, cps);
    },
    'in turns': (m) => {
      judge(m, cps.slice(0, 1));
      m.absorb(first, []);
      judge(m, cps.slice(1, 3));
      m.absorb(withRepeat, []);
      judge(m, cps.slice(3));
    },
  };

  it.each(Object.keys(orders))('%s: the same findings and summary, kept or not', (order) => {
    for (const keepValidCheckpoints of [true, false]) {
      const m = new LedgerMerger(LEDGER, keyring, verifier, new ReceiptIds(), { keepValidCheckpoints });
      (orders[order] as (m: LedgerMerger) => void)(m);
      const summary = m.finish();
      expect(m.findings.map((f) => [f.code, f.seq, f.message])).toStrictEqual([
        [
          'CHECKPOINT_MISMATCH',
          4,
          `The checkpoint says receipt 4 has hash ${hashOfSeq(77)}, but its line hashes to ${hashOfSeq(4)}.`,
        ],
        [
          'CHAIN_TRUNCATED',
          9,
          'A checkpoint seals seq 9, but the ledger ends at seq 6: receipts were removed from its end.',
        ],
      ]);
      expect(summary).toMatchObject({
        sealedSeq: 6,
        checkpoints: 4,
        state: 'tampered',
        proven: { from: ts(1), to: ts(6) },
      });
      expect([...m.checkpointSeqs]).toStrictEqual([2, 4, 6, 9]);
      if (keepValidCheckpoints) expect(m.validCheckpoints.map((c) => c.line)).toStrictEqual([1, 2, 3, 4]);
      else expect(() => m.validCheckpoints).toThrow(/keepValidCheckpoints/);
    }
  });

  it('the first hash read for a seq is the one compared, also when the checkpoint waits for it', () => {
    for (const order of ['checkpoints first', 'segments first']) {
      const m = merger();
      const repeatFirst: SegmentResult = { ...first, sealed: [[2, hashOfSeq(88), ts(2)], ...first.sealed] };
      if (order === 'checkpoints first') judge(m, [cpLine(2, 1)]);
      m.absorb(repeatFirst, []);
      if (order === 'segments first') judge(m, [cpLine(2, 1)]);
      m.finish();
      expect(m.findings.map((f) => [f.code, f.seq])).toStrictEqual([
        ['CHECKPOINT_MISMATCH', 2],
        ['CHAIN_UNSEALED', 1],
      ]);
    }
  });
});

describe('LedgerMerger: what it holds while checkpoints and segments meet', () => {
  it('counts the judged checkpoints waiting for receipts, and the hashes waiting for checkpoints', () => {
    const m = merger();
    for (const [i, seq] of [2, 4, 6].entries()) m.addCheckpointLine(cpLine(seq, i + 1));
    expect([m.checkpointsAwaitingReceipts, m.hashesAwaitingCheckpoints]).toStrictEqual([3, 0]);
    m.absorb(segment(seg(1), 1, 3), []); // seq 2 comes
    expect([m.checkpointsAwaitingReceipts, m.hashesAwaitingCheckpoints]).toStrictEqual([2, 0]);
    // Seqs 7 to 9 come before a checkpoint asks for them; 5 and 3 are at or below the last
    // valid checkpoint (6) and are asked for by none: not kept.
    m.absorb(segment(seg(2), 4, 9, { sealed: [7, 8, 9, 5, 3].map((n) => [n, hashOfSeq(n), ts(n)]) }), []);
    expect([m.checkpointsAwaitingReceipts, m.hashesAwaitingCheckpoints]).toStrictEqual([2, 3]);
    m.addCheckpointLine(cpLine(8, 4));
    expect([m.checkpointsAwaitingReceipts, m.hashesAwaitingCheckpoints]).toStrictEqual([2, 2]);
  });

  it('once every checkpoint is judged, keeps a hash only for a checkpoint waiting for it', () => {
    const m = merger();
    m.absorb(segment(seg(1), 1, 3), []); // seqs 1 to 3 come before any checkpoint
    m.addCheckpointLine(cpLine(5, 1));
    m.addCheckpointLine(cpLine(2, 2)); // does not increase: invalid
    expect([m.checkpointsAwaitingReceipts, m.hashesAwaitingCheckpoints]).toStrictEqual([1, 3]);
    m.noMoreCheckpoints();
    m.absorb(segment(seg(2), 4, 6), []);
    expect([m.checkpointsAwaitingReceipts, m.hashesAwaitingCheckpoints]).toStrictEqual([0, 0]);
    expect(m.finish()).toMatchObject({ sealedSeq: 5, checkpoints: 2 });
    expect(m.findings.map((f) => f.code)).toStrictEqual(['CHECKPOINT_INVALID', 'CHAIN_UNSEALED']);
  });

  it('drops the hashes no later checkpoint can ask for once they are many, and the outcome is the same', () => {
    const n = 10_000;
    // Every seq comes sealed; checkpoints only at every 1,000th, so the rest wait in vain.
    const m = merger();
    m.absorb(segment(seg(1), 1, n), []);
    expect(m.hashesAwaitingCheckpoints).toBe(n);
    // Past 4,096 held, those at or below the last valid seq are dropped as a checkpoint is judged.
    m.addCheckpointLine(cpLine(1000, 1));
    expect(m.hashesAwaitingCheckpoints).toBe(n - 1000);
    for (let k = 2; k <= 10; k++) m.addCheckpointLine(cpLine(1000 * k, k));
    expect(m.finish()).toMatchObject({ sealedSeq: n, checkpoints: 10, state: 'verified' });
    expect(m.findings).toStrictEqual([]);
  });
  it.each([
    ['with milliseconds (held as a number)', '2026-01-01T00:00:04.250Z'],
    ['without (held as text)', '2026-01-01T00:00:04Z'],
    ['with an offset (held as text)', '2026-01-01T01:00:04+01:00'],
  ])("the proven period ends at the sealing receipt's time as stored, %s", (_how, time) => {
    for (const order of ['checkpoints first', 'segments first']) {
      const m = merger();
      const last = segment(seg(1), 1, 4);
      const stored: SegmentResult = { ...last, sealed: [[4, hashOfSeq(4), time]] };
      if (order === 'checkpoints first') m.addCheckpointLine(cpLine(4, 1));
      m.absorb(stored, []);
      if (order === 'segments first') m.addCheckpointLine(cpLine(4, 1));
      expect(m.finish().proven).toStrictEqual({ from: ts(1), to: time });
    }
  });
});

describe('LedgerMerger: joining segments', () => {
  it('pieces of one file are one segment; lines, findings and signed counts add up', () => {
    const f1 = finding('SIGNATURE_INVALID', 'x', { path: seg(1), line: 2, seq: 2, ledger: LEDGER });
    const f2 = finding('SIGNATURE_INVALID', 'y', { path: seg(2), line: 1, seq: 4, ledger: LEDGER });
    const a = segment(seg(1), 1, 2, { findings: [f1] });
    const b = {
      ...segment(seg(1), 3, 3, { seqRuns: [3, 3, 3, 0], idLines: [3] }),
      head: { ...segment(seg(1), 3, 3).head!, line: 3 },
    };
    const c = segment(seg(2), 4, 5, { findings: [f2] });
    const { summary, findings } = run([5], [a, b, c]);
    expect(summary.segments).toEqual([seg(1), seg(2)]);
    expect(summary.receipts).toBe(5);
    expect(findings).toStrictEqual([f1, f2]);
    expect(summary.state).toBe('tampered');
    expect(summary.stateReason).toBe('2 integrity findings in this ledger (SIGNATURE_INVALID).');
    // The break at seq 2 ends the proven period before it: no checkpoint below seq 2.
    expect(summary.proven).toBeNull();
  });

  it('where segments meet: a head that does not link to the tail before is CHAIN_BROKEN at the head', () => {
    const b = segment(seg(2), 4, 5, {});
    const wrong = { ...b, head: { ...b.head!, prev: hashOfSeq(9) } };
    const { findings, summary } = run([5], [segment(seg(1), 1, 3), wrong]);
    expect(findings).toStrictEqual([
      finding('CHAIN_BROKEN', `prev is ${hashOfSeq(9)}, but the hash of the line before (seq 3) is ${hashOfSeq(3)}.`, {
        path: seg(2),
        line: 1,
        seq: 4,
        receipt: 'rc_4',
        ledger: LEDGER,
      }),
    ]);
    expect(summary.stateReason).toBe('1 integrity finding in this ledger (CHAIN_BROKEN).');
    expect(summary.proven).toBeNull();
  });

  it("the first segment's head is judged too: seq 1 must link to the zero hash", () => {
    const a = segment(seg(1), 1, 2);
    const { findings } = run([2], [{ ...a, head: { ...a.head!, prev: hashOfSeq(9) } }]);
    expect(findings.map((f) => [f.code, f.path, f.seq])).toEqual([['CHAIN_BROKEN', seg(1), 1]]);
  });

  it('an unreadable line before a head: its own hash, or the one the segment before ended with, is what prev must name', () => {
    const u = 'sha256:' + 'f'.repeat(64);
    const b = segment(seg(2), 4, 4, {});
    // The unreadable line is the first of segment 2.
    const own = run([4], [segment(seg(1), 1, 3), { ...b, head: { ...b.head!, prev: u, unreadableBefore: u } }]);
    expect(own.findings).toStrictEqual([]);
    // The unreadable line ends segment 1.
    const a = segment(seg(1), 1, 3);
    const carried = run(
      [4],
      [
        { ...a, tail: { ...a.tail!, unreadableAfter: u }, unreadableAtEnd: 1 },
        { ...b, head: { ...b.head!, prev: hashOfSeq(3) } },
      ],
    );
    expect(carried.findings).toStrictEqual([
      finding('CHAIN_BROKEN', `prev is ${hashOfSeq(3)}, but the unreadable line stored before it hashes to ${u}.`, {
        path: seg(2),
        line: 1,
        seq: 4,
        receipt: 'rc_4',
        ledger: LEDGER,
      }),
    ]);
  });

  it('a segment of unreadable lines only: an unknown span, unless its file goes on and its last line hashed', () => {
    const b = segment(seg(3), 4, 4);
    const wrong = { ...b, head: { ...b.head!, prev: hashOfSeq(9) } };
    // A whole file of unreadable lines: no link across it is judged.
    const whole = run([4], [segment(seg(1), 1, 3), unreadableOnly(seg(2), 2), wrong]);
    expect(whole.findings).toStrictEqual([]);
    expect(whole.m.partlyRead).toBe(true);
    // A piece whose file continues: the next piece's head must name its last line.
    const piece = unreadableOnly(seg(2), 2, { continuedInFile: true });
    const continued = run([4], [segment(seg(1), 1, 3), piece, wrong]);
    expect(continued.findings.map((f) => f.message)).toEqual([
      `prev is ${hashOfSeq(9)}, but the unreadable line stored before it hashes to ${'sha256:' + 'e'.repeat(64)}.`,
    ]);
    // ... unless that last line was too long to hash.
    const unhashed = run([4], [segment(seg(1), 1, 3), { ...piece, endUnreadable: null }, wrong]);
    expect(unhashed.findings).toStrictEqual([]);
    // An empty result changes nothing: the link to the tail before is still judged.
    const empty = run([4], [segment(seg(1), 1, 3), unreadableOnly(seg(2), 0, { unreadableAtEnd: 0 }), wrong]);
    expect(empty.findings.map((f) => f.code)).toEqual(['CHAIN_BROKEN']);
    expect(empty.m.partlyRead).toBe(false);
  });

  it('partlyRead and the controls told once: unreadable lines at the end, before a run, alone, or an unknown span', () => {
    const cases: [string, (m: LedgerMerger) => void][] = [
      ['at the end', (m) => m.absorb(segment(seg(1), 1, 2, { unreadableAtEnd: 1 }), [])],
      ['before a run', (m) => m.absorb(segment(seg(1), 1, 2, { seqRuns: [1, 1, 1, 0, 2, 2, 3, 1] }), [])],
      ['alone', (m) => m.absorb(unreadableOnly(seg(1), 1, { unreadableAtEnd: 0 }), [])],
      ['an unknown span', (m) => m.markUnknownSpan()],
      ['nothing', (m) => m.absorb(segment(seg(1), 1, 2), [])],
    ];
    for (const [name, make] of cases) {
      const m = merger();
      make(m);
      const told: string[] = [];
      const control = {
        ledgerUnreadable: (ledger: string) => told.push(`${name} ${ledger}`),
      } as unknown as ControlCheck;
      m.tellControlsIfPartlyRead([control, { id: 'quiet' } as unknown as ControlCheck]);
      m.tellControlsIfPartlyRead([control]);
      expect([name, m.partlyRead, told]).toEqual([name, name !== 'nothing', name === 'nothing' ? [] : [`${name} L`]]);
    }
  });

  it('repeated and absent seqs across segments, with the highest seq held as the last', () => {
    const { findings, summary } = run(
      [],
      [
        segment(seg(1), 5, 6, { signed: 2 }),
        segment(seg(2), 1, 2, { sealed: [] }),
        segment(seg(3), 2, 2, { sealed: [] }),
      ],
    );
    const where = (path: string, line: number, seq: number, receipt?: string) => ({
      path,
      line,
      seq,
      ...(receipt !== undefined ? { receipt } : {}),
      ledger: LEDGER,
    });
    expect(findings).toStrictEqual([
      finding(
        'CHAIN_BROKEN',
        `Seq 6 is stored before seq 1: the chain as stored is broken (prev is ${ZERO_HASH}, the line stored before it hashes to ${hashOfSeq(6)}).`,
        where(seg(2), 1, 1, 'rc_1'),
      ),
      finding(
        'CHAIN_DUPLICATE_SEQ',
        `Seq 2 is stored again (first at ${seg(2)} line 2): the ledger forks.`,
        where(seg(3), 1, 2),
      ),
      finding(
        'CHAIN_BROKEN',
        `Seq 2 is stored again right after itself; its prev ${hashOfSeq(1)} is not the hash of the line stored before it (${hashOfSeq(2)}).`,
        where(seg(3), 1, 2, 'rc_2'),
      ),
      finding('RECEIPT_ID_DUPLICATE', 'Receipt id rc_2 was already used (L seq 2).', where(seg(3), 1, 2, 'rc_2')),
      finding(
        'CHAIN_GAP',
        'Seq 5 is the next receipt after seq 2 in the ledger; receipts 3 to 4 are not in it.',
        where(seg(1), 1, 5),
      ),
      // From the lowest seq held, not the first receipt stored.
      finding('CHAIN_UNSEALED', unsealedMessage(1, 6, null), { path: CP, seq: 1, ledger: LEDGER }),
    ]);
    // The first and last seqs are the lowest and highest held, whatever the stored order, and
    // so is the claimed period.
    expect(summary.lastSeq).toBe(6);
    expect(summary.firstSeq).toBe(1);
    expect(summary.claimed).toStrictEqual({ from: ts(1), to: ts(6) });
  });

  it('a seq stored twice: the first and last seqs take the time of the copy stored first', () => {
    const { summary } = run(
      [],
      [
        segment(seg(1), 1, 3),
        segment(seg(2), 3, 3, { lowest: { seq: 3, ts: ts(9) }, highest: { seq: 3, ts: ts(9) } }),
        segment(seg(3), 1, 1, { lowest: { seq: 1, ts: ts(8) }, highest: { seq: 1, ts: ts(8) } }),
      ],
    );
    expect([summary.firstSeq, summary.lastSeq]).toStrictEqual([1, 3]);
    expect(summary.claimed).toStrictEqual({ from: ts(1), to: ts(3) });
  });

  it('a ledger that does not start at seq 1, with no checkpoint: unsealed from its lowest seq', () => {
    const { findings, summary } = run([], [segment(seg(1), 4, 6)]);
    expect(findings.filter((x) => x.code === 'CHAIN_UNSEALED')).toStrictEqual([
      finding('CHAIN_UNSEALED', unsealedMessage(4, 6, null), { path: CP, seq: 4, ledger: LEDGER }),
    ]);
    expect([summary.firstSeq, summary.claimed]).toStrictEqual([4, { from: ts(4), to: ts(6) }]);
  });

  it('receipt ids: a repeat in another ledger of the archive names where it was first seen', () => {
    const ids = new ReceiptIds();
    run([2], [segment(seg(1), 1, 2)], merger(ids));
    const other = new LedgerMerger('M', keyring, verifier, ids);
    other.absorb({ ...segment('ledgers/M/000001.jsonl', 1, 1), ledger: 'M', ids: ['rc_9'], idLines: [7] }, []);
    other.absorb(
      { ...segment('ledgers/M/000002.jsonl', 2, 3), ledger: 'M', ids: ['rc_1', 'rc_9'], idLines: [4, 5] },
      [],
    );
    expect(other.findings).toStrictEqual([
      finding('RECEIPT_ID_DUPLICATE', 'Receipt id rc_1 was already used (L seq 1).', {
        path: 'ledgers/M/000002.jsonl',
        line: 4,
        seq: 2,
        receipt: 'rc_1',
        ledger: 'M',
      }),
      finding('RECEIPT_ID_DUPLICATE', 'Receipt id rc_9 was already used (M seq 1).', {
        path: 'ledgers/M/000002.jsonl',
        line: 5,
        seq: 3,
        receipt: 'rc_9',
        ledger: 'M',
      }),
    ]);
  });

  it('projections go to projected controls that fold them, in segment order', () => {
    const folded: unknown[] = [];
    const projected = {
      parallel: 'projected',
      visitProjection: (p: unknown) => folded.push(['P', p]),
    } as unknown as ControlCheck;
    const stateless = {
      parallel: 'stateless',
      visitProjection: (p: unknown) => folded.push(['S', p]),
    } as unknown as ControlCheck;
    const noFold = { parallel: 'projected' } as unknown as ControlCheck;
    const m = merger();
    m.absorb(segment(seg(1), 1, 2, { projections: [[], ['s1'], [1, 2]] }), [noFold, stateless, projected]);
    m.absorb(segment(seg(2), 3, 3, { projections: [[], ['s2']] }), [noFold, stateless, projected]);
    m.absorb(segment(seg(3), 4, 4, { projections: [[], [], [3]] }), [noFold, stateless, projected]);
    expect(folded).toEqual([
      ['P', 1],
      ['P', 2],
      ['P', 3],
    ]);
  });

  it('a seq sealed twice: the first line read keeps its hash', () => {
    const a = segment(seg(1), 1, 2);
    const b = segment(seg(2), 2, 2, { sealed: [[2, hashOfSeq(99), ts(2)]] });
    const { findings } = run([2], [a, b]);
    expect(findings.filter((f) => f.code.startsWith('CHECKPOINT'))).toStrictEqual([]);
    const first = segment(seg(1), 1, 2, { sealed: [[2, hashOfSeq(99), ts(2)]] });
    const mismatched = run([2], [first, segment(seg(2), 2, 2)]).findings;
    expect(mismatched.filter((f) => f.code === 'CHECKPOINT_MISMATCH').map((f) => f.message)).toEqual([
      `The checkpoint says receipt 2 has hash ${hashOfSeq(2)}, but its line hashes to ${hashOfSeq(99)}.`,
    ]);
  });
});

describe('LedgerMerger: checkpoints against the chain', () => {
  it('a checkpoint past the last receipt: CHAIN_TRUNCATED, state truncated, no unsealed tail said', () => {
    const { findings, summary } = run([2, 4], [segment(seg(1), 1, 3)]);
    expect(findings).toStrictEqual([
      finding(
        'CHAIN_TRUNCATED',
        'A checkpoint seals seq 4, but the ledger ends at seq 3: receipts were removed from its end.',
        { path: CP, line: 2, seq: 4, ledger: LEDGER },
      ),
    ]);
    expect(summary.state).toBe('truncated');
    expect(summary.stateReason).toBe('A checkpoint seals receipts that are not in the ledger: its end was cut off.');
    expect(summary.sealedSeq).toBe(2);
    expect(summary.proven).toStrictEqual({ from: ts(1), to: ts(2) });
  });

  it('a checkpoint and no receipt at all: CHAIN_TRUNCATED saying so', () => {
    const { findings, summary } = run([3], []);
    expect(findings).toStrictEqual([
      finding(
        'CHAIN_TRUNCATED',
        'A checkpoint seals seq 3, but the ledger ends at no receipt at all: receipts were removed from its end.',
        { path: CP, line: 1, seq: 3, ledger: LEDGER },
      ),
    ]);
    expect(summary.state).toBe('truncated');
    expect(summary.lastSeq).toBeNull();
  });

  it('a checkpoint at or below the last seq whose receipt is not readable: CHECKPOINT_MISMATCH', () => {
    for (const seq of [3, 2]) {
      const { findings } = run([seq], [segment(seg(1), 1, 3, { sealed: [] })]);
      expect(findings).toStrictEqual([
        finding(
          'CHECKPOINT_MISMATCH',
          `A checkpoint seals seq ${seq}, but no readable receipt with that seq is in the ledger.`,
          { path: CP, line: 1, seq, ledger: LEDGER },
        ),
        finding('CHAIN_UNSEALED', unsealedMessage(1, 3, null), { path: CP, seq: 1, ledger: LEDGER }),
      ]);
    }
  });

  it('after an unknown span, a checkpoint whose receipt is not read proves nothing either way', () => {
    const m = merger();
    m.addCheckpointLine(cpLine(2, 1));
    m.addCheckpointLine(cpLine(9, 2));
    m.absorb(segment(seg(1), 1, 3), []);
    m.markUnknownSpan();
    const summary = m.finish();
    expect(m.findings).toStrictEqual([
      finding('CHAIN_UNSEALED', unsealedMessage(3, 3, 2), { path: CP, seq: 3, ledger: LEDGER }),
    ]);
    expect(summary.state).toBe('unsealed');
    expect(summary.sealedSeq).toBe(2);
  });

  it("a checkpoint whose head is not the receipt's hash: CHECKPOINT_MISMATCH naming both; the one before still seals", () => {
    const m = merger();
    m.addCheckpointLine(cpLine(1, 1));
    m.addCheckpointLine(cpLine(2, 2, { head: hashOfSeq(77) }));
    m.absorb(segment(seg(1), 1, 2), []);
    const summary = m.finish();
    expect(m.findings).toStrictEqual([
      finding(
        'CHECKPOINT_MISMATCH',
        `The checkpoint says receipt 2 has hash ${hashOfSeq(77)}, but its line hashes to ${hashOfSeq(2)}.`,
        { path: CP, line: 2, seq: 2, ledger: LEDGER },
      ),
      finding('CHAIN_UNSEALED', unsealedMessage(2, 2, 1), { path: CP, seq: 2, ledger: LEDGER }),
    ]);
    expect(summary.sealedSeq).toBe(1);
    expect(summary.state).toBe('tampered');
    expect(summary.stateReason).toBe('1 integrity finding in this ledger (CHECKPOINT_MISMATCH).');
    expect(summary.proven).toStrictEqual({ from: ts(1), to: ts(1) });
  });
});

describe('LedgerMerger: the proven period and the state', () => {
  const breakAt = (seq?: number, path = seg(1)): Finding =>
    finding('SIGNATURE_INVALID', 'x', { path, line: 1, ...(seq !== undefined ? { seq } : {}), ledger: LEDGER });

  it('proven ends at the last checkpoint below the first break, never at one on it', () => {
    const { summary } = run([2, 3, 4], [segment(seg(1), 1, 4, { findings: [breakAt(3)] })]);
    expect(summary.sealedSeq).toBe(4);
    expect(summary.proven).toStrictEqual({ from: ts(1), to: ts(2) });
    const lowest = run([2, 3, 4], [segment(seg(1), 1, 4, { findings: [breakAt(4), breakAt(3)] })]).summary;
    expect(lowest.proven).toStrictEqual({ from: ts(1), to: ts(2) });
    expect(lowest.stateReason).toBe('2 integrity findings in this ledger (SIGNATURE_INVALID).');
  });

  it('a break with no seq ends it before anything; one in checkpoints.jsonl or a control finding does not', () => {
    expect(run([2], [segment(seg(1), 1, 2, { findings: [breakAt(undefined)] })]).summary.proven).toBeNull();
    const checkpointLine = merger();
    checkpointLine.addCheckpointLine(lineOf('[]', 1));
    checkpointLine.addCheckpointLine(cpLine(2, 2));
    checkpointLine.absorb(segment(seg(1), 1, 2), []);
    const s = checkpointLine.finish();
    expect(checkpointLine.findings.map((f) => [f.code, f.path, f.line])).toEqual([['RECORD_MALFORMED', CP, 1]]);
    expect(s.state).toBe('tampered');
    expect(s.proven).toStrictEqual({ from: ts(1), to: ts(2) });
    const control = finding('DECISION_MISMATCH', 'x', { path: seg(1), line: 1, seq: 1, ledger: LEDGER });
    const c = run([2], [segment(seg(1), 1, 2, { findings: [control] })]).summary;
    expect([c.state, c.proven]).toStrictEqual(['verified', { from: ts(1), to: ts(2) }]);
  });

  it("a file finding counts for the state and the break, like the ledger's own", () => {
    const m = merger();
    m.addCheckpointLine(cpLine(2, 1));
    m.addFileFinding(finding('FILE_HASH_MISMATCH', 'x', { path: seg(1), ledger: LEDGER }));
    m.absorb(segment(seg(1), 1, 2), []);
    const s = m.finish();
    expect(m.findings).toStrictEqual([]);
    expect([s.state, s.stateReason, s.proven]).toStrictEqual([
      'tampered',
      '1 integrity finding in this ledger (FILE_HASH_MISMATCH).',
      null,
    ]);
    // A finding that breaks continuity without tampering: the state stays, the proven period ends.
    const n = merger();
    n.addCheckpointLine(cpLine(2, 1));
    n.addFileFinding(finding('FILE_UNLISTED', 'x', { path: seg(1), ledger: LEDGER }));
    n.absorb(segment(seg(1), 1, 2), []);
    const t = n.finish();
    expect([t.state, t.proven]).toStrictEqual(['verified', null]);
  });

  it('three integrity findings of two codes: the count, and each code once in order', () => {
    const f = (code: 'CHAIN_BROKEN' | 'SIGNATURE_INVALID', seq: number) =>
      finding(code, 'x', { path: seg(1), line: seq, seq, ledger: LEDGER });
    const { summary } = run(
      [3],
      [
        segment(seg(1), 1, 3, {
          findings: [f('SIGNATURE_INVALID', 1), f('CHAIN_BROKEN', 2), f('SIGNATURE_INVALID', 3)],
        }),
      ],
    );
    expect(summary.stateReason).toBe('3 integrity findings in this ledger (SIGNATURE_INVALID, CHAIN_BROKEN).');
  });

  it('proven needs the ledger to start at seq 1', () => {
    // Seq 1 may be on the unreadable line before seq 2: not a gap, but not proven either.
    const { findings, summary } = run([3], [segment(seg(1), 2, 3, { seqRuns: [2, 3, 2, 1] })]);
    expect(findings).toStrictEqual([]);
    expect(summary.firstSeq).toBe(2);
    expect(summary.state).toBe('verified');
    expect(summary.proven).toBeNull();
    expect(summary.claimed).toStrictEqual({ from: ts(2), to: ts(3) });
  });
});
