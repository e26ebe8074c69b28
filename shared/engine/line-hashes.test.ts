/**
 * `webCryptoLineHashes` (line-hashes.ts): lines pass through unchanged and in order, each
 * with exactly `hashOf(bytes)` as its hash, whatever the batch size; a WebCrypto that is
 * missing, fails or answers wrong is refused; and a pool worker's result for a piece is the
 * same with the lines hashed ahead as without.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LineRead } from '../archive/lines.ts';
import { DEFAULT_LIMITS } from '../archive/source.ts';
import { utf8 } from '../format/bytes.ts';
import { nobleStrictVerifier } from '../format/ed25519.ts';
import { hashOf } from '../format/hash.ts';
import type { DigestSubtle } from '../format/webcrypto-sha256.ts';
import { resolveBundle, testBundleBody } from '../controls/fixtures.test-helper.ts';
import { webCryptoLineHashes, type LineTransform } from './line-hashes.ts';
import { segmentChecker } from './segment-worker.ts';
import type { RecordRead } from './types.ts';
import { joinLines, KEYS_TEXT, receiptLines, segPath, TRUSTED } from './verify-archive.test-helper.ts';
import { toSeqRuns } from './seq-runs.ts';

const subtle = globalThis.crypto.subtle as unknown as DigestSubtle;

async function* fromArray(reads: readonly LineRead[]): AsyncGenerator<LineRead> {
  for (const r of reads) yield r;
}

async function collect(lines: AsyncIterable<LineRead>): Promise<LineRead[]> {
  const out: LineRead[] = [];
  for await (const r of lines) out.push(r);
  return out;
}

const lineRead = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ kind: 'line' as const, bytes })),
  fc.integer({ min: 1, max: 1 << 20 }).map((length) => ({ kind: 'too-long' as const, length })),
);

describe('webCryptoLineHashes', () => {
  it('passes every line on in order with hash = hashOf(bytes), for any lines and batch size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(lineRead, { maxLength: 40 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 7 }),
        async (specs, unterminatedLast, batch) => {
          const reads: LineRead[] = specs.map((s, i) =>
            s.kind === 'too-long'
              ? { kind: 'too-long', line: i + 1, length: s.length }
              : {
                  kind: i === specs.length - 1 && unterminatedLast ? 'unterminated' : 'line',
                  line: i + 1,
                  bytes: s.bytes,
                },
          );
          const transform = await webCryptoLineHashes(subtle, batch);
          if (!transform) throw new Error("this Node's WebCrypto has no SHA-256");
          const out = await collect(transform(fromArray(reads)));
          expect(out).toEqual(reads.map((r) => (r.kind === 'too-long' ? r : { ...r, hash: hashOf(r.bytes) })));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('holds at most one batch of lines before passing them on', async () => {
    for (const batch of [1, 3, 4]) {
      let pulled = 0;
      async function* counted(): AsyncGenerator<LineRead> {
        for (let i = 1; i <= 10; i++) {
          pulled++;
          yield { kind: 'line', line: i, bytes: utf8(`line ${i}`) };
        }
      }
      const transform = await webCryptoLineHashes(subtle, batch);
      const lines = (transform as NonNullable<typeof transform>)(counted())[Symbol.asyncIterator]();
      const first = await lines.next();
      expect(first.value).toEqual({ kind: 'line', line: 1, bytes: utf8('line 1'), hash: hashOf('line 1') });
      expect(pulled).toBe(batch);
    }
  });

  it('is refused where WebCrypto is missing, throws, or answers wrong', async () => {
    expect(await webCryptoLineHashes(null)).toBeNull();
    const throwing: DigestSubtle = { digest: () => Promise.reject(new Error('no SHA-256 here')) };
    expect(await webCryptoLineHashes(throwing)).toBeNull();
    const zeros: DigestSubtle = { digest: async () => new ArrayBuffer(32) };
    expect(await webCryptoLineHashes(zeros)).toBeNull();
    // Right on "abc" and the empty message only (a digest that ignores bytes past 64): refused on the long line.
    const short: DigestSubtle = { digest: (a, data) => subtle.digest(a, data.slice(0, 64)) };
    expect(await webCryptoLineHashes(short)).toBeNull();
    // Wrong on one vector only: "abc" (3 bytes), or the empty message.
    const wrongOn = (length: number): DigestSubtle => ({
      digest: (a, data) =>
        data.length === length ? subtle.digest(a, utf8('other') as Uint8Array<ArrayBuffer>) : subtle.digest(a, data),
    });
    expect(await webCryptoLineHashes(wrongOn(3))).toBeNull();
    expect(await webCryptoLineHashes(wrongOn(0))).toBeNull();
    expect(await webCryptoLineHashes(subtle)).not.toBeNull();
  });

  it("a pool worker's result and records for a piece are the same with the lines hashed ahead", async () => {
    const setup = {
      keys: JSON.parse(KEYS_TEXT) as unknown,
      trustedRoots: TRUSTED,
      bundles: [resolveBundle(testBundleBody(), 'policies/agents-test-v1.json')],
      limits: DEFAULT_LIMITS,
      controlIds: [],
    };
    const lines = receiptLines('L', 9);
    // A line changed after signing, so a finding and a record depend on the hash too.
    lines[4] = (lines[4] as string).replace('"seq":5', '"seq":50');
    const bytes = utf8(joinLines(lines));
    const task = {
      ledger: 'L',
      path: segPath('L', 1),
      checkpointRuns: toSeqRuns([3, 9]),
      piece: { index: 0, firstLine: 1, offset: 0, bytes, span: bytes.length, last: true },
    };
    const run = async (hashLines: LineTransform | undefined) => {
      const check = await segmentChecker(async () => Promise.reject(new Error('pieces only')), setup, {
        verifier: nobleStrictVerifier,
        controlFactories: [],
        hashLines,
      });
      const records: RecordRead[] = [];
      const result = await check(task, (r) => {
        records.push(r);
      });
      return { result, records };
    };
    const plain = await run(undefined);
    const ahead = await run((await webCryptoLineHashes(subtle, 4)) ?? undefined);
    expect(ahead).toEqual(plain);
    expect(plain.records).toHaveLength(9);
    expect(plain.records.map((r) => r.hash)).toEqual(lines.map((l) => hashOf(l)));
    // The changed line's signature fails, and the next line's prev no longer matches its hash.
    expect(plain.result.findings.map((f) => [f.code, f.line])).toEqual([
      ['SIGNATURE_INVALID', 5],
      ['CHAIN_BROKEN', 6],
    ]);
  });
});
