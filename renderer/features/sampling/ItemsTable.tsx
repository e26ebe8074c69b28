import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import type { CheckStatus } from '../../../shared/engine/types.ts';
import { formatRoute } from '../../app/routes.ts';
import type { SampleItemRow } from '../../store/db.ts';
import { MAX_ITEM_NOTE, setItemNote, setItemResult, type ItemResult, type Sample } from '../../store/samples.ts';
import { findReceiptRow, hashOf, hashPrefixRows, type ReceiptTable } from '../../workers/receipt-table.ts';
import { itemState } from './evaluation.ts';
import { automatedResult, type Automated } from './items.ts';
import { RESULT_LABEL, ResultBadge, StateBadge } from './parts.tsx';
import { stratumAt } from './sample-csv.ts';
import { checkArchiveDocumentsWhenIdle, warmExplainWorkerWhenIdle } from '../reconstruct/explain-client.ts';

interface Props {
  readonly archiveId: string;
  readonly table: ReceiptTable;
  readonly checks: readonly CheckStatus[];
  readonly sample: Sample;
  readonly items: readonly SampleItemRow[];
  /** The workpaper holding this sample is reviewed and locked: nothing is recorded (the store refuses it too). */
  readonly locked: boolean;
}

/** The table row of an item's stored line: by receipt id (checked against the hash), else by hash. */
function rowOf(table: ReceiptTable, item: SampleItemRow): number | undefined {
  const byId = item.receiptId === '' ? undefined : findReceiptRow(table, item.receiptId);
  if (byId !== undefined && hashOf(table, byId) === item.hash) return byId;
  return hashPrefixRows(table, item.hash.slice('sha256:'.length))[0];
}

