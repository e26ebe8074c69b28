import { useId, useMemo, useState } from 'react';
import { useHost } from '../../app/host-context.ts';
import { useLoadedArchive } from '../../app/loaded-archives.ts';
import { formatRoute } from '../../app/routes.ts';
import { navigate } from '../../app/use-route.ts';
import { formatCount, formatTime } from '../../components/format.ts';
import { useArchiveLock, WorkpaperLocked } from '../../components/WorkpaperLocked.tsx';
import type { LoadedArchive } from '../../store/archives.ts';
import type { SampleItemRow } from '../../store/db.ts';
import {
  deleteSample,
  loadSample,
  replaceItems,
  setConclusion,
  type ConclusionValue,
  type Sample,
} from '../../store/samples.ts';
import { useLiveQuery } from '../../store/use-live-query.ts';
import { CompletenessPanel } from './CompletenessPanel.tsx';
import { drawSample, sizeProblem } from './draw.ts';
import { conclusionProblem, evaluate, type SampleEvaluation } from './evaluation.ts';
import { extendItems, hasResults, itemRows, strataOf } from './items.ts';
import { ItemsTable } from './ItemsTable.tsx';
import { OutcomeBadge } from './parts.tsx';
import { populationRows } from './population.ts';
import { cliCommand, methodRule, methodText } from './record.ts';
import { populationCsv, sampleCsv, sampleFileName } from './sample-csv.ts';

interface Props {
  readonly archiveId: string;
  readonly sampleId: number;
}

/** One sample: what it is and how it was drawn, its population's completeness, the items to test, the evaluation and conclusion. */
export function SamplePage({ archiveId, sampleId }: Props) {
  const state = useLoadedArchive(archiveId);
  const stored = useLiveQuery(async () => (await loadSample(sampleId)) ?? null, [sampleId]);
  if (state.status === 'loading' || stored === undefined) return <p className="muted">Reading the sample…</p>;
  if (state.status !== 'ready' || stored === null || stored.sample.archiveId !== archiveId)
    return (
      <div className="page">
        <h1>Sample not found</h1>
        <p data-testid="sample-missing">
          {state.status === 'failed'
            ? `The stored archive could not be read: ${state.message}`
            : state.status !== 'ready'
              ? 'This archive is not stored in the workbench (it may have been removed).'
              : `No sample ${sampleId} of this archive is stored (it may have been deleted).`}
        </p>
        <a href={formatRoute({ name: 'samples', archiveId })}>All samples of this archive</a>
      </div>
    );
  return <SampleBody archiveId={archiveId} loaded={state.loaded} sample={stored.sample} items={stored.items} />;
}

interface BodyProps {
  readonly archiveId: string;
  readonly loaded: LoadedArchive;
  readonly sample: Sample;
  readonly items: readonly SampleItemRow[];
}

