/**
 * The verifier's two size bounds, at their exact values (shared/engine/verify.ts): a JSON
 * document (manifest, keys, a bundle) is read whole up to 64 MiB and refused past it, and a
 * file is handed whole to `onFile` up to MAX_KEPT_FILE_BYTES (16 MiB), with only its size and
 * hash past it. Apart from verify-rules.test.ts because each case hashes tens of MiB (seconds
 * per run): docs/TESTING.md measures these lines with their own Stryker run.
 */
import { describe, expect, it } from 'vitest';
import { hashOf } from '../format/hash.ts';
import type { KeptFile } from './types.ts';
import { MAX_KEPT_FILE_BYTES, verifyArchive } from './verify.ts';
import { archiveFiles, entrySource, sealed, specsOf, TRUSTED } from './verify-archive.test-helper.ts';

const MIB = 1024 * 1024;
const MAX_DOCUMENT_BYTES = 64 * MIB;

/** The archive with one more entry of `size` spaces, read in 1 MiB chunks (the last one shorter). */
function withEntry(path: string, size: number) {
  const bytes = new Uint8Array(size).fill(0x20);
  const specs = specsOf(sealed(archiveFiles(1)));
  return { bytes, source: entrySource([...specs, { name: path, bytes, chunk: MIB }]) };
}

describe('a JSON document is read whole up to 64 MiB', () => {
  it('at exactly 64 MiB it is read (and is not JSON); one byte more and it is refused, naming the limit', async () => {
    const at = await verifyArchive(withEntry('policies/big.json', MAX_DOCUMENT_BYTES).source, {
      trustedRoots: TRUSTED,
    });
    expect(at.findings.filter((f) => f.path === 'policies/big.json').map((f) => [f.code, f.message])).toStrictEqual([
      [
        'FILE_UNLISTED',
        'policies/big.json is in the archive but not in the manifest: it was added after the manifest was signed.',
      ],
      ['RECORD_MALFORMED', 'Line is not valid JSON (Unexpected end of JSON input).'],
    ]);
    const over = await verifyArchive(withEntry('policies/big.json', MAX_DOCUMENT_BYTES + 1).source, {
      trustedRoots: TRUSTED,
    });
    expect(over.findings.filter((f) => f.path === 'policies/big.json')).toStrictEqual([
      {
        code: 'ENTRY_TOO_LARGE',
        severity: 'high',
        message: 'policies/big.json was not read past 67 MB: a JSON document may be at most 67108864 bytes.',
        path: 'policies/big.json',
        detail: { limit: 'maxEntryBytes' },
      },
      {
        code: 'FILE_UNLISTED',
        severity: 'critical',
        message:
          'policies/big.json is in the archive but not in the manifest: it was added after the manifest was signed.',
        path: 'policies/big.json',
      },
    ]);
  });
});

describe('onFile gets a file whole up to MAX_KEPT_FILE_BYTES', () => {
  it('at exactly 16 MiB with its bytes; one byte more with its size and hash only', async () => {
    expect(MAX_KEPT_FILE_BYTES).toBe(16 * MIB);
    for (const size of [MAX_KEPT_FILE_BYTES, MAX_KEPT_FILE_BYTES + 1]) {
      const { bytes, source } = withEntry('attachments/big', size);
      const kept: KeptFile[] = [];
      await verifyArchive(source, { trustedRoots: TRUSTED, onFile: (file) => kept.push(file) });
      const big = kept.find((k) => k.path === 'attachments/big') as KeptFile;
      expect([big.size, big.sha256, big.bytes?.length ?? null]).toStrictEqual([
        size,
        hashOf(bytes),
        size === MAX_KEPT_FILE_BYTES ? size : null,
      ]);
      if (big.bytes) expect(big.bytes.every((b) => b === 0x20)).toBe(true);
    }
  });
});
