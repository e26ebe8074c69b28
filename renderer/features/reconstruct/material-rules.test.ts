import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finding } from '../../../shared/engine/findings.ts';
import {
  evidenceShown,
  inStoredOrder,
  ledgerPartlyRead,
  missingSteps,
  neighbourRowsRead,
  neighboursIn,
  pointersOf,
  sealingCheckpointLines,
  sealingCheckpointLinesFromPieces,
  segmentRangesOf,
  selectFindings,
  storedNeighbours,
} from './material-rules.ts';
import { nodeCedar } from '../../../cli/cedar-node.ts';
import { gatherMaterials } from '../../../cli/explain/gather.ts';
import { nativeStrictVerifier } from '../../../cli/native-ed25519.ts';
import { memorySource } from '../../../shared/archive/memory.ts';
import type { CedarFormatting } from '../../../shared/decisions/policy-status.ts';
import { explainReceipt, type DocumentsCache, type DocumentsChecked } from '../../../shared/explain/explain.ts';
import { makeDemoArchive } from '../../../shared/producer/demo.ts';
import { receiptsOf } from '../../../test/support/tamper.ts';
import {
  parseDocument,
  withManifestFromText,
  type MaterialsWithManifestText,
} from '../../../shared/explain/materials-text.ts';
import { cutCheckpoints, jsonlLines } from '../../store/checkpoint-pieces.ts';

const h = (c: string) => `sha256:${c.repeat(64)}`;

