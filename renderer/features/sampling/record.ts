/**
 * What a sample records besides its items: the completeness evidence of its population
 * (from the stored verification report, as it stood when the sample was drawn) and the
 * method in words, with how to re-perform it. Pure.
 */
import type { EngagementRow, StoredReport } from '../../store/db.ts';
import type { CompletenessEvidence, Stratify } from '../../store/samples.ts';
import { comparePeriods, coverageTone, describeCoverage } from '../dashboard/period-coverage.ts';
import { cliFilterOf } from './population.ts';

export function completenessOf(
  archiveName: string,
  report: StoredReport,
  engagement: Pick<EngagementRow, 'periodFrom' | 'periodTo'> | null,
): CompletenessEvidence {
  const coverage = comparePeriods(engagement, report.archive?.period ?? null, report.ledgers);
  return {
    archiveName,
    manifest: report.archive
      ? {
          archiveId: report.archive.archive_id,
          organization: report.archive.organization,
          period: { from: report.archive.period.from, to: report.archive.period.to },
        }
      : null,
    ledgers: report.ledgers.map((l) => ({
      ledger: l.ledger,
      state: l.state,
      stateReason: l.stateReason,
      receipts: l.receipts,
      firstSeq: l.firstSeq,
      lastSeq: l.lastSeq,
      sealedSeq: l.sealedSeq,
      checkpoints: l.checkpoints,
      proven: l.proven ? { from: l.proven.from, to: l.proven.to } : null,
    })),
    checks: report.checks.map((c) => ({ ...c })),
    integrityFindings: report.summary.integrity_findings,
    coverage: { tone: coverageTone(coverage), sentence: describeCoverage(coverage) },
  };
}

/** Why the population cannot be shown complete (ledgers not verified, checks not run), as sentences; empty when it can. */
export function completenessWarnings(evidence: CompletenessEvidence): string[] {
  const out: string[] = [];
  const unverified = evidence.ledgers.filter((l) => l.state !== 'verified');
  for (const l of unverified) out.push(`Ledger ${l.ledger} is ${l.state}: ${l.stateReason}`);
  for (const c of evidence.checks)
    if (c.status === 'not checked') out.push(`Not checked: ${c.check}${c.reason ? ` (${c.reason})` : ''}.`);
  if (evidence.ledgers.length === 0) out.push('The archive holds no ledger.');
  return out;
}

/** Single-quotes a shell word when it needs it (POSIX sh). */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:@=#+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The `tickmark sample` command that re-performs the draw, or null when the filter is not one the command has. */
export function cliCommand(
  archiveFile: string,
  seed: string,
  size: number,
  stratify: Stratify | null,
  query: string,
): string | null {
  const filter = cliFilterOf(query);
  if (filter === null) return null;
  return [
    'tickmark',
    'sample',
    archiveFile,
    '--seed',
    seed,
    '--size',
    String(size),
    ...(stratify ? ['--stratify', stratify] : []),
    ...filter,
    '--json',
  ]
    .map(shellWord)
    .join(' ');
}

/** How the sample was drawn, in words (FORMAT.md §9 and the strata). */
export function methodRule(seed: string, size: number, stratify: Stratify | null): string {
  const rule =
    'FORMAT.md §9: each receipt of the population is represented by the hash of its stored line, H(line) = "sha256:" + hex SHA-256; ' +
    'its score is the lowercase hex SHA-256 of the UTF-8 bytes of seed + "\\n" + that hash; ' +
    `the sample is the ${size} receipts with the smallest scores (ties by receipt hash), in score order`;
  const strata = stratify
    ? `; stratified by ${stratify}: the same rule within each ${stratify}'s receipts, with the seed seed + "/" + the ${stratify}, ${size} from each`
    : '';
  return `${rule}${strata}. A larger sample with the same seed keeps every receipt of this one.`;
}

/** The method as recorded with the sample: the rule and how to re-perform it. */
export function methodText(
  seed: string,
  size: number,
  stratify: Stratify | null,
  query: string,
  archiveFile: string,
): string {
  const command = cliCommand(archiveFile, seed, size, stratify, query);
  const again = command
    ? ` Re-perform: ${command}`
    : ' The command line filters only by ledger, agent and action: re-perform it on the population listed in the sample’s population export.';
  return `${methodRule(seed, size, stratify)}${again}`;
}
