/**
 * The map step on one segment (shared/engine/segment.ts, checkSegment) and the task around it
 * (shared/engine/segment-task.ts), against a stub keyring, stub verifiers and hand-made
 * receipts, so each rule is seen with its code, exact message and location, and the whole
 * result the merge step gets is compared member by member: lines, head, tail, seq runs, the
 * unreadable lines at the end, sealed receipts, ids, signed and unanchored counts, control
 * projections; and what a reader's failure part-way becomes.
 */
import { describe, expect, it } from 'vitest';
import type { LineRead } from '../archive/lines.ts';
import { ArchiveUnreadableError, LimitExceededError, type ArchiveSource, type RawEntry } from '../archive/source.ts';
import { fromHex, utf8 } from '../format/bytes.ts';
import { canonicalize } from '../format/canonical.ts';
import type { SignatureVerifier } from '../format/ed25519.ts';
import { hashOf, ZERO_HASH } from '../format/hash.ts';
import type { BundleBody, Receipt } from '../format/schema.ts';
import type { AsyncSignatureVerifier } from '../format/webcrypto-ed25519.ts';
import type { Finding } from './findings.ts';
import type { SegmentPiece } from './pieces.ts';
import { checkSegment, emptySegmentResult, type SegmentContext } from './segment.ts';
import { localRunner, pieceLines, readerErrorFinding, runSegmentTask, type SegmentTask } from './segment-task.ts';
import type { ControlCheck, Keyring, ReceiptContext, RecordRead, ResolvedBundle } from './types.ts';
import { toSeqRuns } from './seq-runs.ts';
import {
  BAD_SIG,
  KID,
  KID_REVOKED,
  KID_UNANCHORED,
  PUBLIC_KEY,
  SIG,
  at,
  stubKeyring,
  ts,
} from './stub-keys.test-helper.ts';

const LEDGER = 'L';
const PATH = 'ledgers/L/000001.jsonl';
const h = (c: string) => `sha256:${c.repeat(64)}`;

const BUNDLE_HASH = h('b');
const body = (from: string, until: string | null): BundleBody =>
  ({
    id: 'payments',
    version: 2,
    effective_from: from,
    ...(until !== null ? { effective_until: until } : {}),
    supersedes: null,
    cedar: { policies: {} },
  }) as BundleBody;
/** The bundle every receipt names; by default in effect from before the first receipt, with no end. */
const bundleOf = (from = ts(0), until: string | null = null): ResolvedBundle => ({
  path: 'policies/payments-2.json',
  hash: BUNDLE_HASH,
  body: body(from, until),
  signatureValid: true,
  policiesUsable: true,
  effectiveFrom: at(from),
  effectiveUntil: until !== null ? at(until) : null,
});

type Json = Record<string, unknown>;

function receipt(seq: number, prev: string, over: Json = {}): Json {
  return {
    v: 1,
    ledger: LEDGER,
    seq,
    prev,
    id: `rc_${seq}`,
    ts: ts(seq),
    agent: { id: 'agent', role: 'clerk', tier: 0 },
    txn: { id: `t${seq}`, step: 0, end: 'commit' },
    request: {
      principal: { type: 'Agent', id: 'agent' },
      action: { type: 'Action', id: 'read' },
      resource: { type: 'Table', id: 't' },
      context: {},
    },
    entities: [],
    data: { tier: 0, personal: [], subjects: [], recipient: null },
    io: { input: h('1'), reasoning: h('2'), output: h('3') },
    decision: { bundle: BUNDLE_HASH, effect: 'allow', policies: [] },
    exec: { status: 'ok', latency_ms: 1 },
    kid: KID,
    sig: SIG,
    ...over,
  };
}

/** Canonical lines of receipts `from`..`to`, each linked to the line before (the first to `prev`). */
function chain(from: number, to: number, prev = ZERO_HASH, over: (seq: number) => Json = () => ({})): string[] {
  const lines: string[] = [];
  for (let seq = from; seq <= to; seq++) {
    const text = canonicalize(receipt(seq, prev, over(seq)));
    lines.push(text);
    prev = hashOf(text);
  }
  return lines;
}

const bytes = (text: string) => new TextEncoder().encode(text);
const asLines = (texts: readonly (string | Uint8Array | number)[]): LineRead[] =>
  texts.map((t, i) =>
    typeof t === 'number'
      ? { kind: 'too-long', line: i + 1, length: t }
      : { kind: 'line', line: i + 1, bytes: typeof t === 'string' ? bytes(t) : t },
  );
async function* stream(reads: readonly LineRead[]): AsyncGenerator<LineRead> {
  for (const read of reads) yield read;
}

