/**
 * What the controls and metrics screens show, computed from the stored metrics: exact
 * rates, the months of the trend (with the examination period marked), and the explorer
 * addresses of each number. Pure (tested under Node).
 */
import type { ControlMetric, ControlMetricsReport, ExplorerFilter } from '../../../shared/controls/metrics.ts';
import type { ReceiptQuery } from '../../app/routes.ts';
import { formatCount } from '../../components/format.ts';

/**
 * `numerator / denominator` as a percentage, rounded half up to two decimals, with more
 * decimals when two would round a rate that is not 100% up to 100% (or one that is not 0%
 * down to 0%): 999,999 of 1,000,000 is 99.9999%, never 100%. Exact (integer arithmetic).
 * Null when the denominator is 0: there is no rate.
 */
export function percent(numerator: number, denominator: number): string | null {
  if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator) || numerator < 0 || denominator < 0)
    throw new RangeError(`percent: ${numerator} of ${denominator} are not counts`);
  if (numerator > denominator) throw new RangeError(`percent: ${numerator} is more than ${denominator}`);
  if (denominator === 0) return null;
  if (numerator === denominator) return '100%';
  if (numerator === 0) return '0%';
  const n = BigInt(numerator);
  const d = BigInt(denominator);
  for (let decimals = 2; ; decimals++) {
    const scale = 10n ** BigInt(decimals);
    // Rounded half up: floor((2·n·100·scale + d) / 2d).
    const scaled = (2n * n * 100n * scale + d) / (2n * d);
    if ((scaled > 0n && scaled < 100n * scale) || decimals >= 15) {
      const text = scaled.toString().padStart(decimals + 1, '0');
      return `${text.slice(0, -decimals)}.${text.slice(-decimals)}%`;
    }
  }
}

