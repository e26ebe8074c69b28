/**
 * Archives from a second producer, test/bench/independent-producer.py: written from FORMAT.md
 * alone in Python (OpenSSL's Ed25519 through `cryptography`), with choices this project's demo
 * does not make (non-ASCII ledger, agent and file names, three bundle versions with a gap,
 * key rotation and revocation, namespaced Cedar, stored and deflated entries, directory
 * entries, a manifest in write order). A clean one must give no finding, however it is read;
 * a changed byte must not pass.
 *
 * Needs python3 with `cryptography` (Debian: python3-cryptography; .ci/run installs it). Off
 * CI, where it is missing, these tests are skipped and say so; under CI=true they fail.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Uint8ArrayReader, Uint8ArrayWriter, ZipReader, ZipWriter } from '@zip.js/zip.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.ts';
import { verifyPath } from '../cli/commands/verify.ts';
import { engineOptions } from '../cli/engine-options.ts';
import { openArchivePath } from '../cli/open-archive.ts';
import { webCryptoVerifier } from '../shared/format/webcrypto-ed25519.ts';
import { verifyBothWays } from './support/pieces.ts';
import {
  independentProducerRuns,
  makeIndependentArchive,
  type IndependentArchive,
} from './support/independent-producer.ts';

const RUNS = independentProducerRuns('the tests on the independent producer’s archives');
type Made = IndependentArchive;

describe.skipIf(!RUNS)('archives from the independent producer (test/bench/independent-producer.py)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tickmark-independent-'));
  const make = (name: string, args: readonly string[]): Made => makeIndependentArchive(join(dir, `${name}.zip`), args);
  let plain: Made;
  let everyReceipt: Made;
  beforeAll(() => {
    // Three ledgers, 700 receipts a file, a checkpoint every 37.
    plain = make('plain', [
      '--receipts',
      '3000',
      '--segment-receipts',
      '700',
      '--checkpoint-every',
      '37',
      '--ledgers',
      '3',
      '--seed',
      'tickmark-test',
    ]);
    // A checkpoint for every receipt.
    everyReceipt = make('every', [
      '--receipts',
      '1500',
      '--segment-receipts',
      '200',
      '--checkpoint-every',
      '1',
      '--seed',
      'tickmark-test-2',
    ]);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function verifyJson(path: string, root: string) {
    let stdout = '';
    const code = await main(['verify', path, '--json', '--trust-root', root], {
      stdout: (t) => void (stdout += t),
      stderr: () => undefined,
    });
    return {
      code,
      out: JSON.parse(stdout) as {
        findings: { code: string }[];
        summary: { receipts: number; trusted: boolean; ledgers: number };
      },
    };
  }

  it('a clean archive gives no finding: exit 0, every receipt, anchored', async () => {
    const { code, out } = await verifyJson(plain.path, plain.root);
    expect(out.findings).toEqual([]);
    expect(code).toBe(0);
    expect(out.summary).toMatchObject({ receipts: 3000, ledgers: 3, trusted: true });
  });

  it('split into pieces at line ends and spilled (as the pool and a large run read it), the report is the same', async () => {
    for (const pieceBytes of [1, 50_000]) {
      const { whole, pieces } = await verifyBothWays(
        () => openArchivePath(plain.path),
        { ...engineOptions(), trustedRoots: [plain.root] },
        pieceBytes,
      );
      expect(whole.findings).toEqual([]);
      expect(pieces, `pieces of ${pieceBytes} bytes`).toEqual(whole);
    }
  });

  it('a checkpoint for every receipt, judged in batches and paced with the segments, gives no finding', async () => {
    const aheadVerifier = await webCryptoVerifier();
    expect(aheadVerifier).not.toBeNull();
    const report = await verifyPath(
      everyReceipt.path,
      {
        trustedRoots: [everyReceipt.root],
        ...(aheadVerifier ? { aheadVerifier } : {}),
        segmentRunnerMinBytes: 0,
        pacingWindow: 3,
      },
      { workers: 2 },
    );
    expect(report.findings).toEqual([]);
    expect(report.summary.receipts).toBe(1500);
    expect(report.ledgers.map((l) => [l.state, l.sealedSeq, l.checkpoints])).toEqual([
      ['verified', 750, 750],
      ['verified', 750, 750],
    ]);
  });

  it('one hex digit of one receipt’s signature changed: that receipt’s signature and the file’s hash are reported', async () => {
    const reader = new ZipReader(new Uint8ArrayReader(readFileSync(plain.path)));
    const writer = new ZipWriter(new Uint8ArrayWriter());
    let changed = '';
    for (const entry of await reader.getEntries()) {
      if (entry.directory) continue;
      let bytes = await entry.getData(new Uint8ArrayWriter());
      if (!changed && /^ledgers\/[^/]+\/\d{6}\.jsonl$/.test(entry.filename)) {
        const text = new TextDecoder().decode(bytes);
        const at = text.indexOf('"sig":"') + 7;
        bytes = new TextEncoder().encode(text.slice(0, at) + (text[at] === 'a' ? 'b' : 'a') + text.slice(at + 1));
        changed = entry.filename;
      }
      await writer.add(entry.filename, new Uint8ArrayReader(bytes));
    }
    await reader.close();
    const path = join(dir, 'changed.zip');
    writeFileSync(path, await writer.close());
    const { code, out } = await verifyJson(path, plain.root);
    expect(changed).not.toBe('');
    expect(code).toBe(1);
    const codes = new Set(out.findings.map((f) => f.code));
    expect(codes).toContain('SIGNATURE_INVALID');
    expect(codes).toContain('FILE_HASH_MISMATCH');
  });
});
