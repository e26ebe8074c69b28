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

  it('refuses a record of another segment', () => {
    const rows = new SegmentRowsBuilder('a', 'ledgers/a/000001.jsonl');
    expect(() =>
      rows.add({ ledger: 'a', path: 'ledgers/a/000002.jsonl', line: 1, text: '', hash: '', receipt: null }),
    ).toThrow('was given to the rows of');
  });
});
