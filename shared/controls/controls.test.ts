import { describe, expect, it } from 'vitest';
import { nodeCedar } from '../../cli/cedar-node.ts';
import { CONTROL_CODES, type ControlCode } from '../engine/findings.ts';
import { hashOf } from '../format/hash.ts';
import {
  APPROVER_KEY,
  GATE_KEY,
  buildLedger,
  resolveBundle,
  runChecks,
  testArchive,
  testBundleBody,
  testKey,
  type ReceiptSpec,
  PAYMENT,
} from './fixtures.test-helper.ts';
import { controlChecks } from './index.ts';

const bundle = resolveBundle(testBundleBody());
const archive = testArchive([bundle]);
const SUBJECT = hashOf('subject alice');

/** Requests the test bundle decides, recorded as Cedar decides them. */
const blockedRead: ReceiptSpec = {
  entities: [
    { uid: { type: 'Agent', id: 'support-07' }, attrs: { role: 'support', tier: 3 }, parents: [] },
    { uid: { type: 'Table', id: 'payment_methods' }, attrs: { tier: 1 }, parents: [] },
  ],
  request: { resource: { type: 'Table', id: 'payment_methods' } },
  data: { tier: 1 },
  decision: { effect: 'deny', policies: [] },
  exec: { status: 'blocked' },
};
const exportDenied: ReceiptSpec = {
  request: { action: { type: 'Action', id: 'db.export' } },
  decision: { effect: 'deny', policies: ['no-export'] },
  exec: { status: 'blocked' },
};
const share = (recipient: string): ReceiptSpec => ({
  agent: { id: 'crm-01', role: 'data_processor', tier: 2 },
  request: {
    principal: { type: 'Agent', id: 'crm-01' },
    action: { type: 'Action', id: 'data.share' },
    resource: { type: 'Recipient', id: recipient },
  },
  entities: [
    { uid: { type: 'Agent', id: 'crm-01' }, attrs: { role: 'data_processor', tier: 2 }, parents: [] },
    { uid: { type: 'Recipient', id: recipient }, attrs: { approved: true }, parents: [] },
  ],
  data: { tier: 2, personal: ['email'], subjects: [SUBJECT], recipient },
  decision: { policies: ['share-approved'] },
});
const payment = PAYMENT;
const step = (id: string, n: number, end: 'commit' | 'abort' | null): ReceiptSpec => ({ txn: { id, step: n, end } });
const sameInput = (output: string): ReceiptSpec => ({ io: { input: hashOf('same input'), output: hashOf(output) } });

interface Case {
  readonly name: string;
  readonly specs: readonly ReceiptSpec[];
  readonly expect: readonly ControlCode[];
  /** A sentence fragment the finding's message must contain. */
  readonly says: string;
}

