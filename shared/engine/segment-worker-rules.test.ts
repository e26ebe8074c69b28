/**
 * What a pool worker does with the engine's setup (shared/engine/segment-worker.ts,
 * segmentChecker): the keyring rebuilt from keys.json and the trusted roots, the bundles by
 * hash, the controls by id with the worker's verifiers; whole files read from the archive
 * (opened once, and only when a whole file is asked for), pieces checked from their bytes,
 * the line limit of the setup, the checkpoint seqs, onRecord; and the findings of stateless
 * controls taken once each, after the segment that made them. Against small archives built
 * in the test (verify-archive.test-helper.ts) with real keys.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, type ArchiveSource } from '../archive/source.ts';
import { utf8 } from '../format/bytes.ts';
import type { SignatureVerifier } from '../format/ed25519.ts';
import { nobleStrictVerifier } from '../format/ed25519.ts';
import { hashOf } from '../format/hash.ts';
import type { AsyncSignatureVerifier } from '../format/webcrypto-ed25519.ts';
import { resolveBundle, testBundleBody } from '../controls/fixtures.test-helper.ts';
import { finding, type Finding } from './findings.ts';
import { buildKeyring } from './keys.ts';
import type { SegmentPiece } from './pieces.ts';
import { segmentChecker } from './segment-worker.ts';
import type { LineTransform } from './line-hashes.ts';
import type { ControlCheck, ControlCheckFactory, RecordRead } from './types.ts';
import type { RunnerSetup } from './verify.ts';
import { toSeqRuns } from './seq-runs.ts';
import {
  archiveFiles,
  joinLines,
  KEYS_TEXT,
  receiptLines,
  segPath,
  source,
  TRUSTED,
} from './verify-archive.test-helper.ts';

const SEG1 = segPath('L', 1);
const SEG2 = segPath('L', 2);
const BUNDLE = resolveBundle(testBundleBody(), 'policies/agents-test-v1.json');

const setupOf = (over: Partial<RunnerSetup> = {}): RunnerSetup => ({
  keys: JSON.parse(KEYS_TEXT) as unknown,
  trustedRoots: TRUSTED,
  bundles: [BUNDLE],
  limits: DEFAULT_LIMITS,
  controlIds: [],
  ...over,
});

/** An archive of ledger L: 4 receipts in two segments of two. */
const files = archiveFiles(4, { perSegment: 2 });
const LINES = receiptLines('L', 4);

/** Counts how often the archive is opened and each entry read. */
function countingOpen() {
  const log = { opened: 0, reads: [] as string[] };
  const open = async (): Promise<ArchiveSource> => {
    log.opened++;
    const src = source(files);
    const read = src.read.bind(src);
    return {
      ...src,
      read: (entry, signal) => {
        log.reads.push(entry.name);
        return read(entry, signal);
      },
    };
  };
  return { log, open };
}

const piece = (text: string, firstLine = 1, over: Partial<SegmentPiece> = {}): SegmentPiece => {
  const bytes = utf8(text);
  return { index: 0, firstLine, offset: 0, bytes, span: bytes.length, last: true, ...over };
};

const task = (path: string, checkpointSeqs: number[] = [], p?: SegmentPiece) => ({
  ledger: 'L',
  path,
  checkpointRuns: toSeqRuns(checkpointSeqs),
  ...(p ? { piece: p } : {}),
});

