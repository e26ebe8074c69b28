/**
 * Where the decision check's time goes on one archive (docs/PERFORMANCE.md, "Cedar's share"):
 * Cedar calls made by one evaluator, by two evaluators over alternating pieces of 1,000 receipts
 * (as a pool of two sees them), and by the same two sharing a store (shared-memo.ts); the memo's
 * cost when every request is a hit; Cedar's cost per call over the distinct requests, back to back.
 * Usage: npx tsx test/bench/decision-calls.ts <archive.zip>
 */
import { readLines } from '../../shared/archive/lines.ts';
import type { CedarEntities, CedarRequest } from '../../shared/decisions/cedar.ts';
import { DecisionEvaluator } from '../../shared/decisions/evaluator.ts';
import { SharedDecisions } from '../../shared/decisions/shared-memo.ts';
import { canonicalize } from '../../shared/format/canonical.ts';
import { hashOf } from '../../shared/format/hash.ts';
import { nodeCedar } from '../../cli/cedar-node.ts';
import { useNativeSha256 } from '../../cli/native-sha256.ts';
import { openArchivePath } from '../../cli/open-archive.ts';

interface Asked {
  readonly bundle: string;
  readonly request: CedarRequest;
  readonly entities: CedarEntities;
  readonly texts: { readonly request: string; readonly entities: string };
}

useNativeSha256();
const path = process.argv[2];
if (!path) throw new Error('usage: decision-calls.ts <archive.zip>');
const source = await openArchivePath(path);
const entries = await source.entries();
const text = async (name: string) => {
  const chunks: Uint8Array[] = [];
  for await (const c of source.read(entries.find((e) => e.name === name)!)) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
};
const policies = new Map<string, Record<string, string>>();
for (const entry of entries.filter((e) => /^policies\/[^/]+\.json$/.test(e.name))) {
  const { bundle } = JSON.parse(await text(entry.name)) as { bundle: { cedar: { policies: Record<string, string> } } };
  policies.set(hashOf(canonicalize(bundle)), bundle.cedar.policies);
}
const pieces: Asked[][] = [];
for (const entry of entries.filter((e) => /^ledgers\/[^/]+\/\d{6}\.jsonl$/.test(e.name))) {
  let piece: Asked[] = [];
  for await (const read of readLines(source.read(entry), 1 << 20)) {
    if (read.kind === 'too-long') continue;
    const r = JSON.parse(Buffer.from(read.bytes).toString('utf8')) as {
      request?: CedarRequest;
      entities?: CedarEntities;
      decision?: { bundle?: string };
    };
    const bundle = r.decision?.bundle;
    if (!r.request || !r.entities || !bundle || !policies.has(bundle)) continue;
    piece.push({
      bundle,
      request: r.request,
      entities: r.entities,
      texts: { request: canonicalize(r.request), entities: canonicalize(r.entities) },
    });
    if (piece.length === 1000) {
      pieces.push(piece);
      piece = [];
    }
  }
  if (piece.length > 0) pieces.push(piece);
}
await source.close();
const all = pieces.flat();

function run(evaluator: DecisionEvaluator, asked: readonly Asked[]): number {
  const start = performance.now();
  for (const a of asked) evaluator.evaluateRequest(a.bundle, policies.get(a.bundle)!, a.request, a.entities, a.texts);
  return performance.now() - start;
}
const alternate = (part: number) => pieces.filter((_, i) => i % 2 === part).flat();

const one = new DecisionEvaluator(nodeCedar);
run(one, all);
console.log(`requests: ${all.length}`);
console.log(`one evaluator: ${one.stats().cedarCalls} Cedar calls`);
const apart = [0, 1].map((part) => {
  const e = new DecisionEvaluator(nodeCedar);
  run(e, alternate(part));
  return e.stats().cedarCalls;
});
console.log(`two evaluators, alternate pieces of 1,000: ${apart.join(' + ')} Cedar calls`);
const buffer = SharedDecisions.allocate();
const sharing = [0, 1].map(() => new DecisionEvaluator(nodeCedar, { shared: SharedDecisions.attach(buffer) }));
// Piece by piece, in turn, as two threads at the same pace would.
for (let i = 0; i < pieces.length; i++) run(sharing[i % 2]!, pieces[i]!);
console.log(
  `the same two sharing a store: ${sharing.map((e) => e.stats().cedarCalls).join(' + ')} Cedar calls (${sharing.map((e) => e.stats().sharedHits).join(' + ')} answered from the store)`,
);
for (let pass = 0; pass < 3; pass++) console.log(`every request a memo hit: ${run(one, all).toFixed(0)} ms`);

// Cedar alone over the distinct requests, back to back.
const distinct: Asked[] = [];
const counting = new DecisionEvaluator(nodeCedar);
let calls = 0;
for (const a of all) {
  const before = counting.stats().cedarCalls;
  counting.evaluateRequest(a.bundle, policies.get(a.bundle)!, a.request, a.entities, a.texts);
  if (counting.stats().cedarCalls > before) {
    distinct.push(a);
    calls++;
  }
}
const prepared = new DecisionEvaluator(nodeCedar, { memoCapacity: 0 });
for (let round = 0; round < 3; round++) {
  const ms = run(prepared, distinct);
  console.log(
    `Cedar over the ${calls} distinct requests, memo off (keys still made): ${((ms * 1000) / calls).toFixed(0)} µs a call`,
  );
}