describe('gathering a receipt’s materials', () => {
  it('reads the verification’s "transactions not checked" check for the ledgers it names', () => {
    const checks = [
      {
        check: 'Transactions complete (TXN_STEP_GAP gaps, TXN_INCOMPLETE) in gw-eu-1, gw-us-2',
        status: 'not checked' as const,
        reason: 'x',
      },
    ];
    expect(ledgerPartlyRead(checks, 'gw-eu-1')).toBe(true);
    expect(ledgerPartlyRead(checks, 'gw-us-2')).toBe(true);
    expect(ledgerPartlyRead(checks, 'gw-us-1')).toBe(false);
    expect(ledgerPartlyRead([{ ...checks[0]!, status: 'ran' }], 'gw-eu-1')).toBe(false);
    expect(ledgerPartlyRead([], 'gw-eu-1')).toBe(false);
  });

  it('splits checkpoints.jsonl as stored: the final newline ends a line, an empty line inside is kept', () => {
    expect(jsonlLines('a\nb\n')).toEqual(['a', 'b']);
    expect(jsonlLines('a\n\nb')).toEqual(['a', '', 'b']);
    expect(jsonlLines('a\r\nb\r\n')).toEqual(['a', 'b']);
    expect(jsonlLines('')).toEqual([]);
  });

  it('a document that is absent or not JSON is absent', () => {
    expect(parseDocument(undefined)).toBeUndefined();
    expect(parseDocument('{not json')).toBeUndefined();
    expect(parseDocument('{"a":1}')).toEqual({ a: 1 });
  });

  it('reads where to look from the line: transaction, well-formed io hashes once, bundle', () => {
    const line = JSON.stringify({
      txn: { id: 'tx_1' },
      io: { input: h('a'), reasoning: h('a'), output: 'sha256:../../etc' },
      decision: { bundle: h('b') },
    });
    expect(pointersOf(line)).toEqual({ seq: null, txnId: 'tx_1', ioHashes: [h('a')], bundleHash: h('b') });
    expect(pointersOf('{"seq":7}').seq).toBe(7);
    const nothing = { seq: null, txnId: null, ioHashes: [], bundleHash: null };
    expect(pointersOf('not json')).toEqual(nothing);
    expect(pointersOf('[1]')).toEqual(nothing);
  });

  it('passes the checkpoints the seal depends on, on their own lines: the rest was judged at import', () => {
    const lines = ['{"seq":100}', '{"seq":200}', 'garbage', '{"seq":300}', '{"seq":400}'];
    const none = new Set<number>();
    // The first at or after the seq (lines below it can neither seal it nor stop it counting).
    expect(sealingCheckpointLines(lines, 150, none)).toEqual(['', '{"seq":200}', '', '', '']);
    expect(sealingCheckpointLines(lines, 200, none)).toEqual(['', '{"seq":200}', '', '', '']);
    expect(sealingCheckpointLines(lines, 50, none)).toEqual(['{"seq":100}', '', '', '', '']);
    // Line 2 had a finding at import (a bad signature, a head that does not match): it is
    // judged again, and so is the next one without a finding; the line that is not JSON
    // between them (its own finding at import) can seal nothing.
    expect(sealingCheckpointLines(lines, 150, new Set([2]))).toEqual(['', '{"seq":200}', '', '{"seq":300}', '']);
    expect(sealingCheckpointLines(lines, 150, new Set([2, 4]))).toEqual([
      '',
      '{"seq":200}',
      '',
      '{"seq":300}',
      '{"seq":400}',
    ]);
    expect(sealingCheckpointLines(lines, 350, none)).toEqual(['', '', '', '', '{"seq":400}']);
    // Nothing at or after it: nothing to pass.
    expect(sealingCheckpointLines(lines, 401, none)).toEqual(['', '', '', '', '']);
    expect(sealingCheckpointLines(lines, null, none)).toEqual(['', '', '', '', '']);
  });

  it('selects the findings on the receipt, on its other steps, and on the files it rests on', () => {
    const findings = [
      finding('DECISION_MISMATCH', 'on the receipt', { path: 'ledgers/l/000001.jsonl', line: 5 }),
      finding('TXN_STEP_GAP', 'on step 3', { path: 'ledgers/l/000001.jsonl', line: 7 }),
      finding('TIER_VIOLATION', 'another receipt', { path: 'ledgers/l/000001.jsonl', line: 9 }),
      finding('ATTACHMENT_HASH_MISMATCH', 'its attachment', { path: `attachments/${'a'.repeat(64)}` }),
      finding('ATTACHMENT_HASH_MISMATCH', 'another attachment', { path: `attachments/${'c'.repeat(64)}` }),
      finding('MANIFEST_SIGNATURE_INVALID', 'manifest', { path: 'manifest.json' }),
      finding('CHECKPOINT_MISMATCH', 'its ledger', { path: 'ledgers/l/checkpoints.jsonl', line: 2 }),
      finding('CHECKPOINT_MISMATCH', 'another ledger', { path: 'ledgers/m/checkpoints.jsonl', line: 2 }),
      finding('POLICY_SIGNATURE_INVALID', 'its bundle', { path: 'policies/p-v2.json' }),
      finding('POLICY_SIGNATURE_INVALID', 'another bundle', { path: 'policies/p-v1.json' }),
      finding('FILE_HASH_MISMATCH', 'its segment', { path: 'ledgers/l/000001.jsonl' }),
      finding('FILE_HASH_MISMATCH', 'another segment', { path: 'ledgers/l/000002.jsonl' }),
    ];
    const selected = selectFindings({
      findings,
      findingRow: [4, 6, 8, -1, -1, -1, -1, -1, -1, -1, -1, -1],
      row: 4,
      stepRows: [2, 4, 6],
      ledger: 'l',
      segmentPath: 'ledgers/l/000001.jsonl',
      ioHashes: [h('a')],
      bundlePath: 'policies/p-v2.json',
    });
    expect(selected.receipt.map((f) => f.message)).toEqual(['on the receipt', 'its attachment']);
    expect(selected.transaction.map((f) => f.message)).toEqual(['on step 3']);
    expect(selected.evidence.map((f) => f.message)).toEqual(['manifest', 'its ledger', 'its bundle', 'its segment']);
  });

  it('shows checkpoint findings of the sealing checkpoint only', () => {
    const evidence = [
      finding('CHECKPOINT_MISMATCH', 'line 2', { path: 'ledgers/l/checkpoints.jsonl', line: 2 }),
      finding('CHECKPOINT_MISMATCH', 'line 3', { path: 'ledgers/l/checkpoints.jsonl', line: 3 }),
      finding('MANIFEST_SIGNATURE_INVALID', 'manifest', { path: 'manifest.json' }),
    ];
    expect(evidenceShown(evidence, 'l', 3).map((f) => f.message)).toEqual(['line 3', 'manifest']);
    expect(evidenceShown(evidence, 'l', null).map((f) => f.message)).toEqual(['manifest']);
  });

  it('marks the steps missing between 1 and the highest found, and stops drawing gaps at 1,000', () => {
    expect(missingSteps([1, 2, 4])).toEqual([3]);
    expect(missingSteps([3])).toEqual([1, 2]);
    expect(missingSteps([1, 2, 3])).toEqual([]);
    expect(missingSteps([])).toEqual([]);
    expect(missingSteps([1, 1_000_000_000])).toHaveLength(1000);
  });
});

