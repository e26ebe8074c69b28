/**
 * `readSealingCheckpoint` against the full read it shortens: every line of checkpoints.jsonl
 * through `LedgerMerger`, then the first accepted checkpoint whose seq is ≥ S. On any mix of
 * good, badly signed, revoked, foreign, malformed, non-canonical and out-of-order lines, both
 * must name the same checkpoint (line and content) and the same findings on its line.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8 } from '../format/bytes.ts';
import { canonicalize } from '../format/canonical.ts';
import type { SignatureVerifier } from '../format/ed25519.ts';
import { LedgerMerger } from '../engine/ledger.ts';
import { ReceiptIds } from '../engine/receipt-ids.ts';
import { BAD_SIG, KID, KID_REVOKED, KID_UNANCHORED, SIG, stubKeyring, ts } from '../engine/stub-keys.test-helper.ts';
import { readSealingCheckpoint } from './sealing.ts';

const LEDGER = 'L';
const keyring = stubKeyring([], 'gate');

function countingVerifier(): SignatureVerifier & { calls: number } {
  const v = {
    name: 'stub',
    calls: 0,
    verify: (signature: Uint8Array) => {
      v.calls++;
      return signature[0] !== 0xcd;
    },
  };
  return v;
}

const checkpoint = (seq: unknown, over: Record<string, unknown> = {}) =>
  canonicalize({
    ledger: LEDGER,
    seq,
    head: `sha256:${String(seq).padStart(64, '0').slice(-64)}`,
    ts: ts(typeof seq === 'number' ? seq : 1),
    kid: KID,
    sig: SIG,
    ...over,
  });

type Kind =
  | 'good'
  | 'unanchored'
  | 'bad-signature'
  | 'revoked'
  | 'other-ledger'
  | 'non-canonical'
  | 'seq-as-text'
  | 'not-json'
  | 'array'
  | 'no-seq'
  | 'empty';

function lineOf(kind: Kind, seq: number): string {
  switch (kind) {
    case 'good':
      return checkpoint(seq);
    case 'unanchored':
      return checkpoint(seq, { kid: KID_UNANCHORED });
    case 'bad-signature':
      return checkpoint(seq, { sig: BAD_SIG });
    case 'revoked':
      return checkpoint(seq, { kid: KID_REVOKED });
    case 'other-ledger':
      return checkpoint(seq, { ledger: 'M' });
    case 'non-canonical':
      return checkpoint(seq).replace('{', '{ ');
    case 'seq-as-text':
      return checkpoint(String(seq));
    case 'not-json':
      return checkpoint(seq).slice(0, -1);
    case 'array':
      return `[${seq}]`;
    case 'no-seq':
      return canonicalize({ ledger: LEDGER, head: 'x', kid: KID, sig: SIG });
    case 'empty':
      return '';
  }
}

/** The full read: every line through the merger, as `tickmark verify` reads the file. */
function fullRead(lines: readonly string[], seq: number) {
  const verifier = countingVerifier();
  const merger = new LedgerMerger(LEDGER, keyring, verifier, new ReceiptIds());
  lines.forEach((text, i) => merger.addCheckpointLine({ kind: 'line', line: i + 1, bytes: utf8(text) }));
  const sealing = merger.validCheckpoints.find((c) => c.checkpoint.seq >= seq) ?? null;
  return {
    sealing,
    onItsLine: sealing ? merger.findings.filter((f) => f.line === sealing.line) : [],
    calls: verifier.calls,
  };
}

function shortRead(lines: readonly string[], seq: number) {
  const verifier = countingVerifier();
  const read = readSealingCheckpoint(LEDGER, keyring, verifier, lines, seq);
  return {
    sealing: read.sealing,
    onItsLine: read.sealing ? read.findings.filter((f) => f.line === read.sealing?.line) : [],
    calls: verifier.calls,
    linesRead: read.linesRead,
  };
}

const kinds: Kind[] = [
  'good',
  'good',
  'good',
  'unanchored',
  'bad-signature',
  'revoked',
  'other-ledger',
  'non-canonical',
  'seq-as-text',
  'not-json',
  'array',
  'no-seq',
  'empty',
];