function SampleBody({ archiveId, loaded, sample, items }: BodyProps) {
  const d = sample.details;
  const evaluation = useMemo(
    () => evaluate(items, d.strata, d.attributes, d.sizing.confidence, d.sizing.tolerable),
    [items, d],
  );
  const command = cliCommand(loaded.archive.name, sample.seed, sample.size, d.stratify, d.population.query);
  const drawnFrom = d.population.filterName
    ? `Saved filter “${d.population.filterName}”`
    : 'Every receipt of the archive';
  // The store refuses every change while the workpaper is locked; the controls say so
  // beforehand (disabled while the lock is being read, too).
  const lock = useArchiveLock(sample.engagementId, archiveId);
  const locked = lock !== null;
  return (
    <div className="page sample-page" data-testid="sample-page" data-sample={sample.id}>
      <div className="page-head">
        <h1>
          Sample {sample.id}: {d.controlTitle}
        </h1>
        <a href={formatRoute({ name: 'samples', archiveId })}>All samples</a>
      </div>
      <WorkpaperLocked locks={lock ? [lock] : []} what="this sample’s results, notes, conclusion and size" />
      <section className="panel" aria-labelledby="sample-facts-heading">
        <h2 id="sample-facts-heading">How it was drawn</h2>
        <dl className="facts" data-testid="sample-facts">
          <div>
            <dt>Control</dt>
            <dd>
              {d.controlTitle} <code className="muted">{sample.controlId}</code>
            </dd>
          </div>
          <div>
            <dt>Population</dt>
            <dd data-testid="sample-population">
              {drawnFrom}
              {d.population.query !== '' && (
                <>
                  {' '}
                  <code className="break">{d.population.query}</code>
                </>
              )}
              : {formatCount(d.population.count)} of {formatCount(d.population.archiveReceipts)} receipts
              {d.population.leftOut > 0 &&
                ` (${formatCount(d.population.leftOut)} line(s) with no ${d.stratify} are in no stratum)`}
            </dd>
          </div>
          <div>
            <dt>Sizing</dt>
            <dd data-testid="sample-sizing">
              {d.sizing.confidence}% confidence, {d.sizing.tolerable}% tolerable, {d.sizing.expected}% expected
              deviation rate: statistical size {d.sizing.statisticalSize}. Drawn: <strong>{sample.size}</strong>
              {d.stratify ? ` per ${d.stratify}` : ''} items,{' '}
              {d.sizing.basis === 'statistical'
                ? 'the statistical size'
                : d.sizing.basis === 'firm-table'
                  ? `from the firm table (${d.sizing.firmRow?.frequency})`
                  : 'chosen by the auditor'}
              .
            </dd>
          </div>
          <div>
            <dt>Seed</dt>
            <dd>
              <code className="break" data-testid="sample-seed-text">
                {sample.seed}
              </code>
            </dd>
          </div>
          {d.stratify && (
            <div>
              <dt>Strata</dt>
              <dd data-testid="sample-strata">
                By {d.stratify}:{' '}
                {d.strata.map((s) => `${s.name} (${formatCount(s.count)} of ${formatCount(s.population)})`).join(', ')}
              </dd>
            </div>
          )}
          <div>
            <dt>Method</dt>
            <dd data-testid="sample-method">{command ? methodRule(sample.seed, sample.size, d.stratify) : d.method}</dd>
          </div>
          {command && (
            <div>
              <dt>Re-perform</dt>
              <dd>
                <code className="break" data-testid="sample-command">
                  {command}
                </code>
              </dd>
            </div>
          )}
          <div>
            <dt>Drawn</dt>
            <dd>{formatTime(sample.createdAt)}</dd>
          </div>
          {d.sizeChanges.map((c) => (
            <div key={c.at}>
              <dt>Extended</dt>
              <dd data-testid="sample-size-change">
                From {c.from} to {c.to} items{d.stratify ? ` per ${d.stratify}` : ''} on {formatTime(c.at)}, with the
                same seed: the first {c.from} items are the same, and the results of the {c.testedBefore} tested before
                were kept.
              </dd>
            </div>
          ))}
        </dl>
      </section>
      <CompletenessPanel evidence={d.completeness} />
      <EvaluationPanel sample={sample} evaluation={evaluation} itemCount={items.length} locked={locked} />
      <ItemsTable
        archiveId={archiveId}
        table={loaded.table}
        checks={loaded.archive.report.checks}
        sample={sample}
        items={items}
        locked={locked}
      />
      <ExtendPanel loaded={loaded} sample={sample} items={items} locked={locked} />
      <ExportPanel loaded={loaded} sample={sample} items={items} />
      <DeletePanel archiveId={archiveId} sample={sample} locked={locked} />
    </div>
  );
}

