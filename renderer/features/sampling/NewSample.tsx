import { useDeferredValue, useEffect, useId, useMemo, useState } from 'react';
import { sampleSize, SamplingInputError, type SampleSize } from '../../../shared/sampling/attribute.ts';
import { formatRoute } from '../../app/routes.ts';
import { navigate } from '../../app/use-route.ts';
import { formatCount } from '../../components/format.ts';
import type { LoadedArchive } from '../../store/archives.ts';
import { getEngagement } from '../../store/engagements.ts';
import { listSavedFilters } from '../../store/saved-filters.ts';
import { checkpointFiles, createSample, type SampleDetails, type SampleSizing } from '../../store/samples.ts';
import { useLiveQuery } from '../../store/use-live-query.ts';
import { SAMPLE_CONTROLS, controlById } from './controls.ts';
import { drawSample, seedProblem, sizeProblem } from './draw.ts';
import { FirmTable } from './FirmTable.tsx';
import { zeroDeviationConfidence, type FirmRow } from './firm-table.ts';
import { attributesFor, itemRows, strataOf } from './items.ts';
import { populationRows, STRATIFY_BY, strataCounts, type Stratify } from './population.ts';
import { completenessOf, completenessWarnings, methodText } from './record.ts';
import { defaultSeed } from './seed.ts';

interface Props {
  readonly archiveId: string;
  readonly loaded: LoadedArchive;
}

interface ManualRow {
  readonly id: string;
  readonly text: string;
  readonly included: boolean;
}

type SizeBasis = SampleSizing['basis'];

function tryNumber<T>(work: () => T): { ok: true; value: T } | { ok: false; message: string } {
  try {
    return { ok: true, value: work() };
  } catch (error) {
    if (error instanceof SamplingInputError) return { ok: false, message: error.message };
    throw error;
  }
}

