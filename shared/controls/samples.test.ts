/**
 * The control checks on archives from an independent producer (/work/shared/samples,
 * outside this repository). valid.zip must give no control finding; decision_mismatch.zip
 * must give DECISION_MISMATCH. Skipped, with a warning that says so, where the samples
 * are not present.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nodeCedar } from '../../cli/cedar-node.ts';
import { checkBundlePolicies } from '../decisions/policies.ts';
import { controlChecks } from './index.ts';
import { createPrivacyCollector } from './privacy.ts';
import { runChecks } from './fixtures.test-helper.ts';
import { loadSampleArchive } from './sample-archive.test-helper.ts';

const SAMPLES = fileURLToPath(new URL('../../../shared/samples/', import.meta.url));
const present = existsSync(`${SAMPLES}valid.zip`) && existsSync(`${SAMPLES}decision_mismatch.zip`);
if (!present)
  console.warn(
    `samples.test.ts: skipped, the independent producer's samples are not at ${SAMPLES} (../shared/samples next to the repository)`,
  );

const load = (name: string) => loadSampleArchive(new Uint8Array(readFileSync(`${SAMPLES}${name}`)));

describe.skipIf(!present)("control checks on the independent producer's samples", () => {
  it('valid.zip: every receipt is read, every policy parses, and no control finding', async () => {
    const sample = load('valid.zip');
    expect(sample.rejected).toBe(0);
    expect(sample.records).toHaveLength(1200);
    expect(sample.bundles).toHaveLength(2);
    for (const b of sample.bundles)
      expect(checkBundlePolicies(nodeCedar, b.hash, b.body.cedar.policies)).toEqual({ ok: true });
    expect(sample.records.every((r) => r.context.bundle !== undefined)).toBe(true);
    const findings = await runChecks(controlChecks(nodeCedar), sample.archive, sample.records);
    expect(findings).toEqual([]);
  });

  it('decision_mismatch.zip: DECISION_MISMATCH, showing recorded and re-evaluated decisions', async () => {
    const sample = load('decision_mismatch.zip');
    const findings = await runChecks(controlChecks(nodeCedar), sample.archive, sample.records);
    const mismatches = findings.filter((f) => f.code === 'DECISION_MISMATCH');
    expect(mismatches.length).toBeGreaterThan(0);
    for (const f of mismatches) {
      expect(f.detail).toHaveProperty('recorded');
      expect(f.detail).toHaveProperty('reevaluated');
      expect(f).toMatchObject({
        ledger: expect.any(String),
        seq: expect.any(Number),
        receipt: expect.any(String),
        path: expect.stringMatching(/^ledgers\//),
      });
    }
    // Shown for the person running the tests: what the tampering changed.
    console.info(findings.map((f) => `${f.code} ${f.ledger}#${f.seq}: ${f.message}`).join('\n'));
  });

  it('valid.zip: privacy report covers every receipt with personal data', () => {
    const sample = load('valid.zip');
    const collector = createPrivacyCollector();
    for (const { receipt, context } of sample.records) collector.visit(receipt, context);
    const report = collector.report();
    const withPersonal = sample.records.filter(
      (r) => r.receipt.data.personal.length > 0 || r.receipt.data.subjects.length > 0,
    );
    expect(report.receipts).toBe(withPersonal.length);
    const pairs = withPersonal.reduce(
      (n, r) => n + new Set(r.receipt.data.subjects).size * new Set(r.receipt.data.personal).size,
      0,
    );
    expect(report.entries.reduce((n, e) => n + e.receipts, 0)).toBe(pairs);
  });
});