const keyring = (calls: unknown[] = []): Keyring => stubKeyring(calls);

/** Answers true unless the signature is BAD_SIG; records what it was asked. */
const verifier = (calls: [Uint8Array, Uint8Array, Uint8Array][] = []): SignatureVerifier => ({
  name: 'stub',
  verify: (signature, message, publicKey) => {
    calls.push([signature, message, publicKey]);
    return signature[0] !== 0xcd;
  },
});
const refusing: SignatureVerifier = {
  name: 'must not be asked',
  verify: () => {
    throw new Error('the synchronous verifier was asked');
  },
};

const context = (over: Partial<SegmentContext> = {}): SegmentContext => ({
  keyring: keyring(),
  verifier: verifier(),
  bundlesByHash: new Map([[BUNDLE_HASH, bundleOf()]]),
  checkpointSeqs: new Set(),
  controls: [],
  ...over,
});

const check = (texts: readonly (string | Uint8Array | number)[], over: Partial<SegmentContext> = {}) =>
  checkSegment(LEDGER, PATH, stream(asLines(texts)), context(over));

const where = (line: number, seq?: number) => ({
  path: PATH,
  ledger: LEDGER,
  line,
  ...(seq !== undefined ? { seq, receipt: `rc_${seq}` } : {}),
});
const critical = (code: string, message: string, location: object): Finding =>
  ({ code, severity: 'critical', message, ...location }) as Finding;
const high = (code: string, message: string, location: object): Finding =>
  ({ code, severity: 'high', message, ...location }) as Finding;

