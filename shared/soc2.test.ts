import { describe, expect, it } from 'vitest';
import { CONTROL_CODES, FINDING_CODES } from './codes.ts';
import { SOC2_CRITERIA, soc2For } from './soc2.ts';

const ALL_CODES = FINDING_CODES;

describe('SOC 2 mapping', () => {
  it.each(ALL_CODES)('%s has criteria and a sentence on why', (code) => {
    const mapping = soc2For(code);
    expect(mapping.criteria.length).toBeGreaterThan(0);
    for (const criterion of mapping.criteria) expect(SOC2_CRITERIA).toHaveProperty([criterion]);
    expect(mapping.why).toMatch(/^[A-Z].{30,}\.$/);
  });

  it('uses every criterion it names', () => {
    const used = new Set(ALL_CODES.flatMap((code) => soc2For(code).criteria));
    expect([...used].sort()).toEqual(Object.keys(SOC2_CRITERIA).sort());
  });

  it('maps the control codes to the areas FORMAT.md §7 names', () => {
    const areas: Record<string, RegExp> = {
      DECISION_MISMATCH: /^(PI|CC)/,
      DENIED_BUT_EXECUTED: /^CC6/,
      TIER_VIOLATION: /^C1/,
      RECIPIENT_UNAPPROVED: /^P6/,
      APPROVAL_MISSING: /^CC6/,
      APPROVAL_INVALID: /^CC6/,
      TXN_INCOMPLETE: /^PI1/,
      TXN_STEP_GAP: /^PI1/,
      NONDETERMINISTIC_OUTPUT: /^A1/,
      SLO_BREACH: /^A1/,
    };
    for (const code of CONTROL_CODES) expect(soc2For(code).criteria[0]).toMatch(areas[code] ?? /^$/);
  });
});