const CASES: readonly Case[] = [
  {
    name: 'recorded deny that Cedar allows',
    specs: [{ decision: { effect: 'deny', policies: [] }, exec: { status: 'blocked' } }],
    expect: ['DECISION_MISMATCH'],
    says: 'records deny by [none], but re-evaluating it under policy bundle agents-test v1',
  },
  {
    name: 'right effect, wrong determining policy',
    specs: [{ decision: { policies: ['search'] } }],
    expect: ['DECISION_MISMATCH'],
    says: 'gives allow by [tier-read] (the policies differ)',
  },
  {
    name: 'recorded allow that Cedar denies',
    specs: [{ ...blockedRead, decision: { effect: 'allow', policies: ['tier-read'] }, exec: { status: 'ok' } }],
    expect: ['DECISION_MISMATCH', 'TIER_VIOLATION'],
    says: 'gives deny by [none] (the effect and policies differ)',
  },
  {
    name: 'request Cedar cannot evaluate',
    specs: [{ request: { context: { at: { __extn: { fn: 'nope', arg: '1' } } } } }],
    expect: ['DECISION_MISMATCH'],
    says: 'the recorded decision (allow by [tier-read]) cannot be reproduced, because Cedar could not evaluate the recorded request',
  },
  {
    name: 'deny executed anyway',
    specs: [{ ...exportDenied, exec: { status: 'ok' } }],
    expect: ['DENIED_BUT_EXECUTED'],
    says: 'should have been blocked, but its execution status is "ok"',
  },
  {
    name: 'deny that errored while executing',
    specs: [{ ...exportDenied, exec: { status: 'error' } }],
    expect: ['DENIED_BUT_EXECUTED'],
    says: 'execution status is "error"',
  },
  {
    name: 'tier-3 agent allowed tier-1 data',
    specs: [{ data: { tier: 1 } }],
    expect: ['TIER_VIOLATION'],
    says: 'cleared for tier 3 (internal) data or less sensitive, but was allowed db.read on kb_articles, which holds tier 1 (restricted) data',
  },
  {
    name: 'personal data to an unapproved recipient',
    specs: [share('pastebin.example.org')],
    expect: ['RECIPIENT_UNAPPROVED'],
    says: 'sent personal data (email) of 1 data subject(s) to pastebin.example.org, which is not an approved recipient',
  },
  {
    name: 'payment released without approval',
    specs: [payment],
    expect: ['APPROVAL_MISSING'],
    says: 'requires a human approval for payments.release and the receipt carries none',
  },
  {
    name: 'approval signature over other bytes',
    specs: [{ ...payment, approveWith: APPROVER_KEY, tamperApproval: true }],
    expect: ['APPROVAL_INVALID'],
    says: 'signature that does not verify',
  },
  {
    name: 'approval signed by a gate key',
    specs: [{ ...payment, approveWith: GATE_KEY }],
    expect: ['APPROVAL_INVALID'],
    says: 'lacks the approver role (KEY_ROLE_MISMATCH)',
  },
  {
    name: 'approval on an action that needs none, badly signed',
    specs: [{ approveWith: APPROVER_KEY, tamperApproval: true }],
    expect: ['APPROVAL_INVALID'],
    says: 'does not verify',
  },
  {
    name: 'transaction never ends',
    specs: [step('tx-a', 1, null), step('tx-a', 2, null)],
    expect: ['TXN_INCOMPLETE'],
    says: 'has 2 step(s), the last being step 2 at seq 2, but no step commits or aborts it',
  },
  {
    name: 'transaction skips a step',
    specs: [step('tx-a', 1, null), step('tx-a', 3, 'commit')],
    expect: ['TXN_STEP_GAP'],
    says: 'jumps from step 1 to step 3, so step 2 is missing',
  },
  {
    name: 'transaction starts at step 2',
    specs: [step('tx-a', 2, 'commit')],
    expect: ['TXN_STEP_GAP'],
    says: 'begins with step 2, not step 1',
  },
  {
    name: 'transaction repeats a step',
    specs: [step('tx-a', 1, null), step('tx-a', 1, 'commit')],
    expect: ['TXN_STEP_GAP'],
    says: 'repeats step 1 after step 1',
  },
  {
    name: 'transaction goes on after abort',
    specs: [step('tx-a', 1, 'abort'), step('tx-a', 2, 'commit')],
    expect: ['TXN_STEP_GAP'],
    says: 'continues with step 2 after it ended with abort at step 1',
  },
  {
    name: 'same input, different output',
    specs: [sameInput('one'), sameInput('two')],
    expect: ['NONDETERMINISTIC_OUTPUT'],
    says: 'under the same policy bundle as the receipt at ledger L, seq 1, and both succeeded',
  },
  {
    name: 'p99 above the SLO (2 of 100 slow)',
    specs: Array.from({ length: 100 }, (_, i): ReceiptSpec => ({ exec: { latency_ms: i < 2 ? 5000 : 100 } })),
    expect: ['SLO_BREACH'],
    says: "the 99th-percentile latency (nearest rank: the 99th smallest of 100 receipts) is 5000 ms, above the bundle's objective of 2000 ms",
  },
];

