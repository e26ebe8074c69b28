import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RUN_SAMPLE_TESTS, SAMPLES_DIR } from '../../../test/support/shared-dir.ts';
import type { Finding } from '../../../shared/engine/findings.ts';
import { glanceAt, isExeclayerFormat, locateLine, NOT_FOR_EXECLAYER, selectLines } from './execlayer-view.ts';

describe('isExeclayerFormat', () => {
  it('is the two kernels, not the archive format', () => {
    expect(isExeclayerFormat('execlayer-py')).toBe(true);
    expect(isExeclayerFormat('execlayer-v4')).toBe(true);
    expect(isExeclayerFormat('tickmark.evidence.v1')).toBe(false);
  });
});

describe('glanceAt', () => {
  it('a Python ALLOW event (no receipt) and a BLOCK receipt', () => {
    const allow = JSON.stringify({ payload: { event: 'ALLOW', agent_id: 'a1', tool: 'upload_file' } });
    expect(glanceAt('execlayer-py', allow)).toEqual({
      outcome: 'ALLOW',
      receipt: null,
      time: null,
      rule: null,
      agent: 'a1 → upload_file',
    });
    const block = JSON.stringify({
      payload: {
        event: 'BLOCK',
        receipt: {
          receipt_id: 'rcpt_1',
          timestamp_utc: '2026-02-03T17:00:46Z',
          agent: { agent_id: 'a2' },
          verdict: { status: 'BLOCK', policy: { rule_id: 'R-1' } },
        },
      },
    });
    expect(glanceAt('execlayer-py', block)).toEqual({
      outcome: 'BLOCK',
      receipt: 'rcpt_1',
      time: '2026-02-03T17:00:46Z',
      rule: 'R-1',
      agent: 'a2',
    });
  });
  it('a v4 receipt: status, hash, the rule that stopped it', () => {
    const line = JSON.stringify({
      status: 'REFUSE',
      receipt_hash: 'ab'.repeat(32),
      rule_trace: [
        { rule_id: 'RULE_A', result: 'ALLOW', reason_code: '' },
        { rule_id: 'RULE_B', result: 'REFUSE', reason_code: 'AMOUNT_REQUIRED' },
      ],
      blueprint: { authority: { principal_role: 'Finance Analyst' } },
    });
    expect(glanceAt('execlayer-v4', line)).toEqual({
      outcome: 'REFUSE',
      receipt: 'ab'.repeat(32),
      time: null,
      rule: 'RULE_B (AMOUNT_REQUIRED)',
      agent: 'Finance Analyst',
    });
  });
  it('a line that is not an object says nothing, and odd member types are ignored', () => {
    const none = { outcome: null, receipt: null, time: null, rule: null, agent: null };
    expect(glanceAt('execlayer-py', 'not json')).toEqual(none);
    expect(glanceAt('execlayer-v4', '[1]')).toEqual(none);
    expect(glanceAt('execlayer-py', JSON.stringify({ payload: { event: 7, receipt: [] } }))).toEqual(none);
    expect(glanceAt('execlayer-v4', JSON.stringify({ status: 'ALLOW', rule_trace: 'x' })).rule).toBeNull();
    // The input check's entry says `decision`; the reason codes come from the receipt then.
    const input = {
      rule_trace: [{ rule_id: 'INPUT_VALIDATION', decision: 'REFUSE' }],
      reason_codes: ['VALIDATION_FAILED'],
    };
    expect(glanceAt('execlayer-v4', JSON.stringify(input)).rule).toBe('INPUT_VALIDATION (VALIDATION_FAILED)');
  });
});

describe('locateLine (a reconstruction address in a log)', () => {
  // Lines 1, 2, 4 and 7 stored (3, 5 and 6 blank); 2 and 7 hold receipts.
  const table = { count: 4, line: Uint32Array.of(1, 2, 4, 7) };
  const ids = ['', 'rcpt_a', '', 'rcpt_b'];
  const locate = (address: { line?: number; receiptId: string }) =>
    locateLine(
      table,
      address,
      'log.jsonl',
      (r) => ids[r] as string,
      (id) => {
        const r = ids.indexOf(id);
        return r < 0 ? undefined : r;
      },
    );

  it('by line number, by receipt, and a line with its receipt', () => {
    expect(locate({ line: 4, receiptId: '' })).toEqual({ ok: true, row: 2 });
    expect(locate({ line: 1, receiptId: '' })).toEqual({ ok: true, row: 0 });
    expect(locate({ line: 7, receiptId: 'rcpt_b' })).toEqual({ ok: true, row: 3 });
    expect(locate({ receiptId: 'rcpt_a' })).toEqual({ ok: true, row: 1 });
  });

  it('says what is wrong: past the end, a blank line, another receipt on the line, an unknown receipt', () => {
    expect(locate({ line: 8, receiptId: '' })).toEqual({
      ok: false,
      message: 'log.jsonl has 7 lines; there is no line 8.',
    });
    expect(locate({ line: 5, receiptId: '' })).toMatchObject({
      ok: false,
      message: /Line 5 of log.jsonl is not stored/,
    });
    expect(locate({ line: 2, receiptId: 'rcpt_b' })).toEqual({
      ok: false,
      message: 'Line 2 of log.jsonl holds receipt rcpt_a, not rcpt_b.',
    });
    expect(locate({ line: 1, receiptId: 'rcpt_b' })).toMatchObject({ message: /holds no receipt, not rcpt_b/ });
    expect(locate({ receiptId: 'rcpt_x' })).toEqual({
      ok: false,
      message: 'No line of log.jsonl holds receipt rcpt_x.',
    });
    expect(locate({ receiptId: '' })).toMatchObject({ ok: false });
  });
});