describe('the lines stored next to a receipt', () => {
  // The store holds segment 2 before segment 1 (the order the import finished them).
  const paths = ['', 'ledgers/l/000001.jsonl', 'ledgers/l/000002.jsonl', 'ledgers/l/000003.jsonl'];
  const rows = [
    [2, 1],
    [2, 2],
    [1, 1],
    [1, 2],
    [1, 3],
  ] as const;
  const t = {
    paths,
    path: rows.map((r) => r[0]),
    line: rows.map((r) => r[1]),
    from: 0,
    to: rows.length,
    segments: ['ledgers/l/000001.jsonl', 'ledgers/l/000002.jsonl'],
  };

  it('follows segment name and line, not the row order of the store', () => {
    // Line 1 of segment 1: the ledger's first line.
    expect(storedNeighbours(t, 2)).toEqual({ previous: { kind: 'none' }, next: { kind: 'row', row: 3 } });
    // Last line of segment 1: the next is line 1 of segment 2, stored at row 0.
    expect(storedNeighbours(t, 4).next).toEqual({ kind: 'row', row: 0 });
    // Line 1 of segment 2: the one before is the last line of segment 1.
    expect(storedNeighbours(t, 0).previous).toEqual({ kind: 'row', row: 4 });
    // The ledger's last line.
    expect(storedNeighbours(t, 1).next).toEqual({ kind: 'none' });
  });

  it('a segment with no line in the store, or a line missing, is unknown, never "none"', () => {
    const withUnread = {
      ...t,
      segments: ['ledgers/l/000001.jsonl', 'ledgers/l/000003.jsonl', 'ledgers/l/000002.jsonl'],
    };
    const after = storedNeighbours(withUnread, 4).next;
    expect(after.kind === 'unknown' && after.why).toContain('000003.jsonl has no line in the store');
    const gap = { ...t, line: [1, 2, 1, 3, 4] };
    const before = storedNeighbours(gap, 3).previous;
    expect(before.kind === 'unknown' && before.why).toContain('line 2 of ledgers/l/000001.jsonl');
    const firstMissing = storedNeighbours({ ...t, line: [2, 3, 1, 2, 3] }, 0).previous;
    expect(firstMissing.kind).toBe('unknown');
  });

  it('reads the rows of the segments around a receipt only at its segment’s edge', () => {
    // Segment 3 (rows 5..9) stored after 2 and 1; lines missing and segments unread in variants.
    const wide = {
      ...t,
      path: [...t.path, 3, 3, 3, 3, 3],
      line: [...t.line, 1, 2, 3, 4, 5],
      to: 10,
      segments: ['ledgers/l/000001.jsonl', 'ledgers/l/000002.jsonl', 'ledgers/l/000003.jsonl'],
    };
    const variants = [
      wide,
      { ...wide, line: [1, 2, 1, 3, 4, 2, 3, 4, 5, 6] },
      { ...wide, segments: ['ledgers/l/000001.jsonl', 'ledgers/l/000004.jsonl', 'ledgers/l/000002.jsonl'] },
      { ...wide, from: 1, to: 9 },
    ];
    const edgeRows: number[][] = [];
    for (const v of variants) {
      const ranges = segmentRangesOf(v);
      for (let row = v.from; row < v.to; row++) {
        // Accessors that answer only for the row, its neighbours, and what neighbourRowsRead names.
        const allowed = new Set([row - 1, row, row + 1].filter((r) => r >= v.from && r < v.to));
        const guarded = (values: readonly number[]) => (r: number) => {
          if (!allowed.has(r)) throw new Error(`row ${r} was not read`);
          return values[r] as number;
        };
        const view = { ...v, pathAt: guarded(v.path), lineAt: guarded(v.line) };
        const edges = neighbourRowsRead(view, ranges, row);
        for (const r of edges) allowed.add(r);
        expect({ row, ...neighboursIn(view, ranges, row) }).toEqual({ row, ...storedNeighbours(v, row) });
        if (v === wide) edgeRows.push(edges);
      }
    }
    // Inside a segment nothing more is read; at its first line the segment before's last row,
    // at its last line the segment after's first row (none after the last segment).
    expect(edgeRows).toEqual([[4], [5], [], [], [0], [1], [], [], [], []]);
  });

  it('orders rows by segment name, then line', () => {
    const view = {
      paths: t.paths,
      pathAt: (r: number) => t.path[r] as number,
      lineAt: (r: number) => t.line[r] as number,
    };
    expect(inStoredOrder([0, 4, 1, 2], view)).toEqual([2, 4, 0, 1]);
  });
});

