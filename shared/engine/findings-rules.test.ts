/**
 * The findings model (shared/engine/findings.ts, finding-json.ts; FORMAT.md §7-§8): how a
 * finding is made, the one order findings are given in (each key of the order on its own),
 * and the `--json` form of a finding with and without each optional member.
 */
import { describe, expect, it } from 'vitest';
import { findingJson } from './finding-json.ts';
import { compareFindings, finding, SEVERITY_ORDER, sortFindings, type Finding } from './findings.ts';

describe('finding', () => {
  it('takes its severity from the code and keeps only the location members given', () => {
    expect(finding('CHAIN_UNSEALED', 'm')).toEqual({ code: 'CHAIN_UNSEALED', severity: 'warning', message: 'm' });
    const f = finding('DENIED_BUT_EXECUTED', 'm', {
      path: 'ledgers/x/000001.jsonl',
      line: undefined,
      ledger: 'x',
      seq: 0,
      receipt: undefined,
    });
    expect(f).toEqual({
      code: 'DENIED_BUT_EXECUTED',
      severity: 'high',
      message: 'm',
      path: 'ledgers/x/000001.jsonl',
      ledger: 'x',
      seq: 0,
    });
    expect(Object.keys(f)).toEqual(['code', 'severity', 'message', 'path', 'ledger', 'seq']);
  });

  it('adds detail only when given', () => {
    expect(Object.keys(finding('CHAIN_BROKEN', 'm', { line: 3 }))).toEqual(['code', 'severity', 'message', 'line']);
    expect(finding('CHAIN_BROKEN', 'm', { line: 3 }, { a: 1 })).toEqual({
      code: 'CHAIN_BROKEN',
      severity: 'critical',
      message: 'm',
      line: 3,
      detail: { a: 1 },
    });
  });

  it('SEVERITY_ORDER puts critical, then high, then warning', () => {
    expect(SEVERITY_ORDER).toEqual({ critical: 0, high: 1, warning: 2 });
    expect(Object.isFrozen(SEVERITY_ORDER)).toBe(true);
  });
});

describe('compareFindings', () => {
  const f = (over: Partial<Finding>): Finding => ({
    code: 'CHAIN_BROKEN',
    severity: 'critical',
    message: 'm',
    ...over,
  });
  /** a before b, b after a, and each equal to itself. */
  const before = (a: Finding, b: Finding) => {
    expect(compareFindings(a, b)).toBeLessThan(0);
    expect(compareFindings(b, a)).toBeGreaterThan(0);
    expect(compareFindings(a, { ...a })).toBe(0);
  };

  it('archive-level first, then manifest, keys, policies, ledgers, attachments, anything else', () => {
    const order = [
      f({}),
      f({ path: 'manifest.json' }),
      f({ path: 'keys.json' }),
      f({ path: 'policies/z.json' }),
      f({ path: 'ledgers/a/000001.jsonl' }),
      f({ path: 'attachments/0' }),
      f({ path: 'README' }),
    ];
    for (let i = 0; i + 1 < order.length; i++) before(order[i] as Finding, order[i + 1] as Finding);
    // The rank, not the name: "README" sorts before "attachments/" by name, after it by rank.
    expect(sortFindings([...order].reverse())).toEqual(order);
  });

  it('then the path by name, within a rank and outside the known folders', () => {
    before(f({ path: 'policies/a.json' }), f({ path: 'policies/b.json' }));
    before(f({ path: 'a' }), f({ path: 'b' }));
  });

  it('then the ledger, the line, the seq, the code, the receipt and the message, each in turn', () => {
    before(f({ ledger: 'a', line: 9 }), f({ ledger: 'b', line: 1 }));
    before(f({ ledger: 'a' }), f({ ledger: 'b' }));
    before(f({}), f({ ledger: 'a' }));
    before(f({ line: 2, seq: 9 }), f({ line: 10, seq: 1 }));
    before(f({}), f({ line: 1 }));
    before(f({ seq: 2, code: 'TIME_REGRESSION' }), f({ seq: 10, code: 'CHAIN_BROKEN' }));
    before(f({}), f({ seq: 1 }));
    before(f({ code: 'CHAIN_BROKEN', receipt: 'z' }), f({ code: 'CHAIN_GAP', receipt: 'a' }));
    before(f({ receipt: 'a', message: 'z' }), f({ receipt: 'b', message: 'a' }));
    before(f({}), f({ receipt: 'a' }));
    before(f({ message: 'a' }), f({ message: 'b' }));
  });

  it('sortFindings gives a sorted copy and leaves its input as it was', () => {
    const input = [f({ line: 2 }), f({ line: 1 })];
    expect(sortFindings(input)).toEqual([f({ line: 1 }), f({ line: 2 })]);
    expect(input).toEqual([f({ line: 2 }), f({ line: 1 })]);
  });
});

describe('findingJson', () => {
  it('code, severity, category, message and SOC 2 criteria; no location member that is not set', () => {
    // Strictly: a member that is not set is absent, not present as undefined.
    expect(findingJson(finding('CHAIN_UNSEALED', 'm'))).toStrictEqual({
      code: 'CHAIN_UNSEALED',
      severity: 'warning',
      category: 'integrity',
      message: 'm',
      soc2: ['PI1.5'],
    });
  });

  it('every location member and the detail, in this order', () => {
    const json = findingJson(
      finding(
        'DENIED_BUT_EXECUTED',
        'm',
        { path: 'ledgers/x/000001.jsonl', line: 0, ledger: '', seq: 0, receipt: 'r-1' },
        { expected: 'deny' },
      ),
    );
    expect(json).toEqual({
      code: 'DENIED_BUT_EXECUTED',
      severity: 'high',
      category: 'control',
      message: 'm',
      path: 'ledgers/x/000001.jsonl',
      line: 0,
      ledger: '',
      seq: 0,
      receipt: 'r-1',
      detail: { expected: 'deny' },
      soc2: ['CC6.1', 'CC7.3'],
    });
    expect(Object.keys(json)).toEqual([
      'code',
      'severity',
      'category',
      'message',
      'path',
      'line',
      'ledger',
      'seq',
      'receipt',
      'detail',
      'soc2',
    ]);
  });
});
