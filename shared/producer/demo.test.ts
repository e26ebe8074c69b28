/**
 * The demo archive, checked from the outside: every rule of FORMAT.md it must obey is
 * re-checked here with independent code (node:crypto hashes, cedar-wasm's stateless
 * isAuthorized, plain-JS control predicates), never with the generator's own helpers.
 */
import { createHash } from 'node:crypto';
import * as cedarWasm from '@cedar-policy/cedar-wasm/nodejs';
import { unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { nodeCedar } from '../../cli/cedar-node.ts';
import { decodeUtf8Strict, fromHex, utf8 } from '../format/bytes.ts';
import { parseCanonical, signedText } from '../format/canonical.ts';
import { nobleStrictVerifier } from '../format/ed25519.ts';
import {
  CheckpointSchema,
  ManifestSchema,
  PolicyFileSchema,
  ReceiptSchema,
  validate,
  type BundleBody,
  type KeyEntry,
  type Receipt,
} from '../format/schema.ts';
import { makeCleanArchive, makeDemoArchive, type PlantedFailure } from './demo.ts';
import { zipFiles } from './zip.ts';

type Files = Map<string, Uint8Array>;
const sha = (bytes: Uint8Array | string) => 'sha256:' + createHash('sha256').update(bytes).digest('hex');
const text = (bytes: Uint8Array) => decodeUtf8Strict(bytes)!;
const ZERO = 'sha256:' + '0'.repeat(64);

interface Read {
  keys: Map<string, KeyEntry>;
  bundles: Map<string, BundleBody>;
  ledgers: Map<
    string,
    { receipts: { receipt: Receipt; line: string; path: string }[]; checkpoints: Record<string, unknown>[] }
  >;
}

/** Reads an archive's files the way a verifier would, asserting the stored-form rules. */
function read(files: Files): Read {
  const keys = new Map<string, KeyEntry>();
  for (const key of JSON.parse(text(files.get('keys.json')!)).keys as KeyEntry[]) keys.set(key.kid, key);
  const bundles = new Map<string, BundleBody>();
  const ledgers: Read['ledgers'] = new Map();
  for (const [path, bytes] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (path.startsWith('policies/')) {
      const file = JSON.parse(text(bytes));
      expect(validate(PolicyFileSchema, file).ok).toBe(true);
      bundles.set(sha(canonicalText(file.bundle)), file.bundle);
    }
    const m = /^ledgers\/([^/]+)\/(\d{6}\.jsonl|checkpoints\.jsonl)$/.exec(path);
    if (!m) continue;
    const ledger = ledgers.get(m[1]!) ?? { receipts: [], checkpoints: [] };
    ledgers.set(m[1]!, ledger);
    const all = text(bytes);
    expect(all.endsWith('\n')).toBe(true);
    for (const line of all.slice(0, -1).split('\n')) {
      if (m[2] === 'checkpoints.jsonl') ledger.checkpoints.push(JSON.parse(line));
      else ledger.receipts.push({ receipt: JSON.parse(line), line, path });
    }
  }
  return { keys, bundles, ledgers };
}

/**
 * `C(value)` for this archive's values, written independently of the producer: sorted keys
 * and JSON.stringify, which is RFC 8785 for ASCII strings and integers (all the demo uses).
 */
function canonicalText(value: unknown): string {
  return JSON.stringify(sortDeep(value));
}
function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortDeep((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

function verifySig(sig: string, message: string, kid: string, role: string, keys: Map<string, KeyEntry>): boolean {
  const key = keys.get(kid);
  if (!key || !key.roles.includes(role as KeyEntry['roles'][number])) return false;
  return nobleStrictVerifier.verify(fromHex(sig), utf8(message), fromHex(key.public_key));
}

/** FORMAT.md §7 control rules, written plainly over the data. Returns `code receipt-id` pairs. */
function controlFailures(r: Read): string[] {
  const out: string[] = [];
  const cedarSets = new Map<string, Record<string, string>>();
  for (const [hash, body] of r.bundles) cedarSets.set(hash, body.cedar.policies);
  for (const { receipts } of r.ledgers.values()) {
    const txns = new Map<string, { steps: number[]; ended: boolean; last: Receipt }>();
    const outputs = new Map<string, string>();
    for (const { receipt } of receipts) {
      const bundle = r.bundles.get(receipt.decision.bundle)!;
      const { effect } = receipt.decision;
      if (effect === 'allow' && receipt.data.tier < receipt.agent.tier) out.push(`TIER_VIOLATION ${receipt.id}`);
      if (effect === 'deny' && receipt.exec.status !== 'blocked') out.push(`DENIED_BUT_EXECUTED ${receipt.id}`);
      const approved = bundle.data_handling?.approved_recipients ?? [];
      if (
        receipt.data.personal.length > 0 &&
        receipt.data.recipient &&
        receipt.exec.status === 'ok' &&
        !approved.includes(receipt.data.recipient)
      ) {
        out.push(`RECIPIENT_UNAPPROVED ${receipt.id}`);
      }
      if (
        effect === 'allow' &&
        bundle.approval_required?.includes(receipt.request.action.id) &&
        !receipt.decision.approval
      )
        out.push(`APPROVAL_MISSING ${receipt.id}`);
      const answer = cedarWasm.isAuthorized({
        principal: receipt.request.principal,
        action: receipt.request.action,
        resource: receipt.request.resource,
        context: receipt.request.context as cedarWasm.Context,
        policies: { staticPolicies: cedarSets.get(receipt.decision.bundle)! },
        entities: receipt.entities as cedarWasm.Entities,
      });
      if (answer.type !== 'success') throw new Error('Cedar failed');
      const policies = [...answer.response.diagnostics.reason].sort();
      if (answer.response.decision !== effect || policies.join() !== receipt.decision.policies.join())
        out.push(`DECISION_MISMATCH ${receipt.id}`);
      if (receipt.exec.status === 'ok') {
        const key = [
          receipt.agent.id,
          receipt.request.action.id,
          receipt.request.resource.id,
          receipt.io.input,
          receipt.decision.bundle,
        ].join('|');
        const earlier = outputs.get(key);
        if (earlier !== undefined && earlier !== receipt.io.output) out.push(`NONDETERMINISTIC_OUTPUT ${receipt.id}`);
        if (earlier === undefined) outputs.set(key, receipt.io.output);
      }
      const txn = txns.get(receipt.txn.id) ?? { steps: [], ended: false, last: receipt };
      txn.steps.push(receipt.txn.step);
      txn.last = receipt;
      if (receipt.txn.end !== null) txn.ended = true;
      if (txn.steps.at(-1) !== txn.steps.length) {
        if (txn.steps.at(-2) === txn.steps.length - 1) out.push(`TXN_STEP_GAP ${receipt.id}`); // report the first bad step only
      }
      txns.set(receipt.txn.id, txn);
    }
    for (const txn of txns.values()) if (!txn.ended) out.push(`TXN_INCOMPLETE ${txn.last.id}`);
  }
  return out.sort();
}

describe('demo archive (300 receipts)', () => {
  let demo: Awaited<ReturnType<typeof makeDemoArchive>>;
  let data: Read;
  beforeAll(async () => {
    demo = await makeDemoArchive({ cedar: nodeCedar, receipts: 300, seed: 'test-seed', receiptsPerSegment: 60 });
    data = read(demo.files);
  });

  it('is reproducible: the same seed gives the same bytes, another seed other bytes', async () => {
    const again = await makeDemoArchive({ cedar: nodeCedar, receipts: 300, seed: 'test-seed', receiptsPerSegment: 60 });
    expect([...again.files.keys()]).toEqual([...demo.files.keys()]);
    for (const [path, bytes] of demo.files) expect(sha(again.files.get(path)!), path).toBe(sha(bytes));
    const other = await makeDemoArchive({
      cedar: nodeCedar,
      receipts: 300,
      seed: 'other-seed',
      receiptsPerSegment: 60,
    });
    expect(sha(other.files.get('manifest.json')!)).not.toBe(sha(demo.files.get('manifest.json')!));
  });

  it('stores every JSON file and JSONL line in canonical form (files without, lines with a newline)', () => {
    for (const [path, bytes] of demo.files) {
      if (path.startsWith('attachments/')) continue;
      const all = text(bytes);
      if (path.endsWith('.json')) {
        expect(all.endsWith('\n'), path).toBe(false);
        expect(parseCanonical(all).ok, path).toBe(true);
      } else {
        expect(path).toMatch(/\.jsonl$/);
        expect(all.endsWith('\n'), path).toBe(true);
        for (const line of all.slice(0, -1).split('\n'))
          expect(parseCanonical(line).ok, `${path}: ${line.slice(0, 60)}`).toBe(true);
      }
    }
  });

  it('lists every other file in a manifest signed by an archive key, with the right size and hash', () => {
    const manifest = JSON.parse(text(demo.files.get('manifest.json')!));
    expect(validate(ManifestSchema, manifest).ok).toBe(true);
    expect(verifySig(manifest.sig, signedText(manifest), manifest.kid, 'archive', data.keys)).toBe(true);
    const others = [...demo.files.keys()].filter((p) => p !== 'manifest.json').sort();
    expect(manifest.files.map((f: { path: string }) => f.path)).toEqual(others);
    for (const f of manifest.files)
      expect(f).toEqual({ path: f.path, bytes: demo.files.get(f.path)!.length, sha256: sha(demo.files.get(f.path)!) });
    expect(demo.manifest).toEqual(manifest);
  });

  it('anchors every key in the one root, whose public key is returned', () => {
    const keysFile = JSON.parse(text(demo.files.get('keys.json')!));
    const roots = (keysFile.keys as KeyEntry[]).filter((k) => k.roles.includes('root'));
    expect(roots.map((k) => k.public_key)).toEqual([demo.rootPublicKey]);
    for (const key of keysFile.keys as KeyEntry[]) {
      expect(key.kid).toBe(sha(fromHex(key.public_key)).slice(7, 39));
      if (key.roles.includes('root')) continue;
      const { cert, ...rest } = key;
      expect(verifySig(cert!.sig, signedText(rest, 'cert'), cert!.kid, 'root', data.keys)).toBe(true);
    }
    for (const rev of keysFile.revocations) {
      expect(
        verifySig(
          rev.sig,
          JSON.stringify({ kid: rev.kid, reason: rev.reason, revoked_at: rev.revoked_at }),
          rev.by,
          'root',
          data.keys,
        ),
      ).toBe(true);
    }
  });

  it('signs two versions of one bundle, v2 superseding v1, effective one after the other', () => {
    const files = [...demo.files].filter(([p]) => p.startsWith('policies/')).map(([, b]) => JSON.parse(text(b)));
    expect(files).toHaveLength(2);
    const [v1, v2] = files.sort((a, b) => a.bundle.version - b.bundle.version);
    for (const file of [v1, v2]) {
      expect(file.signatures.length).toBeGreaterThan(0);
      for (const s of file.signatures)
        expect(verifySig(s.sig, canonicalText(file.bundle), s.kid, 'policy', data.keys)).toBe(true);
    }
    expect(v1.bundle.id).toBe(v2.bundle.id);
    expect(v1.bundle.supersedes).toBeNull();
    expect(v2.bundle.supersedes).toBe(sha(canonicalText(v1.bundle)));
    expect(Date.parse(v1.bundle.effective_until)).toBeLessThanOrEqual(Date.parse(v2.bundle.effective_from));
  });

  it('chains, signs and checkpoints every ledger, sealing it at its last receipt', () => {
    expect([...data.ledgers.keys()].sort()).toEqual(['gw-eu-1', 'gw-us-1']);
    let total = 0;
    const ids = new Set<string>();
    for (const [name, ledger] of data.ledgers) {
      let prev = ZERO;
      let lastTs = 0;
      const hashes = new Map<number, string>();
      ledger.receipts.forEach(({ receipt, line }, i) => {
        expect(validate(ReceiptSchema, receipt).ok).toBe(true);
        expect(receipt.ledger).toBe(name);
        expect(receipt.seq).toBe(i + 1);
        expect(receipt.prev).toBe(prev);
        expect(receipt.id).toMatch(/^rc_[0-9a-f]{16}$/);
        expect(receipt.txn.id).toMatch(/^tx_[0-9a-f]{16}$/);
        expect(ids.has(receipt.id)).toBe(false);
        ids.add(receipt.id);
        expect(Date.parse(receipt.ts)).toBeGreaterThan(lastTs);
        lastTs = Date.parse(receipt.ts);
        expect(verifySig(receipt.sig, signedText(receipt), receipt.kid, 'gate', data.keys)).toBe(true);
        const bundle = data.bundles.get(receipt.decision.bundle)!;
        expect(Date.parse(bundle.effective_from)).toBeLessThanOrEqual(lastTs);
        if (bundle.effective_until) expect(lastTs).toBeLessThan(Date.parse(bundle.effective_until));
        if (receipt.decision.approval) {
          const a = receipt.decision.approval;
          const message = JSON.stringify({
            action: receipt.request.action.id,
            receipt_id: receipt.id,
            resource: receipt.request.resource.id,
          });
          expect(verifySig(a.sig, message, a.kid, 'approver', data.keys)).toBe(true);
        }
        prev = sha(line);
        hashes.set(receipt.seq, prev);
      });
      total += ledger.receipts.length;
      expect(ledger.checkpoints.length).toBeGreaterThan(1);
      for (const cp of ledger.checkpoints) {
        expect(validate(CheckpointSchema, cp).ok).toBe(true);
        expect(cp.head).toBe(hashes.get(cp.seq as number));
        expect(verifySig(cp.sig as string, signedText(cp), cp.kid as string, 'gate', data.keys)).toBe(true);
      }
      expect(ledger.checkpoints.at(-1)!.seq).toBe(ledger.receipts.length);
    }
    expect(total).toBe(300);
  });

  it('writes segments of the requested size, in name order', () => {
    const segments = [...demo.files.keys()].filter((p) => p.startsWith('ledgers/gw-eu-1/0'));
    expect(segments).toEqual(['000001', '000002', '000003'].map((n) => `ledgers/gw-eu-1/${n}.jsonl`));
  });

  it('names every attachment by the SHA-256 of its content and refers to each from a receipt', () => {
    const attachments = [...demo.files].filter(([p]) => p.startsWith('attachments/'));
    expect(attachments.length).toBeGreaterThan(2);
    const referenced = new Set(
      [...data.ledgers.values()].flatMap((l) => l.receipts.flatMap(({ receipt }) => Object.values(receipt.io))),
    );
    for (const [path, bytes] of attachments) {
      expect(sha(bytes)).toBe(`sha256:${path.slice('attachments/'.length)}`);
      expect(referenced.has(sha(bytes))).toBe(true);
    }
  });

  it('contains exactly the planted control failures, where the summary says', () => {
    const wanted = [
      'TIER_VIOLATION',
      'RECIPIENT_UNAPPROVED',
      'APPROVAL_MISSING',
      'DENIED_BUT_EXECUTED',
      'TXN_INCOMPLETE',
      'TXN_STEP_GAP',
      'NONDETERMINISTIC_OUTPUT',
      'DECISION_MISMATCH',
    ];
    expect(demo.plantedFailures.map((f) => f.code).sort()).toEqual([...wanted].sort());
    expect(controlFailures(data)).toEqual(demo.plantedFailures.map((f) => `${f.code} ${f.receipt}`).sort());
    for (const f of demo.plantedFailures as PlantedFailure[]) {
      const found = data.ledgers.get(f.ledger)!.receipts[f.seq - 1]!.receipt;
      expect(found.id).toBe(f.receipt);
      expect(f.why.length).toBeGreaterThan(20);
    }
  });

  it('looks like agent work: several agents, personal data, approvals, commits and aborts', () => {
    const receipts = [...data.ledgers.values()].flatMap((l) => l.receipts.map((r) => r.receipt));
    expect(new Set(receipts.map((r) => r.agent.id)).size).toBeGreaterThanOrEqual(4);
    expect(receipts.some((r) => r.data.personal.includes('email') && r.data.subjects.length > 0)).toBe(true);
    expect(receipts.some((r) => r.data.recipient !== null && r.exec.status === 'ok')).toBe(true);
    expect(receipts.some((r) => r.request.action.id === 'payments.release' && r.decision.approval)).toBe(true);
    expect(receipts.some((r) => r.decision.effect === 'deny' && r.exec.status === 'blocked')).toBe(true);
    expect(receipts.some((r) => r.txn.end === 'commit')).toBe(true);
    expect(receipts.some((r) => r.txn.end === 'abort')).toBe(true);
    expect(receipts.some((r) => r.txn.step > 1)).toBe(true);
  });

  it('round-trips through the ZIP writer', () => {
    const unzipped = unzipSync(zipFiles(demo.files));
    expect(Object.keys(unzipped).sort()).toEqual([...demo.files.keys()].sort());
    for (const [path, bytes] of demo.files) expect(sha(unzipped[path]!)).toBe(sha(bytes));
  });
});

describe('clean archive and options', () => {
  it('has no control failure at all', async () => {
    const clean = await makeCleanArchive({ cedar: nodeCedar, receipts: 400, seed: 'clean' });
    expect(clean.plantedFailures).toEqual([]);
    expect(controlFailures(read(clean.files))).toEqual([]);
  });

  it('leaves an unsealed tail on gw-us-1 only when asked', async () => {
    const demo = await makeDemoArchive({ cedar: nodeCedar, receipts: 200, unsealed: true });
    const data = read(demo.files);
    const eu = data.ledgers.get('gw-eu-1')!;
    const us = data.ledgers.get('gw-us-1')!;
    expect(eu.checkpoints.at(-1)!.seq).toBe(eu.receipts.length);
    const sealed = us.checkpoints.at(-1)!.seq as number;
    expect(sealed).toBeLessThan(us.receipts.length);
    expect(demo.ledgers.find((l) => l.ledger === 'gw-us-1')!.sealedSeq).toBe(sealed);
  });

  it('refuses too few receipts to plant every failure', async () => {
    await expect(makeDemoArchive({ cedar: nodeCedar, receipts: 39 })).rejects.toThrow(RangeError);
  });
});
