/**
 * Decision impact: every recorded request (or a saved filter's) replayed under both
 * versions by the impact workers, one per core (memoised in each), with progress and
 * cancel as for imports. The summary counts are links to the receipts they count (listed
 * here, with what each side decided); each receipt links to its reconstruction replayed
 * under either version, and to the explorer.
 */
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import type { BundleSide } from '../../../shared/policy/diff.ts';
import type { ChangedOutcome, Outcome } from '../../../shared/policy/impact.ts';
import { formatRoute, type ImpactList, type Route } from '../../app/routes.ts';
import { navigate } from '../../app/use-route.ts';
import { formatCount, formatDuration } from '../../components/format.ts';
import type { LoadedArchive } from '../../store/archives.ts';
import { listSavedFilters } from '../../store/saved-filters.ts';
import { useLiveQuery } from '../../store/use-live-query.ts';
import { sideName } from './bundle-data.ts';
import {
  keepScan,
  keptScan,
  ScanCancelled,
  startScan,
  type ScanJob,
  type ScanOutcome,
  type ScanProgress,
} from './impact-client.ts';
import { populationOf } from './population.ts';
import { checkArchiveDocumentsWhenIdle, warmExplainWorkerWhenIdle } from '../reconstruct/explain-client.ts';
import { ledgerStartOf } from './use-bundles.ts';

type DiffRoute = Extract<Route, { name: 'bundle-diff' }>;

type RunState =
  | { readonly status: 'idle' }
  | { readonly status: 'running'; readonly progress: ScanProgress | null; readonly job: ScanJob }
  | { readonly status: 'cancelled' }
  | { readonly status: 'failed'; readonly message: string }
  | { readonly status: 'done'; readonly outcome: ScanOutcome };

const PAGE = 50;

export function ImpactPanel({
  loaded,
  from,
  to,
  route,
}: {
  readonly loaded: LoadedArchive;
  readonly from: BundleSide;
  readonly to: BundleSide;
  readonly route: DiffRoute;
}) {
  const { archive } = loaded;
  const archiveId = archive.id;
  const headingId = useId();
  const selectId = useId();
  const filters = useLiveQuery(() => listSavedFilters(archive.engagementId), [archive.engagementId]);
  const chosen = route.filter === undefined ? null : (filters?.find((f) => f.id === route.filter) ?? null);
  const filterMissing = route.filter !== undefined && filters !== undefined && chosen === null;
  const population = useMemo(
    () => (route.filter !== undefined && !chosen ? null : populationOf(loaded, chosen)),
    [loaded, chosen, route.filter],
  );
  const key = population?.ok ? `impact\n${archiveId}\n${from.hash}\n${to.hash}\n${population.key}` : '';
  const [run, setRun] = useState<RunState>(() => {
    const kept = key ? keptScan(key) : undefined;
    return kept ? { status: 'done', outcome: kept } : { status: 'idle' };
  });
  const runRef = useRef(run);
  runRef.current = run;
  // Another pair of versions or population: a replay still running stops; what is kept for the new one shows.
  useEffect(() => {
    if (runRef.current.status === 'running') runRef.current.job.cancel();
    const kept = key ? keptScan(key) : undefined;
    setRun(kept ? { status: 'done', outcome: kept } : { status: 'idle' });
  }, [key]);
  const live = useRef(true);
  useEffect(() => {
    live.current = true;
    return () => {
      live.current = false;
      // Leaving the screen cancels a replay still running.
      if (runRef.current.status === 'running') runRef.current.job.cancel();
    };
  }, []);

  const start = () => {
    if (!population?.ok) return;
    const job = startScan({
      archiveId,
      tasks: population.tasks,
      ledgerStart: ledgerStartOf(loaded),
      sides: { from, to },
      onProgress: (progress) =>
        live.current && setRun((r) => (r.status === 'running' && r.job === job ? { ...r, progress } : r)),
    });
    setRun({ status: 'running', progress: null, job });
    job.outcome.then(
      (outcome) => {
        keepScan(key, outcome);
        if (live.current) setRun((r) => (r.status === 'running' && r.job === job ? { status: 'done', outcome } : r));
      },
      (error: Error) =>
        live.current &&
        setRun((r) =>
          r.status === 'running' && r.job === job
            ? error instanceof ScanCancelled
              ? { status: 'cancelled' }
              : { status: 'failed', message: error.message }
            : r,
        ),
    );
  };

  return (
    <section className="panel impact" aria-labelledby={headingId} data-testid="impact-panel">
      <h2 id={headingId}>Decision impact</h2>
      <p className="panel-note">
        Each recorded request replayed under both versions with Cedar (a request seen before is answered from memory). A
        receipt&apos;s outcome changed when the effect or the determining policies differ. A request Cedar could not
        evaluate under a version is counted as not evaluated, never as unchanged.
      </p>
      <div className="impact-controls">
        <div className="field field-inline">
          <label htmlFor={selectId}>Replay</label>
          <select
            id={selectId}
            value={route.filter === undefined ? '' : String(route.filter)}
            disabled={run.status === 'running'}
            onChange={(e) =>
              navigate({
                name: 'bundle-diff',
                archiveId,
                from: from.hash,
                to: to.hash,
                ...(e.target.value ? { filter: Number(e.target.value) } : {}),
              })
            }
            data-testid="impact-population"
          >
            <option value="">every recorded receipt ({formatCount(loaded.table.count)})</option>
            {(filters ?? []).map((f) => (
              <option key={f.id} value={String(f.id)}>
                saved filter: {f.name}
              </option>
            ))}
          </select>
        </div>
        {run.status === 'running' ? (
          <button type="button" onClick={() => run.job.cancel()} data-testid="impact-cancel">
            Cancel replay
          </button>
        ) : (
          <button type="button" className="primary" onClick={start} disabled={!population?.ok} data-testid="impact-run">
            {run.status === 'done' ? 'Replay again' : 'Replay under both versions'}
          </button>
        )}
      </div>
      {filterMissing && (
        <p className="notice notice-error" role="alert">
          The address names a saved filter that this engagement does not have (it may have been deleted).
        </p>
      )}
      {population && !population.ok && (
        <p className="notice notice-error" role="alert" data-testid="impact-population-error">
          {population.message}
        </p>
      )}
      {run.status === 'idle' && population?.ok && (
        <p className="muted" data-testid="impact-idle">
          Not replayed yet: {population.label} under {sideName(from)} and {sideName(to)}.
        </p>
      )}
      {run.status === 'running' && <Progress progress={run.progress} />}
      {run.status === 'cancelled' && (
        <p className="notice" role="status" data-testid="impact-cancelled">
          The replay was cancelled; nothing of it is shown.
        </p>
      )}
      {run.status === 'failed' && (
        <p className="notice notice-error" role="alert" data-testid="impact-failed">
          {run.message}
        </p>
      )}
      {run.status === 'done' && population?.ok && (
        <ImpactResult
          archiveId={archiveId}
          outcome={run.outcome}
          from={from}
          to={to}
          route={route}
          populationLabel={population.label}
        />
      )}
    </section>
  );
}