/** "411 of 412 validly approved, 99.76%"; null when there is no population. */
export function passSentence(passed: number, population: number, passedWords: string): string | null {
  const rate = percent(passed, population);
  return rate === null ? null : `${formatCount(passed)} of ${formatCount(population)} ${passedWords}, ${rate}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** `YYYY-MM` of a `YYYY-MM-DD` date. */
const monthOf = (date: string) => date.slice(0, 7);

function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 12
    ? `${String(y + 1).padStart(4, '0')}-01`
    : `${String(y).padStart(4, '0')}-${String(m + 1).padStart(2, '0')}`;
}

/** First and last day of a `YYYY-MM` month (UTC), as the explorer's `from` and `to`. */
export function monthBounds(month: string): { readonly from: string; readonly to: string } {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { from: `${month}-01`, to: `${month}-${String(last).padStart(2, '0')}` };
}

/** Above this many months from first to last, months without receipts are left out of the trend. */
export const MAX_CONTINUOUS_MONTHS = 72;

export interface TrendMonth {
  readonly month: string;
  /** Index into the report's months, or -1: no receipt that month. */
  readonly index: number;
  /** Null when the engagement has no examination period. */
  readonly inPeriod: boolean | null;
}

export interface Period {
  readonly from: string | null;
  readonly to: string | null;
}

/**
 * The months of the trend: every month from the first receipt (or the period's start,
 * if earlier) to the last (or the period's end), each marked in or outside the period.
 * When that span is very long (a receipt with a far-off time), only months with receipts
 * and the period's months are listed, and `compressed` says so.
 */
export function trendMonths(
  months: readonly string[],
  period: Period,
): { readonly months: readonly TrendMonth[]; readonly compressed: boolean } {
  const hasPeriod = period.from !== null && period.to !== null;
  const periodFrom = hasPeriod ? monthOf(period.from as string) : null;
  const periodTo = hasPeriod ? monthOf(period.to as string) : null;
  const index = new Map(months.map((m, i) => [m, i]));
  const inPeriod = (month: string) =>
    hasPeriod ? month >= (periodFrom as string) && month <= (periodTo as string) : null;
  const ends = [...months, ...(hasPeriod ? [periodFrom as string, periodTo as string] : [])].sort();
  if (ends.length === 0) return { months: [], compressed: false };
  const first = ends[0] as string;
  const last = ends.at(-1) as string;
  const list: string[] = [];
  let compressed = false;
  for (let m = first; m <= last; m = nextMonth(m)) {
    list.push(m);
    if (list.length > MAX_CONTINUOUS_MONTHS) {
      compressed = true;
      break;
    }
  }
  let chosen = list;
  if (compressed) {
    const set = new Set(months);
    if (hasPeriod) {
      let count = 0;
      for (
        let m = periodFrom as string;
        m <= (periodTo as string) && count <= MAX_CONTINUOUS_MONTHS;
        m = nextMonth(m), count++
      )
        set.add(m);
    }
    chosen = [...set].sort();
  }
  return {
    months: chosen.map((month) => ({ month, index: index.get(month) ?? -1, inPeriod: inPeriod(month) })),
    compressed,
  };
}

/** The explorer query of a filter within a time range. */
export function explorerQuery(
  filter: ExplorerFilter,
  range: { readonly from: string; readonly to: string },
): ReceiptQuery {
  const query: Record<string, string> = { from: range.from, to: range.to };
  for (const [key, value] of Object.entries(filter) as [keyof ExplorerFilter, string | undefined][])
    if (value !== undefined) query[key] = value;
  return query as ReceiptQuery;
}

/** The time range covering every month with a receipt (the whole archive). */
export function wholeRange(report: ControlMetricsReport): { readonly from: string; readonly to: string } | null {
  const first = report.months[0];
  const last = report.months.at(-1);
  if (first === undefined || last === undefined) return null;
  return { from: monthBounds(first).from, to: monthBounds(last).to };
}

/** The month's figures of a control: population, exceptions, and the exception rate. */
export function monthFigures(
  metric: ControlMetric,
  index: number,
): { readonly population: number; readonly exceptions: number; readonly rate: string | null } {
  const population = index < 0 ? 0 : (metric.byMonth.population[index] ?? 0);
  const exceptions = index < 0 ? 0 : (metric.byMonth.exceptions[index] ?? 0);
  return { population, exceptions, rate: percent(exceptions, population) };
}

/** The exception rate as a number from 0 to 1 (for drawing only; never shown as text). */
export function rateValue(exceptions: number, population: number): number | null {
  return population === 0 ? null : exceptions / population;
}

/** The chart's top: the highest monthly rate rounded up to a readable step, at least 1%. */
export function chartTop(rates: readonly (number | null)[]): number {
  const highest = Math.max(0, ...rates.filter((r): r is number => r !== null));
  const steps = [0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1];
  return steps.find((s) => highest <= s) ?? 1;
}

/** Findings of a control's codes that the rate does not count, as sentences (empty: none). */
export function notCounted(metric: ControlMetric): string[] {
  const out: string[] = [];
  for (const c of metric.codes) {
    if (c.warnings > 0)
      out.push(
        `${plural(c.warnings, `${c.code} finding`)} ${c.warnings === 1 ? 'is a warning' : 'are warnings'} (a note, not a failure), so not counted as ${c.warnings === 1 ? 'an exception' : 'exceptions'}.`,
      );
    if (c.outside > 0)
      out.push(
        `${plural(c.outside, 'receipt')} with ${c.code} ${c.outside === 1 ? 'is' : 'are'} outside the population, so not in the rate.`,
      );
    if (c.notAtReceipt > 0 && metric.id !== 'latency-within-slo')
      out.push(
        `${plural(c.notAtReceipt, `${c.code} finding`)} ${c.notAtReceipt === 1 ? 'is' : 'are'} about no readable receipt (a file, the archive, or a line that is not a valid receipt), so not in the rate.`,
      );
  }
  return out;
}