describe('segmentChecker: whole files and pieces', () => {
  it('reads a whole file from the archive, opened once for every task, and hashes it', async () => {
    const { log, open } = countingOpen();
    const check = await segmentChecker(open, setupOf(), { verifier: nobleStrictVerifier, controlFactories: [] });
    expect(log.opened).toBe(0);
    const a = await check(task(SEG1, [2]));
    const b = await check(task(SEG2));
    expect(log).toStrictEqual({ opened: 1, reads: [SEG1, SEG2] });
    const bytes = files.get(SEG1) as Uint8Array;
    expect(a.file).toStrictEqual({ bytes: bytes.length, sha256: hashOf(bytes) });
    expect([a.lines, a.signed, a.unanchored, a.findings, a.ids]).toStrictEqual([2, 2, 0, [], ['rc_L_1', 'rc_L_2']]);
    expect(a.sealed).toStrictEqual([[2, hashOf(LINES[1] as string), '2026-04-02T00:00:02.000Z']]);
    expect([b.lines, b.sealed, b.head?.seq, b.tail?.seq]).toStrictEqual([2, [], 3, 4]);
  });

  it("takes the keyring the run built: it verifies only the receipts' signatures, and checks as a keyring it built", async () => {
    const built = buildKeyring(JSON.parse(KEYS_TEXT), TRUSTED, nobleStrictVerifier);
    const results = [];
    const asked: number[] = [];
    for (const keyring of [undefined, structuredClone(built.data)]) {
      let n = 0;
      const counted: SignatureVerifier = { name: 'counted', verify: (...a) => (n++, nobleStrictVerifier.verify(...a)) };
      const check = await segmentChecker(source(files), setupOf(keyring ? { keyring } : {}), {
        verifier: counted,
        controlFactories: [],
      });
      results.push(await check(task(SEG1, [2])));
      asked.push(n);
    }
    // Three certificates and two receipts; then the receipts only.
    expect(asked).toStrictEqual([5, 2]);
    expect(results[1]).toStrictEqual(results[0]);
    expect(results[0]?.signed).toBe(2);
    // Given a keyring, it is the one used, not keys.json's: with no key, no receipt's key is known.
    const empty = structuredClone(buildKeyring(undefined, TRUSTED, nobleStrictVerifier).data);
    const check = await segmentChecker(source(files), setupOf({ keyring: empty }), {
      verifier: nobleStrictVerifier,
      controlFactories: [],
    });
    expect((await check(task(SEG1))).findings.map((x) => x.code)).toStrictEqual(['KEY_UNKNOWN', 'KEY_UNKNOWN']);
  });

  it('takes an opened source as it is, and refuses a path the archive does not have', async () => {
    const check = await segmentChecker(source(files), setupOf(), {
      verifier: nobleStrictVerifier,
      controlFactories: [],
    });
    expect((await check(task(SEG2))).ids).toStrictEqual(['rc_L_3', 'rc_L_4']);
    await expect(check(task(segPath('L', 9)))).rejects.toThrow(`no entry ${segPath('L', 9)} in the archive`);
  });

  it('checks a piece from its bytes, numbered from its first line, without opening the archive', async () => {
    const { log, open } = countingOpen();
    const check = await segmentChecker(open, setupOf(), { verifier: nobleStrictVerifier, controlFactories: [] });
    const result = await check(task(SEG1, [], piece(`${LINES[1]}\n`, 7)));
    expect(log).toStrictEqual({ opened: 0, reads: [] });
    expect([result.lines, result.idLines, result.file]).toStrictEqual([1, [7], undefined]);
  });

  it('takes line hashes from hashLines for pieces only (whole files are hashed as read)', async () => {
    const given = `sha256:${'0'.repeat(64)}`;
    const transformed: number[] = [];
    const hashLines: LineTransform = async function* (lines) {
      for await (const read of lines) {
        transformed.push(read.line);
        yield read.kind === 'too-long' ? read : { ...read, hash: given };
      }
    };
    const check = await segmentChecker(source(files), setupOf(), {
      verifier: nobleStrictVerifier,
      controlFactories: [],
      hashLines,
    });
    const fromPiece = await check(task(SEG1, [2], piece(joinLines(LINES.slice(0, 2)))));
    expect(transformed).toStrictEqual([1, 2]);
    expect(fromPiece.sealed).toStrictEqual([[2, given, '2026-04-02T00:00:02.000Z']]);
    const whole = await check(task(SEG1, [2]));
    expect(transformed).toStrictEqual([1, 2]);
    expect(whole.sealed).toStrictEqual([[2, hashOf(LINES[1] as string), '2026-04-02T00:00:02.000Z']]);
  });

  it('applies the setup’s line limit to pieces and whole files', async () => {
    const limits = { ...DEFAULT_LIMITS, maxLineBytes: 100 };
    const check = await segmentChecker(source(files), setupOf({ limits }), {
      verifier: nobleStrictVerifier,
      controlFactories: [],
    });
    const len = (n: number) => utf8(LINES[n] as string).length;
    const tooLong = (line: number, length: number) =>
      finding('RECORD_MALFORMED', `Line is ${length} bytes long, over the limit for one record; it was skipped.`, {
        path: SEG1,
        line,
        ledger: 'L',
      });
    expect((await check(task(SEG1))).findings).toStrictEqual([tooLong(1, len(0)), tooLong(2, len(1))]);
    expect((await check(task(SEG1, [], piece(`${LINES[0]}\n`, 5)))).findings).toStrictEqual([tooLong(5, len(0))]);
  });
});

