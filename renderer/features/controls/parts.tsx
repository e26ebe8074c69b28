/** Pieces the control library and the control metrics screens share. */
import type { ReactNode } from 'react';
import type { ControlDefinition } from '../../../shared/controls/library.ts';
import type { ControlMetric, ControlMetricsReport, ExplorerFilter } from '../../../shared/controls/metrics.ts';
import type { CheckStatus } from '../../../shared/engine/types.ts';
import { formatRoute } from '../../app/routes.ts';
import { formatCount, formatDate } from '../../components/format.ts';
import type { EngagementRow, StoredReport } from '../../store/db.ts';
import { evidenceWarning } from '../privacy/privacy-rows.ts';
import {
  explorerQuery,
  monthBounds,
  monthFigures,
  passSentence,
  percent,
  plural,
  wholeRange,
  type TrendMonth,
} from './metrics-view.ts';
import { TrendChart } from './TrendChart.tsx';

const CONTROLS_CHECK = 'Decision re-evaluation and control checks';

export function exceptionWord(metric: ControlMetric): string {
  return metric.exceptionsAre === 'slower-receipts' ? 'slower receipt' : 'exception';
}

export function unitWord(metric: ControlMetric): string {
  return metric.unit === 'transactions' ? 'transactions' : 'receipts';
}

/** In-page links would change the hash (the route): move the focus to the element instead. */
export function jumpTo(event: React.MouseEvent, elementId: string): void {
  event.preventDefault();
  const target = document.getElementById(elementId);
  target?.scrollIntoView({ block: 'start' });
  target?.focus({ preventScroll: true });
}

export function EvidenceWarning({ report, archiveId }: { report: StoredReport; archiveId: string }) {
  const warning = evidenceWarning(report.summary);
  if (!warning) return null;
  return (
    <section
      className="panel panel-alert"
      role="alert"
      aria-labelledby="controls-warning-heading"
      data-testid="controls-evidence-warning"
    >
      <h2 id="controls-warning-heading">Warning: the evidence is not sound</h2>
      <p>{warning.replace('behind this report', 'behind these metrics')}</p>
      <p>
        The counts below are read from receipts whose integrity or origin is not established.{' '}
        <a href={formatRoute({ name: 'dashboard', archiveId })}>See the dashboard</a> for the findings.
      </p>
    </section>
  );
}

/** Said instead of any figure when the import made no metrics: never a table that reads as zero. */
export function MissingMetrics({ report }: { report: StoredReport }) {
  const controls = report.checks.find((c) => c.check === CONTROLS_CHECK);
  return (
    <p className="notice notice-error" role="status" data-testid="metrics-missing">
      No control metrics were computed when this archive was imported; import it again.
      {controls?.status === 'not checked' &&
        ` (The control checks did not run in that import, and the metrics are computed with them: ${controls.reason ?? 'no reason recorded'}.)`}
    </p>
  );
}

export function PeriodNote({ engagement, compressed }: { engagement: EngagementRow | null; compressed: boolean }) {
  const period =
    engagement?.periodFrom && engagement.periodTo ? { from: engagement.periodFrom, to: engagement.periodTo } : null;
  return (
    <p className="panel-note" data-testid="period-note">
      {period ? (
        <>
          Examination period of {engagement?.name ? `“${engagement.name}”` : 'the engagement'}:{' '}
          <span className="num">
            {formatDate(period.from)} to {formatDate(period.to)}
          </span>
          . Months outside it are shaded in the charts and marked in the tables.
        </>
      ) : (
        <>
          The engagement has no examination period set, so no month is marked as outside it (
          <a href={formatRoute({ name: 'start' })}>set it on the start page</a>).
        </>
      )}{' '}
      Months are calendar months in UTC, by each receipt’s time.
      {compressed && ' The receipts span many years, so months without receipts are left out of the trend.'}
    </p>
  );
}

/** A count that opens the receipts it counts, or the count alone when no explorer filter selects them. */
function CountLink({
  archiveId,
  filter,
  range,
  count,
  testId,
  what,
}: {
  archiveId: string;
  filter: ExplorerFilter;
  range: { from: string; to: string };
  count: number;
  testId: string;
  what: string;
}) {
  return (
    <a
      className="num count-link"
      href={formatRoute({ name: 'receipts', archiveId, query: explorerQuery(filter, range) })}
      data-testid={testId}
      data-count={count}
      aria-label={`${formatCount(count)} ${what}: open in the receipts explorer`}
    >
      {formatCount(count)}
    </a>
  );
}