describe('checkSegment', () => {
  it('an intact segment: every member of the result', async () => {
    const lines = chain(1, 3);
    const keyCalls: unknown[] = [];
    const verifyCalls: [Uint8Array, Uint8Array, Uint8Array][] = [];
    const result = await check(lines, {
      keyring: keyring(keyCalls),
      verifier: verifier(verifyCalls),
      checkpointSeqs: new Set([2, 7]),
    });
    expect(result).toStrictEqual({
      path: PATH,
      ledger: LEDGER,
      lines: 3,
      findings: [],
      head: {
        seq: 1,
        prev: ZERO_HASH,
        ts: ts(1),
        instant: at(ts(1)),
        path: PATH,
        line: 1,
        receipt: 'rc_1',
        unreadableBefore: null,
      },
      tail: { seq: 3, hash: hashOf(lines[2] as string), ts: ts(3), instant: at(ts(3)), unreadableAfter: null },
      lowest: { seq: 1, ts: ts(1) },
      highest: { seq: 3, ts: ts(3) },
      seqRuns: [1, 3, 1, 0],
      unreadableAtEnd: 0,
      endUnreadable: null,
      sealed: [[2, hashOf(lines[1] as string), ts(2)]],
      ids: ['rc_1', 'rc_2', 'rc_3'],
      idSeqs: [1, 2, 3],
      idLines: [1, 2, 3],
      signed: 3,
      unanchored: 0,
      projections: [],
    });
    expect(keyCalls).toEqual([1, 2, 3].map((seq) => [KID, 'gate', ts(seq)]));
    // The signed bytes are C(receipt without sig), the signature is sig's bytes.
    expect(verifyCalls).toEqual(
      [1, 2, 3].map((seq, i) => {
        const { sig: _sig, ...rest } = JSON.parse(lines[i] as string) as Json;
        return [fromHex(SIG), utf8(canonicalize(rest)), PUBLIC_KEY];
      }),
    );
  });

  it('the lowest and highest seq read, with their times, whatever the stored order (the first of equal seqs)', async () => {
    const line = (seq: number, over: Json = {}) => canonicalize(receipt(seq, ZERO_HASH, over));
    const result = await check([
      line(3),
      line(1),
      '{"v":1,', // unreadable: no seq
      line(5),
      line(1, { ts: ts(9) }),
      line(5, { ts: ts(8) }),
      line(0, { v: 2 }), // not a receipt: not read
      line(2),
    ]);
    expect([result.lowest, result.highest]).toStrictEqual([
      { seq: 1, ts: ts(1) },
      { seq: 5, ts: ts(5) },
    ]);
    expect([result.head?.seq, result.tail?.seq]).toStrictEqual([3, 2]);
  });

  it('a segment with no line, and emptySegmentResult', async () => {
    expect(
      await check([], { controls: [{ id: 'c', name: 'C', visit: () => undefined, finish: () => [] }] }),
    ).toStrictEqual({ ...emptySegmentResult(PATH, LEDGER, 1), projections: [[]] });
    const findings: Finding[] = [];
    const empty = emptySegmentResult('p', 'l', 2, findings);
    expect(empty).toStrictEqual({
      path: 'p',
      ledger: 'l',
      lines: 0,
      findings: [],
      head: null,
      tail: null,
      lowest: null,
      highest: null,
      seqRuns: [],
      unreadableAtEnd: 0,
      endUnreadable: null,
      sealed: [],
      ids: [],
      idSeqs: [],
      idLines: [],
      signed: 0,
      unanchored: 0,
      projections: [[], []],
    });
    expect(empty.findings).toBe(findings);
    expect(empty.projections[0]).not.toBe(empty.projections[1]);
    expect(emptySegmentResult('p', 'l', 0).findings).toEqual([]);
  });

  it('unreadable lines: the chain runs on through them, head, tail and runs say where they are', async () => {
    const bad = '{"v":1,'; // not JSON
    const invalid = canonicalize({ ...receipt(6, h('9')), v: 2 }); // JSON, not a receipt
    const r5 = chain(5, 5, hashOf(bad))[0] as string;
    const r7 = chain(7, 7, hashOf(invalid))[0] as string;
    const r8 = chain(8, 8, h('e'))[0] as string; // does not link to r7
    const result = await check([bad, r5, invalid, r7, r8, 5_000_000]);
    expect(result.findings).toStrictEqual([
      critical(
        'RECORD_MALFORMED',
        'Line is not valid JSON (Expected double-quoted property name in JSON at position 7).',
        where(1),
      ),
      critical('RECORD_MALFORMED', 'Receipt is not valid: field "v": must be 1.', where(3)),
      critical(
        'CHAIN_BROKEN',
        `prev is ${h('e')}, but the hash of the line before (seq 7) is ${hashOf(r7)}.`,
        where(5, 8),
      ),
      critical(
        'RECORD_MALFORMED',
        'Line is 5000000 bytes long, over the limit for one record; it was skipped.',
        where(6),
      ),
    ]);
    expect(result.lines).toBe(6);
    expect(result.head).toStrictEqual({
      seq: 5,
      prev: hashOf(bad),
      ts: ts(5),
      instant: at(ts(5)),
      path: PATH,
      line: 2,
      receipt: 'rc_5',
      unreadableBefore: hashOf(bad),
    });
    expect(result.tail).toStrictEqual({
      seq: 8,
      hash: hashOf(r8),
      ts: ts(8),
      instant: at(ts(8)),
      unreadableAfter: 'unreadable',
    });
    expect(result.seqRuns).toEqual([5, 5, 2, 1, 7, 8, 4, 1]);
    expect(result.unreadableAtEnd).toBe(1);
    expect(result.endUnreadable).toBe('unreadable');
    expect(result.ids).toEqual(['rc_5', 'rc_7', 'rc_8']);
    expect(result.idSeqs).toEqual([5, 7, 8]);
    expect(result.idLines).toEqual([2, 4, 5]);
    expect(result.signed).toBe(3);
  });

  it('a segment ending in a readable but invalid line: its hash is what ends the segment', async () => {
    const [r1] = chain(1, 1);
    const result = await check([r1 as string, '{}']);
    expect(result.endUnreadable).toBe(hashOf('{}'));
    expect(result.tail?.unreadableAfter).toBe(hashOf('{}'));
    expect(result.unreadableAtEnd).toBe(1);
    // A valid receipt after it clears both.
    const [r2] = chain(2, 2, hashOf('{}'));
    const after = await check([r1 as string, '{}', r2 as string]);
    expect(after.findings.map((f) => f.code)).toEqual(['RECORD_MALFORMED']);
    expect(after.endUnreadable).toBeNull();
    expect(after.tail?.unreadableAfter).toBeNull();
    expect(after.unreadableAtEnd).toBe(0);
    expect(after.seqRuns).toEqual([1, 1, 1, 0, 2, 2, 3, 1]);
  });

  it('the first receipt is linked by the merge, the ones after it here', async () => {
    // A first receipt with seq 1 and a wrong prev is left to the merge (linkProblems(null, ...) would report it).
    const lines = chain(1, 2, h('f'));
    expect((await check(lines)).findings).toStrictEqual([]);
    // A time regression between two receipts of the segment.
    const late = chain(1, 2, ZERO_HASH, (seq) => ({ ts: ts(10 - seq) }));
    expect((await check(late)).findings).toStrictEqual([
      critical(
        'TIME_REGRESSION',
        `Receipt time ${ts(8)} is earlier than the previous receipt's (${ts(9)}, seq 1).`,
        where(2, 2),
      ),
    ]);
  });

  it('a receipt naming another ledger is RECORD_MALFORMED, and still checked on', async () => {
    const lines = chain(1, 2, ZERO_HASH, (seq) => (seq === 2 ? { ledger: 'M' } : {}));
    const result = await check(lines);
    expect(result.findings).toStrictEqual([
      critical('RECORD_MALFORMED', 'Receipt names ledger "M" but is stored in ledgers/L/.', where(2, 2)),
    ]);
    expect(result.ids).toEqual(['rc_1', 'rc_2']);
    expect(result.signed).toBe(2);
  });

  it("the key: a refused key is said with the keyring's code and message, and nothing is verified", async () => {
    const lines = chain(1, 3, ZERO_HASH, (seq) => ({ kid: [KID, KID_REVOKED, KID_UNANCHORED][seq - 1] }));
    const calls: [Uint8Array, Uint8Array, Uint8Array][] = [];
    const result = await check(lines, { verifier: verifier(calls) });
    expect(result.findings).toStrictEqual([
      critical('KEY_REVOKED', 'Receipt signature: key was revoked at 2026-01-01.', where(2, 2)),
    ]);
    expect(result.signed).toBe(2);
    expect(result.unanchored).toBe(1);
    expect(calls).toHaveLength(2);
  });

  it('a signature that does not verify is SIGNATURE_INVALID naming the key', async () => {
    const lines = chain(1, 2, ZERO_HASH, (seq) => (seq === 2 ? { sig: BAD_SIG } : {}));
    const result = await check(lines);
    expect(result.findings).toStrictEqual([
      critical(
        'SIGNATURE_INVALID',
        `Receipt signature does not verify with gate key ${KID}: the receipt was changed after signing or signed by another key.`,
        where(2, 2),
      ),
    ]);
    expect(result.signed).toBe(2);
  });

  it('the signed bytes are those stored, not the schema\'s output: a "__proto__" member is signed too', async () => {
    const text = canonicalize(receipt(1, ZERO_HASH)).replace('{"agent"', '{"__proto__":{"x":1},"agent"');
    const calls: [Uint8Array, Uint8Array, Uint8Array][] = [];
    const result = await check([text], { verifier: verifier(calls) });
    expect(result.findings).toStrictEqual([]);
    expect(new TextDecoder().decode(calls[0]?.[1])).toBe(text.replace(`,"sig":"${SIG}"`, ''));
  });

  it('with a bulk verifier: it alone is asked, a false answer is SIGNATURE_INVALID, every answer is awaited', async () => {
    const lines = chain(1, 3, ZERO_HASH, (seq) => (seq === 2 ? { sig: BAD_SIG } : {}));
    const asked: number[] = [];
    const bulkVerifier: AsyncSignatureVerifier = {
      name: 'later',
      verifyAsync: async (signature, message, publicKey) => {
        asked.push(signature[0] as number);
        expect(publicKey).toBe(PUBLIC_KEY);
        expect(message.length).toBeGreaterThan(0);
        await new Promise((resolve) => setTimeout(resolve, 5));
        return signature[0] !== 0xcd;
      },
    };
    const result = await check(lines, { verifier: refusing, bulkVerifier });
    expect(asked).toEqual([0xab, 0xcd, 0xab]);
    expect(result.findings).toStrictEqual([
      critical(
        'SIGNATURE_INVALID',
        `Receipt signature does not verify with gate key ${KID}: the receipt was changed after signing or signed by another key.`,
        where(2, 2),
      ),
    ]);
  });

  it('with a bulk verifier, at most 256 answers are awaited at once', async () => {
    const lines = chain(1, 300);
    let asked = 0;
    const answers: ((ok: boolean) => void)[] = [];
    const bulkVerifier: AsyncSignatureVerifier = {
      name: 'held',
      verifyAsync: () => {
        asked++;
        return new Promise<boolean>((resolve) => answers.push(resolve));
      },
    };
    const done = check(lines, { verifier: refusing, bulkVerifier });
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 0));
    expect(asked).toBe(256);
    for (const answer of answers.splice(0)) answer(true);
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 0));
    expect(asked).toBe(300);
    let finished = false;
    void done.then(() => (finished = true));
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
    expect(finished).toBe(false);
    for (const answer of answers.splice(0)) answer(false);
    const result = await done;
    expect(result.findings.map((f) => [f.code, f.seq])).toEqual(
      Array.from({ length: 44 }, (_, i) => ['SIGNATURE_INVALID', 257 + i]),
    );
  });

  describe('the slabs signed bytes are cut into', () => {
    // Lines of about 4 KB: a 256 KiB slab holds some sixty, so a check of 400 fills several.
    const long = (tag: string) => (seq: number) => ({
      request: { ...(receipt(seq, '').request as Json), context: { note: `${tag}${seq}`.padEnd(4000, tag) } },
    });
    const segment = (tag: string) => chain(1, 400, ZERO_HASH, long(tag));
    const signedText = (text: string) => text.replace(`,"sig":"${SIG}"`, '');

    it('a bulk verifier reads the bytes it was given when it answers, whatever another check cuts meanwhile', async () => {
      const first = segment('a');
      const expected = new Set(first.map(signedText));
      const held: (() => void)[] = [];
      const changed: number[] = [];
      let asked = 0;
      const holding: AsyncSignatureVerifier = {
        name: 'answers the last ones late',
        verifyAsync: (_signature, message) => {
          const n = ++asked;
          const answer = () => {
            if (!expected.has(new TextDecoder().decode(message))) changed.push(n);
          };
          // The first 256 at once; the rest held until the check below has run.
          if (n <= 256) return Promise.resolve(answer()).then(() => true);
          return new Promise<boolean>((resolve) => held.push(() => (answer(), resolve(true))));
        },
      };
      const done = check(first, { bulkVerifier: holding });
      for (let i = 0; i < 50 && asked < 400; i++) await new Promise((resolve) => setTimeout(resolve, 0));
      expect(asked).toBe(400);
      // Another check of the same thread meanwhile, its signatures answered at once.
      const other = await check(segment('b'), {
        bulkVerifier: { name: 'at once', verifyAsync: () => Promise.resolve(true) },
      });
      expect(other.findings).toStrictEqual([]);
      for (const answer of held.splice(0)) answer();
      expect((await done).findings).toStrictEqual([]);
      expect(changed).toEqual([]);
    });

    it('are cut into again: the next check begins in the slab the last one ended in', async () => {
      const buffers = async (tag: string) => {
        const seen: ArrayBufferLike[] = [];
        const result = await check(segment(tag), {
          bulkVerifier: {
            name: 'notes the memory',
            verifyAsync: (_signature, message) => {
              seen.push(message.buffer);
              return Promise.resolve(true);
            },
          },
        });
        expect(result.findings).toStrictEqual([]);
        return seen;
      };
      const one = await buffers('c');
      const two = await buffers('d');
      expect(new Set(one).size).toBeGreaterThan(4);
      // (Compared as a boolean: a failure would otherwise print two 256 KiB buffers.)
      expect(two[0] === one.at(-1)).toBe(true);
      // And every slab the first check filled is cut into again by the second.
      expect(new Set(two.filter((b) => one.includes(b))).size).toBe(new Set(one).size);
    });
  });

  it('the bundle: unknown, or not in effect at the receipt time (with and without an end)', async () => {
    const lines = chain(1, 4, ZERO_HASH, (seq) =>
      seq === 3 ? { decision: { ...(receipt(3, '').decision as Json), bundle: h('c') } } : {},
    );
    const open = await check(lines, { bundlesByHash: new Map([[BUNDLE_HASH, bundleOf(ts(2))]]) });
    expect(open.findings).toStrictEqual([
      high(
        'POLICY_NOT_IN_EFFECT',
        `Receipt at ${ts(1)} was decided under bundle payments v2, in effect from ${ts(2)}.`,
        where(1, 1),
      ),
      critical(
        'POLICY_UNKNOWN',
        `Receipt was decided under bundle ${h('c')}, which is not in the archive.`,
        where(3, 3),
      ),
    ]);
    const closed = await check(lines, { bundlesByHash: new Map([[BUNDLE_HASH, bundleOf(ts(2), ts(4))]]) });
    expect(closed.findings).toStrictEqual([
      high(
        'POLICY_NOT_IN_EFFECT',
        `Receipt at ${ts(1)} was decided under bundle payments v2, in effect from ${ts(2)} until ${ts(4)}.`,
        where(1, 1),
      ),
      critical(
        'POLICY_UNKNOWN',
        `Receipt was decided under bundle ${h('c')}, which is not in the archive.`,
        where(3, 3),
      ),
      high(
        'POLICY_NOT_IN_EFFECT',
        `Receipt at ${ts(4)} was decided under bundle payments v2, in effect from ${ts(2)} until ${ts(4)}.`,
        where(4, 4),
      ),
    ]);
  });

  it('controls: projected ones project (null and undefined dropped), the others visit, with where the receipt is', async () => {
    const lines = chain(1, 3);
    const log: string[] = [];
    const seen: [number, ReceiptContext][] = [];
    const projected: ControlCheck = {
      id: 'projected',
      name: 'P',
      parallel: 'projected',
      project: (r: Receipt, c: ReceiptContext) => {
        log.push(`project ${r.seq}`);
        seen.push([r.seq, c]);
        return r.seq === 1 ? null : r.seq === 2 ? undefined : { seq: r.seq };
      },
      visit: () => void log.push('visit of a projected control'),
      finish: () => [],
    };
    const noProject: ControlCheck = {
      id: 'no-project',
      name: 'N',
      parallel: 'projected',
      visit: (r) => void log.push(`visit N ${r.seq}`),
      finish: () => [],
    };
    const stateless: ControlCheck = {
      id: 'stateless',
      name: 'S',
      parallel: 'stateless',
      project: () => {
        throw new Error('a stateless control is not projected');
      },
      visit: async (r) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        log.push(`visit S ${r.seq}`);
      },
      finish: () => [],
    };
    const result = await check(lines, { controls: [projected, noProject, stateless] });
    expect(result.projections).toStrictEqual([[{ seq: 3 }], [], []]);
    expect(log).toEqual([1, 2, 3].flatMap((seq) => [`project ${seq}`, `visit N ${seq}`, `visit S ${seq}`]));
    expect(seen).toStrictEqual(
      [1, 2, 3].map((seq) => [
        seq,
        {
          path: PATH,
          line: seq,
          ledger: LEDGER,
          hash: hashOf(lines[seq - 1] as string),
          bundle: bundleOf(),
          // The canonical line's own texts of request and entities (the decision memo's key).
          requestText: canonicalize((JSON.parse(lines[seq - 1] as string) as Receipt).request),
          entitiesText: canonicalize((JSON.parse(lines[seq - 1] as string) as Receipt).entities),
        },
      ]),
    );
    // A receipt line that is not its own canonical form has no stored texts to key by.
    const spacedLine = (lines[0] as string).replace(/^\{/, '{ ');
    seen.length = 0;
    const spaced = await check([spacedLine], { controls: [projected] });
    expect(spaced.findings.map((f) => f.code)).toEqual(['RECORD_NONCANONICAL']);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.[1]).not.toHaveProperty('requestText');
    expect(seen[0]?.[1]).not.toHaveProperty('entitiesText');
    // Where the bundle is unknown, the context says so.
    const unknown = await check(lines.slice(0, 1), { controls: [projected], bundlesByHash: new Map() });
    expect(unknown.projections).toStrictEqual([[]]);
    expect(seen.at(-1)?.[1].bundle).toBeUndefined();
  });

  it('onRecord: every line but a too-long one, with its text, its bytes where they are its UTF-8, hash and receipt, awaited in order', async () => {
    const [r1, r2] = chain(1, 2);
    const notUtf8 = new Uint8Array([0x7b, 0xff, 0x7d]);
    const records: RecordRead[] = [];
    const log: string[] = [];
    const visit: ControlCheck = {
      id: 'v',
      name: 'V',
      visit: (r) => void log.push(`visit ${r.seq}`),
      finish: () => [],
    };
    // A non-canonical line's text is the line as stored, not its canonical form.
    const noncanonical = '{"b":1,"a":2}';
    await check([r1 as string, notUtf8, 300, '[]', noncanonical, r2 as string], {
      controls: [visit],
      onRecord: async (record) => {
        // The bytes are a view for the call only: copied before waiting.
        const copy = record.bytes === undefined ? record : { ...record, bytes: record.bytes.slice() };
        await new Promise((resolve) => setTimeout(resolve, 1));
        records.push(copy);
        log.push(`record ${record.line}`);
      },
    });
    const withBytes = (line: number, text: string, receipt: unknown) => ({
      ledger: LEDGER,
      path: PATH,
      line,
      text,
      bytes: utf8(text),
      hash: hashOf(text),
      receipt,
    });
    expect(records).toStrictEqual([
      withBytes(1, r1 as string, JSON.parse(r1 as string)),
      // Not UTF-8: stored as '', and no bytes (they are not the text's).
      { ledger: LEDGER, path: PATH, line: 2, text: '', hash: hashOf(notUtf8), receipt: null },
      withBytes(4, '[]', null),
      withBytes(5, noncanonical, null),
      withBytes(6, r2 as string, JSON.parse(r2 as string)),
    ]);
    expect(log).toEqual(['record 1', 'visit 1', 'record 2', 'record 4', 'record 5', 'record 6', 'visit 2']);
  });
});