function Progress({ progress }: { readonly progress: ScanProgress | null }) {
  const p = progress;
  const percent = p && p.linesTotal > 0 ? Math.min(100, Math.floor((100 * p.linesDone) / p.linesTotal)) : 0;
  const rate = p && p.elapsedMs > 0 ? (p.linesDone * 1000) / p.elapsedMs : 0;
  const left = p && rate > 0 ? ((p.linesTotal - p.linesDone) * 1000) / rate : null;
  return (
    <div className="progress-panel impact-progress" data-testid="impact-progress">
      <div
        className="progress-track"
        role="progressbar"
        aria-label="Replay progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
      >
        <div className="progress-fill" style={{ width: `${percent}%` }} />
      </div>
      <dl className="facts facts-inline">
        <div>
          <dt>Receipts replayed</dt>
          <dd className="num" data-testid="impact-progress-lines">
            {p ? `${formatCount(p.linesDone)} of ${formatCount(p.linesTotal)}` : 'starting…'}
          </dd>
        </div>
        <div>
          <dt>Rate</dt>
          <dd className="num">{rate > 0 ? `${formatCount(rate)} receipts/s` : '—'}</dd>
        </div>
        <div>
          <dt>Time left</dt>
          <dd className="num">{left !== null ? `about ${formatDuration(left)}` : '—'}</dd>
        </div>
        <div>
          <dt>Workers</dt>
          <dd className="num">{p ? p.workers : '—'}</dd>
        </div>
      </dl>
    </div>
  );
}

/** Whether a policy determines one side's outcome and not the other's (how `byPolicy` counts). */
const movedPolicy = (c: ChangedOutcome, policy: string) =>
  c.from.policies.includes(policy) !== c.to.policies.includes(policy);

