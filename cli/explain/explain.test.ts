/**
 * `tickmark explain` against `tickmark verify`: explaining one receipt must give, for that
 * receipt, what verifying the whole archive gives — no finding missed, none invented — on
 * the independent producer's samples, on producer-built archives with planted control
 * failures, and on forged ones. Then the command itself: exit codes, `--json` shape, not found.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memorySource } from '../../shared/archive/memory.ts';
import type { Finding } from '../../shared/engine/findings.ts';
import type { VerifyReport } from '../../shared/engine/types.ts';
import { verifyArchive } from '../../shared/engine/verify.ts';
import { explainReceipt, REPLAY_PENDING, type Explanation } from '../../shared/explain/explain.ts';
import type { CedarFormatting } from '../../shared/decisions/policy-status.ts';
import { hashOf } from '../../shared/format/hash.ts';
import { makeCleanArchive, makeDemoArchive } from '../../shared/producer/demo.ts';
import { signBundle } from '../../shared/producer/policy.ts';
import { zipFiles } from '../../shared/producer/zip.ts';
import {
  keys,
  receiptsOf,
  resignManifest,
  rewriteLedger,
  SEED,
  setText,
  text,
  type Files,
} from '../../test/support/tamper.ts';
import { unzipFile } from '../../test/support/unzip.ts';
import { RUN_SAMPLE_TESTS, SAMPLES_DIR } from '../../test/support/shared-dir.ts';
import { nodeCedar } from '../cedar-node.ts';
import { engineOptions } from '../engine-options.ts';
import { nativeStrictVerifier } from '../native-ed25519.ts';
import { gatherMaterials } from './gather.ts';
import { runTickmark } from '../../test/support/cli.ts';

/** Codes a single receipt's explanation does not judge: they need the whole archive or ledger. */
const NOT_JUDGED_HERE = new Set([
  'RECEIPT_ID_DUPLICATE',
  'NONDETERMINISTIC_OUTPUT',
  'SLO_BREACH',
  'CHAIN_GAP',
  'CHAIN_DUPLICATE_SEQ',
  'CHAIN_UNSEALED',
  'CHAIN_TRUNCATED',
  'TXN_INCOMPLETE',
]);

async function explain(files: Files, locator: string, roots: readonly string[]): Promise<Explanation> {
  const materials = await gatherMaterials(memorySource(files, 'case.zip'), locator);
  return explainReceipt(materials, {
    cedar: nodeCedar as CedarFormatting,
    verifier: nativeStrictVerifier,
    trustedRoots: roots,
  });
}

async function verify(files: Files, roots: readonly string[]): Promise<VerifyReport> {
  return verifyArchive(memorySource(files, 'case.zip'), { ...engineOptions(), trustedRoots: roots });
}

const key = (f: Finding) => `${f.code} ${f.path ?? ''}:${f.line ?? ''}`;

/**
 * For every receipt that verification puts a finding on (and `extra` receipts), the
 * explanation has exactly verification's findings at that receipt's line.
 */
async function expectAgreement(files: Files, roots: readonly string[], extra: readonly string[] = []): Promise<number> {
  const report = await verify(files, roots);
  const receipts = new Set([
    ...report.findings.filter((f) => f.receipt !== undefined).map((f) => f.receipt as string),
    ...extra,
  ]);
  for (const id of receipts) {
    const e = await explain(files, id, roots);
    const at = (f: Finding) => f.path === e.receipt.path && f.line === e.receipt.line && !NOT_JUDGED_HERE.has(f.code);
    const fromVerify = report.findings.filter(at).map(key).sort();
    const fromExplain = e.findings.filter(at).map(key).sort();
    expect(fromExplain, `receipt ${id}`).toEqual(fromVerify);
    const mismatch = report.findings.find((f) => f.code === 'DECISION_MISMATCH' && f.receipt === id);
    if (mismatch) {
      expect(e.decision?.agrees).toBe(false);
      const detail = mismatch.detail as { recorded: unknown; reevaluated: { effect?: string; policies?: string[] } };
      expect(e.decision?.replayed?.effect).toBe(detail.reevaluated.effect);
      expect(e.decision?.replayed?.policies).toEqual(detail.reevaluated.policies);
    }
    if (fromVerify.length > 0) expect(e.holds, `receipt ${id} has findings`).toBe(false);
  }
  return receipts.size;
}

