/**
 * The determinism fold keeps its keys in a typed table (key-table.ts); it must give exactly
 * the findings of the fold over a `Map` it replaced (kept here as the reference), also when
 * keys share the bits that place them in the table.
 */
import { hash as nodeHash } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8 } from '../format/bytes.ts';
import { canonicalize } from '../format/canonical.ts';
import { useSha256 } from '../format/hash.ts';
import type { Receipt } from '../format/schema.ts';
import { compareFindings, finding, type Finding } from '../engine/findings.ts';
import { memorySpillStore } from '../engine/spill.ts';
import { determinismCheck, determinismKey, type OutputProjection } from './determinism.ts';
import { testArchive } from './fixtures.test-helper.ts';

const prefixText = (prefix: number) => `sha256:${prefix.toString(16).padStart(13, '0')}…`;

/** The fold as it was: first receipt of each key in a Map of objects. */
function referenceFindings(projections: readonly OutputProjection[]): Finding[] {
  const first = new Map<string, { output: number; ledger: string; seq: number }>();
  const findings: Finding[] = [];
  for (const [key, output, ledger, seq, receipt, path, line] of projections) {
    const seen = first.get(key);
    if (!seen) {
      first.set(key, { output, ledger, seq });
      continue;
    }
    if (seen.output === output) continue;
    const [thisText, firstText] = [prefixText(output), prefixText(seen.output)];
    findings.push(
      finding(
        'NONDETERMINISTIC_OUTPUT',
        `Receipt ${receipt} (ledger ${ledger}, seq ${seq}) has the same agent, action, resource and input under the same policy bundle as the receipt at ledger ${seen.ledger}, seq ${seen.seq}, and both succeeded, so the outputs should be identical; this one's output is ${thisText}, the earlier one's ${firstText}.`,
        { path, line, ledger, seq, receipt },
        { first: { ledger: seen.ledger, seq: seen.seq, outputPrefix: firstText }, outputPrefix: thisText },
      ),
    );
  }
  return findings;
}

/** Keys of 16 one-byte characters; several share their first four (the table's slot bits). */
const KEYS = [
  '\u0000'.repeat(16),
  'abcdabcdabcdabcd',
  'abcdabcdabcdabce',
  'abcd\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff',
  'abcdXbcdabcdabcd',
  'zzzzzzzzzzzzzzzz',
  '\u0080'.repeat(16),
];

const projectionsArbitrary = fc
  .array(
    fc.record({
      key: fc.constantFrom(...KEYS),
      output: fc.constantFrom(0, 1, 2 ** 52 - 1),
      ledger: fc.constantFrom('A', 'B', 'C'),
    }),
    { maxLength: 80 },
  )
  .map((rows) =>
    rows.map(({ key, output, ledger }, i): OutputProjection => [
      key,
      output,
      ledger,
      i + 1,
      `rc_${i}`,
      `ledgers/${ledger}/000001.jsonl`,
      i + 1,
    ]),
  );

describe('determinism fold', () => {
  it('gives the findings of the plain Map fold (property)', async () => {
    await fc.assert(
      fc.asyncProperty(projectionsArbitrary, async (projections) => {
        const check = await determinismCheck(testArchive([]));
        for (const projection of projections) check.visitProjection?.(structuredClone(projection));
        expect(await check.finish()).toEqual(referenceFindings(projections));
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same findings with its projections spilled, in files of a few records or none (property)', async () => {
    await fc.assert(
      fc.asyncProperty(projectionsArbitrary, fc.constantFrom(1, 40, 32 * 1024), async (projections, flushBytes) => {
        const store = { ...memorySpillStore(), flushBytes };
        const check = await determinismCheck({ ...testArchive([]), spill: store });
        for (const projection of projections) check.visitProjection?.(structuredClone(projection));
        const sort = (findings: readonly Finding[]) => [...findings].sort(compareFindings);
        expect(sort(await check.finish())).toEqual(sort(referenceFindings(projections)));
        expect(store.files.size).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('compares with the first receipt of a key across many keys', async () => {
    const check = await determinismCheck(testArchive([]));
    const keyOf = (i: number) =>
      String.fromCharCode(
        ...Array.from({ length: 16 }, (_, b) => (Math.imul(i + 1, 2654435761 + b) >>> (b % 24)) & 0xff),
      );
    const projections: OutputProjection[] = [];
    for (let i = 0; i < 20_000; i++)
      projections.push([keyOf(i), i, 'A', i + 1, `rc_${i}`, 'ledgers/A/000001.jsonl', i + 1]);
    projections.push([keyOf(12_345), 99, 'B', 1, 'rc_again', 'ledgers/B/000001.jsonl', 1]);
    for (const projection of projections) check.visitProjection?.(projection);
    const findings = await check.finish();
    expect(findings).toEqual(referenceFindings(projections));
    expect(findings.map((f) => f.detail?.first)).toEqual([
      { ledger: 'A', seq: 12_346, outputPrefix: prefixText(12_345) },
    ]);
  });
});

describe('determinismKey', () => {
  /** The key as it was defined: the first 16 bytes of SHA-256(UTF-8(C(tuple))). */
  const referenceKey = (tuple: readonly string[]) =>
    String.fromCharCode(...sha256(utf8(canonicalize(tuple))).subarray(0, 16));
  const receiptOf = (t: readonly string[]) =>
    ({
      agent: { id: t[0] },
      request: { action: { type: t[1], id: t[2] }, resource: { type: t[3], id: t[4] } },
      io: { input: t[5] },
      decision: { bundle: t[6] },
    }) as unknown as Receipt;

  it('is the first 16 bytes of SHA-256 of the canonical tuple, for any well-formed strings, with the JavaScript and the native SHA-256', () => {
    // Well-formed: a receipt with a lone surrogate is unreadable (its line is not canonical JSON).
    const text = fc.string({ unit: 'grapheme', maxLength: 400 });
    const tuple = fc.tuple(text, text, text, text, text, text, text);
    fc.assert(
      fc.property(tuple, (t) => {
        expect(determinismKey(receiptOf(t))).toBe(referenceKey(t));
      }),
    );
    // Longer than the buffer kept between keys, and after it.
    const long = ['a'.repeat(5_000), 'é'.repeat(3_000), '😀'.repeat(1_000), '', '"\\\n', 'x', 'y'];
    expect(determinismKey(receiptOf(long))).toBe(referenceKey(long));
    expect(determinismKey(receiptOf(['a', 'b', 'c', 'd', 'e', 'f', 'g']))).toBe(
      referenceKey(['a', 'b', 'c', 'd', 'e', 'f', 'g']),
    );
    // node:crypto's one-shot digest, as the command line's workers use it (cli/native-sha256.ts).
    useSha256({
      digest: (data) => nodeHash('sha256', data, 'buffer'),
      create: () => sha256.create(),
    });
    try {
      fc.assert(
        fc.property(tuple, (t) => {
          expect(determinismKey(receiptOf(t))).toBe(referenceKey(t));
        }),
        {
          numRuns: 50,
        },
      );
    } finally {
      useSha256({ digest: (data) => sha256(data), create: () => sha256.create() });
    }
  });
});