/** The population of a control (in all, or in one month), linked to its receipts where a filter selects them. */
export function PopulationFigure({
  archiveId,
  report,
  metric,
  month,
  testId,
}: {
  archiveId: string;
  report: ControlMetricsReport;
  metric: ControlMetric;
  /** A month of the trend; absent: the whole archive. */
  month?: TrendMonth;
  testId: string;
}) {
  const range = month ? monthBounds(month.month) : wholeRange(report);
  const count = month ? monthFigures(metric, month.index).population : metric.population;
  const parts = metric.explorer.parts;
  if (parts === null || range === null || count === 0 || parts.length !== 1) {
    const linked = parts !== null && range !== null && count > 0;
    return (
      <span className="population-figure">
        <span className="num" data-testid={testId} data-count={count}>
          {formatCount(count)}
        </span>
        {linked && !month && (
          <span className="figure-parts">
            {' '}
            (
            {parts.map((part, i) => (
              <span key={i}>
                {i > 0 && ', '}
                {part.filter.action ?? 'receipts'}:{' '}
                <CountLink
                  archiveId={archiveId}
                  filter={part.filter}
                  range={range}
                  count={part.total}
                  testId={`${testId}-part`}
                  what={`receipts of ${part.filter.action ?? 'the population'}`}
                />
              </span>
            ))}
            )
          </span>
        )}
      </span>
    );
  }
  return (
    <CountLink
      archiveId={archiveId}
      filter={(parts[0] as { filter: ExplorerFilter }).filter}
      range={range}
      count={count}
      testId={testId}
      what={`${unitWord(metric)} in the population${month ? ` in ${month.month}` : ''}`}
    />
  );
}

/** The exceptions of a control (in all, or in one month), linked when one explorer filter lists exactly them. */
export function ExceptionsFigure({
  archiveId,
  report,
  metric,
  month,
  testId,
}: {
  archiveId: string;
  report: ControlMetricsReport;
  metric: ControlMetric;
  month?: TrendMonth;
  testId: string;
}) {
  const range = month ? monthBounds(month.month) : wholeRange(report);
  const figures = month ? monthFigures(metric, month.index) : metric;
  const count = figures.exceptions;
  // A month without population and without exceptions has nothing to open.
  const nothing = figures.population === 0 && count === 0;
  if (metric.exceptionsFilter && range && !nothing)
    return (
      <CountLink
        archiveId={archiveId}
        filter={metric.exceptionsFilter}
        range={range}
        count={count}
        testId={testId}
        what={`${exceptionWord(metric)}s${month ? ` in ${month.month}` : ''}`}
      />
    );
  return (
    <span className="num" data-testid={testId} data-count={count}>
      {formatCount(count)}
    </span>
  );
}

/**
 * A control's figures on the whole archive, as the control library and the control metrics
 * screens show them: population, exceptions (or receipts slower than the objective), rate
 * and the result sentence. `testIds` names each figure for the tests of that screen.
 */
export function ControlFigureFacts({
  archiveId,
  control,
  report,
  metric,
  testIds,
}: {
  archiveId: string;
  control: ControlDefinition;
  report: ControlMetricsReport;
  metric: ControlMetric;
  testIds: { readonly population: string; readonly exceptions: string; readonly rate: string; readonly result: string };
}) {
  const slo = metric.exceptionsAre === 'slower-receipts';
  return (
    <dl className="facts facts-inline">
      <div>
        <dt>Population ({unitWord(metric)})</dt>
        <dd>
          <PopulationFigure archiveId={archiveId} report={report} metric={metric} testId={testIds.population} />
        </dd>
      </div>
      <div>
        <dt>{slo ? 'Slower than the objective' : 'Exceptions'}</dt>
        <dd>
          <ExceptionsFigure archiveId={archiveId} report={report} metric={metric} testId={testIds.exceptions} />
        </dd>
      </div>
      <div>
        <dt>{slo ? 'Rate slower' : 'Exception rate'}</dt>
        <dd className="num" data-testid={testIds.rate}>
          {exceptionRate(metric)}
        </dd>
      </div>
      <div className="facts-wide">
        <dt>Result</dt>
        <dd data-testid={testIds.result}>{resultSentence(control, metric)}</dd>
      </div>
    </dl>
  );
}

/** A control's monthly trend chart, named by the control and worded by what its exceptions are. */
export function ControlTrendChart({
  control,
  metric,
  months,
  compact,
}: {
  control: ControlDefinition;
  metric: ControlMetric;
  months: readonly TrendMonth[];
  compact?: boolean;
}) {
  return (
    <TrendChart
      metric={metric}
      months={months}
      label={control.title}
      exceptionWord={exceptionWord(metric)}
      unitWord={unitWord(metric)}
      compact={compact}
    />
  );
}

