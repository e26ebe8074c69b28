import { describe, expect, it } from 'vitest';
import { ChunkFlow } from './line-flow.ts';
import type { LineChunk } from './receipt-columns.ts';
import type { FromWorker } from './verify-protocol.ts';

const chunk = {} as LineChunk;

describe('line chunks on their way to the window', () => {
  it('are numbered in order, and reading waits while 8 are unstored until the window stores some', async () => {
    const posted: FromWorker[] = [];
    const flow = new ChunkFlow((m) => void posted.push(m), new AbortController().signal);
    for (let i = 0; i < 7; i++) await flow.sendAndWait(chunk);
    let eighthDone = false;
    const eighth = flow.sendAndWait(chunk).then(() => (eighthDone = true));
    await Promise.resolve();
    expect(eighthDone).toBe(false);
    flow.storedUpTo(0); // nothing stored yet: still waiting
    await Promise.resolve();
    expect(eighthDone).toBe(false);
    flow.storedUpTo(1);
    await eighth;
    expect(posted.map((m) => (m.type === 'lines' ? m.seq : null))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('a cancel lets a waiting reader go on; after an abort nothing waits', async () => {
    const abort = new AbortController();
    const flow = new ChunkFlow(() => undefined, abort.signal);
    for (let i = 0; i < 7; i++) flow.send(chunk);
    const waiting = flow.sendAndWait(chunk);
    abort.abort();
    flow.cancel();
    await waiting;
    await flow.sendAndWait(chunk); // aborted: returns at once
  });
});