describe.skipIf(!RUN_SAMPLE_TESTS)('explain agrees with verify on the independent producer samples', () => {
  const root = '9a79bc1f19cc4abb4f5a237fb0b61182fed928785a2ee8f33a7f203ca88a9f7f';
  it.each(['decision_mismatch', 'modified_field', 'truncated', 'valid'])('%s', async (name) => {
    const files = unzipFile(`${SAMPLES_DIR}${name}.zip`);
    // Also a plain receipt of each ledger (first and last), where nothing is wrong.
    const ids = ['gw-eu-1', 'gw-us-1'].flatMap((l) => {
      const rows = receiptsOf(files, l);
      return [rows[0], rows.at(-1)].map((r) => r?.receipt.id as string);
    });
    const checked = await expectAgreement(files, [root], ids);
    expect(checked).toBeGreaterThanOrEqual(4);
  });

  it('decision_mismatch: the recorded and replayed decisions differ, and the exit is 1', async () => {
    const files = unzipFile(`${SAMPLES_DIR}decision_mismatch.zip`);
    const report = await verify(files, [root]);
    const id = report.findings.find((f) => f.code === 'DECISION_MISMATCH')?.receipt as string;
    const e = await explain(files, id, [root]);
    expect(e.decision?.recorded?.effect).not.toBe(e.decision?.replayed?.effect);
    expect(e.holds).toBe(false);
  });
});