describe('NOT_FOR_EXECLAYER', () => {
  it('gives every screen a reason', () => {
    for (const [screen, { title, why }] of Object.entries(NOT_FOR_EXECLAYER)) {
      expect(title, screen).not.toBe('');
      expect(why.length, screen).toBeGreaterThan(40);
    }
  });
});

describe.skipIf(!RUN_SAMPLE_TESTS)('glanceAt on the samples', () => {
  it('every line of both valid logs says its outcome, and receipts their id', () => {
    const dir = `${SAMPLES_DIR}execlayer/`;
    const py = readFileSync(`${dir}execlayer-py/valid/execlayer_audit.log.jsonl`, 'utf8').trim().split('\n');
    const v4 = readFileSync(`${dir}execlayer-v4/valid/data/ledger.jsonl`, 'utf8').trim().split('\n');
    const pyGlances = py.map((l) => glanceAt('execlayer-py', l));
    expect(new Set(pyGlances.map((g) => g.outcome))).toEqual(new Set(['ALLOW', 'BLOCK', 'ESCALATE']));
    for (const g of pyGlances) if (g.outcome !== 'ALLOW') expect(g.receipt).toMatch(/^rcpt_/);
    const v4Glances = v4.map((l) => glanceAt('execlayer-v4', l));
    expect(new Set(v4Glances.map((g) => g.outcome))).toEqual(new Set(['ALLOW', 'REFUSE']));
    for (const g of v4Glances) expect(g.receipt).toMatch(/^[0-9a-f]{64}$/);
    for (const g of v4Glances) if (g.outcome === 'REFUSE') expect(g.rule).toMatch(/^[A-Z0-9_]+ \([A-Z0-9_, ]+\)$/);
  });
});

describe('selectLines', () => {
  const f = (code: string, line?: number) =>
    ({ code, severity: 'critical', message: code, ...(line ? { line } : {}) }) as unknown as Finding;
  // Rows 0..4; findings on rows 1 and 3, one about the file.
  const findings = [
    f('CHAIN_BROKEN', 2),
    f('RECORD_HASH_MISMATCH', 4),
    f('SIGNATURE_INVALID', 4),
    f('CHAIN_TRUNCATED'),
  ];
  const table = {
    count: 5,
    findings,
    findingRow: Int32Array.from([1, 3, 3, -1]),
    rowFindings: new Map([
      [3, [1, 2]],
      [1, [0]],
    ]),
  };
  const criterion = (id: string) => (id === 'CC7.2' ? ['SIGNATURE_INVALID'] : []);
  it('every row without a finding filter; rows with matching findings with one', () => {
    expect(selectLines(table, {}, criterion)).toEqual({ rows: [0, 1, 2, 3, 4], unplaced: [3], ignored: [] });
    expect(selectLines(table, { withFindings: true }, criterion).rows).toEqual([1, 3]);
    expect(selectLines(table, { code: 'SIGNATURE_INVALID' }, criterion)).toEqual({
      rows: [3],
      unplaced: [],
      ignored: [],
    });
    expect(selectLines(table, { category: 'integrity' }, criterion).rows).toEqual([1, 3]);
    expect(selectLines(table, { criterion: 'CC7.2' }, criterion).rows).toEqual([3]);
    expect(selectLines(table, { code: 'CHAIN_TRUNCATED' }, criterion)).toEqual({
      rows: [],
      unplaced: [3],
      ignored: [],
    });
  });
  it('names the explorer filters that do not apply', () => {
    expect(
      selectLines(table, { ledger: 'execlayer-py', agent: 'a', effect: 'deny', q: 'x' }, criterion).ignored,
    ).toEqual(['agent', 'effect', 'q']);
  });
});
