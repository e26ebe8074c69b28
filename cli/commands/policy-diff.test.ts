/**
 * `tickmark policy-diff` on the demo's two bundle versions: the policy changes the producer's
 * scenario made, and exactly the receipts whose outcome changes — computed here without
 * Cedar, by an oracle written from the scenario's policies — then proposed files (a
 * formatting-only edit, a new forbid) and bad references.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalize } from '../../shared/format/canonical.ts';
import { makeDemoArchive } from '../../shared/producer/demo.ts';
import { zipFiles } from '../../shared/producer/zip.ts';
import { receiptsOf } from '../../test/support/tamper.ts';
import { nodeCedar } from '../cedar-node.ts';
import { runTickmark } from '../../test/support/cli.ts';
import { runPolicyDiff } from './policy-diff.ts';

type Json = Record<string, unknown>;
interface Outcome {
  effect: 'allow' | 'deny';
  policies: string[];
}

/**
 * The demo scenario's policies (shared/producer/demo-scenario.ts) as plain code: which
 * policies hold for a request under version 1 or 2. Independent of Cedar and of the diff.
 */
function oracle(version: 1 | 2, receipt: Json): Outcome {
  const request = receipt.request as {
    principal: { type: string; id: string };
    action: { id: string };
    resource: { type: string; id: string };
    context: Json;
  };
  const entities = receipt.entities as { uid: { type: string; id: string }; attrs: Json }[];
  const attrs = (uid: { type: string; id: string }) =>
    entities.find((e) => e.uid.type === uid.type && e.uid.id === uid.id)?.attrs ?? {};
  const p = attrs(request.principal);
  const r = attrs(request.resource);
  const agent = request.principal.type === 'Agent';
  const action = request.action.id;
  const tierOk = typeof r.tier === 'number' && typeof p.tier === 'number' && r.tier >= p.tier;
  const permits: string[] = [];
  const forbids: string[] = [];
  if (action === 'db.export') forbids.push('no-export');
  if (version === 2 && agent && request.principal.id === 'legacy-bot') forbids.push('no-legacy');
  if (
    agent &&
    action === 'payments.release' &&
    request.resource.type === 'Account' &&
    request.context.approved === true &&
    p.role === 'finance'
  )
    permits.push('payments');
  if (agent && action === 'data.share' && request.resource.type === 'Recipient' && r.approved === true)
    permits.push('share-approved');
  if (agent && action === 'db.read' && request.resource.type === 'Table' && tierOk) permits.push('tier-read');
  if (agent && action === 'db.update' && request.resource.type === 'Table' && tierOk && p.role === 'data_processor')
    permits.push('tier-write');
  if (agent && action === 'kb.search' && (version === 1 || (request.resource.type === 'Table' && tierOk)))
    permits.push('search');
  if (forbids.length > 0) return { effect: 'deny', policies: forbids.sort() };
  if (permits.length > 0) return { effect: 'allow', policies: permits.sort() };
  return { effect: 'deny', policies: [] };
}

let dir: string;
let zip: string;
let root: string;
let receipts: Json[];
let files: Map<string, Uint8Array>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickmark-policy-diff-'));
  const demo = await makeDemoArchive({
    cedar: nodeCedar,
    receipts: 3000,
    seed: 'policy-diff',
    receiptsPerSegment: 500,
  });
  files = demo.files;
  zip = join(dir, 'demo.zip');
  await writeFile(zip, zipFiles(demo.files));
  root = demo.rootPublicKey;
  receipts = ['gw-eu-1', 'gw-us-1'].flatMap((l) => receiptsOf(demo.files, l).map((r) => r.receipt));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const run = (...args: string[]) => runTickmark(['policy-diff', ...args]);

interface DiffJson {
  from: { id: string; version: number; hash: string; in_archive: boolean; signature_valid: boolean };
  to: { id: string; version: number; hash: string; in_archive: boolean; signature_valid: boolean };
  policies: {
    added: string[];
    removed: string[];
    changed: string[];
    unchanged: string[];
    unchanged_after_formatting: string[];
  };
  policy_diffs: { id: string; change: string; scope_changed: string[] }[];
  impact: {
    evaluated: number;
    unchanged: number;
    errors: unknown[];
    changed: { receipt: string; ledger: string; seq: number; from: Outcome; to: Outcome }[];
  };
}

const bundleFile = (version: 1 | 2) =>
  JSON.parse(new TextDecoder().decode(files.get(`policies/agents-prod-v${version}.json`))) as {
    bundle: Json & { cedar: { policies: Record<string, string> } };
    signatures: unknown[];
  };

