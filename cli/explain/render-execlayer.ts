/** `tickmark explain <log> --line N` for a person: one line of an ExecLayer log, in the order an auditor asks. */
import type { ExeclayerExplanation, LineCheck, RecordedField } from '../../shared/execlayer/explain.ts';

const MARK: Readonly<Record<LineCheck['status'], string>> = {
  holds: 'holds',
  fails: 'FAILS',
  'not checked': 'not checked',
  'not applicable': 'n/a',
};

/** A string as itself, anything else as its JSON text as recorded. */
const shown = (f: RecordedField) => (typeof f.value === 'string' ? f.value : f.text);
const fieldLine = (f: RecordedField, width: number) => `  ${f.label.padEnd(width)} ${shown(f)}`;
const widthOf = (fields: readonly RecordedField[]) => Math.min(28, Math.max(0, ...fields.map((f) => f.label.length)));

export function formatExeclayerExplanation(e: ExeclayerExplanation): string {
  const out: string[] = [];
  const what =
    e.entry === 'receipt'
      ? `Receipt ${e.receipt ?? '(no id)'}`
      : e.entry === 'event'
        ? 'ALLOW event'
        : 'Unreadable line';
  out.push(`${what} — ${e.kernel}, ${e.path} line ${e.line}${e.time ? `, ${e.time}` : ''}`);
  out.push(`  line hash ${e.lineHash}`);
  if (e.unreadable) out.push(`  NOT A READABLE RECORD: ${e.unreadable}`);
  out.push(`  ${e.reperform}`);

  out.push('', '1. Intent (what the agent asked to do)');
  const iw = widthOf(e.intent.fields);
  for (const f of e.intent.fields) out.push(fieldLine(f, iw));
  for (const n of e.intent.notes) out.push(`  (${n})`);

  out.push('', `2. Verdict, as the kernel wrote it: ${e.verdict.status ?? '(none)'}`);
  const vw = widthOf(e.verdict.fields);
  for (const f of e.verdict.fields) out.push(fieldLine(f, vw));
  for (const n of e.verdict.notes) out.push(`  NOTE: ${n}`);

  out.push('', `3. Rule trace${e.ruleTrace.recorded ? '' : ' (none recorded)'}`);
  for (const n of e.ruleTrace.notes) out.push(`  (${n})`);
  for (const s of e.ruleTrace.steps) {
    out.push(
      `  ${String(s.index).padStart(2)}. ${s.rule ?? '(no rule_id)'} → ${s.result ?? '(no result)'}${s.reasonCode ? ` (${s.reasonCode})` : ''}${s.type ? ` [${s.type}]` : ''}${s.source === 'verdict.policy' ? ' — the rule that matched, from verdict.policy' : ''}`,
    );
    for (const f of s.facts) out.push(`        ${f.label} = ${f.text}`);
  }

  out.push('', '4. Checks on this line (from the log’s verification)');
  const c = e.checks;
  for (const [name, check] of [
    ['record hash', c.recordHash],
    ['chain link', c.chainLink],
    ['next link', c.nextLink],
    ['HMAC', c.hmac],
    ['issuer', c.issuer],
    ['head', c.head],
  ] as const)
    out.push(`  ${name.padEnd(11)} ${MARK[check.status].padEnd(11)} ${check.detail}`);
  out.push(`  (${e.hmacNote})`);

  out.push('', `5. Findings on this line (${e.findings.length})`);
  if (e.findings.length === 0) out.push('  none');
  for (const f of e.findings) out.push(`  ${f.severity.toUpperCase()} ${f.code}: ${f.message}`);
  return out.join('\n') + '\n';
}
