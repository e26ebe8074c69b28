/**
 * The reconstruction of one line of an ExecLayer log (explain.ts) against the log's own
 * verification: on every line of every sample case (../shared/samples/execlayer, an
 * independent generator's), the line's findings are exactly those `verify` puts on it, each
 * expected failure shows as that check failing, and nothing shows as holding that did not
 * run; then, on logs of our own in the kernels' shapes (test/fixtures/execlayer), what a person
 * reads: the intent, each rule step, the verdict as written, and the line's checks.
 */
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { explainExeclayerPath } from '../../cli/execlayer.ts';
import { RUN_SAMPLE_TESTS, SAMPLES_DIR } from '../../test/support/shared-dir.ts';
import { readLines } from '../archive/lines.ts';
import type { VerifyReport } from '../engine/types.ts';
import { utf8 } from '../format/bytes.ts';
import {
  execlayerExplanationJson,
  explainExeclayerLine,
  NOTHING_TO_REPERFORM,
  type ExeclayerExplanation,
  type ExeclayerLineText,
} from './explain.ts';
import { verifyExeclayer, type ExeclayerKind } from './verify.ts';

interface Case {
  name: string;
  format: ExeclayerKind;
  files: Record<string, string>;
  hmac_secret_hex: string;
  known_issuer_key_ids?: string[];
  expected_failures: { index: number | null; properties: string[] }[];
}
const DIR = `${SAMPLES_DIR}execlayer/`;
const cases: Case[] = RUN_SAMPLE_TESTS
  ? (JSON.parse(readFileSync(`${DIR}cases.json`, 'utf8')) as { cases: Case[] }).cases
  : [];
const FIXTURES = new URL('../../test/fixtures/execlayer/', import.meta.url).pathname;
const hexOf = (text: string) => Buffer.from(text, 'utf8').toString('hex');

async function* linesOf(bytes: Uint8Array) {
  yield* readLines(
    (async function* () {
      yield bytes;
    })(),
    1 << 20,
  );
}

interface Log {
  kind: ExeclayerKind;
  path: string;
  headPath: string;
  lines: ExeclayerLineText[];
  report: VerifyReport;
}

/** A log verified as `tickmark verify` does it, with its non-blank lines. */
async function verifyLog(
  kind: ExeclayerKind,
  text: string,
  head: string | null,
  secret: string | null,
  issuers: string[] | null,
): Promise<Log> {
  const path = kind === 'execlayer-py' ? 'execlayer_audit.log.jsonl' : 'data/ledger.jsonl';
  const headPath = 'data/dag_head.json';
  const report = await verifyExeclayer({
    kind,
    source: 'case',
    logPath: path,
    lines: linesOf(utf8(text)),
    headPath,
    headText: head,
    hmacSecret: secret === null ? null : Uint8Array.from(Buffer.from(secret, 'hex')),
    issuers,
  });
  const lines = text
    .split('\n')
    .map((t, i) => ({ line: i + 1, text: t }))
    .filter((l) => l.text.trim() !== '');
  return { kind, path, headPath, lines, report };
}

function explainAt(log: Log, index: number): ExeclayerExplanation {
  return explainExeclayerLine({
    kind: log.kind,
    path: log.path,
    headPath: log.headPath,
    target: log.lines[index] as ExeclayerLineText,
    previous: log.lines[index - 1] ?? null,
    next: log.lines[index + 1] ?? null,
    report: log.report,
  });
}

function sampleLog(c: Case, withSecret: boolean): Promise<Log> {
  const text = readFileSync(DIR + (c.format === 'execlayer-py' ? c.files.log : c.files.ledger), 'utf8');
  const headFile =
    c.format === 'execlayer-v4' ? DIR + (c.files.ledger as string).replace(/ledger\.jsonl$/, 'dag_head.json') : null;
  const head = headFile && statSync(headFile, { throwIfNoEntry: false }) ? readFileSync(headFile, 'utf8') : null;
  return verifyLog(
    c.format,
    text,
    head,
    withSecret ? c.hmac_secret_hex : null,
    withSecret ? (c.known_issuer_key_ids ?? null) : null,
  );
}

