/**
 * Property: any single-byte change in any receipt line of a valid archive is detected at the
 * changed line itself or at the line after it (for the last line of a segment, the first line
 * of the next segment: joins included), and the ledger is tampered. The manifest is re-sealed
 * over the changed file first, so the manifest's file hash cannot be what catches it.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { memorySource } from '../shared/archive/memory.ts';
import { verifyArchive } from '../shared/engine/verify.ts';
import type { VerifyReport } from '../shared/engine/types.ts';
import { hashOf } from '../shared/format/hash.ts';
import { canonicalize } from '../shared/format/canonical.ts';
import { nativeStrictVerifier } from '../cli/native-ed25519.ts';
import { makeCleanArchive } from '../shared/producer/demo.ts';
import { nodeCedar } from '../cli/cedar-node.ts';
import { RUN_SAMPLE_TESTS, SAMPLES_DIR } from './support/shared-dir.ts';
import { resignManifest, SEED, type Files } from './support/tamper.ts';
import { unzipFile } from './support/unzip.ts';

const SAMPLE_ROOT = '9a79bc1f19cc4abb4f5a237fb0b61182fed928785a2ee8f33a7f203ca88a9f7f';

/** The independent producer's archive key is not ours: its manifest is re-hashed, not re-signed. */
function rehashManifest(files: Files): void {
  const manifest = JSON.parse(new TextDecoder().decode(files.get('manifest.json'))) as {
    files: { path: string; bytes: number; sha256: string }[];
  };
  const files2 = manifest.files.map((entry) => {
    const bytes = files.get(entry.path) as Uint8Array;
    return { ...entry, bytes: bytes.length, sha256: hashOf(bytes) };
  });
  files.set('manifest.json', new TextEncoder().encode(canonicalize({ ...manifest, files: files2 })));
}

const archives = [
  {
    name: 'an archive from our producer (manifest re-signed)',
    available: true,
    runs: 100,
    reseal: resignManifest,
    /** The re-signed manifest itself gives no finding. */
    manifestFindings: [] as string[],
    load: async () => {
      // SEED: the keys test/support/tamper.ts holds, so the manifest can be re-signed.
      const a = await makeCleanArchive({
        cedar: nodeCedar,
        receipts: 240,
        seed: SEED,
        receiptsPerSegment: 40,
        checkpointEvery: 20,
      });
      return { files: a.files, root: a.rootPublicKey };
    },
  },
  {
    name: "the independent producer's valid.zip (manifest re-hashed; its signature no longer verifies)",
    available: RUN_SAMPLE_TESTS,
    runs: 30,
    reseal: rehashManifest,
    manifestFindings: ['MANIFEST_SIGNATURE_INVALID'],
    load: async () => ({ files: unzipFile(SAMPLES_DIR + 'valid.zip'), root: SAMPLE_ROOT }),
  },
];

describe.each(archives)(
  'single-byte changes in receipts: $name',
  ({ available, runs, reseal, manifestFindings, load }) => {
    let files: Files;
    let segments: string[];
    let ROOT: string;
    beforeAll(async () => {
      if (!available) return;
      ({ files, root: ROOT } = await load());
      segments = [...files.keys()].filter((p) => /^ledgers\/[^/]+\/\d{6}\.jsonl$/.test(p)).sort();
    });

    /** The location after (path, line): the next line, or line 1 of the ledger's next segment. */
    const nextLine = (path: string, line: number): { path: string; line: number } => {
      const lines = (files.get(path) as Uint8Array).filter((b) => b === 0x0a).length;
      if (line < lines) return { path, line: line + 1 };
      const next = segments[segments.indexOf(path) + 1];
      return next && next.split('/')[1] === path.split('/')[1] ? { path: next, line: 1 } : { path, line: line + 1 };
    };

    async function changeAndVerify(path: string, offset: number, delta: number) {
      const original = files.get(path) as Uint8Array;
      const changed = original.slice();
      changed[offset] = ((changed[offset] as number) + delta) & 0xff;
      const line = 1 + original.subarray(0, offset).filter((b) => b === 0x0a).length;
      const copy = new Map(files);
      copy.set(path, changed);
      reseal(copy);
      const report: VerifyReport = await verifyArchive(memorySource(copy, 'changed.zip'), {
        trustedRoots: [ROOT],
        verifier: nativeStrictVerifier,
      });
      const ledger = path.split('/')[1];
      const after = nextLine(path, line);
      const where = `byte ${offset} of ${path} (line ${line}) +${delta}:\n${report.findings.map((f) => `${f.code} ${f.path}:${f.line} ${f.message}`).join('\n')}`;
      const atTheChange = report.findings.filter(
        (f) => (f.path === path && f.line === line) || (f.path === after.path && f.line === after.line),
      );
      expect(atTheChange.length, where).toBeGreaterThan(0);
      expect(
        report.findings.filter((f) => f.path === 'manifest.json').map((f) => f.code),
        where,
      ).toEqual(manifestFindings);
      expect(report.findings.filter((f) => f.code === 'FILE_HASH_MISMATCH').length, where).toBe(0);
      expect(report.ledgers.find((l) => l.ledger === ledger)?.state, where).toBe('tampered');
    }

    it.skipIf(!available)('the re-sealed, unchanged archive gives no finding', async () => {
      const copy = new Map(files);
      reseal(copy);
      const report = await verifyArchive(memorySource(copy, 'resealed.zip'), {
        trustedRoots: [ROOT],
        verifier: nativeStrictVerifier,
      });
      expect(report.findings).toEqual([]);
      expect(segments.length).toBeGreaterThanOrEqual(4);
    });

    it.skipIf(!available)(
      'every change is reported at the changed line or the next one (across segment joins), and the ledger is tampered',
      async () => {
        // Half the runs change a byte in the last or first line of a segment, where two segments join.
        const anywhere = fc.record({ segment: fc.nat(), at: fc.nat() });
        const nearJoin = fc.record({ segment: fc.nat(), fromEnd: fc.boolean(), within: fc.nat() });
        await fc.assert(
          fc.asyncProperty(fc.oneof(anywhere, nearJoin), fc.integer({ min: 1, max: 255 }), async (pick, delta) => {
            const path = segments[pick.segment % segments.length] as string;
            const bytes = files.get(path) as Uint8Array;
            let offset: number;
            if ('at' in pick) offset = pick.at % bytes.length;
            else {
              const firstEnd = bytes.indexOf(0x0a) + 1;
              const lastStart = bytes.lastIndexOf(0x0a, bytes.length - 2) + 1;
              offset = pick.fromEnd ? lastStart + (pick.within % (bytes.length - lastStart)) : pick.within % firstEnd;
            }
            await changeAndVerify(path, offset, delta);
          }),
          { numRuns: runs },
        );
      },
      300_000,
    );

    it.skipIf(!available)(
      'the last byte of every segment (its final newline) and the first byte of the next',
      async () => {
        for (const path of segments) {
          const bytes = files.get(path) as Uint8Array;
          await changeAndVerify(path, bytes.length - 1, 1);
          await changeAndVerify(path, 0, 1);
        }
      },
      300_000,
    );
  },
);