// ---- segment-task.ts ----

const entry = (name: string): RawEntry => ({ name, declaredSize: null, compressedSize: null, isDirectory: false });

/** A source whose one entry yields `chunks`, then throws `error` if given; records the signal it was given. */
function source(chunks: readonly string[], error?: unknown, signals: (AbortSignal | undefined)[] = []): ArchiveSource {
  return {
    name: 'stub',
    entries: async () => [entry(PATH)],
    async *read(e, signal) {
      signals.push(signal);
      expect(e.name).toBe(PATH);
      for (const chunk of chunks) yield bytes(chunk);
      if (error !== undefined) throw error;
    },
    close: async () => undefined,
  };
}

const task = (over: Partial<SegmentTask> = {}): SegmentTask => ({
  ledger: LEDGER,
  path: PATH,
  checkpointRuns: [],
  ...over,
});

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('pieceLines', () => {
  const piece = (over: Partial<SegmentPiece>): SegmentPiece => ({
    index: 1,
    firstLine: 7,
    offset: 30,
    bytes: bytes('ab\ncd\n'),
    span: 6,
    last: false,
    ...over,
  });

  it("a piece's lines, numbered from its first line", async () => {
    expect(await all(pieceLines(piece({}), 100))).toStrictEqual([
      { kind: 'line', line: 7, bytes: bytes('ab') },
      { kind: 'line', line: 8, bytes: bytes('cd') },
    ]);
    // The line limit is the one given.
    expect(await all(pieceLines(piece({}), 1))).toStrictEqual([
      { kind: 'too-long', line: 7, length: 2 },
      { kind: 'too-long', line: 8, length: 2 },
    ]);
  });

  it('a too-long piece is one too-long line, whatever its bytes', async () => {
    expect(await all(pieceLines(piece({ tooLong: 9_000_000, bytes: new Uint8Array(0) }), 100))).toStrictEqual([
      { kind: 'too-long', line: 7, length: 9_000_000 },
    ]);
    expect(await all(pieceLines(piece({ tooLong: 0, bytes: bytes('x\n') }), 100))).toStrictEqual([
      { kind: 'too-long', line: 7, length: 0 },
    ]);
  });
});