describe('control checks: one case per finding', () => {
  it('covers every control code', () => {
    expect(new Set(CASES.flatMap((c) => c.expect))).toEqual(new Set(CONTROL_CODES));
  });

  it.each(CASES)('$name → $expect', async ({ specs, expect: codes, says }) => {
    const records = buildLedger('L', bundle, specs);
    const findings = await runChecks(controlChecks(nodeCedar), archive, records);
    expect(findings.map((f) => f.code).sort()).toEqual([...codes].sort());
    expect(findings.map((f) => f.message).join('\n')).toContain(says);
    for (const f of findings) {
      expect(f.severity).toBe('high');
      expect(f.path).toMatch(/^(ledgers\/L\/|policies\/)/);
    }
  });

  it('locates a receipt finding at its path, line, ledger, seq and id', async () => {
    const records = buildLedger('L', bundle, [{}, { data: { tier: 1 } }]);
    const [found] = await runChecks(controlChecks(nodeCedar), archive, records);
    expect(found).toMatchObject({
      code: 'TIER_VIOLATION',
      path: 'ledgers/L/000001.jsonl',
      line: 2,
      ledger: 'L',
      seq: 2,
      receipt: 'rc_L_2',
    });
  });

  it('shows both sides of a decision mismatch in the detail', async () => {
    const records = buildLedger('L', bundle, [{ decision: { policies: ['search'] } }]);
    const [found] = await runChecks(controlChecks(nodeCedar), archive, records);
    expect(found?.detail).toEqual({
      bundle: bundle.hash,
      recorded: { effect: 'allow', policies: ['search'] },
      reevaluated: { effect: 'allow', policies: ['tier-read'], errors: [] },
    });
  });

  it('reports an approval by a key revoked before the receipt', async () => {
    const revoked = testKey('revoked approver', ['approver'], '2026-03-01T00:00:00.000Z');
    const records = buildLedger('L', bundle, [{ ...payment, approveWith: revoked }]);
    const findings = await runChecks(controlChecks(nodeCedar), testArchive([bundle], [GATE_KEY, revoked]), records);
    expect(findings.map((f) => [f.code, f.detail?.problem])).toEqual([['APPROVAL_INVALID', 'KEY_REVOKED']]);
  });

  it('does not breach the SLO when only 1 of 100 receipts is slow (nearest rank 99)', async () => {
    const specs = Array.from({ length: 100 }, (_, i): ReceiptSpec => ({ exec: { latency_ms: i === 0 ? 5000 : 2000 } }));
    expect(await runChecks(controlChecks(nodeCedar), archive, buildLedger('L', bundle, specs))).toEqual([]);
  });

  it('judges transactions per ledger: a transaction open at the end of one ledger is incomplete there', async () => {
    const first = buildLedger('A', bundle, [step('tx-1', 1, null)]);
    const second = buildLedger('B', bundle, [step('tx-1', 2, 'commit')]);
    const findings = await runChecks(controlChecks(nodeCedar), archive, [...first, ...second]);
    expect(findings.map((f) => `${f.code} ${f.ledger}`).sort()).toEqual(['TXN_INCOMPLETE A', 'TXN_STEP_GAP B']);
  });

  it('leaves receipts naming an unknown bundle to the engine (POLICY_UNKNOWN)', async () => {
    const records = buildLedger(
      'L',
      bundle,
      [
        { decision: { bundle: hashOf('elsewhere'), effect: 'deny', policies: [] }, exec: { status: 'blocked' } },
        share('pastebin.example.org'),
      ],
      [],
    );
    expect(await runChecks(controlChecks(nodeCedar), testArchive([]), records)).toEqual([]);
  });

  it('skips re-evaluation under a bundle whose policies do not parse (POLICY_INVALID)', async () => {
    const broken = resolveBundle(
      testBundleBody({ id: 'broken', cedar: { policies: { 'tier-read': 'permit(principal, action, resourc);' } } }),
    );
    const records = buildLedger('L', broken, [
      { decision: { effect: 'deny', policies: [] }, exec: { status: 'blocked' } },
    ]);
    expect(await runChecks(controlChecks(nodeCedar), testArchive([broken]), records)).toEqual([]);
  });
});

describe('control checks: no false positives', () => {
  it('finds nothing in a ledger of correct receipts of every kind', async () => {
    const specs: ReceiptSpec[] = [
      {},
      blockedRead,
      exportDenied,
      share('crm.example.com'),
      { ...share('pastebin.example.org'), data: { personal: [], subjects: [] } },
      { ...payment, approveWith: APPROVER_KEY },
      step('tx-multi', 1, null),
      { ...blockedRead, txn: { id: 'tx-multi', step: 2, end: null } },
      step('tx-multi', 3, 'abort'),
      sameInput('stable'),
      sameInput('stable'),
      { ...sameInput('other'), ...exportDenied },
      ...Array.from({ length: 100 }, (_, i): ReceiptSpec => ({ exec: { latency_ms: i === 0 ? 9000 : 2000 } })),
    ];
    const records = buildLedger('L', bundle, specs);
    expect(await runChecks(controlChecks(nodeCedar), archive, records)).toEqual([]);
  });
});
