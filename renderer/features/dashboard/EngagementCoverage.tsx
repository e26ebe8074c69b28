import type { EngagementRow, StoredReport } from '../../store/db.ts';
import { comparePeriods, coverageTone, describeCoverage } from './period-coverage.ts';

/** Keeps each date range (`2026-04-01 – 2026-06-30`) on one line. */
const unbreakableRanges = (text: string) =>
  text.replace(/(\d{4}-\d{2}-\d{2}) – (\d{4}-\d{2}-\d{2})/g, '$1\u00a0–\u00a0$2');

const TONE_CLASS = {
  'not-set': 'period-line-neutral',
  whole: 'period-line-good',
  partial: 'period-line-warn',
  none: 'period-line-warn',
} as const;

/**
 * One line: the engagement's examination period against what this archive proves
 * continuous. Only the proven period counts; with no period set, nothing is claimed.
 */
export function EngagementCoverage({ engagement, report }: { engagement: EngagementRow | null; report: StoredReport }) {
  if (!engagement) {
    return (
      <p className="period-line period-line-neutral" data-testid="period-coverage" data-tone="not-set">
        This archive's engagement is not stored: coverage of an examination period was not checked.
      </p>
    );
  }
  const coverage = comparePeriods(engagement, report.archive?.period ?? null, report.ledgers);
  const tone = coverageTone(coverage);
  return (
    <p className={`period-line ${TONE_CLASS[tone]}`} data-testid="period-coverage" data-tone={tone}>
      {unbreakableRanges(describeCoverage(coverage))}
    </p>
  );
}
