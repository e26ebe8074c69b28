/**
 * Property: any single-byte change in any receipt line of a valid archive is detected,
 * at the receipt itself or the link after it, not only by the manifest's file hash.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { memorySource } from '../shared/archive/memory.ts';
import { verifyArchive } from '../shared/engine/verify.ts';
import { nativeStrictVerifier } from '../cli/native-ed25519.ts';
import { makeCleanArchive } from '../shared/producer/demo.ts';
import { nodeCedar } from '../cli/cedar-node.ts';
import { HAS_SAMPLES, SAMPLES_DIR } from './support/shared-dir.ts';
import { unzipFile } from './support/unzip.ts';

const SAMPLE_ROOT = '9a79bc1f19cc4abb4f5a237fb0b61182fed928785a2ee8f33a7f203ca88a9f7f';

const archives = [
  {
    name: 'an archive from our producer',
    available: true,
    load: async () => {
      const a = await makeCleanArchive({ cedar: nodeCedar, receipts: 600, seed: 'single-byte' });
      return { files: a.files, root: a.rootPublicKey };
    },
  },
  {
    name: "the independent producer's valid.zip",
    available: HAS_SAMPLES,
    load: async () => ({ files: unzipFile(SAMPLES_DIR + 'valid.zip'), root: SAMPLE_ROOT }),
  },
];

describe.each(archives)('single-byte changes in receipts: $name', ({ available, load }) => {
  let files: Map<string, Uint8Array>;
  let segments: string[];
  let ROOT: string;
  beforeAll(async () => {
    if (!available) return;
    ({ files, root: ROOT } = await load());
    segments = [...files.keys()].filter((p) => /^ledgers\/[^/]+\/\d{6}\.jsonl$/.test(p)).sort();
  });

  it.skipIf(!available)(
    'every change is reported at the changed line or the next link, and the ledger is tampered',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.nat(),
          fc.nat(),
          fc.integer({ min: 1, max: 255 }),
          async (segmentPick, offsetPick, delta) => {
            const path = segments[segmentPick % segments.length] as string;
            const original = files.get(path) as Uint8Array;
            const changed = original.slice();
            const offset = offsetPick % changed.length;
            changed[offset] = ((changed[offset] as number) + delta) & 0xff;
            const line = 1 + original.subarray(0, offset).filter((b) => b === 0x0a).length;
            const report = await verifyArchive(memorySource(new Map([...files, [path, changed]]), 'changed.zip'), {
              trustedRoots: [ROOT],
              verifier: nativeStrictVerifier,
            });
            const ledger = path.split('/')[1];
            const local = report.findings.filter(
              (f) => f.path === path && f.line !== undefined && f.line >= line && f.line <= line + 2,
            );
            const sealed = report.findings.filter(
              (f) => f.ledger === ledger && (f.code === 'CHECKPOINT_MISMATCH' || f.code === 'CHAIN_BROKEN'),
            );
            expect(local.length + sealed.length, `byte ${offset} of ${path} (line ${line})`).toBeGreaterThan(0);
            expect(report.findings.map((f) => f.code)).toContain('FILE_HASH_MISMATCH');
            expect(report.ledgers.find((l) => l.ledger === ledger)?.state).toBe('tampered');
          },
        ),
        { numRuns: 20 },
      );
    },
  );
});
