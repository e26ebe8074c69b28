/**
 * The archives in ../shared/samples were made by an independent producer (another
 * language, OpenSSL's Ed25519). Our verifier must give each the findings cases.json lists.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Uint8ArrayReader, Uint8ArrayWriter, ZipReader, ZipWriter } from '@zip.js/zip.js';
import { describe, expect, it } from 'vitest';
import { main } from '../cli/main.ts';
import { RUN_SAMPLE_TESTS, SAMPLES_DIR } from './support/shared-dir.ts';
import { openArchivePath } from '../cli/open-archive.ts';
import { engineOptions } from '../cli/engine-options.ts';
import { verifyBothWays } from './support/pieces.ts';

interface Cases {
  root_public_key: string;
  cases: Record<string, { expect: string[]; trust: boolean }>;
}
// Under CI=true a missing cases.json throws here and fails this file: it never runs over an empty list.
const cases: Cases = RUN_SAMPLE_TESTS
  ? JSON.parse(readFileSync(SAMPLES_DIR + 'cases.json', 'utf8'))
  : { root_public_key: '', cases: {} };

async function verifyJson(
  name: string,
  trust: boolean,
  path = `${SAMPLES_DIR}${name}.zip`,
): Promise<{ code: number; out: { findings: { code: string }[]; summary: { receipts: number; trusted: boolean } } }> {
  let stdout = '';
  const args = ['verify', path, '--json', ...(trust ? ['--trust-root', cases.root_public_key] : [])];
  const code = await main(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stdout += t) });
  return { code, out: JSON.parse(stdout) };
}

describe.skipIf(!RUN_SAMPLE_TESTS)('independent producer samples (../shared/samples)', () => {
  it('cases.json lists the four sample archives (the table below is not empty)', () => {
    expect(Object.keys(cases.cases).sort()).toEqual(['decision_mismatch', 'modified_field', 'truncated', 'valid']);
  });

  it.each(Object.entries(cases.cases))('%s gives the findings cases.json expects', async (name, c) => {
    const { code, out } = await verifyJson(name, c.trust);
    const codes = new Set(out.findings.map((f) => f.code));
    for (const expected of c.expect) expect(codes, `${name} must report ${expected}`).toContain(expected);
    if (c.expect.length === 0) {
      expect(out.findings).toEqual([]);
      expect(code).toBe(0);
    } else {
      expect(code).toBe(1);
    }
  });

  it.each(Object.entries(cases.cases))(
    '%s: split into pieces at line ends (as the pool splits files), the report is the same',
    async (name, c) => {
      for (const pieceBytes of [1, 5000]) {
        const { whole, pieces } = await verifyBothWays(
          () => openArchivePath(`${SAMPLES_DIR}${name}.zip`),
          { ...engineOptions(), trustedRoots: c.trust ? [cases.root_public_key] : [] },
          pieceBytes,
        );
        expect(pieces, `pieces of ${pieceBytes} bytes`).toEqual(whole);
      }
    },
  );

  it('valid.zip: exit 0, 1200 receipts, no findings, anchored', async () => {
    const { code, out } = await verifyJson('valid', true);
    expect(code).toBe(0);
    expect(out.summary.receipts).toBe(1200);
    expect(out.summary.trusted).toBe(true);
    expect(out.findings).toEqual([]);
  });

  it('valid.zip without its root pinned is not trusted: KEY_UNTRUSTED_ROOT, exit 1', async () => {
    const { code, out } = await verifyJson('valid', false);
    expect(code).toBe(1);
    expect(out.summary.trusted).toBe(false);
    expect(out.findings.map((f) => f.code)).toEqual(['KEY_UNTRUSTED_ROOT']);
  });

  // Other writers lay the same entries out differently: ZIP64 records in every header (what a
  // writer emits past 4 GiB or 65,535 entries, and some always do), and data descriptors after
  // each entry's data (streaming writers). The container's layout must not change the report.
  it.each(Object.entries(cases.cases))(
    '%s re-packed with ZIP64 records and data descriptors gives the same report as the original',
    async (name, c) => {
      const dir = mkdtempSync(join(tmpdir(), 'tickmark-zip64-'));
      try {
        const original = await verifyJson(name, c.trust);
        const reader = new ZipReader(new Uint8ArrayReader(readFileSync(`${SAMPLES_DIR}${name}.zip`)));
        for (const layout of [{ zip64: true }, { zip64: true, dataDescriptor: true, dataDescriptorSignature: true }]) {
          const writer = new ZipWriter(new Uint8ArrayWriter(), layout);
          for (const entry of await reader.getEntries()) {
            if (entry.directory) continue;
            await writer.add(entry.filename, new Uint8ArrayReader(await entry.getData(new Uint8ArrayWriter())));
          }
          const bytes = await writer.close();
          // ZIP64's end of central directory record is there, so the layout is what it says.
          expect(Buffer.from(bytes).includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true);
          const path = join(dir, `${name}-zip64.zip`);
          writeFileSync(path, bytes);
          const repacked = await verifyJson(name, c.trust, path);
          expect(repacked.code, JSON.stringify(layout)).toBe(original.code);
          expect(repacked.out.findings, JSON.stringify(layout)).toEqual(original.out.findings);
          expect(repacked.out.summary.receipts).toBe(original.out.summary.receipts);
        }
        await reader.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
