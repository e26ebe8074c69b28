import { useEffect, useState } from 'react';
import { formatTime } from '../../components/format.ts';
import { readReceiptLine, type ReceiptLine } from '../../store/archives.ts';
import { localRow, type ReceiptTable } from '../../workers/receipt-table.ts';
import { SeverityTag } from '../../components/SeverityTag.tsx';
import { criteriaFor } from '../../components/soc2-criteria.ts';

interface Props {
  readonly archiveId: string;
  readonly table: ReceiptTable;
  readonly row: number;
  readonly onClose: () => void;
}

/** One receipt: where it is, its findings, and its stored line exactly as signed. */
export function ReceiptDetail({ archiveId, table, row, onClose }: Props) {
  const [line, setLine] = useState<ReceiptLine | null | 'loading'>('loading');
  const { ledger, local } = localRow(table, row);
  useEffect(() => {
    let live = true;
    setLine('loading');
    readReceiptLine(archiveId, ledger, local).then(
      (l) => live && setLine(l),
      () => live && setLine(null),
    );
    return () => {
      live = false;
    };
  }, [archiveId, ledger, local]);
  const findings = (table.rowFindings.get(row) ?? []).map((i) => table.findings[i]).filter((f) => f !== undefined);
  const seq = table.seq[row] as number;
  const path = table.dictionaries.paths[table.path[row] as number];
  const readable = line !== 'loading' && line ? readableJson(line.text) : null;
  return (
    <aside className="panel receipt-detail" aria-labelledby="detail-heading" data-testid="receipt-detail">
      <div className="card-head">
        <h2 id="detail-heading">
          Receipt <span className="mono">{ledger}</span> #{Number.isNaN(seq) ? '?' : seq}
        </h2>
        <button type="button" className="link-button" onClick={onClose} aria-label="Close receipt detail">
          Close
        </button>
      </div>
      <dl className="facts">
        <div>
          <dt>Where</dt>
          <dd className="mono">
            {path}:{table.line[row]}
          </dd>
        </div>
        <div>
          <dt>Time</dt>
          <dd className="num">{formatTime(table.ts[row] as number)}</dd>
        </div>
        <div>
          <dt>Hash of the line</dt>
          <dd className="mono break" data-testid="detail-hash">
            {line !== 'loading' && line ? line.hash : '—'}
          </dd>
        </div>
      </dl>
      <h3>Findings on this receipt</h3>
      {findings.length === 0 ? (
        <p className="muted" data-testid="detail-no-findings">
          None.
        </p>
      ) : (
        <ul className="finding-list" data-testid="detail-findings">
          {findings.map((f, i) => (
            <li key={i} data-code={f.code}>
              <SeverityTag severity={f.severity} /> <code>{f.code}</code> {f.message}
              <span className="muted">
                {' '}
                SOC 2:{' '}
                {criteriaFor(f.code)
                  .map((c) => c.id)
                  .join(', ') || '—'}
              </span>
            </li>
          ))}
        </ul>
      )}
      <h3>Stored line (canonical JSON, exactly as signed)</h3>
      {line === 'loading' ? (
        <p className="muted">Reading…</p>
      ) : line === null ? (
        <p className="notice notice-error">The stored line could not be read.</p>
      ) : (
        <pre className="canonical" data-testid="detail-canonical">
          {line.text}
        </pre>
      )}
      {readable && (
        <details>
          <summary>Indented for reading (not the signed bytes)</summary>
          <pre className="readable">{readable}</pre>
        </details>
      )}
    </aside>
  );
}

function readableJson(text: string): string | null {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return null;
  }
}
