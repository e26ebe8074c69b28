/**
 * The one adapter between the workbench (dashboard, receipts) and shared/soc2.ts: which
 * SOC 2 criteria a finding code bears on, with their titles and the reason.
 */
import { FINDING_CODES, isFindingCode } from '../../shared/codes.ts';
import { SOC2_CRITERIA, soc2For, type Soc2Criterion } from '../../shared/soc2.ts';

export interface CriterionRef {
  readonly id: string;
  readonly title: string;
}

export function criteriaFor(code: string): readonly CriterionRef[] {
  return isFindingCode(code) ? soc2For(code).criteria.map((id) => ({ id, title: SOC2_CRITERIA[id] })) : [];
}

export function whyItMatters(code: string): string | null {
  return isFindingCode(code) ? soc2For(code).why : null;
}

export function criterionTitle(id: string): string | null {
  return (SOC2_CRITERIA as Readonly<Record<string, string>>)[id] ?? null;
}

/** Every finding code that bears on criterion `id`. */
export function codesForCriterion(id: string): string[] {
  return FINDING_CODES.filter((code) => soc2For(code).criteria.includes(id as Soc2Criterion));
}
