/**
 * A segment's rows built in a pool worker and added whole give exactly the chunks, column
 * blocks and dictionaries that adding the same records one by one gives (the single-worker path).
 */
import { describe, expect, it } from 'vitest';
import { memorySource } from '../../shared/archive/memory.ts';
import { verifyArchive } from '../../shared/engine/verify.ts';
import type { RecordRead } from '../../shared/engine/types.ts';
import { makeDemoArchive } from '../../shared/producer/demo.ts';
import { engineOptions } from '../../cli/engine-options.ts';
import { nodeCedar } from '../../cli/cedar-node.ts';
import { ColumnBuilder, SegmentRowsBuilder, type LineChunk, type SegmentRows } from './receipt-columns.ts';
import { storedLines } from './packed-lines.ts';

describe('SegmentRows', () => {
  it('adding segments whole equals adding their records one by one', async () => {
    const demo = await makeDemoArchive({ cedar: nodeCedar, receipts: 2500, receiptsPerSegment: 700 });
    const records: RecordRead[] = [];
    await verifyArchive(memorySource(demo.files, 'demo.zip'), {
      ...engineOptions(),
      trustedRoots: [demo.rootPublicKey],
      onRecord: (r) => void records.push(r),
    });
    expect(records.length).toBe(2500);

    const one = new ColumnBuilder();
    const oneChunks: LineChunk[] = [];
    for (const record of records) {
      const chunk = one.add(record);
      if (chunk) oneChunks.push(chunk);
    }
    oneChunks.push(...one.flush());

    const whole = new ColumnBuilder();
    const wholeChunks: LineChunk[] = [];
    let rows: SegmentRowsBuilder | null = null;
    let current = '';
    const ship = () => {
      // Through a structured clone, as across threads.
      if (rows) wholeChunks.push(...whole.addSegment(structuredClone(rows.finish()) as SegmentRows));
    };
    let segments = 0;
    for (const record of records) {
      if (record.path !== current) {
        ship();
        segments++;
        current = record.path;
        rows = new SegmentRowsBuilder(record.ledger, record.path);
      }
      rows?.add(record);
    }
    ship();
    wholeChunks.push(...whole.flush());

    expect(segments).toBeGreaterThan(2);
    expect(wholeChunks).toEqual(oneChunks);
    expect(whole.finish()).toEqual(one.finish());
  });

  it('a kept file: its rows come without lines, the chunks leave them out and name it; a builder not keeping it refuses them', () => {
    const A = 'ledgers/a/000001.jsonl';
    const B = 'ledgers/a/000002.jsonl';
    const record = (path: string, line: number): RecordRead => ({
      ledger: 'a',
      path,
      line,
      text: `{"line":${line},"path":"${path}"}`,
      hash: `sha256:${String(line).padStart(64, '0')}`,
      receipt: null,
    });
    const rowsOf = (path: string, count: number, leftOut: boolean) => {
      const rows = new SegmentRowsBuilder('a', path, undefined, leftOut);
      for (let line = 1; line <= count; line++) rows.add(record(path, line));
      return structuredClone(rows.finish()) as SegmentRows;
    };
    const a = rowsOf(A, 200, true);
    expect(a.linesLeftOut).toBe(true);
    expect(a.lines.bytes.length).toBe(0);
    expect(a.lines.ends.length).toBe(200);
    const builder = new ColumnBuilder(undefined, (path) => path === A);
    const chunks = [...builder.addSegment(a), ...builder.addSegment(rowsOf(B, 100, false)), ...builder.flush()];
    expect(chunks.map((c) => c.inFiles)).toEqual([{ ids: [1], paths: [A] }, undefined]);
    const first = storedLines({ lines: (chunks[0] as LineChunk).lines });
    expect(first.slice(0, 200).every((text) => text === '')).toBe(true);
    expect(first.slice(200)).toEqual(Array.from({ length: 50 }, (_, i) => record(B, i + 1).text));
    expect(chunks[0]?.hashes.slice(0, 2)).toEqual([record(A, 1).hash, record(A, 2).hash]);
    expect(() => new ColumnBuilder().addSegment(rowsOf(A, 3, true))).toThrow(
      `The rows of ${A} came without their lines, but the file is not kept.`,
    );
  });

  it('refuses a record of another segment', () => {
    const rows = new SegmentRowsBuilder('a', 'ledgers/a/000001.jsonl');
    expect(() =>
      rows.add({ ledger: 'a', path: 'ledgers/a/000002.jsonl', line: 1, text: '', hash: '', receipt: null }),
    ).toThrow('was given to the rows of');
  });
});