describe('the sealing checkpoint lines from a checkpoints file stored in pieces', () => {
  /** Lines as a producer might write them: in order, out of order, repeated, unreadable, without a seq. */
  const line = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 60 }).map((seq) => `{"seq":${seq},"sig":"x"}`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('not json', '{"seq":"7"}', '{}', '', '{"seq":1e400}', '[1]', '{"seq":-3}'),
    },
  );
  const file = fc.record({
    lines: fc.array(line, { maxLength: 40 }),
    crlf: fc.boolean(),
    finalNewline: fc.boolean(),
  });

  it('reads only the pieces it needs, and gives what the whole file gives', async () => {
    await fc.assert(
      fc.asyncProperty(
        file,
        fc.option(fc.integer({ min: -1, max: 62 }), { nil: null }),
        fc.array(fc.integer({ min: 1, max: 41 }), { maxLength: 12 }),
        fc.integer({ min: 1, max: 9 }),
        async ({ lines, crlf, finalNewline }, seq, flagged, perPiece) => {
          const text = lines.join(crlf ? '\r\n' : '\n') + (finalNewline && lines.length > 0 ? '\n' : '');
          const flaggedLines = new Set(flagged);
          const whole = sealingCheckpointLines(jsonlLines(text), seq, flaggedLines);
          const { pieces, summary } = cutCheckpoints(text, perPiece);
          expect(summary.lines).toBe(jsonlLines(text).length);
          expect(pieces.flatMap((p) => p.lines)).toEqual(jsonlLines(text));
          const read: number[] = [];
          const fromPieces = await sealingCheckpointLinesFromPieces(
            summary,
            async (n) => (read.push(n), pieces[n]),
            seq,
            flaggedLines,
          );
          expect(fromPieces).toEqual(whole);
          // Only pieces that hold a kept line or lie before the last kept one, never one wholly before the seq.
          for (const n of read) expect(summary.maxSeq[n]).toBeGreaterThanOrEqual(seq as number);
          const lastKept = whole.findLastIndex((l) => l !== '');
          for (const n of read) expect(pieces[n]!.firstLine - 1).toBeLessThanOrEqual(Math.max(lastKept, 0));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('a ledger of in-order checkpoints: one piece read, the one holding the receipt’s seal', async () => {
    const text = Array.from({ length: 5000 }, (_, i) => `{"seq":${(i + 1) * 100}}`).join('\n') + '\n';
    const { pieces, summary } = cutCheckpoints(text);
    expect(pieces).toHaveLength(20);
    expect(summary.maxSeq[0]).toBe(25_000);
    const read: number[] = [];
    const out = await sealingCheckpointLinesFromPieces(
      summary,
      async (n) => (read.push(n), pieces[n]),
      250_050,
      new Set(),
    );
    expect(read).toEqual([10]);
    expect(out.findIndex((l) => l !== '')).toBe(2500);
    expect(out[2500]).toBe('{"seq":250100}');
    // A piece the store lost is said, not taken as empty.
    await expect(sealingCheckpointLinesFromPieces(summary, async () => undefined, 250_050, new Set())).rejects.toThrow(
      /checkpoint piece 10 is missing/,
    );
    expect(() => cutCheckpoints(text, 0)).toThrow(RangeError);
  });
});

describe('the manifest posted as text (withManifestFromText)', () => {
  it('judges as the parsed manifest does, and is not parsed once the archive’s documents are checked', async () => {
    const demo = await makeDemoArchive({
      cedar: nodeCedar,
      receipts: 120,
      seed: 'posted-manifest',
      receiptsPerSegment: 40,
    });
    const roots = [demo.rootPublicKey];
    const id = receiptsOf(demo.files, 'gw-eu-1')[4]?.receipt.id as string;
    const { manifest, ...rest } = {
      ...(await gatherMaterials(memorySource(demo.files, 'case.zip'), id)),
      documentsId: 'a',
    };
    const deps = (documents?: DocumentsCache) => ({
      cedar: nodeCedar as CedarFormatting,
      verifier: nativeStrictVerifier,
      trustedRoots: roots,
      ...(documents ? { documents } : {}),
    });
    const plain = await explainReceipt({ ...rest, manifest }, deps());
    expect(plain.evidence.manifest).toEqual({ present: true, signatureValid: true, anchored: true });
    const posted = (manifestText: string | undefined): MaterialsWithManifestText => ({ ...rest, manifestText });

    const kept = new Map<string, DocumentsChecked>();
    const documents: DocumentsCache = { get: (k) => kept.get(k), set: (k, v) => void kept.set(k, v) };
    expect(await explainReceipt(withManifestFromText(posted(JSON.stringify(manifest))), deps(documents))).toEqual(
      plain,
    );
    expect(kept.size).toBe(1);
    // The same documents named again: judged from what was checked, the text never read (were
    // it parsed, "not JSON" would read as no manifest).
    const reads = { n: 0 };
    const counted = new Proxy(withManifestFromText(posted('not JSON')), {
      get: (target, key, receiver) => (key === 'manifest' && reads.n++, Reflect.get(target, key, receiver)),
    });
    expect(await explainReceipt(counted, deps(documents))).toEqual(plain);
    expect(reads.n).toBe(0);
    // Without that cache, the text is the manifest: unreadable reads as absent, parsed once.
    const unreadable = await explainReceipt(withManifestFromText(posted('not JSON')), deps());
    expect(unreadable.evidence.manifest).toEqual({ present: false, signatureValid: null, anchored: false });
    const absent = await explainReceipt(withManifestFromText(posted(undefined)), deps());
    expect(absent.evidence.manifest).toEqual(unreadable.evidence.manifest);
  });
});