function EvaluationPanel({
  sample,
  evaluation,
  itemCount,
  locked,
}: {
  sample: Sample;
  evaluation: SampleEvaluation;
  itemCount: number;
  locked: boolean;
}) {
  const id = useId();
  const d = sample.details;
  const [value, setValue] = useState<ConclusionValue | null>(null);
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const stratified = d.stratify !== null;
  const stale = d.conclusion !== null && d.conclusion.basis !== evaluation.basis;
  const record = async () => {
    if (value === null) return setError('Choose a conclusion.');
    const problem = conclusionProblem(value, evaluation);
    if (problem) return setError(problem);
    if (note.length > 4000) return setError(`A note is at most 4,000 characters: this one has ${note.length}.`);
    setError(null);
    const saved = await setConclusion(sample.id, {
      ...d,
      conclusion: { value, note: note.trim(), at: new Date().toISOString(), basis: evaluation.basis },
    });
    if (!saved.ok) return setError(saved.message);
    setValue(null);
    setNote('');
  };
  return (
    <section className="panel" aria-labelledby={`${id}-heading`} data-testid="evaluation">
      <div className="card-head">
        <h2 id={`${id}-heading`}>Evaluation</h2>
        <OutcomeBadge outcome={evaluation.outcome} />
      </div>
      <p className="sample-live" role="status" data-testid="evaluation-counts">
        {formatCount(itemCount - evaluation.untested)} of {formatCount(itemCount)} items tested;{' '}
        <strong data-testid="deviation-count" data-count={evaluation.deviations}>
          {formatCount(evaluation.deviations)} deviation{evaluation.deviations === 1 ? '' : 's'}
        </strong>
        .
      </p>
      <table className="data-table compact" data-testid="evaluation-table">
        <thead>
          <tr>
            {stratified && <th scope="col">{d.stratify}</th>}
            <th scope="col" className="num">
              Items
            </th>
            <th scope="col" className="num">
              Not applicable
            </th>
            <th scope="col" className="num">
              Evaluated
            </th>
            <th scope="col" className="num">
              Deviations
            </th>
            <th scope="col" className="num">
              Sample rate
            </th>
            <th scope="col" className="num">
              Upper limit at {d.sizing.confidence}%
            </th>
            <th scope="col">Against {d.sizing.tolerable}% tolerable</th>
          </tr>
        </thead>
        <tbody>
          {evaluation.strata.map((s) => (
            <tr key={s.name} data-testid="evaluation-row">
              {stratified && <th scope="row">{s.name}</th>}
              <td className="num">{s.drawn}</td>
              <td className="num">{s.notApplicable}</td>
              <td className="num">{s.evaluated}</td>
              <td className="num">{s.deviations}</td>
              <td className="num">{s.evaluation ? `${s.evaluation.sampleRate}%` : '—'}</td>
              <td className="num mono" data-testid="upper-limit">
                {s.evaluation ? `${s.evaluation.upperLimit}%` : '—'}
              </td>
              <td>
                {s.evaluation
                  ? s.evaluation.withinTolerable
                    ? 'Within'
                    : 'Above'
                  : s.alreadyExceeds
                    ? 'Above, whatever the rest show'
                    : `${s.untested} not fully tested`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p data-testid="evaluation-sentence">{evaluation.sentence}</p>
      {evaluation.strata.some((s) => s.notApplicable > 0) && (
        <p className="field-help">
          Items not applicable to the control are left out of the evaluation: extend the sample by as many to keep the
          planned size.
        </p>
      )}
      <p className="field-help">
        The upper limit is the one-sided Clopper-Pearson bound, shown unrounded; “within” is decided exactly (P(X ≤
        deviations | n, tolerable) ≤ 1 − confidence), not on the figure shown.
      </p>
      <h3>Conclusion on the control</h3>
      {d.conclusion && (
        <div className={stale ? 'notice notice-error' : 'notice'} data-testid="conclusion-recorded">
          <p>
            <strong>
              {d.conclusion.value === 'supports'
                ? 'The sample supports reliance on the control.'
                : 'The sample does not support reliance on the control.'}
            </strong>{' '}
            Recorded {formatTime(d.conclusion.at)}.{d.conclusion.note && ` ${d.conclusion.note}`}
          </p>
          {stale && (
            <p data-testid="conclusion-stale">
              The results changed after this conclusion was recorded: record it again on the evaluation as it is now.
            </p>
          )}
        </div>
      )}
      <form
        className="conclusion-form"
        onSubmit={(e) => {
          e.preventDefault();
          void record();
        }}
      >
        <fieldset disabled={locked}>
          <legend className="visually-hidden">Conclusion</legend>
          {(['supports', 'does-not-support'] as const).map((v) => (
            <div className="field field-check" key={v}>
              <input
                id={`${id}-${v}`}
                type="radio"
                name={`${id}-conclusion`}
                checked={value === v}
                onChange={() => setValue(v)}
                data-testid={`conclusion-${v}`}
              />
              <label htmlFor={`${id}-${v}`}>
                {v === 'supports' ? 'Supports reliance on the control' : 'Does not support reliance on the control'}
              </label>
            </div>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor={`${id}-note`}>Note (optional)</label>
          <textarea
            id={`${id}-note`}
            rows={2}
            value={note}
            disabled={locked}
            onChange={(e) => setNote(e.target.value)}
            data-testid="conclusion-note"
          />
        </div>
        {error && (
          <p className="field-error" role="alert" data-testid="conclusion-error">
            {error}
          </p>
        )}
        <button type="submit" disabled={locked} data-testid="conclusion-record">
          {d.conclusion ? 'Record again' : 'Record conclusion'}
        </button>
      </form>
    </section>
  );
}

function ExtendPanel({
  loaded,
  sample,
  items,
  locked,
}: {
  loaded: LoadedArchive;
  sample: Sample;
  items: readonly SampleItemRow[];
  locked: boolean;
}) {
  const id = useId();
  const d = sample.details;
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const extend = async () => {
    const size = /^\d{1,6}$/.test(text.trim()) ? Number(text) : Number.NaN;
    const problem = sizeProblem(size);
    if (problem) return setMessage({ text: problem, error: true });
    if (size <= sample.size)
      return setMessage({
        text: `The sample has ${sample.size} items${d.stratify ? ` per ${d.stratify}` : ''}: a larger size keeps them; a smaller one would drop tested items, so it is not offered.`,
        error: true,
      });
    const population = populationRows(loaded.table, d.population.query);
    if (!population.ok) return setMessage({ text: population.message, error: true });
    setBusy(true);
    const drawn = await drawSample(loaded.table, population.rows, { seed: sample.seed, size, stratify: d.stratify });
    if (!drawn.ok) {
      setBusy(false);
      return setMessage({ text: drawn.message, error: true });
    }
    if (drawn.population !== d.population.count) {
      setBusy(false);
      return setMessage({
        text: `The population now has ${formatCount(drawn.population)} receipts; the sample was drawn from ${formatCount(d.population.count)}. It cannot be extended: draw a new sample.`,
        error: true,
      });
    }
    const strata = strataOf(drawn.strata);
    const fresh = itemRows(loaded.table, drawn.items, d.attributes, loaded.archive.report.checks);
    const extended = extendItems(items, d.strata, fresh, strata, d.attributes);
    if (!extended.ok) {
      setBusy(false);
      return setMessage({ text: extended.message, error: true });
    }
    const tested = items.filter((i) => hasResults(i, d.attributes)).length;
    const replaced = await replaceItems(sample.id, size, extended.items, {
      ...d,
      strata,
      method: methodText(sample.seed, size, d.stratify, d.population.query, loaded.archive.name),
      sizeChanges: [
        ...d.sizeChanges,
        { from: sample.size, to: size, at: new Date().toISOString(), testedBefore: tested },
      ],
    });
    setBusy(false);
    if (!replaced.ok) return setMessage({ text: replaced.message, error: true });
    setText('');
    setMessage({
      text: `Extended from ${sample.size} to ${size} items${d.stratify ? ` per ${d.stratify}` : ''} with the same seed: the first ${sample.size} are the same items${tested > 0 ? `, and the results of the ${tested} tested were kept` : ''}. ${extended.items.length - extended.kept} new items to test.`,
      error: false,
    });
  };
  return (
    <section className="panel" aria-labelledby={`${id}-heading`} data-testid="extend">
      <h2 id={`${id}-heading`}>Increase the sample size</h2>
      <p className="field-help">
        Drawn again with the same seed from the same population, a larger sample keeps every item of this one, in the
        same order (FORMAT.md §9): results recorded so far are kept.
      </p>
      <form
        className="actions"
        onSubmit={(e) => {
          e.preventDefault();
          void extend();
        }}
      >
        <label htmlFor={`${id}-size`}>New size{d.stratify ? ` per ${d.stratify}` : ''}</label>
        <input
          id={`${id}-size`}
          type="text"
          inputMode="numeric"
          size={8}
          value={text}
          disabled={locked}
          onChange={(e) => setText(e.target.value)}
          data-testid="extend-size"
        />
        <button type="submit" disabled={busy || locked} data-testid="extend-submit">
          Extend
        </button>
      </form>
      {message && (
        <p
          className={message.error ? 'field-error' : 'record-note'}
          role={message.error ? 'alert' : 'status'}
          data-testid="extend-message"
        >
          {message.text}
        </p>
      )}
    </section>
  );
}

function ExportPanel({
  loaded,
  sample,
  items,
}: {
  loaded: LoadedArchive;
  sample: Sample;
  items: readonly SampleItemRow[];
}) {
  const host = useHost();
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const save = async (what: 'sample' | 'population') => {
    try {
      let text: string;
      let count: number;
      if (what === 'sample') {
        text = sampleCsv(sample, items);
        count = items.length;
      } else {
        const population = populationRows(loaded.table, sample.details.population.query);
        if (!population.ok) return setMessage({ text: population.message, error: true });
        text = populationCsv(loaded.table, population.rows, sample.details.stratify);
        count = population.rows.length;
      }
      const name = sampleFileName(loaded.archive.name, sample.id, what);
      const saved = await host.saveFile(name, new TextEncoder().encode(text));
      setMessage(
        saved
          ? { text: `Saved ${name}: ${formatCount(count)} ${what === 'sample' ? 'items' : 'receipts'}.`, error: false }
          : { text: 'Not saved: the save was cancelled.', error: false },
      );
    } catch (error) {
      setMessage({ text: `The CSV could not be saved: ${(error as Error).message}`, error: true });
    }
  };
  return (
    <section className="panel" aria-labelledby="sample-export-heading">
      <h2 id="sample-export-heading">Export</h2>
      <div className="actions">
        <button type="button" onClick={() => void save('sample')} data-testid="export-sample">
          Export the sample and results (CSV)
        </button>
        <button type="button" onClick={() => void save('population')} data-testid="export-population">
          Export the population (CSV)
        </button>
      </div>
      <p className="field-help">
        The sample’s file has, per item, the seed, the receipt hash and its score, so each pick can be checked with
        SHA-256 alone; the population’s file lists every receipt ranked, for re-performing a draw whose filter the
        command line does not have.
      </p>
      {message && (
        <p className={message.error ? 'field-error' : 'record-note'} role="status" data-testid="export-message">
          {message.text}
        </p>
      )}
    </section>
  );
}

function DeletePanel({ archiveId, sample, locked }: { archiveId: string; sample: Sample; locked: boolean }) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <section className="panel" aria-labelledby="sample-delete-heading">
      <h2 id="sample-delete-heading">Delete</h2>
      {confirming ? (
        <div className="actions">
          <span>Delete sample {sample.id} and every result recorded for it?</span>
          <button
            type="button"
            disabled={locked}
            onClick={() =>
              void deleteSample(sample.id).then((deleted) =>
                deleted.ok ? navigate({ name: 'samples', archiveId }) : setError(deleted.message),
              )
            }
            data-testid="sample-delete-confirm"
          >
            Delete
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            Keep
          </button>
        </div>
      ) : (
        <button type="button" disabled={locked} onClick={() => setConfirming(true)} data-testid="sample-delete">
          Delete this sample…
        </button>
      )}
      {error && (
        <p className="field-error" role="alert" data-testid="sample-delete-message">
          {error}
        </p>
      )}
    </section>
  );
}
