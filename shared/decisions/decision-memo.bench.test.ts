/**
 * Benchmark, not a test: Cedar re-evaluation throughput on the independent producer's
 * valid.zip, with and without the decision memo, as a ratio measured in one run.
 * Runs only with TICKMARK_BENCH=1 (never gates CI on a wall-clock number):
 *   TICKMARK_BENCH=1 npx vitest run shared/decisions/decision-memo.bench.test.ts
 */
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nodeCedar } from '../../cli/cedar-node.ts';
import { controlChecks } from '../controls/index.ts';
import { runChecks } from '../controls/fixtures.test-helper.ts';
import { loadSampleArchive } from '../controls/sample-archive.test-helper.ts';
import { DecisionEvaluator } from './evaluator.ts';

const VALID = fileURLToPath(new URL('../../../shared/samples/valid.zip', import.meta.url));
const enabled = process.env.TICKMARK_BENCH === '1' && existsSync(VALID);
const PASSES = 20;

describe.runIf(enabled)('decision memo benchmark', () => {
  it('measures decisions per second with and without the memo', async () => {
    const { records, archive } = loadSampleArchive(new Uint8Array(readFileSync(VALID)));
    const run = (memoCapacity: number) => {
      let cedarCalls = 0;
      const started = performance.now();
      for (let pass = 0; pass < PASSES; pass++) {
        // A fresh evaluator per pass: the memo starts cold, as in one verification.
        const evaluator = new DecisionEvaluator(nodeCedar, { memoCapacity });
        for (const { receipt, context } of records) {
          const bundle = context.bundle;
          if (bundle) evaluator.evaluate(bundle.hash, bundle.body.cedar.policies, receipt.request, receipt.entities);
        }
        cedarCalls += evaluator.stats().cedarCalls;
      }
      const seconds = (performance.now() - started) / 1000;
      return { perSecond: (records.length * PASSES) / seconds, cedarCalls: cedarCalls / PASSES };
    };
    run(0); // warm up the wasm and the JIT
    const without = run(0);
    const withMemo = run(32_768);
    const started = performance.now();
    for (let pass = 0; pass < 5; pass++) await runChecks(controlChecks(nodeCedar), archive, records);
    const allChecks = (records.length * 5) / ((performance.now() - started) / 1000);
    // For comparison only: OpenSSL's Ed25519 through node:crypto (the engine decides which
    // verifier is strict enough; approval signatures dominate the time with noble).
    const der = (key: Uint8Array) => createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), key]), format: 'der', type: 'spki' });
    const openssl = { ...archive, verifier: { name: 'node:crypto', verify: (sig: Uint8Array, msg: Uint8Array, key: Uint8Array) => nodeVerify(null, msg, der(key), sig) } };
    const started2 = performance.now();
    for (let pass = 0; pass < 5; pass++) await runChecks(controlChecks(nodeCedar), openssl, records);
    const allChecksOpenssl = (records.length * 5) / ((performance.now() - started2) / 1000);
    console.info([
      `receipts: ${records.length} per pass, ${PASSES} passes`,
      `without memo: ${without.perSecond.toFixed(0)} decisions/s (${without.cedarCalls} Cedar calls a pass)`,
      `with memo:    ${withMemo.perSecond.toFixed(0)} decisions/s (${withMemo.cedarCalls} Cedar calls a pass)`,
      `ratio:        ${(withMemo.perSecond / without.perSecond).toFixed(2)}×`,
      `all control checks: ${allChecks.toFixed(0)} receipts/s (noble verifier), ${allChecksOpenssl.toFixed(0)} receipts/s (node:crypto verifier)`,
    ].join('\n'));
    expect(withMemo.cedarCalls).toBeLessThan(without.cedarCalls);
  });
});