describe('segmentChecker: keys, bundles, verifiers and controls from the setup', () => {
  it('rebuilds the keyring from keys.json and the trusted roots', async () => {
    const trusted = await segmentChecker(source(files), setupOf(), {
      verifier: nobleStrictVerifier,
      controlFactories: [],
    });
    const untrusted = await segmentChecker(source(files), setupOf({ trustedRoots: [] }), {
      verifier: nobleStrictVerifier,
      controlFactories: [],
    });
    expect((await trusted(task(SEG1))).unanchored).toBe(0);
    expect((await untrusted(task(SEG1))).unanchored).toBe(2);
    const noKeys = await segmentChecker(source(files), setupOf({ keys: undefined }), {
      verifier: nobleStrictVerifier,
      controlFactories: [],
    });
    expect((await noKeys(task(SEG1))).findings.map((x) => x.code)).toStrictEqual(['KEY_UNKNOWN', 'KEY_UNKNOWN']);
  });

  it('knows the setup’s bundles by hash', async () => {
    const none = await segmentChecker(source(files), setupOf({ bundles: [] }), {
      verifier: nobleStrictVerifier,
      controlFactories: [],
    });
    expect((await none(task(SEG1))).findings.map((x) => [x.code, x.line])).toStrictEqual([
      ['POLICY_UNKNOWN', 1],
      ['POLICY_UNKNOWN', 2],
    ]);
  });

  it('verifies with the worker’s verifier, or its bulk verifier, and hands both to the controls', async () => {
    const asked: string[] = [];
    const refusing: SignatureVerifier = {
      name: 'refusing',
      verify: (s, m, k) => {
        const ok = nobleStrictVerifier.verify(s, m, k);
        asked.push('sync');
        return ok && !new TextDecoder().decode(m).includes('"seq":2');
      },
    };
    const bulk: AsyncSignatureVerifier = {
      name: 'bulk',
      verifyAsync: async () => {
        asked.push('bulk');
        return true;
      },
    };
    const contexts: unknown[] = [];
    const factory: ControlCheckFactory = (context) => {
      contexts.push(context);
      return { id: 'seen', name: 'seen', parallel: 'stateless', visit: () => undefined, finish: () => [] };
    };
    const sync = await segmentChecker(source(files), setupOf({ controlIds: ['seen'] }), {
      verifier: refusing,
      controlFactories: [factory],
    });
    const keysAsked = asked.length;
    expect((await sync(task(SEG1))).findings.map((x) => [x.code, x.line])).toStrictEqual([['SIGNATURE_INVALID', 2]]);
    expect(asked.slice(keysAsked)).toStrictEqual(['sync', 'sync']);
    const withBulk = await segmentChecker(source(files), setupOf({ controlIds: ['seen'] }), {
      verifier: refusing,
      bulkVerifier: bulk,
      controlFactories: [factory],
    });
    asked.length = 0;
    expect((await withBulk(task(SEG1))).findings).toStrictEqual([]);
    expect(asked).toStrictEqual(['bulk', 'bulk']);
    const [c1, c2] = contexts as Record<string, unknown>[];
    expect(Object.keys(c1 as object).sort()).toStrictEqual(['bulkVerifier', 'bundlesByHash', 'keyring', 'verifier']);
    expect([c1?.verifier, c1?.bulkVerifier, c2?.verifier, c2?.bulkVerifier]).toStrictEqual([
      refusing,
      undefined,
      refusing,
      bulk,
    ]);
    expect([...(c1?.bundlesByHash as Map<string, unknown>).keys()]).toStrictEqual([BUNDLE.hash]);
  });

  it('passes onRecord on for whole files and pieces', async () => {
    const check = await segmentChecker(source(files), setupOf(), {
      verifier: nobleStrictVerifier,
      controlFactories: [],
    });
    const seen: [string, number][] = [];
    const onRecord = (r: RecordRead) => void seen.push([r.path, r.line]);
    await check(task(SEG1), onRecord);
    await check(task(SEG2, [], piece(`${LINES[2]}\n`, 1)), onRecord);
    expect(seen).toStrictEqual([
      [SEG1, 1],
      [SEG1, 2],
      [SEG2, 1],
    ]);
  });

  it('takes each stateless control’s findings once, after the segment that made them; others are not asked', async () => {
    const finishes: string[] = [];
    const statefulFinding = finding('TXN_INCOMPLETE', 'never taken by the worker');
    const perReceipt =
      (id: string): ControlCheckFactory =>
      () => {
        const found: Finding[] = [];
        return {
          id,
          name: id,
          parallel: 'stateless',
          visit: (receipt, at) => void found.push(finding('TIER_VIOLATION', `${id} ${receipt.seq}`, { path: at.path })),
          finish: () => {
            finishes.push(id);
            return [...found];
          },
        } satisfies ControlCheck;
      };
    const projected: ControlCheckFactory = () => ({
      id: 'projected',
      name: 'projected',
      parallel: 'projected',
      project: () => null,
      visitProjection: () => undefined,
      visit: () => undefined,
      finish: () => {
        finishes.push('projected');
        return [statefulFinding];
      },
    });
    const check = await segmentChecker(source(files), setupOf({ controlIds: ['b', 'projected', 'a'] }), {
      verifier: nobleStrictVerifier,
      controlFactories: [perReceipt('a'), projected, perReceipt('b')],
    });
    const first = await check(task(SEG1));
    const second = await check(task(SEG2));
    const t = (text: string, path: string) => finding('TIER_VIOLATION', text, { path });
    expect(first.findings).toStrictEqual([t('b 1', SEG1), t('b 2', SEG1), t('a 1', SEG1), t('a 2', SEG1)]);
    expect(second.findings).toStrictEqual([t('b 3', SEG2), t('b 4', SEG2), t('a 3', SEG2), t('a 4', SEG2)]);
    expect(finishes).toStrictEqual(['b', 'a', 'b', 'a']);
  });
});
