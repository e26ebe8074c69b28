import { describe, expect, it } from 'vitest';
import type { Progress } from '../../shared/engine/types.ts';
import { progressPrinter } from './verify-queue.ts';

const at = (
  phase: Progress['phase'],
  bytesDone: number,
  receiptsDone: number,
  checkpointsDone = 0,
  checkpointsTotal = 0,
): Progress => ({ phase, bytesDone, bytesTotal: 1000, receiptsDone, checkpointsDone, checkpointsTotal });

/** Feeds progress at the given times (ms); returns the lines noted. */
function printed(steps: readonly [ms: number, progress: Progress][]): string[] {
  const lines: string[] = [];
  let clock = 0;
  const print = progressPrinter(
    (text) => lines.push(text),
    () => clock,
  );
  for (const [ms, progress] of steps) {
    clock = ms;
    print(progress);
  }
  return lines;
}

describe('verify --queue progress on stderr', () => {
  it('notes each tenth of the ledger data, with the receipts, and nothing before the receipts', () => {
    expect(
      printed([
        [0, at('checkpoints', 50, 0)],
        [100, at('ledgers', 99, 10)],
        [200, at('ledgers', 100, 12)],
        [300, at('ledgers', 150, 20)],
        [400, at('ledgers', 350, 40)],
      ]),
    ).toStrictEqual(['10% of the ledger data checked (12 receipts)', '35% of the ledger data checked (40 receipts)']);
  });

  it('counts the checkpoints where there are some, and says when the last ones are verified after the receipts', () => {
    expect(
      printed([
        [0, at('ledgers', 100, 10, 5, 2000)],
        [1000, at('ledgers', 1000, 100, 1200, 2000)],
        // Every receipt checked: the checkpoints' tail, noted at once, then at most every 15 s.
        [1100, at('checkpoints', 1000, 100, 1300, 2000)],
        [2000, at('checkpoints', 1000, 100, 1500, 2000)],
        [16_200, at('checkpoints', 1000, 100, 1900, 2000)],
        [16_300, at('controls', 1000, 100, 2000, 2000)],
      ]),
    ).toStrictEqual([
      '10% of the ledger data checked (10 receipts, 5 of 2,000 checkpoints)',
      '100% of the ledger data checked (100 receipts, 1,200 of 2,000 checkpoints)',
      'every receipt checked (100); verifying the last checkpoints: 1,300 of 2,000 checkpoints',
      'every receipt checked (100); verifying the last checkpoints: 1,900 of 2,000 checkpoints',
    ]);
  });
});
