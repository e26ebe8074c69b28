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

describe('VerifyOptions.onEntries', () => {
  it("tells the archive's directory once, every entry, before any entry is read", async () => {
    const demo = await makeDemoArchive({ cedar: nodeCedar, receipts: 120, seed: 'entries', receiptsPerSegment: 40 });
    const events: string[] = [];
    let told: readonly { name: string; compressedSize: number | null; declaredSize: number | null }[] = [];
    await verifyZipBytes(memoryBytes(zipFiles(demo.files)), 'demo.zip', {
      trustedRoots: [demo.rootPublicKey],
      onEntries: (entries) => {
        events.push('entries');
        told = entries;
      },
      onFile: (file) => events.push(`file ${file.path}`),
    });
    expect(events[0]).toBe('entries');
    expect(events.filter((e) => e === 'entries')).toHaveLength(1);
    expect(told.map((e) => e.name).sort()).toEqual([...demo.files.keys()].sort());
    for (const entry of told) expect(entry.declaredSize).toBe((demo.files.get(entry.name) as Uint8Array).length);
  });
});
