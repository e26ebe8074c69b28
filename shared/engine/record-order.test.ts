/**
 * `onRecord` sees a ledger's lines in stored order — segment by segment in name order, line by
 * line — when segments are checked in this thread (the app's path below 16 MiB, which stores
 * rows in the order it is told). Two segments in flight at once used to interleave them.
 */
import { describe, expect, it } from 'vitest';
import { nodeCedar } from '../../cli/cedar-node.ts';
import { memorySource } from '../archive/memory.ts';
import { webCryptoVerifier } from '../format/webcrypto-ed25519.ts';
import { makeDemoArchive } from '../producer/demo.ts';
import type { RecordRead } from './types.ts';
import { verifyArchive } from './verify.ts';

describe('onRecord order', () => {
  it('gives every line of each ledger in segment-name and line order, with an asynchronous signature verifier', async () => {
    const demo = await makeDemoArchive({
      cedar: nodeCedar,
      receipts: 1200,
      seed: 'record-order',
      receiptsPerSegment: 100,
    });
    const seen: RecordRead[] = [];
    const bulkVerifier = await webCryptoVerifier();
    await verifyArchive(memorySource(demo.files, 'demo'), {
      trustedRoots: [demo.rootPublicKey],
      ...(bulkVerifier ? { bulkVerifier } : {}),
      onRecord: async (r) => {
        // Yield as a store would, giving another segment's task the chance to run.
        await new Promise((resolve) => setTimeout(resolve, 0));
        seen.push(r);
      },
    });
    for (const ledger of ['gw-eu-1', 'gw-us-1']) {
      const order = seen.filter((r) => r.ledger === ledger).map((r) => `${r.path}:${String(r.line).padStart(6, '0')}`);
      expect(order.length).toBe(600);
      expect(order).toEqual([...order].sort());
      expect(seen.filter((r) => r.ledger === ledger).map((r) => r.receipt?.seq)).toEqual(
        Array.from({ length: 600 }, (_, i) => i + 1),
      );
    }
  });
});
