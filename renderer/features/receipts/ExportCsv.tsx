import { useEffect, useRef, useState } from 'react';
import { useHost } from '../../app/host-context.ts';
import { formatCount } from '../../components/format.ts';
import type { ReceiptTable } from '../../workers/receipt-table.ts';
import { csvColumns, csvFileName, csvSummary, receiptCsvParts } from './csv.ts';

interface Props {
  readonly table: ReceiptTable;
  /** Every row matching the filters (not just the ones on screen). */
  readonly rows: Uint32Array;
  readonly archiveName: string;
}

type State =
  | { readonly kind: 'idle' }
  | { readonly kind: 'writing'; readonly done: number }
  | { readonly kind: 'said'; readonly text: string; readonly error: boolean };

const ROWS_PER_PART = 5000;

/** Writes every filtered row as CSV, a few thousand rows at a time, and saves it through the host. */
export function ExportCsv({ table, rows, archiveName }: Props) {
  const host = useHost();
  const [state, setState] = useState<State>({ kind: 'idle' });
  const live = useRef(true);
  useEffect(() => {
    // Set on every mount: StrictMode mounts, unmounts and mounts again.
    live.current = true;
    return () => {
      live.current = false;
    };
  }, []);
  // A new selection makes an old "saved" message about other rows.
  useEffect(() => setState((s) => (s.kind === 'writing' ? s : { kind: 'idle' })), [rows]);
  const { leftOut } = csvColumns(table);

  const run = async () => {
    const encoder = new TextEncoder();
    const parts: Uint8Array[] = [];
    let size = 0;
    try {
      for (const part of receiptCsvParts(table, rows, ROWS_PER_PART)) {
        const bytes = encoder.encode(part);
        // The first part is the header; each later one holds ROWS_PER_PART rows (the last fewer).
        const done = Math.min(rows.length, parts.length * ROWS_PER_PART);
        parts.push(bytes);
        size += bytes.length;
        if (!live.current) return;
        setState({ kind: 'writing', done });
        // Let the window paint and answer input between parts.
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      const file = new Uint8Array(size);
      let at = 0;
      for (const bytes of parts) {
        file.set(bytes, at);
        at += bytes.length;
      }
      const name = csvFileName(archiveName, new Date());
      const saved = await host.saveFile(name, file);
      if (!live.current) return;
      setState({
        kind: 'said',
        error: false,
        text: saved ? `Saved ${name}: ${csvSummary(rows.length, leftOut)}.` : 'Not saved: the save was cancelled.',
      });
    } catch (error) {
      if (live.current)
        setState({ kind: 'said', error: true, text: `The CSV could not be saved: ${(error as Error).message}` });
    }
  };

  return (
    <div className="export-csv">
      <button
        type="button"
        onClick={() => void run()}
        disabled={state.kind === 'writing'}
        data-testid="export-csv"
        aria-describedby={leftOut.length > 0 ? 'export-csv-left-out' : undefined}
      >
        Export CSV ({formatCount(rows.length)} receipt{rows.length === 1 ? '' : 's'})
      </button>
      {state.kind === 'writing' && (
        <span className="muted" role="status">
          Writing… {formatCount(state.done)} of {formatCount(rows.length)}
        </span>
      )}
      {state.kind === 'said' && (
        <span className={state.error ? 'field-error' : 'muted'} role="status" data-testid="export-csv-message">
          {state.text}
        </span>
      )}
      {leftOut.length > 0 && state.kind === 'idle' && (
        <span id="export-csv-left-out" className="muted">
          Left out: {leftOut.join(', ')} (not indexed in this import: import the archive again).
        </span>
      )}
    </div>
  );
}
