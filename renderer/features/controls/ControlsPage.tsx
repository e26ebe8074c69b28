import { useId } from 'react';
import { CONTROL_LIBRARY, type ControlDefinition } from '../../../shared/controls/library.ts';
import type { ControlMetric, ControlMetricsReport } from '../../../shared/controls/metrics.ts';
import type { FindingCode } from '../../../shared/codes.ts';
import type { CheckStatus } from '../../../shared/engine/types.ts';
import { SOC2_CRITERIA } from '../../../shared/soc2.ts';
import { formatRoute } from '../../app/routes.ts';
import { formatCount } from '../../components/format.ts';
import { ArchiveNotReady } from '../../components/ArchiveNotReady.tsx';
import { useEngagementLocks, WorkpaperLocked } from '../../components/WorkpaperLocked.tsx';
import { useControlTests } from '../../store/control-tests.ts';
import type { WorkpaperLock } from '../../store/workpapers.ts';
import type { EngagementRow } from '../../store/db.ts';
import { ControlTestEditor } from './ControlTestEditor.tsx';
import { notCounted, plural, type TrendMonth } from './metrics-view.ts';
import {
  ControlFigureFacts,
  ControlTrendChart,
  EvidenceWarning,
  FigureNotes,
  MissingMetrics,
  MonthTable,
  PeriodNote,
  exceptionWord,
  jumpTo,
  notCheckedFor,
} from './parts.tsx';
import { useArchiveMetrics } from './use-archive-row.ts';

/**
 * The control library (shared/controls/library.ts) over one archive: per control, its SOC 2
 * criteria, its automated checks (finding codes, each opening the explorer), its population,
 * exceptions and exception rate on 100% of the receipts, the monthly trend, and the
 * engagement's manual test attributes.
 */
export function ControlsPage({ archiveId }: { archiveId: string }) {
  const { state, metrics, engagement, trend } = useArchiveMetrics(archiveId);
  const tests = useControlTests(state.status === 'ready' ? state.archive.engagementId : null);
  // Control tests are the engagement's: a reviewed workpaper of any of its archives holds them.
  const locks = useEngagementLocks(state.status === 'ready' ? state.archive.engagementId : null);
  if (state.status !== 'ready') return <ArchiveNotReady state={state} />;
  const { archive } = state;
  return (
    <div className="page controls-page" data-testid="controls-page">
      <div className="page-head">
        <h1>Control library</h1>
        <span className="muted">{archive.name}</span>
        <a className="page-head-link" href={formatRoute({ name: 'metrics', archiveId })} data-testid="to-metrics">
          Control metrics (client view)
        </a>
      </div>
      <EvidenceWarning report={archive.report} archiveId={archiveId} />
      <p className="lede">
        The SOC 2 controls this evidence bears on. Each control’s automated checks run on 100% of the receipts when the
        archive is imported; its population, exceptions and monthly trend come from that verification. Manual test
        attributes are the engagement’s and can be edited. The same figures, as the client could show them, are on{' '}
        <a href={formatRoute({ name: 'metrics', archiveId })}>Control metrics</a>.
      </p>
      {metrics ? (
        <PeriodNote engagement={engagement} compressed={trend.compressed} />
      ) : (
        <MissingMetrics report={archive.report} />
      )}
      <WorkpaperLocked locks={locks ?? []} what="the engagement’s control tests (attributes, conclusions and notes)" />
      <nav aria-label="Controls" className="panel controls-toc">
        <ol>
          {CONTROL_LIBRARY.map((c) => (
            <li key={c.id}>
              <a href={`#control-${c.id}`} onClick={(event) => jumpTo(event, `control-${c.id}`)}>
                {c.title}
              </a>
            </li>
          ))}
        </ol>
      </nav>
      {CONTROL_LIBRARY.map((control) => (
        <ControlSection
          key={control.id}
          archiveId={archiveId}
          control={control}
          metrics={metrics}
          metric={metrics?.controls.find((m) => m.id === control.id) ?? null}
          months={trend.months}
          checks={archive.report.checks}
          engagement={engagement}
          testRow={tests?.get(control.id)}
          testsLoaded={tests !== undefined && locks !== undefined}
          locks={locks ?? []}
        />
      ))}
    </div>
  );
}