describe('readerErrorFinding', () => {
  const tooLarge = (value: number, shown: string) =>
    ({
      code: 'ENTRY_TOO_LARGE',
      severity: 'high',
      message: `${PATH} was not read past ${shown}: size passed the limit.`,
      path: PATH,
      detail: { limit: 'maxEntryBytes' },
    }) as Finding;

  it('a limit passed: ENTRY_TOO_LARGE with the value read, in MB from a million bytes, and the limit', () => {
    const error = (value: number) => new LimitExceededError('maxEntryBytes', value, 'size passed the limit');
    expect(readerErrorFinding(PATH, error(999_999.4))).toStrictEqual(tooLarge(999_999.4, '999999'));
    expect(readerErrorFinding(PATH, error(1_000_000))).toStrictEqual(tooLarge(1_000_000, '1 MB'));
    expect(readerErrorFinding(PATH, error(2_500_000))).toStrictEqual(tooLarge(2_500_000, '3 MB'));
    expect(readerErrorFinding(PATH, error(12.5))).toStrictEqual(tooLarge(12.5, '13'));
    expect(readerErrorFinding(PATH, new LimitExceededError('maxRatio', 300, 'ratio'))).toStrictEqual({
      code: 'ENTRY_TOO_LARGE',
      severity: 'high',
      message: `${PATH} was not read past 300: ratio.`,
      path: PATH,
      detail: { limit: 'maxRatio' },
    });
  });

  it("an unreadable archive: its own message; another error: the path and the error's message", () => {
    expect(readerErrorFinding(PATH, new ArchiveUnreadableError('entry is corrupt'))).toStrictEqual({
      code: 'ARCHIVE_UNREADABLE',
      severity: 'critical',
      message: 'entry is corrupt',
      path: PATH,
    });
    expect(readerErrorFinding(PATH, new TypeError('bad bytes'))).toStrictEqual({
      code: 'ARCHIVE_UNREADABLE',
      severity: 'critical',
      message: `${PATH} could not be read: bad bytes`,
      path: PATH,
    });
  });

  it("an abort, or a thrown value that is not an Error, is not the evidence's fault: null", () => {
    const abort = new Error('stopped');
    abort.name = 'AbortError';
    expect(readerErrorFinding(PATH, abort)).toBeNull();
    expect(readerErrorFinding(PATH, new DOMException('stopped', 'AbortError'))).toBeNull();
    expect(readerErrorFinding(PATH, 'a string')).toBeNull();
    expect(readerErrorFinding(PATH, { message: 'not an Error' })).toBeNull();
  });
});

