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
import {
  ColumnBuilder,
  SegmentRowsBuilder,
  type LineChunk,
  type RowsFile,
  type SegmentRows,
} from './receipt-columns.ts';
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

    // Several whole files in one set of rows (a pool worker's group), across ledgers, some files'
    // lines left out (kept as their stored bytes): the same chunks as record by record.
    const files = [...new Set(records.map((r) => r.path))];
    expect(new Set(records.map((r) => r.ledger)).size).toBeGreaterThan(1);
    const keptFile = (path: string) => files.indexOf(path) % 3 === 1;
    for (const groupOf of [2, 3, 5]) {
      const single = new ColumnBuilder(undefined, keptFile);
      const singleChunks: LineChunk[] = [];
      for (const record of records) {
        const chunk = single.add(record);
        if (chunk) singleChunks.push(chunk);
      }
      singleChunks.push(...single.flush());
      const grouped = new ColumnBuilder(undefined, keptFile);
      const groupedChunks: LineChunk[] = [];
      let group: SegmentRowsBuilder | null = null;
      let inGroup = 0;
      let sets = 0;
      const send = () => {
        if (!group) return;
        const rows = structuredClone(group.finish()) as SegmentRows;
        if (inGroup > 1) expect(rows.files?.map((f) => f.path)).toHaveLength(inGroup);
        groupedChunks.push(...grouped.addSegment(rows));
        group = null;
        sets++;
      };
      let path = '';
      for (const record of records) {
        if (record.path !== path) {
          path = record.path;
          if (group && inGroup < groupOf) {
            group.next(record.ledger, path, keptFile(path));
            inGroup++;
          } else {
            send();
            group = new SegmentRowsBuilder(record.ledger, path, undefined, keptFile(path));
            inGroup = 1;
          }
        }
        group?.add(record);
      }
      send();
      groupedChunks.push(...grouped.flush());
      expect(sets).toBeLessThan(segments);
      expect(groupedChunks, `groups of ${groupOf}`).toEqual(singleChunks);
      expect(grouped.finish()).toEqual(single.finish());
    }
  });

  it('rows of several files that do not add up to the rows sent are refused', () => {
    const rows = new SegmentRowsBuilder('a', 'ledgers/a/000001.jsonl');
    rows.add({ ledger: 'a', path: 'ledgers/a/000001.jsonl', line: 1, text: '{}', hash: '', receipt: null });
    rows.next('b', 'ledgers/b/000001.jsonl');
    rows.add({ ledger: 'b', path: 'ledgers/b/000001.jsonl', line: 1, text: '{}', hash: '', receipt: null });
    const done = rows.finish();
    expect(done.files).toEqual([
      { ledger: 'a', path: 'ledgers/a/000001.jsonl', count: 1 },
      { ledger: 'b', path: 'ledgers/b/000001.jsonl', count: 1 },
    ]);
    const files = done.files ?? [];
    expect(() => new ColumnBuilder().addSegment({ ...done, files: [files[0] as RowsFile] })).toThrow(
      'Rows were sent for 1 lines of no file.',
    );
    expect(() =>
      new ColumnBuilder().addSegment({ ...done, files: [...files, { ...(files[1] as RowsFile), count: 5 }] }),
    ).toThrow('are more than the 2 sent');
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