/** Each sampled receipt with its attributes: the engine's filled and locked, the manual ones to record. */
export function ItemsTable({ archiveId, table, checks, sample, items, locked }: Props) {
  const id = useId();
  // Each item is tested by walking its receipt: the reconstruction's worker loads Cedar meanwhile.
  useEffect(() => warmExplainWorkerWhenIdle(), []);
  // And checks the archive's keys.json and manifest, as the first item's walk would.
  useEffect(() => checkArchiveDocumentsWhenIdle(archiveId), [archiveId]);
  const [refusal, setRefusal] = useState<string | null>(null);
  const { attributes, stratify } = sample.details;
  // Rows and the engine's results depend on the items drawn, not on the results recorded.
  const drawnKey = items.map((i) => i.hash).join(',');
  const located = useMemo(
    () =>
      items.map((item) => {
        const row = rowOf(table, item);
        const automated = new Map<string, Automated | null>(
          attributes
            .filter((a) => a.kind === 'automated')
            .map((a) => [a.id, row === undefined ? null : automatedResult(table, row, item.receiptId, a, checks)]),
        );
        return { row, automated };
      }),
    // `drawnKey` stands for the items drawn.
    [table, checks, attributes, drawnKey],
  );
  return (
    <section className="panel" aria-labelledby={`${id}-heading`} data-testid="sample-items">
      <h2 id={`${id}-heading`}>Items</h2>
      <ol className="attribute-legend" data-testid="attribute-legend">
        {attributes.map((a, i) => (
          <li key={a.id}>
            <strong>A{i + 1}</strong> {a.kind === 'automated' && <span className="badge badge-neutral">engine</span>}{' '}
            {a.text}
          </li>
        ))}
      </ol>
      <p className="field-help">
        The engine’s attribute is filled from the findings of the archive’s verification and cannot be changed; where
        the engine could not check it, it says why and you record it. A failed attribute makes the item a deviation.
      </p>
      <div className="items-scroll">
        <table className="data-table compact items-table">
          <thead>
            <tr>
              <th scope="col" className="num">
                #
              </th>
              {stratify && <th scope="col">{stratify}</th>}
              <th scope="col">Receipt</th>
              {attributes.map((a, i) => (
                <th scope="col" key={a.id} title={a.text}>
                  A{i + 1}
                </th>
              ))}
              <th scope="col">Note</th>
              <th scope="col">Item</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item, k) => {
              const where = located[k];
              const n = item.index + 1;
              const link = formatRoute({
                name: 'receipt',
                archiveId,
                receiptId: item.receiptId,
                ...(where?.row !== undefined ? { row: where.row } : {}),
              });
              return (
                <tr key={item.index} data-testid="sample-item" data-index={item.index} data-hash={item.hash}>
                  <td className="num">{n}</td>
                  {stratify && <td>{stratumAt(sample, item.index).name}</td>}
                  <td className="item-receipt">
                    <a href={link} data-testid="item-link">
                      {item.receiptId || 'line that is not a receipt'}
                    </a>
                    <div className="muted">
                      {item.ledger}#{Number.isFinite(item.seq) ? item.seq : '?'} · score{' '}
                      <span className="mono" title={item.score}>
                        {item.score.slice(0, 12)}…
                      </span>
                    </div>
                  </td>
                  {attributes.map((a) => {
                    const auto = a.kind === 'automated' ? where?.automated.get(a.id) : undefined;
                    const stored = item.results[a.id] ?? null;
                    if (auto?.checked)
                      return (
                        <td key={a.id} data-testid="item-engine" data-result={stored ?? ''}>
                          {stored ? <ResultBadge result={stored} /> : <span className="muted">not recorded</span>}
                          {auto.codes.length > 0 && <div className="mono item-codes">{auto.codes.join(', ')}</div>}
                        </td>
                      );
                    return (
                      <td key={a.id}>
                        <ResultSelect
                          label={`Item ${n}, ${a.kind === 'automated' ? 'engine attribute (not checked by the engine)' : a.text}`}
                          value={stored}
                          disabled={locked}
                          onChange={(value) =>
                            void setItemResult(sample.id, item.index, a.id, value).then((r) =>
                              setRefusal(r.ok ? null : r.message),
                            )
                          }
                          testId={a.kind === 'automated' ? 'item-engine-manual' : 'item-result'}
                          attribute={a.id}
                        />
                        {a.kind === 'automated' && (
                          <div className="field-help" data-testid="item-engine-why">
                            Not checked by the engine:{' '}
                            {auto && !auto.checked ? auto.why : 'the stored line was not found'}.
                          </div>
                        )}
                      </td>
                    );
                  })}
                  <td>
                    <NoteField sampleId={sample.id} index={item.index} note={item.note} n={n} locked={locked} />
                  </td>
                  <td>
                    <StateBadge state={itemState(item.results, attributes)} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {refusal && (
        <p className="field-error" role="alert" data-testid="items-message">
          {refusal}
        </p>
      )}
    </section>
  );
}

function ResultSelect({
  label,
  value,
  onChange,
  testId,
  attribute,
  disabled,
}: {
  label: string;
  value: ItemResult;
  disabled: boolean;
  onChange: (value: ItemResult) => void;
  testId: string;
  attribute: string;
}) {
  return (
    <select
      aria-label={label}
      value={value ?? ''}
      disabled={disabled}
      onChange={(e) => onChange(e.target.value === '' ? null : (e.target.value as NonNullable<ItemResult>))}
      className={`result-select result-${value ?? 'none'}`}
      data-testid={testId}
      data-attribute={attribute}
    >
      <option value="">—</option>
      {(['pass', 'fail', 'not-applicable'] as const).map((r) => (
        <option key={r} value={r}>
          {RESULT_LABEL[r]}
        </option>
      ))}
    </select>
  );
}

function NoteField({
  sampleId,
  index,
  note,
  n,
  locked,
}: {
  sampleId: number;
  index: number;
  note: string;
  n: number;
  locked: boolean;
}) {
  const [text, setText] = useState(note);
  const [error, setError] = useState<string | null>(null);
  // A note changed elsewhere (another window) shows here unless this one is being edited.
  const [editing, setEditing] = useState(false);
  useEffect(() => {
    if (!editing) setText(note);
  }, [note, editing]);
  // Kept while typing (after a pause) and when the field is left, also by leaving the screen.
  const latest = useRef({ text, note });
  latest.current = { text, note };
  const save = useCallback(async () => {
    const { text: value, note: stored } = latest.current;
    if (value === stored) return;
    const result = await setItemNote(sampleId, index, value);
    setError(result.ok ? null : result.message);
  }, [sampleId, index]);
  useEffect(() => {
    if (!editing) return undefined;
    const timer = setTimeout(() => void save(), 800);
    return () => clearTimeout(timer);
  }, [text, editing, save]);
  useEffect(() => () => void save(), [save]);
  return (
    <>
      <textarea
        className="item-note"
        rows={1}
        aria-label={`Note on item ${n}`}
        value={text}
        maxLength={MAX_ITEM_NOTE + 100}
        readOnly={locked}
        onFocus={() => setEditing(true)}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => {
          setEditing(false);
          void save();
        }}
        data-testid="item-note"
      />
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
