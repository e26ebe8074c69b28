/** `onFile`: every file but the segments is handed over once, whole, with the hash the manifest check used. */
import { describe, expect, it } from 'vitest';
import { nodeCedar } from '../../cli/cedar-node.ts';
import { memoryBytes } from '../archive/blob.ts';
import { hashOf } from '../format/hash.ts';
import { makeDemoArchive } from '../producer/demo.ts';
import { zipFiles } from '../producer/zip.ts';
import type { KeptFile } from './types.ts';
import { verifyZipBytes } from './verify.ts';

describe('VerifyOptions.onFile', () => {
  it('hands over the manifest, keys, bundles, checkpoints and attachments, never a segment', async () => {
    const demo = await makeDemoArchive({ cedar: nodeCedar, receipts: 200, seed: 'kept-files', receiptsPerSegment: 50 });
    const kept: KeptFile[] = [];
    await verifyZipBytes(memoryBytes(zipFiles(demo.files)), 'demo.zip', {
      trustedRoots: [demo.rootPublicKey],
      onFile: (file) => kept.push(file),
    });
    const expected = [...demo.files.keys()].filter((p) => !/^ledgers\/[^/]+\/\d{6}\.jsonl$/.test(p)).sort();
    expect(kept.map((f) => f.path).sort()).toEqual(expected);
    expect(kept.some((f) => f.kind === 'attachment')).toBe(true);
    for (const file of kept) {
      const bytes = demo.files.get(file.path) as Uint8Array;
      expect(file.bytes).toEqual(bytes);
      expect(file.sha256).toBe(hashOf(bytes));
      expect(file.size).toBe(bytes.length);
    }
  });
});