const KIND_OF: Record<Exclude<ImpactList, 'changed' | 'errors'>, ChangedOutcome['kind']> = {
  'allow-to-deny': 'allow-to-deny',
  'deny-to-allow': 'deny-to-allow',
  'other-policies': 'other-policies',
};

function ImpactResult({
  archiveId,
  outcome,
  from,
  to,
  route,
  populationLabel,
}: {
  readonly archiveId: string;
  readonly outcome: ScanOutcome;
  readonly from: BundleSide;
  readonly to: BundleSide;
  readonly route: DiffRoute;
  readonly populationLabel: string;
}) {
  const impact = outcome.impact;
  const listId = useId();
  const listRef = useRef<HTMLHeadingElement>(null);
  const [page, setPage] = useState(0);
  const listKey = `${route.list ?? ''}\n${route.policy ?? ''}\n${route.action ?? ''}`;
  useEffect(() => {
    setPage(0);
    if (route.list) listRef.current?.scrollIntoView({ block: 'start' });
  }, [listKey, route.list]);
  const changedIndex = useMemo(
    () => new Map<ChangedOutcome, number>((impact?.changed ?? []).map((c, i) => [c, i])),
    [impact],
  );
  const listed = useMemo(
    () =>
      !impact || route.list === undefined || route.list === 'errors'
        ? []
        : impact.changed.filter(
            (c) =>
              (route.list === 'changed' || c.kind === KIND_OF[route.list as keyof typeof KIND_OF]) &&
              (route.policy === undefined || movedPolicy(c, route.policy)) &&
              (route.action === undefined || c.action === route.action),
          ),
    [impact, route.list, route.policy, route.action],
  );
  if (!impact) return null;
  const link = (list: ImpactList, extra: { policy?: string; action?: string } = {}) =>
    formatRoute({
      name: 'bundle-diff',
      archiveId,
      from: from.hash,
      to: to.hash,
      ...(route.filter !== undefined ? { filter: route.filter } : {}),
      list,
      ...extra,
    });
  const count = (n: number, list: ImpactList, testId: string, extra: { policy?: string; action?: string } = {}) =>
    n === 0 ? (
      <span data-testid={testId}>0</span>
    ) : (
      <a href={link(list, extra)} data-testid={testId}>
        {formatCount(n)}
      </a>
    );
  const notRead = outcome.notReceipts + outcome.notStored;
  return (
    <div
      className="impact-result"
      data-testid="impact-result"
      data-ms={Math.round(outcome.ms)}
      data-read-ms={Math.round(outcome.readMs)}
    >
      <p className="muted">
        Replayed {populationLabel} under {sideName(from)} and {sideName(to)}: {formatCount(outcome.linesRead)} stored
        lines in {outcome.ms < 1000 ? 'under a second' : formatDuration(outcome.ms)} by {outcome.workers} worker
        {outcome.workers === 1 ? '' : 's'} ({formatCount(impact.cedarCalls)} Cedar evaluations; the rest answered from
        memory).
      </p>
      <dl className="facts facts-inline impact-summary">
        <div>
          <dt>Evaluated</dt>
          <dd className="num" data-testid="impact-evaluated">
            {formatCount(impact.evaluated)}
          </dd>
        </div>
        <div>
          <dt>Unchanged</dt>
          <dd className="num" data-testid="impact-unchanged">
            {formatCount(impact.unchanged)}
          </dd>
        </div>
        <div>
          <dt>Changed</dt>
          <dd className="num">{count(impact.changed.length, 'changed', 'impact-changed')}</dd>
        </div>
        <div>
          <dt>allow → deny</dt>
          <dd className="num">{count(impact.counts.allowToDeny, 'allow-to-deny', 'impact-allow-to-deny')}</dd>
        </div>
        <div>
          <dt>deny → allow</dt>
          <dd className="num">{count(impact.counts.denyToAllow, 'deny-to-allow', 'impact-deny-to-allow')}</dd>
        </div>
        <div>
          <dt>same effect, other determining policies</dt>
          <dd className="num">{count(impact.counts.otherPolicies, 'other-policies', 'impact-other-policies')}</dd>
        </div>
        <div>
          <dt>Not evaluated (errors)</dt>
          <dd className="num">{count(impact.errorCount, 'errors', 'impact-errors')}</dd>
        </div>
        <div>
          <dt>Lines not read as receipts</dt>
          <dd className="num" data-testid="impact-not-read">
            {formatCount(notRead)}
          </dd>
        </div>
      </dl>
      {notRead > 0 && (
        <p className="notice notice-error" role="status">
          {outcome.notReceipts > 0 &&
            `${formatCount(outcome.notReceipts)} stored line(s) are not receipts a replay can read. `}
          {outcome.notStored > 0 && `${formatCount(outcome.notStored)} line(s) were missing from the store. `}
          They were not replayed and are not counted as unchanged; the dashboard&apos;s findings say what is wrong with
          them.
        </p>
      )}
      <div className="two-columns">
        <table className="data-table compact" data-testid="impact-by-policy">
          <caption>Changed outcomes by policy (determining one side and not the other)</caption>
          <thead>
            <tr>
              <th scope="col">Policy</th>
              <th scope="col" className="num">
                Receipts
              </th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(impact.byPolicy)
              .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
              .map(([policy, n]) => (
                <tr key={policy} data-policy={policy}>
                  <th scope="row" className="mono">
                    {policy}
                  </th>
                  <td className="num">{count(n, 'changed', `impact-policy-${policy}`, { policy })}</td>
                </tr>
              ))}
            {Object.keys(impact.byPolicy).length === 0 && (
              <tr>
                <td colSpan={2} className="muted">
                  No outcome changed.
                </td>
              </tr>
            )}
          </tbody>
        </table>
        <table className="data-table compact" data-testid="impact-by-action">
          <caption>Changed outcomes by action</caption>
          <thead>
            <tr>
              <th scope="col">Action</th>
              <th scope="col" className="num">
                allow → deny
              </th>
              <th scope="col" className="num">
                deny → allow
              </th>
              <th scope="col" className="num">
                other policies
              </th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(impact.byAction)
              .sort((a, b) => (a[0] < b[0] ? -1 : 1))
              .map(([action, c]) => (
                <tr key={action} data-action={action}>
                  <th scope="row" className="mono">
                    {action}
                  </th>
                  <td className="num">
                    {count(c.allowToDeny, 'allow-to-deny', `impact-action-${action}-a2d`, { action })}
                  </td>
                  <td className="num">
                    {count(c.denyToAllow, 'deny-to-allow', `impact-action-${action}-d2a`, { action })}
                  </td>
                  <td className="num">
                    {count(c.otherPolicies, 'other-policies', `impact-action-${action}-other`, { action })}
                  </td>
                </tr>
              ))}
            {Object.keys(impact.byAction).length === 0 && (
              <tr>
                <td colSpan={4} className="muted">
                  No outcome changed.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {route.list !== undefined && (
        <section aria-labelledby={listId} className="impact-list" data-testid="impact-list">
          <h3 id={listId} ref={listRef} tabIndex={-1}>
            {listTitle(route)}
          </h3>
          {route.list === 'errors' ? (
            <ErrorList archiveId={archiveId} outcome={outcome} from={from} to={to} />
          ) : (
            <>
              <p className="muted" data-testid="impact-list-count" data-count={listed.length}>
                {formatCount(listed.length)} receipt{listed.length === 1 ? '' : 's'}
                {listed.length > PAGE
                  ? `; ${formatCount(page * PAGE + 1)}–${formatCount(Math.min(listed.length, (page + 1) * PAGE))} shown`
                  : ''}
                .{' '}
                <a
                  href={formatRoute({
                    name: 'bundle-diff',
                    archiveId,
                    from: from.hash,
                    to: to.hash,
                    ...(route.filter !== undefined ? { filter: route.filter } : {}),
                  })}
                >
                  Close the list
                </a>
              </p>
              <ChangedTable
                archiveId={archiveId}
                rows={listed.slice(page * PAGE, (page + 1) * PAGE)}
                tableRow={(c) => outcome.changedRows[changedIndex.get(c) ?? -1] ?? -1}
                from={from}
                to={to}
              />
              {listed.length > PAGE && (
                <div className="actions">
                  <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
                    Previous {PAGE}
                  </button>
                  <button
                    type="button"
                    disabled={(page + 1) * PAGE >= listed.length}
                    onClick={() => setPage(page + 1)}
                    data-testid="impact-list-next"
                  >
                    Next {PAGE}
                  </button>
                </div>
              )}
            </>
          )}
        </section>
      )}
    </div>
  );
}

