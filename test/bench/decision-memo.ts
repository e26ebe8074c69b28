/**
 * Benchmark: Cedar re-evaluation throughput on a producer-built demo archive of 1,200
 * receipts (nothing outside the project: `../shared` is read only by tests of its samples),
 * with and without the decision memo, as a ratio measured in the same run; and, for
 * scale, all control checks with the noble and the node:crypto Ed25519 verifiers.
 * Not a test (docs/CONVENTIONS.md: benchmarks never gate on a wall-clock number); `npm run
 * bench` calls {@link benchDecisionMemo}, or run it alone:
 *   npx tsx test/bench/decision-memo.ts
 */
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { nodeCedar } from '../../cli/cedar-node.ts';
import type { ArchiveContext } from '../../shared/engine/types.ts';
import { controlChecks } from '../../shared/controls/index.ts';
import { runChecks, type FixtureRecord } from '../../shared/controls/fixtures.test-helper.ts';
import { loadSampleArchive } from '../../shared/controls/sample-archive.test-helper.ts';
import { DecisionEvaluator, DEFAULT_MEMO_CAPACITY } from '../../shared/decisions/evaluator.ts';
import { makeDemoArchive } from '../../shared/producer/demo.ts';
import { zipFiles } from '../../shared/producer/zip.ts';

/** The archive measured: the demo's traffic (agents, actions, planted failures), 1,200 receipts. */
const RECEIPTS = 1200;

export interface DecisionMemoFigures {
  readonly name: 'decision memo';
  readonly receipts: number;
  readonly passes: number;
  readonly withoutMemo: Throughput;
  readonly withMemo: Throughput;
  /** Decisions a second with the memo over without: the figure this benchmark is for. */
  readonly ratio: number;
  /** All control checks, receipts a second, by signature verifier. */
  readonly allChecks: { readonly noble: number; readonly nodeCrypto: number };
}

export interface Throughput {
  readonly decisionsPerSecond: number;
  readonly cedarCallsPerPass: number;
}

export type DecisionMemoResult = DecisionMemoFigures;

/**
 * Measures, prints and returns the figures.
 * @param options.passes passes over the sample per measurement (fewer for a smoke run).
 */
export async function benchDecisionMemo(options: { readonly passes?: number } = {}): Promise<DecisionMemoResult> {
  const passes = options.passes ?? 20;
  const demo = await makeDemoArchive({ cedar: nodeCedar, receipts: RECEIPTS, seed: 'bench-decision-memo' });
  const { records, archive } = loadSampleArchive(zipFiles(demo.files));

  decide(records, 0, 1); // warm up the wasm and the JIT
  const withoutMemo = decide(records, 0, passes);
  const withMemo = decide(records, DEFAULT_MEMO_CAPACITY, passes);
  const checkPasses = Math.max(1, Math.round(passes / 4));
  const allChecks = {
    noble: await checkAll(records, archive, checkPasses),
    // For comparison only: OpenSSL's Ed25519 (the engine decides which verifier is strict
    // enough; approval signatures dominate the time with noble).
    nodeCrypto: await checkAll(records, { ...archive, verifier: nodeCryptoVerifier() }, checkPasses),
  };
  const figures: DecisionMemoFigures = {
    name: 'decision memo',
    receipts: records.length,
    passes,
    withoutMemo,
    withMemo,
    ratio: withMemo.decisionsPerSecond / withoutMemo.decisionsPerSecond,
    allChecks,
  };
  console.info(
    [
      `decision memo: ${figures.receipts} receipts a pass, ${passes} passes`,
      `  without memo: ${withoutMemo.decisionsPerSecond.toFixed(0)} decisions/s (${withoutMemo.cedarCallsPerPass} Cedar calls a pass)`,
      `  with memo:    ${withMemo.decisionsPerSecond.toFixed(0)} decisions/s (${withMemo.cedarCallsPerPass} Cedar calls a pass)`,
      `  ratio:        ${figures.ratio.toFixed(2)}×`,
      `  all control checks: ${allChecks.noble.toFixed(0)} receipts/s (noble verifier), ${allChecks.nodeCrypto.toFixed(0)} receipts/s (node:crypto verifier)`,
    ].join('\n'),
  );
  return figures;
}

/** Re-evaluates every receipt `passes` times, each pass with a fresh (cold) evaluator, as one verification has. */
function decide(records: readonly FixtureRecord[], memoCapacity: number, passes: number): Throughput {
  let cedarCalls = 0;
  const started = performance.now();
  for (let pass = 0; pass < passes; pass++) {
    const evaluator = new DecisionEvaluator(nodeCedar, { memoCapacity });
    for (const { receipt, context } of records) {
      const bundle = context.bundle;
      if (bundle) evaluator.evaluate(bundle.hash, bundle.body.cedar.policies, receipt.request, receipt.entities);
    }
    cedarCalls += evaluator.stats().cedarCalls;
  }
  const seconds = (performance.now() - started) / 1000;
  return { decisionsPerSecond: (records.length * passes) / seconds, cedarCallsPerPass: cedarCalls / passes };
}

async function checkAll(records: readonly FixtureRecord[], archive: ArchiveContext, passes: number): Promise<number> {
  const started = performance.now();
  for (let pass = 0; pass < passes; pass++) await runChecks(controlChecks(nodeCedar), archive, records);
  return (records.length * passes) / ((performance.now() - started) / 1000);
}

function nodeCryptoVerifier(): ArchiveContext['verifier'] {
  // An Ed25519 public key as SPKI DER: the fixed 12-byte header, then the 32 key bytes.
  const header = Buffer.from('302a300506032b6570032100', 'hex');
  const der = (key: Uint8Array) => createPublicKey({ key: Buffer.concat([header, key]), format: 'der', type: 'spki' });
  return { name: 'node:crypto', verify: (sig, message, publicKey) => nodeVerify(null, message, der(publicKey), sig) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await benchDecisionMemo();
