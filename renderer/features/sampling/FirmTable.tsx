import { useId, useState } from 'react';
import { SamplingInputError } from '../../../shared/sampling/attribute.ts';
import { readFirmTable, resetFirmTable, saveFirmTable } from '../../store/samples.ts';
import { useLiveQuery } from '../../store/use-live-query.ts';
import {
  checkFirmTable,
  DEFAULT_FIRM_TABLE,
  firmTableFrom,
  zeroDeviationConfidence,
  type FirmRow,
} from './firm-table.ts';

interface Props {
  /** The tolerable rate the confidences are computed at; null when it is not valid. */
  readonly tolerable: string | null;
  /** The sample drawn takes a size from a row. */
  readonly onUse: (row: FirmRow, size: number) => void;
  /** The frequency of the row in use, if any. */
  readonly inUse: string | null;
}

function confidence(n: number, tolerable: string | null): string {
  if (tolerable === null) return '—';
  try {
    return `${zeroDeviationConfidence(n, tolerable)}%`;
  } catch (error) {
    if (error instanceof SamplingInputError) return '—';
    throw error;
  }
}

/**
 * The firm's sample sizes by how often a control operates, with the confidence each size
 * actually gives at the tolerable rate when no deviation is found, editable (kept for
 * every engagement of this workbench).
 */
export function FirmTable({ tolerable, onUse, inUse }: Props) {
  const id = useId();
  const stored = useLiveQuery(async () => firmTableFrom(await readFirmTable()), []);
  const [editing, setEditing] = useState<{ frequency: string; min: string; max: string }[] | null>(null);
  const [error, setError] = useState<{ message: string; row: number } | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const rows = stored ?? DEFAULT_FIRM_TABLE;

  const save = async () => {
    if (!editing) return;
    const check = checkFirmTable(
      editing.map((r) => ({
        frequency: r.frequency,
        min: /^\d{1,4}$/.test(r.min.trim()) ? Number(r.min) : Number.NaN,
        max: /^\d{1,4}$/.test(r.max.trim()) ? Number(r.max) : Number.NaN,
      })),
    );
    if (!check.ok) {
      setError({ message: check.message, row: check.row });
      return;
    }
    await saveFirmTable(check.rows);
    setError(null);
    setEditing(null);
    setMessage('The firm table was saved.');
  };

  return (
    <div className="firm-table" data-testid="firm-table">
      <div className="card-head">
        <h3 id={`${id}-heading`}>Firm table: sizes by how often the control operates</h3>
        {editing === null && (
          <div className="actions">
            <button
              type="button"
              onClick={() => {
                setMessage(null);
                setEditing(rows.map((r) => ({ frequency: r.frequency, min: String(r.min), max: String(r.max) })));
              }}
              data-testid="firm-table-edit"
            >
              Edit table
            </button>
          </div>
        )}
      </div>
      <p className="field-help">
        Confidence shown is what the size actually gives when no deviation is found: 1 − (1 − tolerable rate)
        <sup>n</sup>, at the tolerable rate above, computed exactly and cut (never rounded up) to two decimals.
      </p>
      {stored === undefined ? (
        <p className="muted">Reading the firm table…</p>
      ) : editing === null ? (
        <table className="data-table compact" aria-labelledby={`${id}-heading`}>
          <thead>
            <tr>
              <th scope="col">Frequency</th>
              <th scope="col" className="num">
                Sizes
              </th>
              <th scope="col" className="num">
                Confidence at the smallest
              </th>
              <th scope="col" className="num">
                Confidence at the largest
              </th>
              <th scope="col">
                <span className="visually-hidden">Use</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.frequency} data-testid="firm-row" data-frequency={r.frequency}>
                <th scope="row">{r.frequency}</th>
                <td className="num">{r.min === r.max ? r.min : `${r.min}–${r.max}`}</td>
                <td className="num" data-testid="firm-confidence-min">
                  {confidence(r.min, tolerable)}
                </td>
                <td className="num" data-testid="firm-confidence-max">
                  {confidence(r.max, tolerable)}
                </td>
                <td>
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => onUse(r, r.max)}
                    aria-label={`Use ${r.max} items (${r.frequency})`}
                    aria-pressed={inUse === r.frequency}
                    data-testid="firm-use"
                  >
                    {inUse === r.frequency ? 'In use' : `Use ${r.max}`}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        // Not a <form>: the table sits inside the new-sample form, and forms do not nest.
        <div data-testid="firm-table-form">
          <table className="data-table compact">
            <thead>
              <tr>
                <th scope="col">Frequency</th>
                <th scope="col">Smallest size</th>
                <th scope="col">Largest size</th>
                <th scope="col">
                  <span className="visually-hidden">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {editing.map((r, i) => {
                const set = (key: 'frequency' | 'min' | 'max', value: string) =>
                  setEditing(editing.map((x, k) => (k === i ? { ...x, [key]: value } : x)));
                const invalid = error?.row === i;
                return (
                  <tr key={i} data-testid="firm-edit-row">
                    <td>
                      <input
                        type="text"
                        aria-label={`Frequency, row ${i + 1}`}
                        value={r.frequency}
                        onChange={(e) => set('frequency', e.target.value)}
                        aria-invalid={invalid}
                        data-testid="firm-edit-frequency"
                      />
                    </td>
                    <td>
                      <input
                        type="text"
                        inputMode="numeric"
                        size={5}
                        aria-label={`Smallest size, row ${i + 1}`}
                        value={r.min}
                        onChange={(e) => set('min', e.target.value)}
                        aria-invalid={invalid}
                        data-testid="firm-edit-min"
                      />
                    </td>
                    <td>
                      <input
                        type="text"
                        inputMode="numeric"
                        size={5}
                        aria-label={`Largest size, row ${i + 1}`}
                        value={r.max}
                        onChange={(e) => set('max', e.target.value)}
                        aria-invalid={invalid}
                        data-testid="firm-edit-max"
                      />
                    </td>
                    <td>
                      <button
                        type="button"
                        className="link-button"
                        onClick={() => setEditing(editing.filter((_, k) => k !== i))}
                        aria-label={`Remove row ${i + 1}`}
                      >
                        Remove
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {error && (
            <p className="field-error" role="alert" data-testid="firm-table-error">
              {error.message}
            </p>
          )}
          <div className="actions">
            <button type="button" className="primary" onClick={() => void save()} data-testid="firm-table-save">
              Save table
            </button>
            <button type="button" onClick={() => setEditing([...editing, { frequency: '', min: '', max: '' }])}>
              Add a row
            </button>
            <button
              type="button"
              onClick={() => {
                void resetFirmTable().then(() => {
                  setEditing(null);
                  setError(null);
                  setMessage('The firm table is back to its defaults.');
                });
              }}
            >
              Restore defaults
            </button>
            <button
              type="button"
              onClick={() => {
                setEditing(null);
                setError(null);
              }}
            >
              Cancel
            </button>
          </div>
        </div>
      )}
      {message && (
        <p className="record-note" role="status">
          {message}
        </p>
      )}
    </div>
  );
}
