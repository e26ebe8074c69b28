import { useEffect, useState } from 'react';
import { formatTime } from '../../components/format.ts';
import { readReceiptLine, type ReceiptLine } from '../../store/archives.ts';
import {
  localRow,
  personalOf,
  receiptIdOf,
  subjectsOf,
  txnOf,
  type IndexedColumn,
  type ReceiptTable,
} from '../../workers/receipt-table.ts';
import { formatRoute, type ReceiptQuery } from '../../app/routes.ts';
import { SeverityTag } from '../../components/SeverityTag.tsx';
import { criteriaFor } from '../../components/soc2-criteria.ts';

interface Props {
  readonly archiveId: string;
  /** Raw lines per stored chunk row of this archive (`linesPerChunkOf`). */
  readonly linesPerChunk: number;
  readonly table: ReceiptTable;
  readonly row: number;
  readonly onClose: () => void;
}

/** Subjects listed before "and N more". */
const SUBJECTS_SHOWN = 5;

/** One receipt: where it is, its findings, and its stored line exactly as signed. */
export function ReceiptDetail({ archiveId, linesPerChunk, table, row, onClose }: Props) {
  const [line, setLine] = useState<ReceiptLine | null | 'loading'>('loading');
  const { ledger, local } = localRow(table, row);
  useEffect(() => {
    let live = true;
    setLine('loading');
    readReceiptLine(archiveId, linesPerChunk, ledger, local).then(
      (l) => live && setLine(l),
      () => live && setLine(null),
    );
    return () => {
      live = false;
    };
  }, [archiveId, linesPerChunk, ledger, local]);
  const findings = (table.rowFindings.get(row) ?? []).map((i) => table.findings[i]).filter((f) => f !== undefined);
  const seq = table.seq[row] as number;
  const path = table.dictionaries.paths[table.path[row] as number];
  const readable = line !== 'loading' && line ? readableJson(line.text) : null;
  const indexed = (column: IndexedColumn) => !table.missing.includes(column);
  const receiptId = indexed('receiptId') ? receiptIdOf(table, row) : null;
  const txn = indexed('transaction') ? txnOf(table, row) : null;
  const step = table.step[row] as number;
  const tier = table.tier[row] as number;
  const personal = indexed('personal') ? personalOf(table, row) : null;
  const subjects = indexed('subject') ? subjectsOf(table, row) : null;
  const link = (next: ReceiptQuery) => formatRoute({ name: 'receipts', archiveId, query: next });
  const notIndexed = <span className="muted">not indexed in this import</span>;
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
      <a href={formatRoute({ name: 'receipt', archiveId, receiptId: receiptId ?? '', row })} data-testid="detail-walk">
        Walk this decision →
      </a>
      <dl className="facts">
        <div>
          <dt>Where</dt>
          <dd className="mono">
            {path}:{table.line[row]}
          </dd>
        </div>
        <div>
          <dt>Receipt id</dt>
          <dd className="mono break" data-testid="detail-receipt-id">
            {receiptId === null ? notIndexed : receiptId || '—'}
          </dd>
        </div>
        <div>
          <dt>Time</dt>
          <dd className="num">{formatTime(table.ts[row] as number)}</dd>
        </div>
        <div>
          <dt>Transaction</dt>
          <dd data-testid="detail-transaction">
            {txn === null ? (
              notIndexed
            ) : txn === '' ? (
              '—'
            ) : (
              <>
                <span className="mono break">{txn}</span>
                {Number.isNaN(step) ? '' : `, step ${step}`}{' '}
                <a href={link({ txn })} data-testid="detail-transaction-link">
                  its receipts
                </a>
              </>
            )}
          </dd>
        </div>
        <div>
          <dt>Data tier</dt>
          <dd className="num" data-testid="detail-tier">
            {table.missing.includes('tier') ? notIndexed : Number.isNaN(tier) ? '—' : tier}
          </dd>
        </div>
        <div>
          <dt>Personal data</dt>
          <dd data-testid="detail-personal">
            {personal === null ? notIndexed : personal.length === 0 ? 'none' : personal.join(', ')}
          </dd>
        </div>
        <div>
          <dt>Data subjects</dt>
          <dd data-testid="detail-subjects">
            {subjects === null ? (
              notIndexed
            ) : subjects.length === 0 ? (
              'none'
            ) : (
              <ul className="plain-list">
                {subjects.slice(0, SUBJECTS_SHOWN).map((s) => (
                  <li key={s}>
                    <a className="mono break" href={link({ subject: s })} title="Receipts naming this subject">
                      {s.slice(0, 'sha256:'.length + 16)}…
                    </a>
                  </li>
                ))}
                {subjects.length > SUBJECTS_SHOWN && (
                  <li className="muted">and {subjects.length - SUBJECTS_SHOWN} more</li>
                )}
              </ul>
            )}
          </dd>
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
