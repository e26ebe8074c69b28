/**
 * Splitting segment files into pieces (issue 18: work split within files, whatever their
 * sizes) must never change a report. On ledgers built at random from good, unreadable,
 * altered, missing and repeated lines cut into one to three files with random checkpoints,
 * the report with every file split into pieces of a random size (down to one line each) is
 * the report of the files checked whole, but for the line naming who checked the segments;
 * half the time each piece's lines are hashed ahead with WebCrypto, as the app's workers do.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8 } from '../format/bytes.ts';
import { nobleStrictVerifier } from '../format/ed25519.ts';
import type { DigestSubtle } from '../format/webcrypto-sha256.ts';
import { webCryptoLineHashes } from './line-hashes.ts';
import { segmentChecker } from './segment-worker.ts';
import type { SegmentRunner } from './segment-task.ts';
import type { VerifyReport } from './types.ts';
import { verifyArchive, type RunnerSetup } from './verify.ts';
import {
  archiveFiles,
  checkpointLine,
  cpPath,
  joinLines,
  receiptLines,
  sealed,
  segPath,
  source,
  TRUSTED,
} from './verify-archive.test-helper.ts';

const LINES = receiptLines('L', 8);
const subtle = globalThis.crypto.subtle as unknown as DigestSubtle;

type Entry = { kind: 'receipt'; seq: number } | { kind: 'not json' } | { kind: 'altered'; seq: number };

const entry: fc.Arbitrary<Entry> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 8 }).map((seq) => ({ kind: 'receipt' as const, seq })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'not json' as const }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 8 }).map((seq) => ({ kind: 'altered' as const, seq })) },
);

const textOf = (e: Entry): string =>
  e.kind === 'not json'
    ? 'not json'
    : e.kind === 'receipt'
      ? (LINES[e.seq - 1] as string)
      : (LINES[e.seq - 1] as string).replace('"seq":', '"seq": ');

/** A ledger that is mostly in order: seqs 1..n with some entries replaced, dropped, repeated. */
const ledger = fc
  .tuple(
    fc.integer({ min: 1, max: 8 }),
    fc.array(fc.tuple(fc.nat(9), entry), { maxLength: 4 }),
    fc.array(fc.nat(9), { maxLength: 2 }),
  )
  .map(([n, replaced, dropped]) => {
    const entries: Entry[] = Array.from({ length: n }, (_, i) => ({ kind: 'receipt', seq: i + 1 }));
    for (const [at, e] of replaced) entries.splice(at % (entries.length + 1), at % 2, e);
    for (const at of dropped) if (entries.length > 1) entries.splice(at % entries.length, 1);
    return entries;
  });

const normalize = (r: VerifyReport) => ({
  ...r,
  checks: r.checks.filter((c) => !c.check.startsWith('Segments checked')),
});

/** A pool as the app's: pieces, and with `hashAhead` each piece's lines hashed ahead with WebCrypto. */
function piecePool(src: ReturnType<typeof source>, hashAhead: boolean) {
  return async (setup: RunnerSetup): Promise<SegmentRunner> => {
    const hashLines = hashAhead ? ((await webCryptoLineHashes(subtle, 2)) ?? undefined) : undefined;
    if (hashAhead && !hashLines) throw new Error("this Node's WebCrypto has no SHA-256");
    const check = await segmentChecker(src, setup, { verifier: nobleStrictVerifier, controlFactories: [], hashLines });
    return {
      name: 'a test pool',
      concurrency: 2,
      takesPieces: true,
      run: (task) => check(task),
      close: async () => {},
    };
  };
}

describe('pieces of segment files', () => {
  it('give the report of the files read whole, whatever the lines, the cuts and the piece size', async () => {
    let withFindings = 0;
    await fc.assert(
      fc.asyncProperty(
        ledger,
        fc.array(fc.nat(10), { maxLength: 2 }),
        fc.array(fc.integer({ min: 1, max: 8 }), { maxLength: 3 }),
        fc.constantFrom(1, 300, 900, 4000),
        fc.boolean(),
        // The run's first file may start with smaller pieces, doubling up to pieceBytes.
        fc.constantFrom(undefined, 1, 100),
        async (entries, cuts, sealedSeqs, pieceBytes, hashAhead, firstPieceBytes) => {
          const files = archiveFiles(0);
          const at = [...new Set(cuts.map((c) => c % (entries.length + 1)))].sort((a, b) => a - b);
          const bounds = [0, ...at, entries.length];
          let n = 1;
          for (let i = 0; i + 1 < bounds.length; i++) {
            const part = entries.slice(bounds[i], bounds[i + 1]);
            if (part.length > 0) files.set(segPath('L', n++), utf8(joinLines(part.map(textOf))));
          }
          const seqs = [...new Set(sealedSeqs)].sort((a, b) => a - b);
          if (seqs.length > 0)
            files.set(cpPath('L'), utf8(joinLines(seqs.map((s) => checkpointLine('L', s, LINES[s - 1] as string)))));
          const src = source(sealed(files));
          const whole = await verifyArchive(src, { trustedRoots: TRUSTED });
          const split = await verifyArchive(src, {
            trustedRoots: TRUSTED,
            segmentRunner: piecePool(src, hashAhead),
            segmentRunnerMinBytes: 0,
            pieceBytes,
            firstPieceBytes,
          });
          expect(normalize(split)).toStrictEqual(normalize(whole));
          if (whole.findings.length > 0) withFindings++;
        },
      ),
      { numRuns: 120 },
    );
    expect(withFindings).toBeGreaterThan(40);
  }, 120_000);
});