function ControlSection({
  archiveId,
  control,
  metrics,
  metric,
  months,
  checks,
  engagement,
  testRow,
  testsLoaded,
  locks,
}: {
  archiveId: string;
  control: ControlDefinition;
  metrics: ControlMetricsReport | null;
  metric: ControlMetric | null;
  months: readonly TrendMonth[];
  checks: readonly CheckStatus[];
  engagement: EngagementRow | null;
  testRow: Parameters<typeof ControlTestEditor>[0]['row'];
  testsLoaded: boolean;
  locks: readonly WorkpaperLock[];
}) {
  const id = useId();
  const notChecked = notCheckedFor(control, checks);
  return (
    <section
      id={`control-${control.id}`}
      tabIndex={-1}
      className="panel control-section"
      aria-labelledby={`${id}-title`}
      data-testid="control-section"
      data-control={control.id}
    >
      <div className="control-head">
        <h2 id={`${id}-title`}>{control.title}</h2>
        <span className="mono muted">{control.id}</span>
      </div>
      <p className="control-objective">{control.objective}</p>
      <dl className="facts control-facts">
        <div>
          <dt>SOC 2 criteria</dt>
          <dd>
            <ul className="criteria-list">
              {control.criteria.map((c) => (
                <li key={c}>
                  <span className="mono">{c}</span> <span className="muted">{SOC2_CRITERIA[c]}</span>
                </li>
              ))}
            </ul>
          </dd>
        </div>
        <div>
          <dt>Automated checks</dt>
          <dd>
            <CodeList archiveId={archiveId} codes={control.codes} metric={metric} />
          </dd>
        </div>
        <div>
          <dt>Population</dt>
          <dd>{control.population}</dd>
        </div>
      </dl>
      {notChecked.length > 0 && (
        <div className="notice notice-error" role="note" data-testid="control-not-checked">
          <p>
            These checks did not run, so exceptions of this control may be missing (they are not counted as passed):
          </p>
          <ul>
            {notChecked.map((c) => (
              <li key={c.check}>
                {c.check}: {c.reason ?? 'no reason recorded'}
              </li>
            ))}
          </ul>
        </div>
      )}
      {metrics && metric ? (
        <ControlFigures archiveId={archiveId} control={control} metrics={metrics} metric={metric} months={months} />
      ) : (
        <p className="muted" data-testid="control-no-metrics">
          No figures: no control metrics were computed when this archive was imported.
        </p>
      )}
      {engagement && testsLoaded ? (
        <ControlTestEditor
          control={control}
          engagementId={engagement.id}
          engagementName={engagement.name || 'this engagement'}
          row={testRow}
          locks={locks}
        />
      ) : (
        !engagement && (
          <p className="muted">This archive’s engagement is not stored: manual attributes cannot be kept.</p>
        )
      )}
    </section>
  );
}

const CONTROL_FIGURE_IDS = {
  population: 'control-population',
  exceptions: 'control-exceptions',
  rate: 'control-exception-rate',
  result: 'control-result',
} as const;

function ControlFigures({
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
  const slo = metric.exceptionsAre === 'slower-receipts';
  const breach = metric.codes.find((c) => c.code === 'SLO_BREACH');
  const notes = notCounted(metric);
  return (
    <div className="control-figures" data-testid="control-figures">
      <ControlFigureFacts
        archiveId={archiveId}
        control={control}
        report={metrics}
        metric={metric}
        testIds={CONTROL_FIGURE_IDS}
      />
      {slo && (
        <p data-testid="slo-verdict">
          {breach ? (
            <>
              The 99th-percentile latency exceeded the objective under {plural(breach.findings, 'bundle')} (
              <a href={formatRoute({ name: 'receipts', archiveId, query: { code: 'SLO_BREACH' } })}>SLO_BREACH</a>
              ): the objective was not met.
            </>
          ) : (
            <>
              No SLO_BREACH: under every bundle with an objective, the 99th-percentile latency is within it. The control
              is judged on the 99th percentile, so up to 1% of receipts may be slower without an exception.
            </>
          )}
        </p>
      )}
      {notes.length > 0 && (
        <ul className="figure-notes" data-testid="not-counted">
          {notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
      <FigureNotes archiveId={archiveId} report={metrics} metric={metric} />
      {months.length > 0 && (
        <>
          <ControlTrendChart control={control} metric={metric} months={months} />
          <details className="month-details">
            <summary>Monthly figures ({formatCount(months.length)} months)</summary>
            <MonthTable
              archiveId={archiveId}
              report={metrics}
              metric={metric}
              months={months}
              caption={`Per month: population and ${exceptionWord(metric)}s`}
            />
          </details>
        </>
      )}
    </div>
  );
}

/** Above this many codes, those without findings are folded away (evidence integrity has some thirty). */
const FOLD_CODES_ABOVE = 4;

/** The control's finding codes, each opening the explorer on it, with how many findings it has. */
function CodeList({
  archiveId,
  codes,
  metric,
}: {
  archiveId: string;
  codes: readonly FindingCode[];
  metric: ControlMetric | null;
}) {
  const item = (code: FindingCode) => {
    const count = metric?.codes.find((c) => c.code === code);
    return (
      <li key={code}>
        <a
          className="mono"
          href={formatRoute({ name: 'receipts', archiveId, query: { code } })}
          data-testid="control-code-link"
          data-code={code}
        >
          {code}
        </a>{' '}
        {metric && <span className="muted">{count ? plural(count.findings, 'finding') : 'no finding'}</span>}
      </li>
    );
  };
  if (codes.length <= FOLD_CODES_ABOVE || !metric)
    return (
      <ul className="code-list" data-testid="control-codes">
        {codes.map(item)}
      </ul>
    );
  const found = codes.filter((code) => metric.codes.some((c) => c.code === code));
  return (
    <div data-testid="control-codes">
      {found.length > 0 ? (
        <ul className="code-list">{found.map(item)}</ul>
      ) : (
        <p className="code-none">No finding of any of its {codes.length} codes.</p>
      )}
      <details className="code-details">
        <summary>
          All {codes.length} checks{found.length > 0 ? ` (${codes.length - found.length} without a finding)` : ''}
        </summary>
        <ul className="code-list">{codes.filter((code) => !found.includes(code)).map(item)}</ul>
      </details>
    </div>
  );
}
