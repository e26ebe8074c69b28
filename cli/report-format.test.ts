import { describe, expect, it } from 'vitest';
import { finding, type Finding, type FindingCode } from '../shared/engine/findings.ts';
import type { VerifyReport } from '../shared/engine/types.ts';
import { formatReport } from './report-format.ts';

function reportOf(findings: readonly Finding[]): VerifyReport {
  return {
    format: 'tickmark.evidence.v1',
    source: 'big.zip',
    archive: null,
    findings,
    ledgers: [],
    bundles: [],
    checks: [],
    summary: {
      receipts: findings.length,
      ledgers: 1,
      bundles: 0,
      integrity_findings: 0,
      control_findings: findings.length,
      trusted: true,
    },
  };
}

describe('formatReport', () => {
  it('groups 200,000 findings by code in one pass: counts, the first five examples, codes in order of appearance', () => {
    const codes: FindingCode[] = ['SLO_BREACH', 'TXN_INCOMPLETE', 'CHAIN_UNSEALED'];
    const findings = Array.from({ length: 200_000 }, (_, i) =>
      finding(codes[i % 3] as FindingCode, `finding ${i}`, { ledger: 'l1', seq: i + 1 }),
    );
    const text = formatReport(reportOf(findings));
    const lines = text.split('\n');
    const heads = lines.filter((l) => /^ {2}[A-Z_]+ \(/.test(l));
    expect(heads).toEqual([
      '  SLO_BREACH (high, control): 66667',
      '  TXN_INCOMPLETE (high, control): 66667',
      '  CHAIN_UNSEALED (warning, integrity): 66666',
    ]);
    const at = lines.indexOf('  TXN_INCOMPLETE (high, control): 66667');
    expect(lines.slice(at + 2, at + 8)).toEqual([
      '    [l1#2] finding 1',
      '    [l1#5] finding 4',
      '    [l1#8] finding 7',
      '    [l1#11] finding 10',
      '    [l1#14] finding 13',
      '    … and 66662 more (use --json for all)',
    ]);
  });

  it('lists every finding of a small group, with no "more" line', () => {
    const text = formatReport(reportOf([finding('CHAIN_GAP', 'seq 3 is missing', { path: 'ledgers/a/000001.jsonl' })]));
    expect(text).toContain('  CHAIN_GAP (critical, integrity): 1\n');
    expect(text).toContain('    [ledgers/a/000001.jsonl] seq 3 is missing\n');
    expect(text).not.toContain('more (use --json');
  });
});
