/**
 * The control checks on archives from an independent producer (/work/shared/samples,
 * outside this repository). valid.zip must give no control finding; decision_mismatch.zip
 * must give exactly its one DECISION_MISMATCH. Skipped, with a warning that says so, where
 * the samples are not present, except under CI=true, where they fail (test/support/shared-dir.ts).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nodeCedar } from '../../cli/cedar-node.ts';
import { RUN_SAMPLE_TESTS, SAMPLES_DIR } from '../../test/support/shared-dir.ts';
import { checkBundlePolicies } from '../decisions/policies.ts';
import { controlChecks } from './index.ts';
import { createPrivacyCollector } from './privacy.ts';
import { runChecks } from './fixtures.test-helper.ts';
import { loadSampleArchive } from './sample-archive.test-helper.ts';

/** The location members of a finding (absent ones left out), to compare exactly. */
const pick = (f: { ledger?: string; path?: string; line?: number; seq?: number; receipt?: string }) => ({
  ledger: f.ledger,
  path: f.path,
  line: f.line,
  seq: f.seq,
  receipt: f.receipt,
});

const load = (name: string) => loadSampleArchive(new Uint8Array(readFileSync(`${SAMPLES_DIR}${name}`)));

describe.skipIf(!RUN_SAMPLE_TESTS)("control checks on the independent producer's samples", () => {
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
    // The one receipt the independent producer made inconsistent: support-07 (tier 3) recorded
    // as allowed to update payment_methods (tier 1), which Cedar denies. The allowed request
    // also breaks tiering, so TIER_VIOLATION follows from the same change (cases.json allows it).
    const where = {
      ledger: 'gw-us-1',
      path: 'ledgers/gw-us-1/000001.jsonl',
      line: 2,
      seq: 2,
      receipt: 'rc_380de303817f1634',
    };
    expect(findings.map((f) => ({ code: f.code, ...pick(f) })).sort((a, b) => a.code.localeCompare(b.code))).toEqual([
      { code: 'DECISION_MISMATCH', ...where },
      { code: 'TIER_VIOLATION', ...where },
    ]);
    expect(findings.find((f) => f.code === 'DECISION_MISMATCH')?.detail).toEqual({
      bundle: 'sha256:1d45a3eb17c40fd33873f2905f070aabbacaec94e2fbed671b45b8112eab45b7',
      recorded: { effect: 'allow', policies: [] },
      reevaluated: { effect: 'deny', policies: [], errors: [] },
    });
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
