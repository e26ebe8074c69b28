import { useId } from 'react';
import { CONTROL_LIBRARY, type ControlDefinition } from '../../../shared/controls/library.ts';
import type { ControlMetric, ControlMetricsReport } from '../../../shared/controls/metrics.ts';
import { formatRoute } from '../../app/routes.ts';
import { formatCount } from '../../components/format.ts';
import { ArchiveNotReady } from '../../components/ArchiveNotReady.tsx';
import type { TrendMonth } from './metrics-view.ts';
import {
  ControlFigureFacts,
  ControlTrendChart,
  EvidenceWarning,
  ExceptionsFigure,
  FigureNotes,
  MissingMetrics,
  MonthTable,
  PeriodNote,
  PopulationFigure,
  exceptionWord,
  jumpTo,
  resultSentence,
  unitWord,
} from './parts.tsx';
import { useArchiveMetrics } from './use-archive-row.ts';

/**
 * Control metrics as a page the client could also show: per control, population,
 * exceptions, rate and monthly trend, each count a link to the receipts it counts.
 */
export function MetricsPage({ archiveId }: { archiveId: string }) {
  const { state, metrics, engagement, trend } = useArchiveMetrics(archiveId);
  if (state.status !== 'ready') return <ArchiveNotReady state={state} />;
  const { archive } = state;
  return (
    <div className="page metrics-page" data-testid="metrics-page">
      <div className="page-head">
        <h1>Control metrics</h1>
        <span className="muted">{archive.name}</span>
        <a className="page-head-link" href={formatRoute({ name: 'controls', archiveId })} data-testid="to-controls">
          Control library
        </a>
      </div>
      <EvidenceWarning report={archive.report} archiveId={archiveId} />
      {metrics ? (
        <>
          <p className="lede">
            Computed on 100% of the {formatCount(metrics.receipts)} receipts in this archive
            {archive.report.archive ? ` (${archive.report.archive.organization})` : ''}, per control: how many actions
            it applies to, how many were exceptions, and the rate, month by month. Each count opens the receipts it
            counts. How each control is tested is on the{' '}
            <a href={formatRoute({ name: 'controls', archiveId })}>control library</a>.
          </p>
          <PeriodNote engagement={engagement} compressed={trend.compressed} />
          <SummaryTable archiveId={archiveId} metrics={metrics} months={trend.months} />
          {CONTROL_LIBRARY.map((control) => {
            const metric = metrics.controls.find((m) => m.id === control.id);
            return metric ? (
              <MetricSection
                key={control.id}
                archiveId={archiveId}
                control={control}
                metrics={metrics}
                metric={metric}
                months={trend.months}
              />
            ) : null;
          })}
        </>
      ) : (
        <MissingMetrics report={archive.report} />
      )}
    </div>
  );
}

function SummaryTable({
  archiveId,
  metrics,
  months,
}: {
  archiveId: string;
  metrics: ControlMetricsReport;
  months: readonly TrendMonth[];
}) {
  return (
    <section className="panel" aria-labelledby="metrics-summary-heading">
      <h2 id="metrics-summary-heading">All controls</h2>
      <div className="table-scroll">
        <table className="data-table metrics-summary" data-testid="metrics-summary">
          <thead>
            <tr>
              <th scope="col">Control</th>
              <th scope="col" className="num">
                Population
              </th>
              <th scope="col" className="num">
                Exceptions
              </th>
              <th scope="col">Result</th>
              <th scope="col">Trend (exception rate per month)</th>
            </tr>
          </thead>
          <tbody>
            {CONTROL_LIBRARY.map((control) => {
              const metric = metrics.controls.find((m) => m.id === control.id);
              if (!metric) return null;
              return (
                <tr key={control.id} data-control={control.id} data-testid="metrics-row">
                  <th scope="row">
                    <a href={`#metric-${control.id}`} onClick={(event) => jumpTo(event, `metric-${control.id}`)}>
                      {control.title}
                    </a>
                  </th>
                  <td className="num">
                    <PopulationFigure archiveId={archiveId} report={metrics} metric={metric} testId="row-population" />{' '}
                    <span className="muted">{unitWord(metric)}</span>
                  </td>
                  <td className="num">
                    <ExceptionsFigure archiveId={archiveId} report={metrics} metric={metric} testId="row-exceptions" />
                    {metric.exceptionsAre === 'slower-receipts' && <span className="muted"> slower</span>}
                  </td>
                  <td data-testid="row-result">{resultSentence(control, metric)}</td>
                  <td>
                    {months.length > 0 ? (
                      <ControlTrendChart control={control} metric={metric} months={months} compact />
                    ) : (
                      <span className="muted">no months</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

const METRIC_FIGURE_IDS = {
  population: 'metric-population',
  exceptions: 'metric-exceptions',
  rate: 'metric-rate',
  result: 'metric-result',
} as const;

function MetricSection({
  archiveId,
  control,
  metrics,
  metric,
  months,
}: {
  archiveId: string;
  control: ControlDefinition;
  metrics: ControlMetricsReport;
  metric: ControlMetric;
  months: readonly TrendMonth[];
}) {
  const id = useId();
  return (
    <section
      id={`metric-${control.id}`}
      tabIndex={-1}
      className="panel metric-section"
      aria-labelledby={`${id}-title`}
      data-testid="metric-section"
      data-control={control.id}
    >
      <h2 id={`${id}-title`}>{control.title}</h2>
      <p className="muted">Population: {control.population}</p>
      <ControlFigureFacts
        archiveId={archiveId}
        control={control}
        report={metrics}
        metric={metric}
        testIds={METRIC_FIGURE_IDS}
      />
      <FigureNotes archiveId={archiveId} report={metrics} metric={metric} />
      {months.length > 0 && (
        <div className="metric-trend">
          <ControlTrendChart control={control} metric={metric} months={months} />
          <MonthTable
            archiveId={archiveId}
            report={metrics}
            metric={metric}
            months={months}
            caption={`Per month: population and ${exceptionWord(metric)}s`}
          />
        </div>
      )}
    </section>
  );
}
