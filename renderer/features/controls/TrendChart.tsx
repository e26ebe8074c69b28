import { useId } from 'react';
import type { ControlMetric } from '../../../shared/controls/metrics.ts';
import { formatCount } from '../../components/format.ts';
import { chartTop, monthFigures, rateValue, type TrendMonth } from './metrics-view.ts';

interface Props {
  readonly metric: ControlMetric;
  readonly months: readonly TrendMonth[];
  /** What the chart is of, for its accessible name: the control's title. */
  readonly label: string;
  /** What an exception is called in the sentences ("exception", "slower receipt"). */
  readonly exceptionWord: string;
  readonly unitWord: string;
  readonly compact?: boolean;
}

const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2026-04: 1 exception in 412 receipts (0.24%), in the examination period." */
export function monthSentence(
  metric: ControlMetric,
  month: TrendMonth,
  exceptionWord: string,
  unitWord: string,
): string {
  const { population, exceptions, rate } = monthFigures(metric, month.index);
  const period =
    month.inPeriod === null ? '' : month.inPeriod ? ', in the examination period' : ', outside the examination period';
  if (population === 0)
    return `${month.month}: no population${exceptions > 0 ? ` (${formatCount(exceptions)} ${exceptionWord}s)` : ''}${period}.`;
  return `${month.month}: ${formatCount(exceptions)} ${exceptionWord}${exceptions === 1 ? '' : 's'} in ${formatCount(population)} ${unitWord} (${rate ?? ''})${period}.`;
}

/**
 * The exception rate per month as bars (plain SVG). Months outside the examination period
 * are shaded, months without population drawn as an empty dashed box, never as 0%. The
 * figures are also in the chart's description and in each bar's title.
 */
export function TrendChart({ metric, months, label, exceptionWord, unitWord, compact = false }: Props) {
  const id = useId();
  const slot = compact ? 22 : 46;
  const bar = compact ? 14 : 26;
  const plot = compact ? 44 : 110;
  const top = 10;
  const axis = compact ? 34 : 52;
  const labels = compact ? 4 : 34;
  const width = axis + months.length * slot + 8;
  const height = top + plot + labels;
  const rates = months.map((m) => {
    const { population, exceptions } = monthFigures(metric, m.index);
    return rateValue(exceptions, population);
  });
  const ceiling = chartTop(rates);
  const y = (rate: number) => top + plot - (rate / ceiling) * plot;
  const pct = (value: number) => `${+(value * 100).toFixed(2)}%`;
  const description = months.map((m) => monthSentence(metric, m, exceptionWord, unitWord)).join(' ');
  return (
    <figure className={`trend-chart${compact ? ' trend-compact' : ''}`} data-testid="trend-chart">
      <svg
        role="img"
        aria-labelledby={`${id}-title`}
        aria-describedby={`${id}-desc`}
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
      >
        <title id={`${id}-title`}>{`${label}: exception rate per month`}</title>
        <desc id={`${id}-desc`}>{description}</desc>
        <defs>
          <pattern id={`${id}-hatch`} width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
            <line x1="0" y1="0" x2="0" y2="6" className="trend-hatch-line" />
          </pattern>
        </defs>
        {months.map((m, i) =>
          m.inPeriod === false ? (
            <rect
              key={`out-${m.month}`}
              x={axis + i * slot}
              y={top}
              width={slot}
              height={plot}
              fill={`url(#${id}-hatch)`}
              className="trend-outside"
            />
          ) : null,
        )}
        {!compact && (
          <g className="trend-axis" aria-hidden="true">
            {[0, ceiling / 2, ceiling].map((tick) => (
              <g key={tick}>
                <line x1={axis - 4} x2={width - 8} y1={y(tick)} y2={y(tick)} className="trend-grid" />
                <text x={axis - 6} y={y(tick) + 4} textAnchor="end">
                  {pct(tick)}
                </text>
              </g>
            ))}
          </g>
        )}
        {compact && (
          <g className="trend-axis" aria-hidden="true">
            <line x1={axis} x2={width - 8} y1={y(0)} y2={y(0)} className="trend-grid" />
            <line x1={axis} x2={width - 8} y1={y(ceiling)} y2={y(ceiling)} className="trend-grid" />
            <text x={axis - 4} y={y(ceiling) + 8} textAnchor="end">
              {pct(ceiling)}
            </text>
          </g>
        )}
        {months.map((m, i) => {
          const { population, exceptions } = monthFigures(metric, m.index);
          const x = axis + i * slot + (slot - bar) / 2;
          const title = monthSentence(metric, m, exceptionWord, unitWord);
          if (population === 0)
            return (
              <g key={m.month} data-month={m.month} data-state="no-population">
                <title>{title}</title>
                <rect x={x} y={top + plot - 14} width={bar} height={14} className="trend-empty" />
              </g>
            );
          const rate = exceptions / population;
          const h = Math.max(rate > 0 ? 2 : 0, (rate / ceiling) * plot);
          return (
            <g key={m.month} data-month={m.month} data-state={exceptions > 0 ? 'exceptions' : 'clean'}>
              <title>{title}</title>
              {exceptions > 0 ? (
                <rect x={x} y={top + plot - h} width={bar} height={h} className="trend-bar" />
              ) : (
                <rect x={x} y={top + plot - 2} width={bar} height={2} className="trend-zero" />
              )}
            </g>
          );
        })}
        {!compact && (
          <g className="trend-labels" aria-hidden="true">
            {months.map((m, i) => {
              const [year, month] = m.month.split('-');
              const x = axis + i * slot + slot / 2;
              const showYear = i === 0 || month === '01';
              return (
                <text key={m.month} x={x} y={top + plot + 14} textAnchor="middle">
                  <tspan x={x}>{MONTH_NAMES[Number(month) - 1]}</tspan>
                  {showYear && (
                    <tspan x={x} dy="13">
                      {year}
                    </tspan>
                  )}
                </text>
              );
            })}
          </g>
        )}
      </svg>
      {!compact && (
        <figcaption className="trend-legend">
          Bars: {exceptionWord} rate per month (a flat green line: none that month). Dashed box: no population that
          month.{months.some((m) => m.inPeriod === false) ? ' Hatched: outside the examination period.' : ''}
        </figcaption>
      )}
    </figure>
  );
}
