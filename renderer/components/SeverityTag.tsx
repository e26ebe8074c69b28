import type { Severity } from '../../shared/engine/findings.ts';

/** How the workbench names each severity (`warning` reads as a note: not a failure). */
export const SEVERITY_LABEL: Readonly<Record<Severity, string>> = Object.freeze({
  critical: 'Critical',
  high: 'High',
  warning: 'Note',
});

export function SeverityTag({ severity }: { severity: Severity }) {
  return <span className={`severity severity-${severity}`}>{SEVERITY_LABEL[severity]}</span>;
}
