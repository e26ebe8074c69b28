/** A runner's `run` made of its `runMany` (runAlone), and the buffers a message of tasks moves (pieceBuffersOf). */
import { describe, expect, it } from 'vitest';
import { emptySegmentResult } from './segment.ts';
import { pieceBuffersOf, runAlone, type SegmentTask } from './segment-task.ts';

const task = (path: string, bytes?: Uint8Array): SegmentTask =>
  ({
    ledger: 'L',
    path,
    checkpointRuns: [],
    ...(bytes ? { piece: { index: 0, firstLine: 1, offset: 0, bytes, span: bytes.length, last: true } } : {}),
  }) as unknown as SegmentTask;

describe('runAlone', () => {
  it('sends the one task alone and gives its one result', async () => {
    const sent: SegmentTask[][] = [];
    const run = runAlone(async (tasks) => {
      sent.push(tasks);
      return tasks.map((t) => emptySegmentResult(t.path, t.ledger, 0));
    });
    const one = task('ledgers/L/000001.jsonl');
    expect((await run(one)).path).toBe(one.path);
    expect(sent).toEqual([[one]]);
  });

  it('a runner that gives no result for the task is an error, not an undefined result', async () => {
    await expect(runAlone(async () => [])(task('ledgers/L/000001.jsonl'))).rejects.toThrow(
      'a verification worker gave no result for its task',
    );
  });
});

describe('pieceBuffersOf', () => {
  it("gives each piece's buffer, in order, and none for a task of a whole file", () => {
    const a = new Uint8Array(4);
    const b = new Uint8Array(8);
    const buffers = pieceBuffersOf([task('x', a), task('y'), task('z', b)]);
    expect(buffers).toHaveLength(2);
    expect(buffers[0]).toBe(a.buffer);
    expect(buffers[1]).toBe(b.buffer);
  });
});
