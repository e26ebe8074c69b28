/**
 * A worker thread for shared/decisions/shared-memo.test.ts: attaches to the store in `workerData.buffer`, then
 * writes and reads keys `${prefix}${i}` for i below `count`, interleaved with the other
 * threads, and posts what it read back: every answer must be the one written under its key.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SharedDecisions } from '../../shared/decisions/shared-memo.ts';
import type { Decision } from '../../shared/decisions/cedar.ts';

const { buffer, prefixes, count } = workerData as { buffer: SharedArrayBuffer; prefixes: string[]; count: number };
const store = SharedDecisions.attach(buffer);
const decisionOf = (key: string): Decision => ({ ok: true, effect: 'allow', policies: [key], errors: [] });
let wrong = 0;
let found = 0;
for (let i = 0; i < count; i++) {
  for (const prefix of prefixes) {
    const key = `${prefix}${i}`;
    const known = store.get(key);
    if (known) {
      found++;
      if (JSON.stringify(known) !== JSON.stringify(decisionOf(key))) wrong++;
    } else store.set(key, decisionOf(key));
  }
}
parentPort!.postMessage({ wrong, found });