const upperFirst = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The new-sample form: control, population, sizing, seed, strata; then the draw, recorded. */
export function NewSample({ archiveId, loaded }: Props) {
  const id = useId();
  const { archive, table } = loaded;
  const filters = useLiveQuery(() => listSavedFilters(archive.engagementId), [archive.engagementId]);
  const engagement = useLiveQuery(() => getEngagement(archive.engagementId), [archive.engagementId]);
  const files = useLiveQuery(() => checkpointFiles(archiveId), [archiveId]);

  const [controlId, setControlId] = useState<string>(SAMPLE_CONTROLS[0]?.id ?? '');
  const control = controlById(controlId);
  const [manual, setManual] = useState<ManualRow[]>(() =>
    (control?.attributes ?? []).map((a) => ({ ...a, included: true })),
  );
  const [added, setAdded] = useState('');
  const [populationKey, setPopulationKey] = useState<string>('all');
  const [confidence, setConfidence] = useState('95');
  const [tolerable, setTolerable] = useState('5');
  const [expected, setExpected] = useState('0');
  const [basis, setBasis] = useState<SizeBasis>('statistical');
  const [sizeText, setSizeText] = useState('');
  const [firmRow, setFirmRow] = useState<FirmRow | null>(null);
  const [seed, setSeed] = useState<string | null>(null);
  const [stratify, setStratify] = useState<Stratify | null>(null);
  const [progress, setProgress] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const seedDefault = useMemo(
    () => (files === undefined ? null : defaultSeed(archive.report.ledgers, files)),
    [files, archive.report.ledgers],
  );
  // The seed starts as the checkpoint heads once they are read; the auditor may edit it.
  useEffect(() => {
    if (seed === null && seedDefault) setSeed(seedDefault.seed ?? '');
  }, [seed, seedDefault]);

  const chooseControl = (next: string) => {
    setControlId(next);
    setManual((controlById(next)?.attributes ?? []).map((a) => ({ ...a, included: true })));
  };

  const filter = populationKey === 'all' ? null : (filters?.find((f) => String(f.id) === populationKey) ?? null);
  const query = filter?.query ?? '';
  const population = useMemo(() => populationRows(table, query), [table, query]);
  const strata = useMemo(
    () => (population.ok && stratify ? strataCounts(table, population.rows, stratify) : null),
    [table, population, stratify],
  );

  const rates = useDeferredValue(`${confidence}\n${tolerable}\n${expected}`);
  const sizing = useMemo(() => {
    const [c, t, x] = rates.split('\n') as [string, string, string];
    return tryNumber<SampleSize>(() => sampleSize({ confidence: c, tolerable: t, expected: x }));
  }, [rates]);
  const tolerableOk = tryNumber(() => zeroDeviationConfidence(1, tolerable)).ok ? tolerable : null;
  const size = basis === 'statistical' ? (sizing.ok ? sizing.value.sampleSize : Number.NaN) : Number(sizeText);
  const sizeOk = sizeProblem(size) === null && (basis === 'statistical' || /^\d{1,6}$/.test(sizeText.trim()));
  const givesConfidence = sizeOk && tolerableOk ? tryNumber(() => zeroDeviationConfidence(size, tolerableOk)) : null;

  const warnings = completenessWarnings(completenessOf(archive.name, archive.report, engagement ?? null));

  const draw = async () => {
    setError(null);
    if (!control) return setError('Choose the control the sample tests.');
    if (!population.ok) return setError(population.message);
    // The shown size may lag the inputs by a frame (deferred): size again from the inputs as they are.
    const sized = tryNumber(() => sampleSize({ confidence, tolerable, expected }));
    if (!sized.ok) return setError(`The sizing is not valid: ${sized.message}.`);
    const drawSize = basis === 'statistical' ? sized.value.sampleSize : size;
    if (basis !== 'statistical' && !sizeOk)
      return setError(sizeProblem(size) ?? 'The sample size must be a whole number from 1 to 100,000.');
    const seedText = seed ?? '';
    const problem = seedProblem(seedText);
    if (problem) return setError(problem);
    const manualAttributes = manual.filter((m) => m.included).map(({ id: aid, text }) => ({ id: aid, text }));
    setProgress('Ranking the population…');
    const drawn = await drawSample(
      table,
      population.rows,
      { seed: seedText, size: drawSize, stratify },
      {
        onProgress: (done, total) =>
          setProgress(`Ranking the population… ${formatCount(done)} of ${formatCount(total)} receipts`),
      },
    );
    if (!drawn.ok) {
      setProgress(null);
      return setError(drawn.message);
    }
    const attributes = attributesFor(control, manualAttributes);
    const details: SampleDetails = {
      kind: 'attribute-sample',
      controlTitle: control.title,
      population: {
        source: filter ? 'saved-filter' : 'all',
        filterId: filter?.id ?? null,
        filterName: filter?.name ?? null,
        query,
        count: drawn.population,
        leftOut: drawn.leftOut,
        archiveReceipts: table.count,
      },
      completeness: completenessOf(archive.name, archive.report, engagement ?? null),
      sizing: {
        confidence,
        tolerable,
        expected,
        statisticalSize: sized.value.sampleSize,
        expectedDeviations: sized.value.expectedDeviations,
        basis,
        firmRow: basis === 'firm-table' && firmRow ? { ...firmRow } : null,
      },
      stratify,
      strata: strataOf(drawn.strata),
      method: methodText(seedText, drawSize, stratify, query, archive.name),
      attributes,
      sizeChanges: [],
      conclusion: null,
    };
    setProgress('Recording the sample…');
    const created = await createSample(
      {
        archiveId,
        engagementId: archive.engagementId,
        controlId: control.id,
        name: control.title,
        seed: seedText,
        size: drawSize,
        createdAt: new Date().toISOString(),
        details,
      },
      itemRows(table, drawn.items, attributes, archive.report.checks),
    );
    setProgress(null);
    if (!created.ok) return setError(created.message);
    navigate({ name: 'sample', archiveId, sampleId: created.value });
  };

  return (
    <form
      className="panel new-sample"
      aria-labelledby={`${id}-heading`}
      onSubmit={(e) => {
        e.preventDefault();
        void draw();
      }}
      data-testid="new-sample"
    >
      <div className="card-head">
        <h2 id={`${id}-heading`}>New sample</h2>
        <a href={formatRoute({ name: 'samples', archiveId })}>Cancel</a>
      </div>

      <fieldset className="sample-step">
        <legend>1. Control tested</legend>
        <div className="field">
          <label htmlFor={`${id}-control`}>Control</label>
          <select
            id={`${id}-control`}
            value={controlId}
            onChange={(e) => chooseControl(e.target.value)}
            data-testid="sample-control"
          >
            {SAMPLE_CONTROLS.map((c) => (
              <option key={c.id} value={c.id}>
                {c.title}
              </option>
            ))}
          </select>
        </div>
        {control && (
          <>
            <p className="field-help">
              {control.objective} Criteria {control.criteria.join(', ')}. Exceptions the engine reports:{' '}
              {control.codes.length > 4 ? `${control.codes.length} integrity codes` : control.codes.join(', ')}.
            </p>
            <p className="field-help" data-testid="sample-control-population">
              Population the library tests it over: {control.population}
            </p>
            <h3>Attributes tested on each item</h3>
            <ul className="plain-list attribute-choices">
              <li>
                <span className="badge badge-neutral">engine</span> {attributesFor(control, [])[0]?.text}: filled from
                the stored findings, not editable.
              </li>
              {manual.map((m, i) => (
                <li key={m.id} className="field field-check">
                  <input
                    id={`${id}-attr-${i}`}
                    type="checkbox"
                    checked={m.included}
                    onChange={(e) =>
                      setManual(manual.map((x, k) => (k === i ? { ...x, included: e.target.checked } : x)))
                    }
                    data-testid="sample-attribute"
                  />
                  <label htmlFor={`${id}-attr-${i}`}>{m.text}</label>
                </li>
              ))}
            </ul>
            <div className="field add-attribute">
              <label htmlFor={`${id}-added`}>Another attribute to test by hand</label>
              <div className="actions">
                <input
                  id={`${id}-added`}
                  type="text"
                  value={added}
                  maxLength={300}
                  onChange={(e) => setAdded(e.target.value)}
                  data-testid="sample-attribute-new"
                />
                <button
                  type="button"
                  disabled={added.trim() === ''}
                  onClick={() => {
                    setManual([...manual, { id: `added-${manual.length + 1}`, text: added.trim(), included: true }]);
                    setAdded('');
                  }}
                  data-testid="sample-attribute-add"
                >
                  Add
                </button>
              </div>
            </div>
          </>
        )}
      </fieldset>

      <fieldset className="sample-step">
        <legend>2. Population</legend>
        <div className="field field-check">
          <input
            id={`${id}-pop-all`}
            type="radio"
            name={`${id}-pop`}
            checked={populationKey === 'all'}
            onChange={() => setPopulationKey('all')}
            data-testid="population-all"
          />
          <label htmlFor={`${id}-pop-all`}>Every receipt of the archive ({formatCount(table.count)})</label>
        </div>
        {filters?.map((f) => (
          <div className="field field-check" key={f.id}>
            <input
              id={`${id}-pop-${f.id}`}
              type="radio"
              name={`${id}-pop`}
              checked={populationKey === String(f.id)}
              onChange={() => setPopulationKey(String(f.id))}
              data-testid="population-filter"
              data-name={f.name}
            />
            <label htmlFor={`${id}-pop-${f.id}`}>
              Saved filter “{f.name}” <code className="muted">{f.query === '' ? 'no filter' : f.query}</code>
            </label>
          </div>
        ))}
        <p className="field-help">
          A population is every receipt or one of the engagement’s saved filters, selected as the{' '}
          <a href={formatRoute({ name: 'receipts', archiveId, query: {} })}>receipts explorer</a> selects it (save a
          filter there to sample it).
        </p>
        {population.ok ? (
          <p className="sample-live" role="status" data-testid="population-count" data-count={population.rows.length}>
            Population: {formatCount(population.rows.length)} receipt{population.rows.length === 1 ? '' : 's'}
            {strata && ` in ${strata.size} ${stratify} strata (smallest ${formatCount(Math.min(...strata.values()))})`}.
          </p>
        ) : (
          <p className="field-error" role="alert" data-testid="population-error">
            {population.message}
          </p>
        )}
        {warnings.length > 0 && (
          <div className="notice notice-error" data-testid="population-warnings">
            <p>The population cannot be shown complete from this verification:</p>
            <ul>
              {warnings.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          </div>
        )}
      </fieldset>

      <fieldset className="sample-step">
        <legend>3. Size</legend>
        <div className="rate-fields">
          <div className="field">
            <label htmlFor={`${id}-confidence`}>Confidence (%)</label>
            <input
              id={`${id}-confidence`}
              type="text"
              inputMode="decimal"
              list={`${id}-confidences`}
              value={confidence}
              onChange={(e) => setConfidence(e.target.value)}
              data-testid="sizing-confidence"
            />
            <datalist id={`${id}-confidences`}>
              <option value="90" />
              <option value="95" />
            </datalist>
          </div>
          <div className="field">
            <label htmlFor={`${id}-tolerable`}>Tolerable deviation rate (%)</label>
            <input
              id={`${id}-tolerable`}
              type="text"
              inputMode="decimal"
              value={tolerable}
              onChange={(e) => setTolerable(e.target.value)}
              data-testid="sizing-tolerable"
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-expected`}>Expected deviation rate (%)</label>
            <input
              id={`${id}-expected`}
              type="text"
              inputMode="decimal"
              value={expected}
              onChange={(e) => setExpected(e.target.value)}
              data-testid="sizing-expected"
            />
          </div>
        </div>
        {sizing.ok ? (
          <p className="sample-live" role="status" data-testid="sizing-result" data-size={sizing.value.sampleSize}>
            Statistical sample size <strong>{sizing.value.sampleSize}</strong> (expected deviations{' '}
            {sizing.value.expectedDeviations}): the smallest n whose upper deviation limit at{' '}
            {sizing.value.expectedDeviations} deviation{sizing.value.expectedDeviations === 1 ? '' : 's'} (
            {sizing.value.upperLimit}%) is within the tolerable rate, exact binomial.
          </p>
        ) : (
          <p className="field-error" role="alert" data-testid="sizing-error">
            {upperFirst(sizing.message)}.
          </p>
        )}
        <FirmTable
          tolerable={tolerableOk}
          inUse={basis === 'firm-table' ? (firmRow?.frequency ?? null) : null}
          onUse={(row, n) => {
            setBasis('firm-table');
            setFirmRow(row);
            setSizeText(String(n));
          }}
        />
        <div className="field size-field">
          <label htmlFor={`${id}-size`}>Items to draw{stratify ? ' from each stratum' : ''}</label>
          <div className="actions">
            <input
              id={`${id}-size`}
              type="text"
              inputMode="numeric"
              size={8}
              value={basis === 'statistical' ? (sizing.ok ? String(sizing.value.sampleSize) : '') : sizeText}
              onChange={(e) => {
                const text = e.target.value;
                setSizeText(text);
                const n = Number(text);
                setBasis(
                  basis === 'firm-table' && firmRow && n >= firmRow.min && n <= firmRow.max ? 'firm-table' : 'auditor',
                );
              }}
              aria-describedby={`${id}-size-help`}
              data-testid="sample-size"
            />
            {basis !== 'statistical' && (
              <button type="button" className="link-button" onClick={() => setBasis('statistical')}>
                Use the statistical size
              </button>
            )}
          </div>
          <p id={`${id}-size-help`} className="field-help" data-testid="sample-size-basis">
            {basis === 'statistical'
              ? 'The statistical size.'
              : basis === 'firm-table'
                ? `From the firm table (${firmRow?.frequency}, ${firmRow?.min === firmRow?.max ? firmRow?.min : `${firmRow?.min}–${firmRow?.max}`}).`
                : 'Chosen by the auditor.'}{' '}
            {givesConfidence?.ok &&
              `With no deviation in ${size} items the deviation rate is below ${tolerable}% at ${givesConfidence.value}% confidence${
                sizing.ok && Number(givesConfidence.value) < Number(confidence)
                  ? `, less than the ${confidence}% chosen: the evaluation at ${confidence}% will say whether the sample supports reliance.`
                  : '.'
              }`}
          </p>
        </div>
      </fieldset>

      <fieldset className="sample-step">
        <legend>4. Seed and strata</legend>
        <div className="field">
          <label htmlFor={`${id}-seed`}>Seed</label>
          <textarea
            id={`${id}-seed`}
            className="mono"
            rows={2}
            value={seed ?? ''}
            onChange={(e) => setSeed(e.target.value)}
            aria-describedby={`${id}-seed-help`}
            data-testid="sample-seed"
          />
          <p id={`${id}-seed-help`} className="field-help">
            The text each receipt’s score is derived from (FORMAT.md §9), recorded with the sample. Bound by default to
            the checkpoint heads that seal each ledger, so that neither side can steer the choice.
            {seedDefault && seedDefault.unbound.length > 0 && (
              <> Not bound to: {seedDefault.unbound.map((u) => `${u.ledger} (${u.why})`).join('; ')}.</>
            )}
            {seedDefault?.seed && seed !== seedDefault.seed && (
              <>
                {' '}
                <button type="button" className="link-button" onClick={() => setSeed(seedDefault.seed)}>
                  Bind it to the checkpoint heads again
                </button>
              </>
            )}
          </p>
        </div>
        <div className="field">
          <span className="field-label" id={`${id}-stratify`}>
            Stratify by
          </span>
          <div className="actions" role="radiogroup" aria-labelledby={`${id}-stratify`}>
            {([null, ...STRATIFY_BY] as const).map((by) => (
              <span className="field-inline" key={by ?? 'none'}>
                <input
                  id={`${id}-stratify-${by ?? 'none'}`}
                  type="radio"
                  name={`${id}-stratify`}
                  checked={stratify === by}
                  onChange={() => setStratify(by)}
                  data-testid={`stratify-${by ?? 'none'}`}
                />
                <label htmlFor={`${id}-stratify-${by ?? 'none'}`}>{by ?? 'Not stratified'}</label>
              </span>
            ))}
          </div>
          <p className="field-help">
            Stratified, each stratum is ranked with the seed seed + "/" + its name and the size above is drawn from
            each; each stratum is then evaluated as its own population.
          </p>
        </div>
      </fieldset>

      {error && (
        <p className="notice notice-error" role="alert" data-testid="sample-error">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={progress !== null} data-testid="sample-draw">
          Draw the sample
        </button>
        {progress && (
          <span className="muted" role="status" data-testid="sample-progress">
            {progress}
          </span>
        )}
      </div>
    </form>
  );
}