describe('runSegmentTask', () => {
  const lines = chain(1, 3);
  const whole = lines.map((l) => `${l}\n`).join('');

  it('a whole file: its lines checked, its size and hash for the manifest', async () => {
    const result = await runSegmentTask(
      source([whole.slice(0, 100), whole.slice(100)]),
      entry(PATH),
      task(),
      context(),
      1 << 20,
    );
    expect(result.findings).toStrictEqual([]);
    expect(result.ids).toEqual(['rc_1', 'rc_2', 'rc_3']);
    expect(result.file).toStrictEqual({ bytes: bytes(whole).length, sha256: hashOf(whole) });
  });

  it('a file that fails part-way: what was read is checked, the failure is a finding of the ledger, no digest', async () => {
    const cut = `${lines[0]}\n${lines[1]}\n`;
    const error = new LimitExceededError('maxEntryBytes', 2_000_000, 'size passed the per-entry limit of 10 bytes');
    const result = await runSegmentTask(source([cut], error), entry(PATH), task(), context(), 1 << 20);
    expect(result.ids).toEqual(['rc_1', 'rc_2']);
    expect(result.findings).toStrictEqual([
      {
        code: 'ENTRY_TOO_LARGE',
        severity: 'high',
        message: `${PATH} was not read past 2 MB: size passed the per-entry limit of 10 bytes.`,
        path: PATH,
        detail: { limit: 'maxEntryBytes' },
        ledger: LEDGER,
      },
    ]);
    expect(result.file).toBeNull();
    expect(Object.keys(result)).toContain('file');
  });

  it('the line limit given is the one used', async () => {
    const result = await runSegmentTask(source([whole]), entry(PATH), task(), context(), 10);
    expect(result.findings.map((f) => [f.code, f.line])).toEqual([
      ['RECORD_MALFORMED', 1],
      ['RECORD_MALFORMED', 2],
      ['RECORD_MALFORMED', 3],
    ]);
  });

  it("an error that is not the evidence's fault, or any error once aborted, is thrown", async () => {
    const abort = new Error('stopped');
    abort.name = 'AbortError';
    await expect(runSegmentTask(source([whole], abort), entry(PATH), task(), context(), 1 << 20)).rejects.toBe(abort);
    const controller = new AbortController();
    controller.abort();
    const failure = new TypeError('read after abort');
    const signals: (AbortSignal | undefined)[] = [];
    await expect(
      runSegmentTask(source([whole], failure, signals), entry(PATH), task(), context(), 1 << 20, controller.signal),
    ).rejects.toBe(failure);
    expect(signals).toEqual([controller.signal]);
    // Not aborted: the same error is a finding.
    const live = new AbortController();
    const result = await runSegmentTask(source([whole], failure), entry(PATH), task(), context(), 1 << 20, live.signal);
    expect(result.findings.map((f) => f.message)).toEqual([`${PATH} could not be read: read after abort`]);
  });
});

