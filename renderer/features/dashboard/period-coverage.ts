/**
 * How much of the engagement's examination period an archive's evidence covers. Pure.
 *
 * Counted in whole UTC days, both ends included. A day counts as covered only when every
 * ledger of the archive is proven continuous on it (the first and last day of a proven
 * period count although it may begin or end part-way through them) (chained, signed by an anchored key,
 * sealed by a checkpoint: `LedgerSummary.proven`): a gap in one gateway's ledger is a gap
 * in the evidence for that day, and the workbench cannot tell a gateway that did not run
 * yet from one whose receipts are missing. The period the archive claims is reported
 * beside it, never counted.
 */
import type { Period } from '../../../shared/engine/types.ts';
import { parseTime } from '../../../shared/format/time.ts';
import { dayNumber, dayOfInstant, daysInclusive, dayText } from '../../store/engagement-rules.ts';

/** Days (see `dayNumber`), both ends included. */
export interface DayRange {
  readonly from: number;
  readonly to: number;
}

export interface EngagementPeriod {
  readonly periodFrom: string | null;
  readonly periodTo: string | null;
}

export interface LedgerProof {
  readonly ledger: string;
  readonly proven: Period | null;
}

/** Why no day is proven in every ledger. */
export type NothingProven = 'no-ledger' | 'ledger-unproven' | 'disjoint';

export type PeriodCoverage =
  | { readonly kind: 'not-set' }
  | {
      readonly kind: 'checked';
      readonly engagement: DayRange;
      readonly engagementDays: number;
      /** The archive's own claim (manifest), in days; null when it has none. */
      readonly claimed: DayRange | null;
      /** Days on which every ledger is proven continuous; null when there is none. */
      readonly proven: DayRange | null;
      readonly nothingProven: NothingProven | null;
      /** Ledgers with no proven period (or one that cannot be read). */
      readonly unprovenLedgers: readonly string[];
      readonly ledgerCount: number;
      readonly coveredDays: number;
      /** Parts of the engagement period not covered, in order (at most two). */
      readonly uncovered: readonly DayRange[];
      readonly uncoveredDays: number;
    };

function daysOf(period: Period | null | undefined): DayRange | null {
  const from = parseTime(period?.from);
  const to = parseTime(period?.to);
  if (from === null || to === null || from > to) return null;
  return { from: dayOfInstant(from), to: dayOfInstant(to) };
}

/**
 * Compares the engagement's examination period with the archive's claimed period and the
 * period proven continuous per ledger.
 * @returns `not-set` when the engagement has no valid period: nothing is compared then.
 */
export function comparePeriods(
  engagement: EngagementPeriod | null,
  claimed: Period | null,
  ledgers: readonly LedgerProof[],
): PeriodCoverage {
  const from = dayNumber(engagement?.periodFrom);
  const to = dayNumber(engagement?.periodTo);
  if (from === null || to === null || from > to) return { kind: 'not-set' };
  const period: DayRange = { from, to };
  const engagementDays = daysInclusive(from, to);

  const unprovenLedgers: string[] = [];
  let proven: DayRange | null = null;
  let nothingProven: NothingProven | null = null;
  if (ledgers.length === 0) nothingProven = 'no-ledger';
  for (const ledger of ledgers) {
    const days = daysOf(ledger.proven);
    if (!days) {
      unprovenLedgers.push(ledger.ledger);
      continue;
    }
    proven = proven ? { from: Math.max(proven.from, days.from), to: Math.min(proven.to, days.to) } : days;
  }
  if (unprovenLedgers.length > 0) {
    proven = null;
    nothingProven = 'ledger-unproven';
  } else if (proven && proven.from > proven.to) {
    proven = null;
    nothingProven = 'disjoint';
  }

  const uncovered: DayRange[] = [];
  let coveredDays = 0;
  const overlapFrom = proven ? Math.max(from, proven.from) : 0;
  const overlapTo = proven ? Math.min(to, proven.to) : -1;
  if (!proven || overlapFrom > overlapTo) {
    uncovered.push(period);
  } else {
    coveredDays = daysInclusive(overlapFrom, overlapTo);
    if (overlapFrom > from) uncovered.push({ from, to: overlapFrom - 1 });
    if (overlapTo < to) uncovered.push({ from: overlapTo + 1, to });
  }
  return {
    kind: 'checked',
    engagement: period,
    engagementDays,
    claimed: daysOf(claimed),
    proven,
    nothingProven,
    unprovenLedgers,
    ledgerCount: ledgers.length,
    coveredDays,
    uncovered,
    uncoveredDays: engagementDays - coveredDays,
  };
}

const range = (r: DayRange) => (r.from === r.to ? dayText(r.from) : `${dayText(r.from)} – ${dayText(r.to)}`);
const days = (n: number) => `${n.toLocaleString('en-US')} day${n === 1 ? '' : 's'}`;
const inEvery = (n: number) => (n === 1 ? 'in its ledger' : n === 2 ? 'in both ledgers' : `in all ${n} ledgers`);
const list = (names: readonly string[]) =>
  names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;

/** Whether the period is all covered, partly or not at all, or was not compared. */
export function coverageTone(coverage: PeriodCoverage): 'not-set' | 'whole' | 'partial' | 'none' {
  if (coverage.kind === 'not-set') return 'not-set';
  if (coverage.uncoveredDays === 0) return 'whole';
  return coverage.coveredDays === 0 ? 'none' : 'partial';
}

/** The comparison as one or two sentences, naming every date it rests on. */
export function describeCoverage(coverage: PeriodCoverage): string {
  if (coverage.kind === 'not-set')
    return 'Engagement period not set: coverage of the examination period was not checked.';
  const { engagement, proven } = coverage;
  const parts = [`Engagement period ${range(engagement)} (${days(coverage.engagementDays)}).`];
  if (!proven) {
    if (coverage.nothingProven === 'no-ledger')
      parts.push('This archive holds no ledger: none of the period is covered.');
    else if (coverage.nothingProven === 'disjoint')
      parts.push(
        'The ledgers of this archive are proven continuous over periods that do not overlap, so no day is proven in every ledger: none of the period is covered.',
      );
    else {
      const n = coverage.unprovenLedgers.length;
      parts.push(
        `${n === 1 ? 'Ledger' : 'Ledgers'} ${list(coverage.unprovenLedgers)} ${n === 1 ? 'has' : 'have'} no period proven continuous, so no day is proven in every ledger: none of the period is covered.`,
      );
    }
  } else {
    const evidence = `This archive's evidence, proven continuous ${inEvery(coverage.ledgerCount)}, covers ${range(proven)}`;
    if (coverage.uncoveredDays === 0) parts.push(`${evidence}: it covers the whole period.`);
    else if (coverage.coveredDays === 0)
      parts.push(
        `${evidence}, outside the engagement period: none of its ${days(coverage.engagementDays)} is covered.`,
      );
    else
      parts.push(
        `${evidence}: ${days(coverage.uncoveredDays)} of the period ${coverage.uncoveredDays === 1 ? 'is' : 'are'} not covered (${coverage.uncovered.map(range).join(' and ')}).`,
      );
  }
  const claimed = coverage.claimed;
  if (claimed && (!proven || claimed.from < proven.from || claimed.to > proven.to)) {
    parts.push(`The archive claims ${range(claimed)}; only what is proven continuous is counted.`);
  }
  return parts.join(' ');
}