/** A sample line as JSON: the members the test reads back. */
interface Line {
  receipt_hash: string;
  status: string;
  intent_hash: string;
  rule_trace: { rule_id: string; result?: string; decision?: string }[];
  payload: {
    event: string;
    receipt?: {
      receipt_id: string;
      verdict: { status: string; policy: { rule_id: string } };
      intercepted: { parameters: unknown };
    };
  };
}

const CHECK_OF: Record<string, keyof ExeclayerExplanation['checks']> = {
  hash: 'recordHash',
  chain: 'chainLink',
  hmac: 'hmac',
  issuer: 'issuer',
  head: 'head',
};

describe.skipIf(!RUN_SAMPLE_TESTS)('every line of every ExecLayer sample case', () => {
  it('the samples are there (../shared/samples/execlayer)', () => {
    expect(cases.length, `no cases.json under ${DIR}`).toBeGreaterThanOrEqual(19);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const log = await sampleLog(c, true);
    const failing = new Map<number, Set<string>>();
    for (const f of c.expected_failures) {
      // A head failure is the journal's last receipt's (the file names another).
      const line = f.index === null ? (log.lines.at(-1)?.line ?? 0) : f.index + 1;
      for (const p of f.properties) (failing.get(line) ?? failing.set(line, new Set()).get(line)!).add(p);
    }
    log.lines.forEach((l, i) => {
      const e = explainAt(log, i);
      // Exactly verify's findings on this line.
      expect(e.findings).toEqual(log.report.findings.filter((f) => f.path === log.path && f.line === l.line));
      const expected = failing.get(l.line) ?? new Set<string>();
      for (const [property, check] of Object.entries(CHECK_OF))
        expect(e.checks[check].status, `${c.name} line ${l.line} ${property}: ${e.checks[check].detail}`).toBe(
          expected.has(property)
            ? 'fails'
            : e.checks[check].status === 'fails'
              ? 'not failing'
              : e.checks[check].status,
        );
      // The next link fails only where verify breaks the chain on the next line.
      if (e.checks.nextLink.status === 'fails')
        expect(log.report.findings.some((f) => f.line === log.lines[i + 1]?.line && f.code === 'CHAIN_BROKEN')).toBe(
          true,
        );
      expect(e.reperform).toBe(NOTHING_TO_REPERFORM);
      expect(e.text).toBe(l.text);
      expect(e.entry).not.toBe('unreadable');
      // What the kernel wrote, read back.
      const value = JSON.parse(l.text) as Line;
      if (c.format === 'execlayer-v4') {
        expect(e.receipt).toBe(value.receipt_hash);
        expect(e.verdict.status).toBe(value.status);
        expect(e.ruleTrace.recorded).toBe(true);
        expect(e.ruleTrace.steps.map((s) => s.rule)).toEqual(value.rule_trace.map((s) => s.rule_id));
        expect(e.ruleTrace.steps.map((s) => s.result)).toEqual(value.rule_trace.map((s) => s.result ?? s.decision));
        expect(e.intent.fields.find((f) => f.path === 'intent_hash')?.value).toBe(value.intent_hash);
      } else if (value.payload.receipt) {
        expect(e.entry).toBe('receipt');
        expect(e.receipt).toBe(value.payload.receipt.receipt_id);
        expect(e.verdict.status).toBe(value.payload.receipt.verdict.status);
        expect(e.ruleTrace.recorded).toBe(false);
        expect(e.ruleTrace.steps).toHaveLength(1);
        expect(e.ruleTrace.steps[0]).toMatchObject({
          source: 'verdict.policy',
          rule: value.payload.receipt.verdict.policy.rule_id,
        });
        expect(e.intent.fields.find((f) => f.label === 'Arguments')?.value).toEqual(
          value.payload.receipt.intercepted.parameters,
        );
      } else {
        expect(e.entry).toBe('event');
        expect(e.ruleTrace.steps).toEqual([]);
        expect(e.checks.hmac.status).toBe('not applicable');
        expect(e.verdict.status).toBe(value.payload.event);
      }
    });
  });

  it.each(cases.map((c) => [c.name, c] as const))(
    '%s without the secret: no HMAC or issuer shown as holding',
    async (_name, c) => {
      const log = await sampleLog(c, false);
      log.lines.forEach((_l, i) => {
        const e = explainAt(log, i);
        expect(['not checked', 'not applicable']).toContain(e.checks.hmac.status);
        expect(['not checked', 'not applicable']).toContain(e.checks.issuer.status);
        if (e.checks.hmac.status === 'not checked') expect(e.checks.hmac.detail).toMatch(/no --hmac-secret-hex/);
      });
    },
  );
});

