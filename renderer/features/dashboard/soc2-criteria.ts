/**
 * The one adapter between the dashboard and shared/soc2.ts: which SOC 2 criteria a
 * finding code bears on, with their titles and the reason.
 */
import type { FindingCode } from '../../../shared/engine/findings.ts';
import { SOC2_BY_CODE, SOC2_CRITERIA, type Soc2Criterion } from '../../../shared/soc2.ts';

export interface CriterionRef {
  readonly id: string;
  readonly title: string;
}

export function criteriaFor(code: string): readonly CriterionRef[] {
  const mapping = SOC2_BY_CODE[code as FindingCode];
  return mapping ? mapping.criteria.map((id) => ({ id, title: SOC2_CRITERIA[id] })) : [];
}

export function whyItMatters(code: string): string | null {
  return SOC2_BY_CODE[code as FindingCode]?.why ?? null;
}

export function criterionTitle(id: string): string | null {
  return (SOC2_CRITERIA as Readonly<Record<string, string>>)[id] ?? null;
}

/** Every finding code that bears on criterion `id`. */
export function codesForCriterion(id: string): string[] {
  return Object.entries(SOC2_BY_CODE)
    .filter(([, mapping]) => (mapping.criteria as readonly string[]).includes(id as Soc2Criterion))
    .map(([code]) => code);
}