/** Why a figure is not a link, and where the receipts behind it can be found instead. */
export function FigureNotes({
  archiveId,
  report,
  metric,
}: {
  archiveId: string;
  report: ControlMetricsReport;
  metric: ControlMetric;
}) {
  const range = wholeRange(report);
  const notes: ReactNode[] = [];
  if (metric.explorer.parts === null)
    notes.push(<>The population is not expressible as a receipts-explorer filter: {metric.explorer.why}</>);
  if (metric.exceptionsAre === 'slower-receipts')
    notes.push(
      <>Receipts slower than the objective are not expressible as an explorer filter (it has no latency filter).</>,
    );
  else if (!metric.exceptionsFilter && range) {
    const codes = metric.codes.filter((c) => c.inPopulation + c.outside > 0);
    notes.push(
      <>
        {metric.unit === 'transactions'
          ? 'Transactions are not rows of the receipts explorer. The receipts where each finding was made: '
          : 'No one explorer filter lists exactly these exceptions. By finding code: '}
        {codes.map((c, i) => (
          <span key={c.code}>
            {i > 0 && '; '}
            <a href={formatRoute({ name: 'receipts', archiveId, query: explorerQuery({ code: c.code }, range) })}>
              {c.code}
            </a>
            {metric.unit === 'receipts' && (
              <>
                {' '}
                ({plural(c.inPopulation + c.outside, 'receipt')}
                {c.outside > 0 && `, ${formatCount(c.outside)} outside the population`})
              </>
            )}
          </span>
        ))}
        .
      </>,
    );
  }
  if (notes.length === 0) return null;
  return (
    <ul className="figure-notes" data-testid="figure-notes">
      {notes.map((note, i) => (
        <li key={i}>{note}</li>
      ))}
    </ul>
  );
}

/** The checks of the report that did not run and bear on this control: its exceptions may be missing. */
export function notCheckedFor(control: ControlDefinition, checks: readonly CheckStatus[]): CheckStatus[] {
  const notChecked = checks.filter((c) => c.status === 'not checked');
  if (control.id === 'evidence-integrity') return notChecked;
  if (control.id === 'decisions-follow-policy')
    return notChecked.filter((c) => c.check.startsWith('Policy text parses'));
  return notChecked.filter((c) => c.check === CONTROLS_CHECK);
}

/** The headline sentence: "411 of 412 validly approved, 99.76%", or what stands for it. */
export function resultSentence(control: ControlDefinition, metric: ControlMetric): string {
  if (metric.population === 0)
    return `No population in this archive (${control.population.replace(/\.$/, '')}), so no rate.`;
  const sentence = passSentence(metric.population - metric.exceptions, metric.population, control.passed) as string;
  // Findings about no one receipt (a missing manifest) are not in the rate: a 100% must not hide them.
  const apart = metric.exceptionsAre === 'findings' ? metric.codes.reduce((n, c) => n + c.notAtReceipt, 0) : 0;
  return apart === 0 ? sentence : `${sentence}; ${plural(apart, 'finding')} about no single receipt not in this rate`;
}

export function exceptionRate(metric: ControlMetric): string {
  return percent(metric.exceptions, metric.population) ?? 'no rate (no population)';
}

/** The monthly figures as a table, each count linked to its receipts where a filter selects them. */
export function MonthTable({
  archiveId,
  report,
  metric,
  months,
  caption,
}: {
  archiveId: string;
  report: ControlMetricsReport;
  metric: ControlMetric;
  months: readonly TrendMonth[];
  caption: string;
}) {
  const withPeriod = months.some((m) => m.inPeriod !== null);
  return (
    <table className="data-table compact month-table" data-testid="month-table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Month</th>
          {withPeriod && <th scope="col">Examination period</th>}
          <th scope="col" className="num">
            Population ({unitWord(metric)})
          </th>
          <th scope="col" className="num">
            {metric.exceptionsAre === 'slower-receipts' ? 'Slower than the objective' : 'Exceptions'}
          </th>
          <th scope="col" className="num">
            Rate
          </th>
        </tr>
      </thead>
      <tbody>
        {months.map((m) => {
          const { population, rate } = monthFigures(metric, m.index);
          return (
            <tr key={m.month} data-month={m.month} className={m.inPeriod === false ? 'outside-period' : undefined}>
              <th scope="row" className="mono">
                {m.month}
              </th>
              {withPeriod && <td>{m.inPeriod ? 'in' : 'outside'}</td>}
              <td className="num">
                <PopulationFigure
                  archiveId={archiveId}
                  report={report}
                  metric={metric}
                  month={m}
                  testId="month-population"
                />
              </td>
              <td className="num">
                <ExceptionsFigure
                  archiveId={archiveId}
                  report={report}
                  metric={metric}
                  month={m}
                  testId="month-exceptions"
                />
              </td>
              <td className="num" data-testid="month-rate">
                {population === 0 ? <span className="muted">no population</span> : rate}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
