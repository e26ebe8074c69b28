import { describe, expect, it } from 'vitest';
import type { LineRead } from '../archive/lines.ts';
import { utf8 } from '../format/bytes.ts';
import { CHECKPOINT_BATCH, CheckpointJudging, Pacer } from './checkpoint-judging.ts';
import type { CheckpointRead, LedgerMerger } from './ledger.ts';
import { nextTask } from './next-task.ts';

/** Lets every pending task and microtask run. */
const settle = async () => {
  for (let i = 0; i < 20; i++) await nextTask();
};

describe('Pacer', () => {
  it('waits while blocked, until a move unblocks it', async () => {
    const pacer = new Pacer();
    let blocked = true;
    let done = false;
    void pacer.wait('judging', () => blocked).then(() => (done = true));
    await settle();
    expect(done).toBe(false);
    pacer.moved(); // still blocked: it asks again and waits on
    await settle();
    expect(done).toBe(false);
    blocked = false;
    pacer.moved();
    await settle();
    expect(done).toBe(true);
  });

  it('never lets both sides wait: the second goes on while the first waits', async () => {
    const pacer = new Pacer();
    let judging = false;
    let segments = false;
    void pacer.wait('judging', () => true).then(() => (judging = true));
    void pacer.wait('segments', () => true).then(() => (segments = true));
    await settle();
    expect([judging, segments]).toStrictEqual([false, true]);
  });
});

/**
 * A ledger merger as the judging sees it: every line a checkpoint with a signature, judged
 * valid, each awaiting its receipt until `arrive` says it came.
 */
function fakeLedger() {
  const state = { judged: 0, awaiting: 0, findings: [] as unknown[], noMore: false };
  const ledger = {
    readCheckpoint: (read: LineRead): CheckpointRead => ({
      line: read.line,
      findings: [],
      signed: { signature: new Uint8Array(64), message: new Uint8Array(1), publicKey: new Uint8Array(32) },
    }),
    judgeCheckpoint: () => {
      state.judged++;
      state.awaiting++;
    },
    addFileFinding: (f: unknown) => state.findings.push(f),
    noMoreCheckpoints: () => void (state.noMore = true),
    get checkpointsAwaitingReceipts() {
      return state.awaiting;
    },
    get hashesAwaitingCheckpoints() {
      return 0;
    },
  };
  return { ledger: ledger as unknown as LedgerMerger, state };
}

const linesOf = (n: number) =>
  async function* (): AsyncGenerator<LineRead> {
    for (let line = 1; line <= n; line++) yield { kind: 'line', line, bytes: utf8('{}') };
  };

describe('CheckpointJudging', () => {
  const bulk = { name: 'yes', verifyAsync: async () => true };
  const noChange = () => {
    throw new Error('no file changed in this test');
  };

  it('judges no more than a window ahead of the receipts while the ledger has segments to merge', async () => {
    const { ledger, state } = fakeLedger();
    let reported = 0;
    const judging = new CheckpointJudging(
      bulk,
      { onChanged: noChange, onJudged: (lines) => (reported += lines) },
      undefined,
      1000,
    );
    judging.expectSegments(ledger, 1);
    judging.add({ ledger, path: 'ledgers/L/checkpoints.jsonl', lines: 5000, digest: null, reread: linesOf(5000) });
    const all = judging.judgeAll();
    await settle();
    // A batch is judged only while at most a window of judged checkpoints waits for receipts.
    expect(state.judged).toBe(2 * CHECKPOINT_BATCH);
    // Each batch judged is reported, for progress.
    expect(reported).toBe(2 * CHECKPOINT_BATCH);
    state.awaiting = 0; // their receipts came
    judging.merged();
    await settle();
    expect(state.judged).toBe(4 * CHECKPOINT_BATCH);
    // The last segment file merged: nothing more will come, so it judges to the end.
    judging.segmentFileMerged(ledger);
    await all;
    expect(state.judged).toBe(5000);
    expect(reported).toBe(5000);
    expect(state.findings).toStrictEqual([]);
    // Its merger is told that no checkpoint will come: it keeps no more hashes for one.
    expect(state.noMore).toBe(true);
  });

  it('does not wait for segments while the segments wait for it', async () => {
    const { ledger, state } = fakeLedger();
    const judging = new CheckpointJudging(bulk, { onChanged: noChange }, undefined, 1000);
    judging.expectSegments(ledger, 1);
    judging.add({ ledger, path: 'ledgers/L/checkpoints.jsonl', lines: 3000, digest: null, reread: linesOf(3000) });
    let segmentsWent = false;
    // The segments are waiting (a stand-in for a ledger holding many unasked hashes).
    void judging.pacer.wait('segments', () => !segmentsWent).then(() => undefined);
    const all = judging.judgeAll();
    await settle();
    // Nothing else moves the segments on: the judging goes on past its window rather than deadlock.
    expect(state.judged).toBe(3000);
    await all;
    segmentsWent = true;
    judging.pacer.moved();
  });

  it('lets waiting segments go once the judging ends or stops', async () => {
    const { ledger } = fakeLedger();
    const judging = new CheckpointJudging(bulk, { onChanged: noChange }, undefined, 0);
    judging.add({ ledger, path: 'ledgers/L/checkpoints.jsonl', lines: 0, digest: null, reread: linesOf(0) });
    const holding = { ...ledger, hashesAwaitingCheckpoints: 10 } as unknown as LedgerMerger;
    let went = false;
    void judging.roomForSegments(holding).then(() => (went = true));
    await settle();
    expect(went).toBe(false);
    judging.stop();
    await settle();
    expect(went).toBe(true);
  });
});