describe('explain agrees with verify on producer-built archives', () => {
  let demo: Awaited<ReturnType<typeof makeDemoArchive>>;
  beforeAll(async () => {
    demo = await makeDemoArchive({ cedar: nodeCedar, receipts: 1500, seed: 'explain-agree', receiptsPerSegment: 250 });
  });

  it('every planted control failure, and clean receipts', async () => {
    const clean = ['gw-eu-1', 'gw-us-1'].flatMap((l) =>
      receiptsOf(demo.files, l)
        .slice(0, 3)
        .map((r) => r.receipt.id as string),
    );
    const checked = await expectAgreement(demo.files, [demo.rootPublicKey], clean);
    expect(checked).toBeGreaterThanOrEqual(new Set(demo.plantedFailures.map((p) => p.receipt)).size);
    for (const id of clean.slice(0, 2)) expect((await explain(demo.files, id, [demo.rootPublicKey])).holds).toBe(true);
  });

  it('the same receipt by id and by ledger#seq', async () => {
    const planted = demo.plantedFailures.find((p) => p.code === 'DECISION_MISMATCH');
    if (!planted) throw new Error('the demo plants a DECISION_MISMATCH');
    const byId = await explain(demo.files, planted.receipt, [demo.rootPublicKey]);
    const bySeq = await explain(demo.files, `${planted.ledger}#${planted.seq}`, [demo.rootPublicKey]);
    expect(bySeq).toEqual(byId);
    expect(byId.receipt).toMatchObject({ id: planted.receipt, ledger: planted.ledger, seq: planted.seq });
  });

  it('before Cedar is loaded: everything but the replay, judged as with Cedar; pending, never holding', async () => {
    const planted = ['DECISION_MISMATCH', 'TIER_VIOLATION', 'APPROVAL_MISSING', 'RECIPIENT_UNAPPROVED'].map((code) => {
      const p = demo.plantedFailures.find((f) => f.code === code);
      if (!p) throw new Error(`the demo plants a ${code}`);
      return p.receipt;
    });
    const clean = receiptsOf(demo.files, 'gw-us-1')[2]?.receipt.id as string;
    for (const id of [...planted, clean]) {
      const materials = await gatherMaterials(memorySource(demo.files, 'demo.zip'), id);
      const deps = { verifier: nativeStrictVerifier, trustedRoots: [demo.rootPublicKey] };
      const full = await explainReceipt(materials, { ...deps, cedar: nodeCedar as CedarFormatting });
      const partial = await explainReceipt(materials, { ...deps, cedar: null });
      expect([id, full.replayPending, partial.replayPending, partial.holds]).toEqual([id, false, true, false]);
      // The same judgment of everything Cedar has no part in.
      const { decision, findings, checks, holds, replayPending, ...rest } = full;
      expect({ ...partial, decision: null, findings: [], checks: [], holds, replayPending }).toEqual({
        ...rest,
        decision: null,
        findings: [],
        checks: [],
        holds,
        replayPending,
      });
      expect(partial.decision).toEqual({
        ...decision,
        replayed: null,
        notReplayed: REPLAY_PENDING,
        agrees: null,
        policies: [],
      });
      // Cedar's findings are the only ones missing (none of these bundles fails to parse).
      const withoutCedar = findings.filter((f) => f.code !== 'DECISION_MISMATCH').map(key);
      expect(partial.findings.map(key)).toEqual(withoutCedar);
      expect(checks.find((c) => c.check.startsWith('Its decision'))?.status).toBe('ran');
      expect(partial.checks.filter((c) => c.status === 'not checked' && c.reason === REPLAY_PENDING)).toEqual([
        {
          check: 'Its decision re-evaluated, its bundle’s policies parsed',
          status: 'not checked',
          reason: REPLAY_PENDING,
        },
      ]);
    }
    expect((await explain(demo.files, clean, [demo.rootPublicKey])).holds).toBe(true);
    expect((await explain(demo.files, planted[0] as string, [demo.rootPublicKey])).decision?.agrees).toBe(false);
  });

  it('by id, whatever the chunks: the bytes of the id split across chunks (7 bytes each) give the same explanation', async () => {
    const ids = ['gw-eu-1', 'gw-us-1'].flatMap((l) => {
      const rows = receiptsOf(demo.files, l);
      return [rows[0], rows[Math.floor(rows.length / 2)], rows.at(-1)].map((r) => r?.receipt.id as string);
    });
    const whole = memorySource(demo.files, 'case.zip');
    const tiny = {
      ...whole,
      async *read(entry: Parameters<typeof whole.read>[0]) {
        for await (const chunk of whole.read(entry))
          for (let at = 0; at < chunk.length; at += 7) yield chunk.subarray(at, at + 7);
      },
    };
    for (const id of ids) {
      const expected = await gatherMaterials(whole, id);
      expect(await gatherMaterials(tiny, id), id).toEqual(expected);
      expect(expected.target.text).toContain(`"id":"${id}"`);
    }
  });

  it('by id, an earlier ledger that quotes the id elsewhere (not as a receipt id) is passed over', async () => {
    const target = receiptsOf(demo.files, 'gw-us-1')[5]?.receipt.id as string;
    const expected = await gatherMaterials(memorySource(demo.files, 'case.zip'), target);
    // gw-eu-1 sorts first: one of its lines gains a member holding the target's id bytes.
    const files = new Map(demo.files);
    const path = receiptsOf(files, 'gw-eu-1')[3]?.path as string;
    const lines = text(files, path).split('\n');
    lines[3] = (lines[3] as string).replace(/^\{/, `{"x":{"id":${JSON.stringify(target)}},`);
    setText(files, path, lines.join('\n'));
    expect(text(files, path)).toContain(`"id":${JSON.stringify(target)}`);
    const found = await gatherMaterials(memorySource(files, 'case.zip'), target);
    expect(found.target).toEqual(expected.target);
    expect(found.target.ledger).toBe('gw-us-1');
  });

  it('a neighbour the host could not find: the link before is not checked, never "first of the ledger"', async () => {
    const id = receiptsOf(demo.files, 'gw-eu-1')[120]?.receipt.id as string;
    const materials = await gatherMaterials(memorySource(demo.files, 'demo.zip'), id);
    const e = await explainReceipt(
      { ...materials, previous: null, previousUnknown: 'its segment is not in the store' },
      { cedar: nodeCedar as CedarFormatting, verifier: nativeStrictVerifier, trustedRoots: [demo.rootPublicKey] },
    );
    expect(e.evidence.chain.previous).toBeNull();
    expect(e.findings.filter((f) => f.code === 'CHAIN_BROKEN')).toEqual([]);
    expect(e.checks).toContainEqual({
      check: 'Its link with the line stored before it',
      status: 'not checked',
      reason: 'its segment is not in the store',
    });
    expect(e.holds).toBe(true);
  });

  it('an attachment is shown with its hash matched; changed content is ATTACHMENT_HASH_MISMATCH', async () => {
    const attachments = new Set(
      [...demo.files.keys()].filter((p) => p.startsWith('attachments/')).map((p) => `sha256:${p.slice(12)}`),
    );
    const row = ['gw-eu-1', 'gw-us-1']
      .flatMap((l) => receiptsOf(demo.files, l))
      .find((r) => attachments.has((r.receipt.io as { reasoning: string }).reasoning));
    if (!row) throw new Error('the demo carries attachments for some reasoning records');
    const id = row.receipt.id as string;
    const reasoning = (row.receipt.io as { reasoning: string }).reasoning;
    const e = await explain(demo.files, id, [demo.rootPublicKey]);
    expect(e.io?.reasoning.attachment).toMatchObject({ matched: true });
    expect(e.io?.reasoning.attachment?.content?.length).toBeGreaterThan(0);

    const changed = new Map(demo.files);
    changed.set(`attachments/${reasoning.slice(7)}`, new TextEncoder().encode('something else'));
    const bad = await explain(changed, id, [demo.rootPublicKey]);
    expect(bad.io?.reasoning.attachment).toMatchObject({ matched: false, kind: 'text', content: 'something else' });
    expect(bad.findings.map((f) => f.code)).toContain('ATTACHMENT_HASH_MISMATCH');
    expect(bad.holds).toBe(false);
  });

  it('a multi-step transaction lists every step in order, wherever they are stored', async () => {
    const rows = receiptsOf(demo.files, 'gw-eu-1');
    const byTxn = new Map<string, number>();
    for (const r of rows) {
      const id = (r.receipt.txn as { id: string }).id;
      byTxn.set(id, (byTxn.get(id) ?? 0) + 1);
    }
    const [txn, count] = [...byTxn].find(([, n]) => n >= 3) as [string, number];
    const steps = rows.filter((r) => (r.receipt.txn as { id: string }).id === txn);
    const last = steps.at(-1)?.receipt.id as string;
    const e = await explain(demo.files, last, [demo.rootPublicKey]);
    expect(e.transaction?.steps.map((s) => s.receipt)).toEqual(steps.map((s) => s.receipt.id));
    expect(e.transaction?.steps).toHaveLength(count);
  });
});

describe('explain on forged archives', () => {
  let base: Files;
  let root: string;
  beforeAll(async () => {
    const archive = await makeCleanArchive({
      cedar: nodeCedar,
      receipts: 240,
      seed: SEED,
      receiptsPerSegment: 60,
      checkpointEvery: 20,
    });
    base = archive.files;
    root = archive.rootPublicKey;
  });

  it('two receipts stored in swapped order: both explanations agree with verify, neither is sealed', async () => {
    const files = new Map(base);
    rewriteLedger(
      files,
      'gw-eu-1',
      (rows) => {
        const out = [...rows];
        [out[41], out[42]] = [out[42] as (typeof out)[number], out[41] as (typeof out)[number]];
        return out;
      },
      { relink: false },
    );
    const ids = receiptsOf(files, 'gw-eu-1')
      .slice(40, 44)
      .map((r) => r.receipt.id as string);
    await expectAgreement(files, [root], ids);
    const e = await explain(files, ids[1] as string, [root]);
    expect(e.findings.some((f) => f.code === 'CHAIN_BROKEN')).toBe(true);
    expect(e.holds).toBe(false);
  });

  it('a receipt edited and re-signed by the gate key: the chain after it breaks and its checkpoint does not seal it', async () => {
    const files = new Map(base);
    rewriteLedger(
      files,
      'gw-eu-1',
      (rows) => rows.map((r, i) => (i === 30 ? { ...r, receipt: { ...r.receipt, reasoning_summary: 'edited' } } : r)),
      {
        relink: false,
      },
    );
    const edited = receiptsOf(files, 'gw-eu-1')[30]?.receipt.id as string;
    await expectAgreement(files, [root], [edited]);
    const e = await explain(files, edited, [root]);
    expect(e.evidence.signature.valid).toBe(true);
    expect(e.evidence.chain.next?.linked).toBe(false);
    expect(e.evidence.checkpoint.status).toBe('broken');
  });

  it('a signed bundle whose Cedar does not parse: POLICY_INVALID on the receipts under it, never on the others', async () => {
    // Only the receipt's own bundle is given to Cedar: another bundle's parse bears on nothing here.
    const files = new Map(base);
    const v1 = (JSON.parse(text(files, 'policies/agents-prod-v1.json')) as { bundle: Record<string, unknown> }).bundle;
    const broken = signBundle(
      { ...v1, id: 'staging', supersedes: null, cedar: { policies: { broken: 'permit(principal, action,' } } } as never,
      [keys.policy],
    );
    setText(files, 'policies/staging-v1.json', broken.text);
    rewriteLedger(files, 'gw-eu-1', (rows) =>
      rows.map((r, i) =>
        i === 30
          ? {
              ...r,
              receipt: {
                ...r.receipt,
                decision: { ...(r.receipt.decision as Record<string, unknown>), bundle: broken.hash },
              },
            }
          : r,
      ),
    );
    const rows = receiptsOf(files, 'gw-eu-1');
    const under = rows[30]?.receipt.id as string;
    const other = rows[10]?.receipt.id as string;
    const report = await verify(files, [root]);
    expect(report.findings.filter((f) => f.code === 'POLICY_INVALID').map((f) => f.path)).toEqual([
      'policies/staging-v1.json',
    ]);
    const e = await explain(files, under, [root]);
    expect(e.findings.filter((f) => f.code === 'POLICY_INVALID').map((f) => f.path)).toEqual([
      'policies/staging-v1.json',
    ]);
    expect(e.decision?.replayed).toBeNull();
    expect(e.decision?.notReplayed).toMatch(/do not parse: broken:/);
    expect(e.holds).toBe(false);
    // The other receipt's judgment never hands the broken text to Cedar (it parsed every bundle before).
    const given: string[] = [];
    const watched = new Proxy(nodeCedar as CedarFormatting, {
      get(target, name, receiver) {
        const value: unknown = Reflect.get(target, name, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          given.push(JSON.stringify(args));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const o = await explainReceipt(await gatherMaterials(memorySource(files, 'case.zip'), other), {
      cedar: watched,
      verifier: nativeStrictVerifier,
      trustedRoots: [root],
    });
    expect(given.length).toBeGreaterThan(0);
    expect(given.filter((g) => g.includes('permit(principal, action,'))).toEqual([]);
    expect(o.findings.some((f) => f.code === 'POLICY_INVALID')).toBe(false);
    expect(o.decision?.agrees).toBe(true);
    expect(o.holds).toBe(true);
  });

  it('a checkpoint whose head is not the sealed receipt: CHECKPOINT_MISMATCH on the seal', async () => {
    const files = new Map(base);
    const cpPath = 'ledgers/gw-eu-1/checkpoints.jsonl';
    const lines = text(files, cpPath).split('\n').filter(Boolean);
    const cp = JSON.parse(lines[1] as string) as Record<string, unknown>;
    const { sign } = await import('../../test/support/tamper.ts');
    lines[1] = JSON.stringify(sign({ ...cp, head: hashOf('not the receipt') }, keys.gate('gw-eu-1')));
    setText(files, cpPath, lines.map((l) => l + '\n').join(''));
    resignManifest(files);
    const id = receiptsOf(files, 'gw-eu-1')[25]?.receipt.id as string;
    const e = await explain(files, id, [root]);
    expect(e.evidence.checkpoint).toMatchObject({ status: 'broken', seq: 40 });
    expect(e.findings.map((f) => f.code)).toContain('CHECKPOINT_MISMATCH');
    const report = await verify(files, [root]);
    expect(report.findings.map((f) => f.code)).toContain('CHECKPOINT_MISMATCH');
  });

  it('without the pinned root nothing is anchored: the key says so and the receipt does not hold', async () => {
    const id = receiptsOf(base, 'gw-eu-1')[5]?.receipt.id as string;
    const e = await explain(base, id, []);
    expect(e.evidence.key).toMatchObject({ rootPinned: false, anchored: false, usable: true });
    expect(e.findings.map((f) => f.code)).toContain('KEY_UNTRUSTED_ROOT');
    expect(e.holds).toBe(false);
  });
});

describe('tickmark explain (command)', () => {
  let dir: string;
  let zip: string;
  let root: string;
  let planted: { receipt: string; ledger: string; seq: number };
  let clean: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tickmark-explain-'));
    const demo = await makeDemoArchive({
      cedar: nodeCedar,
      receipts: 600,
      seed: 'explain-cli',
      receiptsPerSegment: 200,
    });
    zip = join(dir, 'demo.zip');
    await writeFile(zip, zipFiles(demo.files));
    root = demo.rootPublicKey;
    planted = demo.plantedFailures.find((p) => p.code === 'DECISION_MISMATCH') as typeof planted;
    clean = receiptsOf(demo.files, 'gw-eu-1')[0]?.receipt.id as string;
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const run = (...args: string[]) => runTickmark(['explain', ...args]);

  it('--json has the shape the issue names; exit 1 for the DECISION_MISMATCH receipt', async () => {
    const { code, stdout } = await run(zip, planted.receipt, '--trust-root', root, '--json');
    expect(code).toBe(1);
    const out = JSON.parse(stdout) as {
      receipt: { hash: string };
      decision: {
        bundle: object;
        recorded: unknown;
        replayed: { policies: string[] };
        policies: { id: string; effect: string; status: string; determining: boolean }[];
      };
      transaction: { steps: { receipt: string }[] };
      evidence: unknown;
      findings: { code: string }[];
    };
    expect(out.receipt).toMatchObject({ id: planted.receipt, ledger: planted.ledger, seq: planted.seq });
    expect(out.receipt.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(Object.keys(out.decision.bundle)).toEqual(expect.arrayContaining(['hash', 'id', 'version']));
    expect(out.decision.recorded).toEqual({ effect: expect.any(String), policies: expect.any(Array) });
    expect(out.decision.replayed).toEqual({ effect: expect.any(String), policies: expect.any(Array) });
    expect(out.decision.recorded).not.toEqual(out.decision.replayed);
    for (const p of out.decision.policies) {
      expect(Object.keys(p)).toEqual(expect.arrayContaining(['id', 'effect', 'determining', 'status', 'text']));
      expect(['permit', 'forbid']).toContain(p.effect);
      expect(['determining', 'satisfied', 'not-applicable', 'errored']).toContain(p.status);
      expect(p.determining).toBe(out.decision.replayed.policies.includes(p.id));
    }
    for (const s of out.transaction.steps)
      expect(Object.keys(s)).toEqual(expect.arrayContaining(['receipt', 'ledger', 'seq', 'step', 'effect', 'status']));
    expect(out.transaction.steps.map((s: { receipt: string }) => s.receipt)).toContain(planted.receipt);
    expect(out.evidence).toBeTypeOf('object');
    expect(out.findings.map((f: { code: string }) => f.code)).toContain('DECISION_MISMATCH');
  });

  it('exit 0 and a readable walk for a receipt that holds', async () => {
    const { code, stdout } = await run(zip, clean, '--trust-root', root);
    expect(code).toBe(0);
    for (const heading of [
      '1. Intent',
      '2. Data',
      '3. Inputs, reasoning, output',
      '4. Decision',
      '6. Evidence',
      '7. Transaction',
      '8. Findings (0)',
    ])
      expect(stdout).toContain(heading);
    expect(stdout).toContain('the receipt and its decision hold');
  });

  it('exit 2 with how to name a receipt when there is no such receipt', async () => {
    const { code, stderr } = await run(zip, 'rc_nope', '--trust-root', root);
    expect(code).toBe(2);
    expect(stderr).toMatch(/no receipt with id "rc_nope"/);
    expect(stderr).toMatch(/--list/);
    const seq = await run(zip, 'gw-eu-1#99999');
    expect(seq.code).toBe(2);
    expect(seq.stderr).toMatch(/ledger gw-eu-1 has no receipt with seq 99999/);
  });

  it('exit 2 for bad usage and a missing archive; --list names every receipt', async () => {
    expect((await run(zip)).code).toBe(2);
    expect((await run(join(dir, 'missing.zip'), 'rc_x')).code).toBe(2);
    const list = await run(zip, '--list');
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines).toHaveLength(600);
    expect(lines).toContain(`${planted.ledger}#${planted.seq}\t${planted.receipt}`);
  });
});
