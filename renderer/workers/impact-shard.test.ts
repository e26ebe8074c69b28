/**
 * The app's replay (stored chunks → shares → scanShare → merge) gives what
 * `tickmark policy-diff --json` gives on the same archive: the same counts, changed
 * receipts in the same order, by policy and by action; each changed outcome is placed on
 * the table row of its line, whatever the number of shares; lines that are not receipts
 * and lines the store lost are counted, never taken as unchanged.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeCedar } from '../../cli/cedar-node.ts';
import { main } from '../../cli/main.ts';
import { buildKeyring } from '../../shared/engine/keys.ts';
import { nobleStrictVerifier } from '../../shared/format/ed25519.ts';
import type { BundleSide } from '../../shared/policy/diff.ts';
import { ImpactCollector } from '../../shared/policy/impact.ts';
import { bundleSide } from '../../shared/policy/sides.ts';
import { makeDemoArchive } from '../../shared/producer/demo.ts';
import { zipFiles } from '../../shared/producer/zip.ts';
import { mergeShares, planAll, planRows, splitShares } from '../features/bundles/impact-plan.ts';
import type { ChunkTask } from './impact-protocol.ts';
import { scanShare, type ReadChunks } from './impact-shard.ts';
import { LEGACY_LINES_PER_CHUNK, LINES_PER_CHUNK } from './receipt-columns.ts';

type Json = Record<string, unknown>;
const text = (b: Uint8Array) => new TextDecoder().decode(b);

let dir: string;
let zip: string;
let root: string;
/** Each ledger's lines in stored order, as the store keeps them. */
let ledgers: Map<string, string[]>;
let sides: { v1: BundleSide; v2: BundleSide };
let cli: Json;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickmark-impact-shard-'));
  const demo = await makeDemoArchive({
    cedar: nodeCedar,
    receipts: 2400,
    seed: 'impact-shard',
    receiptsPerSegment: 700,
  });
  root = demo.rootPublicKey;
  zip = join(dir, 'demo.zip');
  await writeFile(zip, zipFiles(demo.files));
  ledgers = new Map();
  for (const [path, bytes] of [...demo.files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const m = /^ledgers\/([^/]+)\/\d{6}\.jsonl$/.exec(path);
    if (!m) continue;
    const lines = text(bytes)
      .split('\n')
      .filter((l) => l !== '');
    ledgers.set(m[1] as string, [...(ledgers.get(m[1] as string) ?? []), ...lines]);
  }
  const keyring = buildKeyring(JSON.parse(text(demo.files.get('keys.json')!)), [root], nobleStrictVerifier).keyring;
  const side = (path: string) => {
    const s = bundleSide(path, JSON.parse(text(demo.files.get(path)!)), keyring, nobleStrictVerifier, true);
    if ('error' in s) throw new Error(s.error);
    return s;
  };
  sides = { v1: side('policies/agents-prod-v1.json'), v2: side('policies/agents-prod-v2.json') };
  let out = '';
  const code = await main(['policy-diff', zip, 'agents-prod@1', 'agents-prod@2', '--trust-root', root, '--json'], {
    stdout: (s) => void (out += s),
    stderr: () => undefined,
  });
  expect(code).toBe(1);
  cli = JSON.parse(out) as Json;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A store holding each ledger's lines in chunks of `size`, as an archive imported with that size. */
function storeOf(lines: Map<string, string[]>, size = LINES_PER_CHUNK): ReadChunks {
  return async (ledger, from, to) => {
    const all = lines.get(ledger) ?? [];
    const out = new Map<number, string[]>();
    for (let c = from; c <= to; c++) {
      const texts = all.slice(c * size, (c + 1) * size);
      if (texts.length > 0) out.set(c, texts);
    }
    return out;
  };
}

const rowsByLedger = () => Object.fromEntries([...ledgers].map(([l, lines]) => [l, lines.length]));
const ledgerStart = () => {
  const start: Record<string, number> = {};
  let n = 0;
  for (const l of [...ledgers.keys()].sort()) {
    start[l] = n;
    n += ledgers.get(l)!.length;
  }
  return start;
};

async function replay(tasks: ChunkTask[], parts: number, store = storeOf(ledgers)) {
  const results = [];
  for (const tasksOfShare of splitShares(tasks, parts)) {
    const collector = new ImpactCollector(nodeCedar, sides.v1, sides.v2);
    results.push(
      await scanShare({ archiveId: 'a', tasks: tasksOfShare, ledgerStart: ledgerStart() }, store, collector),
    );
  }
  return mergeShares(results);
}

/** The global row of a receipt line, found by its id in the stored order. */
function rowOf(receipt: string): number {
  let base = 0;
  for (const l of [...ledgers.keys()].sort()) {
    const at = ledgers.get(l)!.findIndex((line) => (JSON.parse(line) as Json).id === receipt);
    if (at >= 0) return base + at;
    base += ledgers.get(l)!.length;
  }
  return -1;
}

describe('impact over stored chunks', () => {
  it('agrees with tickmark policy-diff --json, in one share or three, whatever lines a chunk holds', async () => {
    const impact = cli.impact as Json;
    // Chunks of archives imported before (1,000), of those imported now, and an odd size.
    for (const [parts, size] of [
      [1, LINES_PER_CHUNK],
      [3, LINES_PER_CHUNK],
      [1, LEGACY_LINES_PER_CHUNK],
      [3, LEGACY_LINES_PER_CHUNK],
      [2, 7],
    ] as const) {
      const merged = await replay(planAll(rowsByLedger(), size), parts, storeOf(ledgers, size));
      const i = merged.impact!;
      expect(i.evaluated).toBe(impact.evaluated);
      expect(i.unchanged).toBe(impact.unchanged);
      expect(i.errorCount).toBe(impact.error_count);
      expect({
        allow_to_deny: i.counts.allowToDeny,
        deny_to_allow: i.counts.denyToAllow,
        other_policies: i.counts.otherPolicies,
      }).toEqual(impact.counts);
      expect(i.byPolicy).toEqual(impact.by_policy);
      const changed = impact.changed as Json[];
      expect(changed.length).toBeGreaterThan(0);
      expect(i.changed.map((c) => [c.receipt, c.ledger, c.seq, c.kind, c.from, c.to])).toEqual(
        changed.map((c) => [c.receipt, c.ledger, c.seq, c.kind, c.from, c.to]),
      );
      expect(merged.changedRows).toEqual(i.changed.map((c) => rowOf(c.receipt)));
      expect(merged.linesRead).toBe(2400);
      expect(merged.notReceipts + merged.notStored).toBe(0);
      // Receipts per bundle named: every line names one of the two versions.
      expect([...merged.bundleCounts.keys()].sort()).toEqual([sides.v1.hash, sides.v2.hash].sort());
      expect([...merged.bundleCounts.values()].reduce((a, b) => a + b, 0)).toBe(2400);
    }
  });

  it('a filter’s rows: only those lines, each change still on its own row', async () => {
    const all = await replay(planAll(rowsByLedger(), LINES_PER_CHUNK), 1);
    const rows = all.changedRows.filter((_, k) => k % 2 === 0);
    const sortedLedgers = [...ledgers.keys()].sort();
    const table = {
      ledgers: sortedLedgers,
      ledgerStart: sortedLedgers.map((l) => ledgerStart()[l] as number),
      count: 2400,
    };
    const some = await replay(planRows(table, Uint32Array.from(rows), LINES_PER_CHUNK), 2);
    expect(some.impact!.evaluated).toBe(rows.length);
    expect(some.changedRows).toEqual(rows);
  });

  it('lines that are not receipts and lines missing from the store are counted apart', async () => {
    const damaged = new Map([...ledgers].map(([l, lines]) => [l, [...lines]]));
    const first = [...damaged.keys()].sort()[0] as string;
    const lines = damaged.get(first)!;
    lines[3] = '{"not":"a receipt"}';
    lines[4] = 'not json';
    const read = storeOf(damaged);
    // The store lost the ledger's second chunk.
    const store: ReadChunks = async (ledger, from, to) => {
      const got = new Map(await read(ledger, from, to));
      if (ledger === first) got.delete(1);
      return got;
    };
    const merged = await replay(planAll(rowsByLedger(), LINES_PER_CHUNK), 2, store);
    const lost = Math.min(LINES_PER_CHUNK, lines.length - LINES_PER_CHUNK);
    expect(merged.notReceipts).toBe(2);
    expect(merged.noBundle).toBe(2);
    expect(merged.notStored).toBe(lost);
    expect(merged.impact!.evaluated).toBe(2400 - 2 - lost);
  });
});