describe('tickmark policy-diff on the demo', () => {
  it('v1 → v2: no-legacy added, search changed (scope narrowed to tables), the rest unchanged', async () => {
    const { stdout } = await run(zip, 'agents-prod@1', 'agents-prod@2', '--trust-root', root, '--json');
    const out = JSON.parse(stdout) as DiffJson;
    expect(out.from).toMatchObject({ id: 'agents-prod', version: 1, in_archive: true, signature_valid: true });
    expect(out.to).toMatchObject({ id: 'agents-prod', version: 2, in_archive: true, signature_valid: true });
    expect(out.policies).toEqual({
      added: ['no-legacy'],
      removed: [],
      changed: ['search'],
      unchanged: ['no-export', 'payments', 'share-approved', 'tier-read', 'tier-write'],
      unchanged_after_formatting: [],
    });
    expect(out.policy_diffs.find((p) => p.id === 'search')?.scope_changed).toEqual(['resource', 'conditions']);
  });

  it('exactly the receipts whose outcome the oracle says changes, with both outcomes; exit 1', async () => {
    const { code, stdout } = await run(zip, 'agents-prod@1', 'agents-prod@2', '--trust-root', root, '--json');
    const out = JSON.parse(stdout) as DiffJson;
    const expected = receipts
      .map((r) => ({ r, a: oracle(1, r), b: oracle(2, r) }))
      .filter(({ a, b }) => a.effect !== b.effect || a.policies.join() !== b.policies.join());
    expect(expected.length).toBeGreaterThan(50);
    expect(out.impact.evaluated).toBe(receipts.length);
    expect(out.impact.errors).toEqual([]);
    expect(out.impact.unchanged).toBe(receipts.length - expected.length);
    expect(out.impact.changed.map((c) => c.receipt)).toEqual(expected.map(({ r }) => r.id));
    for (const [i, c] of out.impact.changed.entries()) {
      expect(c.from).toEqual(expected[i]?.a);
      expect(c.to).toEqual(expected[i]?.b);
    }
    expect(code).toBe(1);
  });

  it('one worker or two, canonical lines or not: the same receipts replayed, the same lines not read', async () => {
    // A segment with lines that are not receipts (not JSON, null, an array, another shape) and
    // receipts stored in other forms (members reordered, spaced): those are read whole, the
    // canonical ones by the scan; both must count alike, in this thread and in the pool.
    const altered = new Map(files);
    const path = 'ledgers/gw-eu-1/000001.jsonl';
    const lines = new TextDecoder().decode(altered.get(path)).split('\n').filter(Boolean);
    const reordered = (line: string) => {
      const value = JSON.parse(line) as Json;
      return JSON.stringify(Object.fromEntries(Object.entries(value).reverse()));
    };
    lines[3] = reordered(lines[3] as string);
    lines[10] = JSON.stringify(JSON.parse(lines[10] as string), null, 1).replaceAll('\n', '');
    lines.splice(
      5,
      0,
      'not json',
      'null',
      '[]',
      '{"id":"x","ledger":"gw-eu-1","seq":1,"request":null,"entities":[]}',
      // Canonical, but not a receipt's shape: read by the scan, and still not replayed.
      '{"entities":[],"id":"x","ledger":"gw-eu-1","request":null,"seq":1}',
      '{"entities":{},"id":"x","ledger":"gw-eu-1","request":{},"seq":1}',
      '{"entities":[],"id":"x","ledger":"gw-eu-1","request":{},"seq":"1"}',
    );
    altered.set(path, new TextEncoder().encode(lines.join('\n') + '\n'));
    const alteredZip = join(dir, 'altered.zip');
    await writeFile(alteredZip, zipFiles(altered));
    const answers = [];
    for (const workers of ['1', '2']) {
      const { code, stdout } = await run(alteredZip, 'agents-prod@1', 'agents-prod@2', '--workers', workers, '--json');
      const out = JSON.parse(stdout) as DiffJson & { not_read: { lines: number; segments: string[] } };
      expect(code).toBe(1);
      expect(out.not_read).toEqual({ lines: 7, segments: [] });
      expect(out.impact.evaluated).toBe(receipts.length);
      const expected = receipts
        .map((r) => ({ r, a: oracle(1, r), b: oracle(2, r) }))
        .filter(({ a, b }) => a.effect !== b.effect || a.policies.join() !== b.policies.join());
      expect(out.impact.changed.map((c) => c.receipt)).toEqual(expected.map(({ r }) => r.id));
      const { cedar_calls: _calls, ...impact } = out.impact as DiffJson['impact'] & { cedar_calls: number };
      answers.push({ ...out, impact });
    }
    expect(answers[1]).toEqual(answers[0]);
  });

  it('a replay pool that cannot start: the same answer from this thread, and a note saying so', async () => {
    const broken = join(dir, 'broken-worker.mjs');
    await writeFile(broken, "throw new Error('this worker cannot start');\n");
    let stdout = '';
    let stderr = '';
    const io = { stdout: (t: string) => void (stdout += t), stderr: (t: string) => void (stderr += t) };
    const code = await runPolicyDiff([zip, 'agents-prod@1', 'agents-prod@2', '--workers', '2', '--json'], io, {
      script: { kind: 'bundle', file: broken },
    });
    const inThread = await run(zip, 'agents-prod@1', 'agents-prod@2', '--workers', '1', '--json');
    expect(code).toBe(inThread.code);
    expect(stdout).toBe(inThread.stdout);
    expect(stderr).toMatch(
      /^tickmark policy-diff: the worker pool could not start \(.*this worker cannot start.*\); replaying in this thread\n$/s,
    );
  });

  it('--workers must be a whole number from 1 to 64', async () => {
    for (const bad of ['0', '65', 'two']) {
      const { code, stderr } = await run(zip, 'agents-prod@1', 'agents-prod@2', '--workers', bad);
      expect(code).toBe(2);
      expect(stderr).toContain('--workers must be a whole number from 1 to 64');
    }
  });

  it('the same bundle on both sides: no change, exit 0; by hash prefix as well as id@version', async () => {
    const first = JSON.parse((await run(zip, 'agents-prod@2', 'agents-prod@2', '--json')).stdout) as DiffJson;
    const prefix = first.to.hash.slice(7, 19);
    const { code, stdout } = await run(zip, prefix, `sha256:${prefix}`, '--json');
    const out = JSON.parse(stdout) as DiffJson;
    expect(out.from.hash).toBe(first.to.hash);
    expect(out.impact.changed).toEqual([]);
    expect(out.impact.unchanged).toBe(receipts.length);
    expect(code).toBe(0);
  });

  it('a proposed file that only reformats the policies: unchanged after formatting, no impact, not signed', async () => {
    const v2 = bundleFile(2);
    const policies = Object.fromEntries(
      Object.entries(v2.bundle.cedar.policies).map(([id, text]) => [id, `\n  ${text.replace(/, /g, ',\n    ')}\n`]),
    );
    const path = join(dir, 'reformatted.json');
    await writeFile(path, canonicalize({ bundle: { ...v2.bundle, cedar: { policies } }, signatures: [] }));
    const { code, stdout } = await run(zip, 'agents-prod@2', path, '--trust-root', root, '--json');
    const out = JSON.parse(stdout) as DiffJson;
    expect(out.to).toMatchObject({ in_archive: false, signature_valid: false });
    expect(out.policies.changed).toEqual([]);
    expect(out.policies.unchanged_after_formatting.sort()).toEqual(Object.keys(policies).sort());
    expect(out.impact.changed).toEqual([]);
    expect(code).toBe(0);
  });

  it('a proposed file with a new forbid: its impact on real traffic', async () => {
    const v2 = bundleFile(2);
    const path = join(dir, 'no-updates.json');
    const policies = {
      ...v2.bundle.cedar.policies,
      'no-updates': 'forbid(principal, action == Action::"db.update", resource);',
    };
    await writeFile(path, canonicalize({ bundle: { ...v2.bundle, cedar: { policies } }, signatures: v2.signatures }));
    const { code, stdout } = await run(zip, 'agents-prod@2', path, '--trust-root', root, '--json');
    const out = JSON.parse(stdout) as DiffJson;
    expect(out.policies.added).toEqual(['no-updates']);
    // The old signatures do not cover the changed bundle.
    expect(out.to.signature_valid).toBe(false);
    const updates = receipts.filter((r) => (r.request as { action: { id: string } }).action.id === 'db.update');
    const allowedUpdates = updates.filter((r) => oracle(2, r).effect === 'allow');
    // The new forbid determines every update: each one's outcome changes (allow → deny, or deny by another set).
    expect(updates.length).toBeGreaterThan(0);
    expect(out.impact.changed.map((c) => c.receipt)).toEqual(updates.map((r) => r.id));
    expect(out.impact.changed.filter((c) => c.from.effect === 'allow').length).toBe(allowedUpdates.length);
    expect(out.impact.changed.every((c) => c.to.effect === 'deny' && c.to.policies.includes('no-updates'))).toBe(true);
    expect(code).toBe(1);
  });

  it('bad references: exit 2 with what is present, or where the file is wrong', async () => {
    const unknown = await run(zip, 'agents-prod@9', 'agents-prod@2');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /no bundle agents-prod@9 in the archive; bundles in the archive: agents-prod@1 .*agents-prod@2/,
    );
    const ambiguousOrMissing = await run(zip, 'ffffffff', 'agents-prod@2');
    expect(ambiguousOrMissing.code).toBe(2);
    expect(ambiguousOrMissing.stderr).toMatch(/no bundle with a hash starting sha256:ffffffff/);
    const notJson = join(dir, 'broken.json');
    await writeFile(notJson, '{"bundle": ');
    const broken = await run(zip, 'agents-prod@1', notJson);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain(`${notJson} is not JSON`);
    const notBundle = join(dir, 'not-bundle.json');
    await writeFile(notBundle, '{"bundle":{"id":"x"},"signatures":[]}');
    const wrong = await run(zip, 'agents-prod@1', notBundle);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/not-bundle\.json is not a policy bundle: .*bundle\./);
  });

  it('human output names the changes and the impact', async () => {
    const { stdout } = await run(zip, 'agents-prod@1', 'agents-prod@2', '--trust-root', root);
    expect(stdout).toContain('ADDED no-legacy');
    expect(stdout).toContain('CHANGED search');
    expect(stdout).toContain('scope resource: any resource → resource is Table');
    expect(stdout).toMatch(/Decision impact over 3000 recorded requests: \d+ unchanged, \d+ changed/);
  });
});