function listTitle(route: DiffRoute): string {
  const what =
    route.list === 'allow-to-deny'
      ? 'Receipts allowed before, denied now'
      : route.list === 'deny-to-allow'
        ? 'Receipts denied before, allowed now'
        : route.list === 'other-policies'
          ? 'Receipts with the same effect, decided by other policies'
          : route.list === 'errors'
            ? 'Receipts that could not be evaluated'
            : 'Receipts whose outcome changed';
  return `${what}${route.policy ? `, policy ${route.policy}` : ''}${route.action ? `, action ${route.action}` : ''}`;
}

const outcomeText = (o: Outcome) => `${o.effect} by ${o.policies.length ? o.policies.join(', ') : 'no policy'}`;

function ChangedTable({
  archiveId,
  rows,
  tableRow,
  from,
  to,
}: {
  readonly archiveId: string;
  readonly rows: readonly ChangedOutcome[];
  readonly tableRow: (c: ChangedOutcome) => number;
  readonly from: BundleSide;
  readonly to: BundleSide;
}) {
  const short = (s: BundleSide) => (s.inArchive ? `v${s.body.version}` : 'the proposed file');
  // Each changed receipt's reconstruction is a click away: its worker loads Cedar meanwhile.
  useEffect(() => warmExplainWorkerWhenIdle(), []);
  // And checks the archive's keys.json and manifest, as the first one's walk would.
  useEffect(() => checkArchiveDocumentsWhenIdle(archiveId), [archiveId]);
  return (
    <table className="data-table compact changed-table">
      <thead>
        <tr>
          <th scope="col">Receipt</th>
          <th scope="col">Action</th>
          <th scope="col">Under {sideName(from)}</th>
          <th scope="col">Under {sideName(to)}</th>
          <th scope="col">Reconstruction, replayed under</th>
          <th scope="col">Explorer</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((c) => {
          const row = tableRow(c);
          const at = row >= 0 ? { row } : {};
          return (
            <tr key={`${c.ledger}#${c.seq}#${c.receipt}#${row}`} data-testid="impact-receipt" data-receipt={c.receipt}>
              <th scope="row">
                <span className="mono">{c.receipt}</span>
                <div className="muted small">
                  {c.ledger} #{c.seq}
                </div>
              </th>
              <td className="mono">{c.action}</td>
              <td>
                <span className={`effect-${c.from.effect}`}>{outcomeText(c.from)}</span>
              </td>
              <td>
                <span className={`effect-${c.to.effect}`}>{outcomeText(c.to)}</span>
              </td>
              <td>
                <span className="impact-links">
                  <a
                    href={formatRoute({ name: 'receipt', archiveId, receiptId: c.receipt, ...at, bundle: from.hash })}
                    aria-label={`${short(from)}: reconstruction of ${c.receipt} replayed under ${sideName(from)}`}
                    data-testid="impact-open-from"
                  >
                    {short(from)}
                  </a>
                  <a
                    href={formatRoute({ name: 'receipt', archiveId, receiptId: c.receipt, ...at, bundle: to.hash })}
                    aria-label={`${short(to)}: reconstruction of ${c.receipt} replayed under ${sideName(to)}`}
                    data-testid="impact-open-to"
                  >
                    {short(to)}
                  </a>
                </span>
              </td>
              <td>
                <a
                  href={formatRoute({ name: 'receipts', archiveId, query: { q: c.receipt }, ...at })}
                  aria-label={`Show ${c.receipt} in the receipts explorer`}
                >
                  show
                </a>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function ErrorList({
  archiveId,
  outcome,
  from,
  to,
}: {
  readonly archiveId: string;
  readonly outcome: ScanOutcome;
  readonly from: BundleSide;
  readonly to: BundleSide;
}) {
  const impact = outcome.impact;
  if (!impact) return null;
  return (
    <>
      <p className="muted">
        {formatCount(impact.errorCount)} receipt{impact.errorCount === 1 ? '' : 's'} could not be evaluated
        {impact.errors.length < impact.errorCount ? `; the first ${formatCount(impact.errors.length)} are listed` : ''}.
      </p>
      <table className="data-table compact">
        <thead>
          <tr>
            <th scope="col">Receipt</th>
            <th scope="col">Under</th>
            <th scope="col">Why</th>
          </tr>
        </thead>
        <tbody>
          {impact.errors.map((e, i) => (
            <tr key={i} data-testid="impact-error">
              <th scope="row">
                <a href={formatRoute({ name: 'receipt', archiveId, receiptId: e.receipt })} className="mono">
                  {e.receipt}
                </a>
                <div className="muted small">
                  {e.ledger} #{e.seq}
                </div>
              </th>
              <td>{sideName(e.side === 'from' ? from : to)}</td>
              <td className="reason">{e.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