describe('localRunner', () => {
  it('runs each task in this thread, one at a time, with its checkpoint seqs, the entry and the signal', async () => {
    const lines = chain(1, 3);
    const whole = lines.map((l) => `${l}\n`).join('');
    const signals: (AbortSignal | undefined)[] = [];
    const signal = new AbortController().signal;
    const { checkpointSeqs: _c, ...rest } = context();
    const runner = localRunner(source([whole], undefined, signals), new Map([[PATH, entry(PATH)]]), rest, 25, signal);
    expect(runner.name).toBe('this thread');
    expect(runner.concurrency).toBe(1);
    expect(runner.takesPieces).toBeUndefined();
    const result = await runner.run(task({ checkpointRuns: toSeqRuns([3, 1]) }));
    // A line limit of 25 bytes: every line is too long.
    expect(result.findings.map((f) => f.code)).toEqual(['RECORD_MALFORMED', 'RECORD_MALFORMED', 'RECORD_MALFORMED']);
    expect(signals).toEqual([signal]);
    const wide = localRunner(source([whole]), new Map([[PATH, entry(PATH)]]), rest, 1 << 20);
    const sealed = await wide.run(task({ checkpointRuns: toSeqRuns([3, 1]) }));
    expect(sealed.sealed).toEqual([
      [1, hashOf(lines[0] as string), ts(1)],
      [3, hashOf(lines[2] as string), ts(3)],
    ]);
    expect(sealed.file).toStrictEqual({ bytes: bytes(whole).length, sha256: hashOf(whole) });
    await expect(runner.close()).resolves.toBeUndefined();
  });
});
