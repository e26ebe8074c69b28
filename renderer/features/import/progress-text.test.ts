import { describe, expect, it } from 'vitest';
import type { VerifyProgress } from '../../workers/verify-protocol.ts';
import { timeLeftText } from './progress-text.ts';

const progress = (over: Partial<VerifyProgress>): VerifyProgress =>
  ({
    phase: 'ledgers',
    bytesDone: 0,
    bytesTotal: 100,
    receiptsDone: 0,
    checkpointsDone: 0,
    checkpointsTotal: 0,
    elapsedMs: 0,
    rate: 0,
    etaMs: null,
    ...over,
  }) as VerifyProgress;

describe('timeLeftText', () => {
  it('gives the estimate while verifying, and says when there is none yet', () => {
    expect(timeLeftText(null)).toBe('—');
    expect(timeLeftText(progress({}))).toBe('—');
    expect(timeLeftText(progress({ bytesDone: 10 }))).toBe('estimating…');
    expect(timeLeftText(progress({ bytesDone: 10, etaMs: 75_000 }))).toBe('about 1 min 15 s');
    expect(timeLeftText(progress({ bytesDone: 100, etaMs: 200 }))).toBe('under 1 s');
  });

  it('never says "about 0 s" while the results are stored, which it does not estimate', () => {
    for (const step of [undefined, 'table', 'index', 'saving'] as const)
      expect(timeLeftText(progress({ phase: 'done', bytesDone: 100, etaMs: 0, ...(step ? { step } : {}) }))).toBe(
        'verification done; storing results',
      );
  });
});
