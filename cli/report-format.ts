/** Human and JSON renderings of a verification report for the command line. */
import { categoryOf, type Finding, type FindingCode } from '../shared/engine/findings.ts';
import type { VerifyReport } from '../shared/engine/types.ts';
import { soc2For } from '../shared/soc2.ts';
import { findingJson } from '../shared/engine/finding-json.ts';

/** The `--json` object of FORMAT.md §8 (with per-ledger states and check statuses added). */
export function reportJson(report: VerifyReport): Record<string, unknown> {
  return {
    format: report.format,
    findings: report.findings.map(findingJson),
    summary: report.summary,
    archive: report.archive,
    ledgers: report.ledgers.map((l) => ({
      ledger: l.ledger,
      state: l.state,
      reason: l.stateReason,
      receipts: l.receipts,
      first_seq: l.firstSeq,
      last_seq: l.lastSeq,
      sealed_seq: l.sealedSeq,
      claimed: l.claimed,
      proven: l.proven,
    })),
    bundles: report.bundles.map((b) => ({
      path: b.path,
      id: b.id,
      version: b.version,
      hash: b.hash,
      effective_from: b.effectiveFrom,
      effective_until: b.effectiveUntil,
      signature_valid: b.signatureValid,
    })),
    checks: report.checks,
  };
}

const MAX_EXAMPLES = 5;

/** Human output: a summary per ledger, then findings grouped by code with counts. */
export function formatReport(report: VerifyReport): string {
  const lines: string[] = [];
  const s = report.summary;
  lines.push(`Tickmark verification of ${report.source}`);
  if (report.archive) {
    lines.push(
      `  archive ${report.archive.archive_id} of ${report.archive.organization}, period ${report.archive.period.from} to ${report.archive.period.to}`,
    );
  }
  lines.push(
    `  ${s.receipts} receipts in ${s.ledgers} ledger${s.ledgers === 1 ? '' : 's'}, ${s.bundles} policy bundle${s.bundles === 1 ? '' : 's'}; trust anchored: ${s.trusted ? 'yes' : 'NO'}`,
  );
  if (report.format !== 'tickmark.evidence.v1') lines.push(`  format: ${report.format} (docs/FORMAT-EXECLAYER.md)`);
  if (s.note) lines.push(`  NOTE: ${s.note}`);
  lines.push('');
  if (report.ledgers.length > 0) {
    lines.push('Ledgers');
    for (const l of report.ledgers) {
      lines.push(
        `  ${l.ledger.padEnd(16)} ${l.state.toUpperCase().padEnd(12)} ${l.receipts} receipts, seq ${l.firstSeq ?? '-'}..${l.lastSeq ?? '-'}, sealed to ${l.sealedSeq ?? 'none'}`,
      );
      lines.push(`  ${''.padEnd(16)} ${l.stateReason}`);
      lines.push(
        `  ${''.padEnd(16)} proven continuous: ${l.proven ? `${l.proven.from} to ${l.proven.to}` : 'nothing'}${l.claimed ? ` (receipts span ${l.claimed.from} to ${l.claimed.to})` : ''}`,
      );
    }
    lines.push('');
  }
  lines.push('Checks');
  for (const c of report.checks)
    lines.push(`  ${c.status === 'ran' ? 'ran        ' : 'NOT CHECKED'} ${c.check}${c.reason ? ` (${c.reason})` : ''}`);
  lines.push('');
  if (report.findings.length === 0) {
    lines.push('No findings.');
  } else {
    lines.push(`Findings: ${s.integrity_findings} integrity, ${s.control_findings} control`);
    // A count and the first few examples per code, in the order codes first appear: one
    // pass, no copying (a report can hold millions of findings).
    const byCode = new Map<FindingCode, { count: number; examples: Finding[] }>();
    for (const f of report.findings) {
      let group = byCode.get(f.code);
      if (!group) byCode.set(f.code, (group = { count: 0, examples: [] }));
      group.count++;
      if (group.examples.length < MAX_EXAMPLES) group.examples.push(f);
    }
    for (const [code, { count, examples }] of byCode) {
      const first = examples[0] as Finding;
      const soc2 = soc2For(code);
      lines.push(`  ${code} (${first.severity}, ${categoryOf(code)}): ${count}`);
      lines.push(`    SOC 2 ${soc2.criteria.join(', ')}: ${soc2.why}`);
      for (const f of examples) lines.push(`    ${where(f)}${f.message}`);
      if (count > MAX_EXAMPLES) lines.push(`    … and ${count - MAX_EXAMPLES} more (use --json for all)`);
    }
  }
  return lines.join('\n') + '\n';
}

function where(f: Finding): string {
  const parts: string[] = [];
  if (f.path) parts.push(f.line !== undefined ? `${f.path}:${f.line}` : f.path);
  if (f.seq !== undefined && f.ledger) parts.push(`${f.ledger}#${f.seq}`);
  if (f.receipt) parts.push(f.receipt);
  return parts.length ? `[${parts.join(' ')}] ` : '';
}