describe('readSealingCheckpoint', () => {
  it('names the same checkpoint and the same findings on its line as reading every line, whatever the lines', () => {
    let sealedSomewhere = 0;
    let shorter = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...kinds), fc.integer({ min: 1, max: 24 })), { maxLength: 30 }),
        fc.integer({ min: 1, max: 26 }),
        (spec, seq) => {
          const lines = spec.map(([kind, s]) => lineOf(kind, s));
          const full = fullRead(lines, seq);
          const short = shortRead(lines, seq);
          expect(short.sealing).toEqual(full.sealing);
          expect(short.onItsLine).toEqual(full.onItsLine);
          expect(short.calls).toBeLessThanOrEqual(full.calls);
          if (full.sealing) sealedSomewhere++;
          if (short.linesRead < lines.length) shorter++;
        },
      ),
      {
        numRuns: 3000,
        examples: [
          [
            [
              ['good', 5],
              ['good', 3],
              ['good', 7],
            ],
            3,
          ],
        ],
      },
    );
    // The property saw both outcomes and the shortened read (not a vacuous pass).
    expect(sealedSomewhere).toBeGreaterThan(300);
    expect(shorter).toBeGreaterThan(300);
  });

  it('a checkpoint stored earlier with a greater seq stops a later one from sealing, as in the full read', () => {
    // Line 1 (seq 9) is accepted; line 2 (seq 5) does not increase, so it is refused: seq 4 is sealed by line 1.
    const lines = [checkpoint(9), checkpoint(5), checkpoint(12)];
    const read = readSealingCheckpoint(LEDGER, keyring, countingVerifier(), lines, 4);
    expect(read.sealing?.line).toBe(1);
    // Seq 6: line 1 still seals it (first accepted with seq ≥ 6).
    expect(readSealingCheckpoint(LEDGER, keyring, countingVerifier(), lines, 6).sealing?.line).toBe(1);
    // Seq 10: line 2 is refused (5 ≤ 9), line 3 (12) seals it; the full read says the same.
    const ten = readSealingCheckpoint(LEDGER, keyring, countingVerifier(), lines, 10);
    expect(ten.sealing?.line).toBe(3);
    expect(ten.sealing).toEqual(fullRead(lines, 10).sealing);
    // A refused line with seq ≥ S is read and refused: its finding is kept, the next one seals.
    const badFirst = [checkpoint(5, { sig: BAD_SIG }), checkpoint(8)];
    const bad = readSealingCheckpoint(LEDGER, keyring, countingVerifier(), badFirst, 5);
    expect(bad.sealing?.line).toBe(2);
    expect(bad.findings.map((f) => [f.code, f.line])).toEqual([['CHECKPOINT_INVALID', 1]]);
  });

  it('in a well-kept ledger one signature is checked, however many checkpoints come before', () => {
    const lines = Array.from({ length: 5000 }, (_, i) => checkpoint((i + 1) * 10));
    const verifier = countingVerifier();
    const read = readSealingCheckpoint(LEDGER, keyring, verifier, lines, 40_001);
    expect(read.sealing?.line).toBe(4001);
    expect(read.sealing?.checkpoint.seq).toBe(40_010);
    expect(read.linesRead).toBe(1);
    expect(verifier.calls).toBe(1);
    expect(fullRead(lines, 40_001).calls).toBe(5000);
  });

  it('no checkpoint at or after the seq: none seals it, and every candidate was judged', () => {
    const lines = [checkpoint(3), checkpoint(6, { sig: BAD_SIG }), checkpoint(7, { ledger: 'M' })];
    const read = readSealingCheckpoint(LEDGER, keyring, countingVerifier(), lines, 6);
    expect(read.sealing).toBeNull();
    expect(read.linesRead).toBe(2);
    expect(read.findings.map((f) => [f.code, f.line])).toEqual([
      ['CHECKPOINT_INVALID', 2],
      ['CHECKPOINT_INVALID', 3],
    ]);
  });
});
