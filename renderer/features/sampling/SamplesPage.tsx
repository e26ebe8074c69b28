import { useLoadedArchive } from '../../app/loaded-archives.ts';
import { formatRoute } from '../../app/routes.ts';
import { formatCount, formatTime } from '../../components/format.ts';
import { ArchiveNotReady } from '../../components/ArchiveNotReady.tsx';
import { useArchiveLock, WorkpaperLocked } from '../../components/WorkpaperLocked.tsx';
import { listSamplesWithItems } from '../../store/samples.ts';
import { useLiveQuery } from '../../store/use-live-query.ts';
import { SAMPLE_CONTROLS } from './controls.ts';
import { evaluate } from './evaluation.ts';
import { NewSample } from './NewSample.tsx';
import { OutcomeBadge } from './parts.tsx';

interface Props {
  readonly archiveId: string;
  readonly creating: boolean;
}

/** An archive's samples for tests of controls, by control, and the new-sample form. */
export function SamplesPage({ archiveId, creating }: Props) {
  const state = useLoadedArchive(archiveId);
  const samples = useLiveQuery(() => listSamplesWithItems(archiveId), [archiveId]);
  const lock = useArchiveLock(state.status === 'ready' ? state.loaded.archive.engagementId : undefined, archiveId);
  if (state.status !== 'ready') return <ArchiveNotReady state={state} />;
  const { archive } = state.loaded;
  const order = new Map<string, number>(SAMPLE_CONTROLS.map((c, i) => [c.id, i]));
  const rows = [...(samples ?? [])].sort(
    (a, b) =>
      (order.get(a.sample.controlId) ?? 99) - (order.get(b.sample.controlId) ?? 99) || a.sample.id - b.sample.id,
  );
  return (
    <div className="page samples-page" data-testid="samples-page">
      <div className="page-head">
        <h1>Samples</h1>
        <span className="muted">{archive.name}</span>
      </div>
      <p className="lede">
        Attribute samples for tests of controls: sized exactly (AICPA attribute sampling, exact binomial), drawn by
        ranking receipt hashes (FORMAT.md §9, re-performable with nothing but SHA-256 and with{' '}
        <code>tickmark sample</code>), tested item by item, and evaluated with the one-sided upper deviation limit.
      </p>
      <WorkpaperLocked locks={lock ? [lock] : []} what="this archive’s samples (none can be drawn or deleted)" />
      {creating ? (
        <NewSample archiveId={archiveId} loaded={state.loaded} />
      ) : lock ? (
        <div className="actions">
          <button type="button" disabled data-testid="new-sample-open">
            New sample…
          </button>
        </div>
      ) : (
        <div className="actions">
          <a
            className="button-like primary-link"
            href={formatRoute({ name: 'samples', archiveId, creating: true })}
            data-testid="new-sample-open"
          >
            New sample…
          </a>
        </div>
      )}
      <section className="panel" aria-labelledby="samples-heading">
        <h2 id="samples-heading">Samples of this archive</h2>
        {samples === undefined ? (
          <p className="muted">Reading…</p>
        ) : rows.length === 0 ? (
          <p className="muted" data-testid="samples-empty">
            No sample drawn from this archive yet.
          </p>
        ) : (
          <table className="data-table sample-list" data-testid="sample-list">
            <thead>
              <tr>
                <th scope="col">Sample</th>
                <th scope="col">Control</th>
                <th scope="col">Population</th>
                <th scope="col" className="num">
                  Items
                </th>
                <th scope="col" className="num">
                  Tested
                </th>
                <th scope="col" className="num">
                  Deviations
                </th>
                <th scope="col">Evaluation</th>
                <th scope="col">Conclusion</th>
                <th scope="col">Drawn</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ sample, items }) => {
                const d = sample.details;
                const e = evaluate(items, d.strata, d.attributes, d.sizing.confidence, d.sizing.tolerable);
                const stale = d.conclusion !== null && d.conclusion.basis !== e.basis;
                return (
                  <tr key={sample.id} data-testid="sample-row" data-sample={sample.id}>
                    <th scope="row">
                      <a
                        href={formatRoute({ name: 'sample', archiveId, sampleId: sample.id })}
                        data-testid="sample-link"
                      >
                        Sample {sample.id}
                      </a>
                    </th>
                    <td>{d.controlTitle}</td>
                    <td>
                      {d.population.filterName ? `“${d.population.filterName}”` : 'Every receipt'} (
                      {formatCount(d.population.count)}){d.stratify && <span className="muted"> by {d.stratify}</span>}
                    </td>
                    <td className="num">{formatCount(items.length)}</td>
                    <td className="num">{formatCount(items.length - e.untested)}</td>
                    <td className="num">{formatCount(e.deviations)}</td>
                    <td>
                      <OutcomeBadge outcome={e.outcome} />
                    </td>
                    <td data-testid="sample-row-conclusion">
                      {d.conclusion === null ? (
                        <span className="muted">Not recorded</span>
                      ) : (
                        `${d.conclusion.value === 'supports' ? 'Supports reliance' : 'Does not support reliance'}${stale ? ' (results changed since)' : ''}`
                      )}
                    </td>
                    <td>{formatTime(sample.createdAt)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
