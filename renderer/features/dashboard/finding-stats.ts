/** Counts of findings for the dashboard: by severity, by code (per category), by SOC 2 criterion. Pure. */
import {
  categoryOf,
  SEVERITY_ORDER,
  type Finding,
  type FindingCode,
  type Severity,
} from '../../../shared/engine/findings.ts';

export interface CodeCount {
  readonly code: string;
  readonly category: 'integrity' | 'control';
  readonly count: number;
  readonly worst: Severity;
}

export interface FindingStats {
  readonly bySeverity: Readonly<Record<Severity, number>>;
  readonly byCode: readonly CodeCount[];
  readonly byCriterion: readonly {
    readonly criterion: string;
    readonly count: number;
    readonly codes: readonly string[];
  }[];
  readonly integrity: number;
  readonly control: number;
}

export function findingStats(
  findings: readonly Finding[],
  criteriaFor: (code: string) => readonly { id: string }[],
): FindingStats {
  const bySeverity: Record<Severity, number> = { critical: 0, high: 0, warning: 0 };
  const codes = new Map<string, { count: number; worst: Severity }>();
  for (const f of findings) {
    bySeverity[f.severity]++;
    const entry = codes.get(f.code);
    if (!entry) codes.set(f.code, { count: 1, worst: f.severity });
    else {
      entry.count++;
      if (SEVERITY_ORDER[f.severity] < SEVERITY_ORDER[entry.worst]) entry.worst = f.severity;
    }
  }
  const byCode = [...codes].map(([code, { count, worst }]) => ({
    code,
    count,
    worst,
    category: categoryOf(code as FindingCode),
  }));
  byCode.sort(
    (a, b) => SEVERITY_ORDER[a.worst] - SEVERITY_ORDER[b.worst] || b.count - a.count || (a.code < b.code ? -1 : 1),
  );
  const criteria = new Map<string, { count: number; codes: Set<string> }>();
  for (const { code, count } of byCode) {
    for (const { id } of criteriaFor(code)) {
      const entry = criteria.get(id) ?? { count: 0, codes: new Set<string>() };
      entry.count += count;
      entry.codes.add(code);
      criteria.set(id, entry);
    }
  }
  const byCriterion = [...criteria]
    .map(([criterion, { count, codes: c }]) => ({ criterion, count, codes: [...c].sort() }))
    .sort((a, b) => compareCriteria(a.criterion, b.criterion));
  const integrity = byCode.filter((c) => c.category === 'integrity').reduce((n, c) => n + c.count, 0);
  return { bySeverity, byCode, byCriterion, integrity, control: findings.length - integrity };
}

/** CC before A, PI, C, P (the order of the Trust Services Criteria), then by number. */
function compareCriteria(a: string, b: string): number {
  const order = ['CC', 'A', 'PI', 'C', 'P'];
  const family = (id: string) => order.indexOf(id.replace(/[\d.]+$/, ''));
  const nums = (id: string) => (id.match(/[\d.]+$/)?.[0] ?? '').split('.').map(Number);
  const fa = family(a);
  const fb = family(b);
  if (fa !== fb) return fa - fb;
  const [a1 = 0, a2 = 0] = nums(a);
  const [b1 = 0, b2 = 0] = nums(b);
  return a1 - b1 || a2 - b2;
}