describe('logs of our own in the kernels shapes (test/fixtures/execlayer)', () => {
  const pyText = readFileSync(`${FIXTURES}py/execlayer_audit.log.jsonl`, 'utf8');
  const v4Text = readFileSync(`${FIXTURES}v4/data/ledger.jsonl`, 'utf8');
  const v4Head = readFileSync(`${FIXTURES}v4/data/dag_head.json`, 'utf8');
  const pySecret = hexOf('fixture-py-secret');
  const v4Secret = hexOf('fixture-v4-secret');

  it('Python: a BLOCK receipt, its arguments as the agent passed them and its one rule', async () => {
    const log = await verifyLog('execlayer-py', pyText, null, pySecret, null);
    expect(log.report.findings.map((f) => `${f.line} ${f.code}`)).toEqual(['5 CHAIN_BROKEN']);
    const e = explainAt(log, 1);
    expect(e).toMatchObject({ entry: 'receipt', receipt: 'rcpt_f1x7000001', time: '2026-04-02T09:15:00Z' });
    const intent = Object.fromEntries(e.intent.fields.map((f) => [f.label, f.value]));
    expect(intent['Tool called']).toBe('post_message');
    expect(intent['Arguments']).toEqual({
      channel: '#général',
      text: 'AWS_SECRET_ACCESS_KEY=…',
      attachments: [{ name: 'keys.txt', bytes: 2048 }],
    });
    expect(intent['On behalf of']).toBe('Zoë Ångström-Nakamura');
    expect(intent['Ticket']).toBeNull();
    expect(e.ruleTrace.notes[0]).toMatch(/records no rule trace.*first that matched/);
    const [step] = e.ruleTrace.steps;
    expect(step).toMatchObject({ rule: 'R-SECR-002', result: 'BLOCK', reasonCode: 'SECRET_EXFILTRATION' });
    // The score as Python wrote it (9.0), not as JavaScript would (9).
    expect(step?.facts.find((f) => f.label === 'risk')?.text).toContain('"score":9.0');
    expect(step?.raw).toContain('"score": 9.0');
    expect(step?.facts.find((f) => f.label === 'risk')?.members?.find((m) => m.label === 'score')?.text).toBe('9.0');
    expect(e.verdict.status).toBe('BLOCK');
    expect(e.verdict.fields.find((f) => f.label === 'Enforcement')?.value).toBe('TERMINATED_AT_KERNEL_BOUNDARY');
    expect(e.checks.recordHash.status).toBe('holds');
    expect(e.checks.chainLink.status).toBe('holds');
    expect(e.checks.nextLink.status).toBe('holds');
    expect(e.checks.hmac.status).toBe('holds');
    expect(e.findings).toEqual([]);
  });

  it('Python: the chain restart shows on both lines it separates; the last line’s end is not checked', async () => {
    const log = await verifyLog('execlayer-py', pyText, null, pySecret, null);
    const before = explainAt(log, 3);
    expect(before.entry).toBe('event');
    expect(before.checks.nextLink).toMatchObject({ status: 'fails' });
    expect(before.checks.nextLink.detail).toMatch(/starts a new chain .*process restart/);
    const restart = explainAt(log, 4);
    expect(restart.checks.chainLink.status).toBe('fails');
    expect(restart.checks.chainLink.detail).toMatch(/restarts here/);
    expect(restart.findings.map((f) => f.code)).toEqual(['CHAIN_BROKEN']);
    const last = explainAt(log, 5);
    expect(last.checks.head.status).toBe('not checked');
    expect(last.checks.nextLink.status).toBe('not applicable');
  });

  it('Python: a verdict turned from BLOCK to ALLOW fails its hash and HMAC, and the line says event and verdict disagree', async () => {
    const lines = pyText.split('\n');
    lines[1] = (lines[1] as string).replace('"status": "BLOCK"', '"status": "ALLOW"');
    const log = await verifyLog('execlayer-py', lines.join('\n'), null, pySecret, null);
    const e = explainAt(log, 1);
    expect(e.verdict.status).toBe('ALLOW');
    expect(e.verdict.notes[0]).toMatch(/event says BLOCK, but its receipt's verdict says ALLOW/);
    expect(e.checks.recordHash).toMatchObject({ status: 'fails', codes: ['RECORD_HASH_MISMATCH'] });
    expect(e.checks.hmac).toMatchObject({ status: 'fails', codes: ['SIGNATURE_INVALID'] });
    // Without the secret the HMAC is not checked, and the line does not say it holds.
    const unkeyed = explainAt(await verifyLog('execlayer-py', lines.join('\n'), null, null, null), 1);
    expect(unkeyed.checks.hmac.status).toBe('not checked');
    expect(unkeyed.checks.hmac.detail).toBe('Not checked: no --hmac-secret-hex was given.');
  });

  it('v4: an ALLOW with a privilege override, step by step, and the intent facts its rules recorded', async () => {
    const log = await verifyLog('execlayer-v4', v4Text, v4Head, v4Secret, ['KERNEL_V4_ISSUER_07']);
    expect(log.report.findings).toEqual([]);
    const e = explainAt(log, 0);
    expect(e.verdict.status).toBe('ALLOW');
    expect(e.ruleTrace.steps.map((s) => `${s.rule} ${s.result}`)).toEqual([
      'RULE_BASELINE_VERSION_ENFORCEMENT ALLOW',
      'RULE_SCOPE_RESOLUTION ALLOW',
      'RULE_SYSTEM_SCOPE_ENFORCEMENT ALLOW',
      'RULE_RISK_OVERRIDE_BY_PRIVILEGE ALLOW',
      'RULE_TOKEN_EXPIRY ALLOW',
      'RULE_MULTISIG_CONSENSUS ALLOW',
      'RULE_HIGH_VALUE_PROTOCOL ALLOW',
    ]);
    expect(e.ruleTrace.steps[3]?.facts.find((f) => f.label === 'override_granted')?.value).toBe(true);
    expect(e.ruleTrace.steps.every((s) => s.reasonCode === null)).toBe(true);
    const intent = Object.fromEntries(e.intent.fields.map((f) => [f.label, f.value]));
    expect(intent['Target system (from step 3)']).toBe('TREASURY_GATEWAY');
    expect(intent['Amount (USD) (from step 6)']).toBe(2500000);
    expect(intent['Principal role']).toBe('Treasury Head');
    expect(e.intent.notes[0]).toMatch(/only as intent_hash/);
    expect(e.checks).toMatchObject({
      recordHash: { status: 'holds' },
      chainLink: { status: 'holds' },
      nextLink: { status: 'holds' },
      hmac: { status: 'holds' },
      issuer: { status: 'holds' },
      head: { status: 'not applicable' },
    });
  });

  it('v4: the input-validation and model-output steps (decision, input_facts, type); the last receipt is the head', async () => {
    const log = await verifyLog('execlayer-v4', v4Text, v4Head, v4Secret, ['KERNEL_V4_ISSUER_07']);
    const validation = explainAt(log, 2);
    expect(validation.ruleTrace.steps).toHaveLength(1);
    expect(validation.ruleTrace.steps[0]).toMatchObject({
      rule: 'INPUT_VALIDATION',
      result: 'REFUSE',
      type: 'SCHEMA_CHECK',
      reasonCode: null,
    });
    expect(validation.ruleTrace.steps[0]?.facts[0]?.value).toEqual([
      'session.token_id required',
      'intent.requested_action required',
    ]);
    expect(validation.intent.notes[0]).toMatch(/input validation/);
    const refused = explainAt(log, 1);
    expect(refused.ruleTrace.steps[2]).toMatchObject({ result: 'REFUSE', reasonCode: 'SYSTEM_SCOPE_MISMATCH' });
    const last = explainAt(log, 3);
    expect(last.ruleTrace.steps.at(-1)).toMatchObject({ rule: 'MODEL_OUTPUT_VALIDATION', type: 'MODEL_OUTPUT_CHECK' });
    expect(last.checks.head.status).toBe('holds');
  });

  it('v4: a status changed after writing, a head that names another receipt, an unknown issuer', async () => {
    const lines = v4Text.split('\n');
    lines[3] = (lines[3] as string).replace('"status":"REFUSE"', '"status":"ALLOW"');
    expect(lines[3]).toContain('"status":"ALLOW"');
    const log = await verifyLog(
      'execlayer-v4',
      lines.join('\n'),
      JSON.stringify({ head_hash: 'f'.repeat(64) }),
      v4Secret,
      ['SOMEONE_ELSE'],
    );
    const e = explainAt(log, 3);
    expect(e.verdict.notes[0]).toMatch(/status is ALLOW, but its blueprint's decision is REFUSE/);
    expect(e.checks.recordHash.status).toBe('fails');
    expect(e.checks.issuer).toMatchObject({ status: 'fails', codes: ['KEY_UNKNOWN'] });
    expect(e.checks.head).toMatchObject({ status: 'fails', codes: ['CHAIN_TRUNCATED'] });
    // No head file: not checked, never holds.
    const headless = explainAt(await verifyLog('execlayer-v4', v4Text, null, null, null), 3);
    expect(headless.checks.head.status).toBe('not checked');
  });

  it('a line that is not JSON is reconstructed as unreadable, and nothing on it holds', async () => {
    const lines = v4Text.split('\n');
    lines[1] = '{"status": "ALLOW", oops';
    const log = await verifyLog('execlayer-v4', lines.join('\n'), v4Head, v4Secret, null);
    const e = explainAt(log, 1);
    expect(e.entry).toBe('unreadable');
    expect(e.unreadable).toMatch(/not JSON/);
    expect(Object.values(e.checks).some((c) => c.status === 'holds')).toBe(false);
    expect(e.findings.map((f) => f.code)).toEqual(['RECORD_MALFORMED']);
    expect(explainAt(log, 0).checks.nextLink.status).toBe('not checked');
  });

  it('the command line gathers the same reconstruction from the files, by line and by receipt', async () => {
    const log = {
      kind: 'execlayer-v4' as const,
      logFile: `${FIXTURES}v4/data/ledger.jsonl`,
      logPath: 'data/ledger.jsonl',
      headFile: `${FIXTURES}v4/data/dag_head.json`,
      headPath: 'data/dag_head.json',
    };
    const options = { hmacSecret: Uint8Array.from(Buffer.from(v4Secret, 'hex')), issuers: ['KERNEL_V4_ISSUER_07'] };
    const byLine = await explainExeclayerPath('v4', log, options, { line: 2 });
    const inMemory = explainAt(await verifyLog('execlayer-v4', v4Text, v4Head, v4Secret, ['KERNEL_V4_ISSUER_07']), 1);
    expect(byLine).toEqual(inMemory);
    const byReceipt = await explainExeclayerPath('v4', log, options, { receipt: byLine.receipt as string });
    expect(byReceipt).toEqual(byLine);
    const json = execlayerExplanationJson(byLine);
    expect(Object.keys(json)).toEqual([
      'format',
      'log_format',
      'kernel',
      'path',
      'line',
      'line_sha256',
      'entry',
      'receipt',
      'time',
      'unreadable',
      'intent',
      'rule_trace',
      'verdict',
      'checks',
      'findings',
      'reperform',
      'hmac_note',
      'line_text',
    ]);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});
