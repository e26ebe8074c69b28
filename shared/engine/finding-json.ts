/** A finding as the `--json` outputs write it (FORMAT.md §8): snake_case at the edge, SOC 2 criteria added. */
import { soc2For } from '../soc2.ts';
import { categoryOf, type Finding } from './findings.ts';

export function findingJson(f: Finding): Record<string, unknown> {
  return {
    code: f.code,
    severity: f.severity,
    category: categoryOf(f.code),
    message: f.message,
    ...(f.path !== undefined ? { path: f.path } : {}),
    ...(f.line !== undefined ? { line: f.line } : {}),
    ...(f.ledger !== undefined ? { ledger: f.ledger } : {}),
    ...(f.seq !== undefined ? { seq: f.seq } : {}),
    ...(f.receipt !== undefined ? { receipt: f.receipt } : {}),
    ...(f.detail !== undefined ? { detail: f.detail } : {}),
    soc2: soc2For(f.code).criteria,
  };
}
