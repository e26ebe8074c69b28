import { useEffect, useMemo, useRef, useState } from 'react';
import type { Finding } from '../../../shared/engine/findings.ts';
import { useLoadedArchive } from '../../app/loaded-archives.ts';
import { formatRoute, type ReceiptQuery } from '../../app/routes.ts';
import { navigate } from '../../app/use-route.ts';
import { formatCount } from '../../components/format.ts';
import { SeverityTag } from '../../components/SeverityTag.tsx';
import { codesForCriterion } from '../../components/soc2-criteria.ts';
import { readSingleLedgerTexts } from '../../store/archives.ts';
import { receiptIdOf } from '../../workers/receipt-table.ts';
import { UnplacedFindings } from '../receipts/UnplacedFindings.tsx';
import { glanceAt, isExeclayerFormat, KERNEL_NAME, selectLines } from './execlayer-view.ts';

/** Lines shown at a time. */
const PAGE = 100;

interface Props {
  readonly archiveId: string;
  readonly query: ReceiptQuery;
  readonly row: number | undefined;
}

/**
 * The receipts screen of an ExecLayer log: its lines as stored, each with what it says (the
 * outcome, receipt, time, agent, rule) and the findings on it, the line itself (exactly as
 * stored) on demand.
 * The explorer's filters name FORMAT.md receipts' columns (agents, actions, effects, data),
 * which these lines do not have; only the findings' filters apply.
 */
export function ExeclayerLinesPage({ archiveId, query, row }: Props) {
  const state = useLoadedArchive(archiveId);
  const loaded = state.status === 'ready' ? state.loaded : null;
  const selection = useMemo(
    () => (loaded ? selectLines(loaded.table, query, codesForCriterion) : null),
    // The query's text stands for the query.
    [loaded, JSON.stringify(query)],
  );
  const [page, setPage] = useState(0);
  const [texts, setTexts] = useState<Map<number, string>>(new Map());
  const selectedRef = useRef<HTMLTableRowElement | null>(null);

  // The page holding the row the address names (a finding's link from the dashboard).
  useEffect(() => {
    if (!selection || row === undefined) return;
    const at = selection.rows.indexOf(row);
    if (at >= 0) setPage(Math.floor(at / PAGE));
  }, [selection, row]);
  const shown = useMemo(() => selection?.rows.slice(page * PAGE, (page + 1) * PAGE) ?? [], [selection, page]);
  useEffect(() => {
    if (!loaded || shown.length === 0) return;
    let live = true;
    void readSingleLedgerTexts(loaded, shown).then((out) => live && setTexts(out));
    return () => {
      live = false;
    };
  }, [loaded, shown]);
  useEffect(() => {
    if (row !== undefined && texts.has(row)) selectedRef.current?.scrollIntoView({ block: 'center' });
  }, [row, texts]);

  if (state.status === 'loading') return <p className="muted">Reading the stored archive…</p>;
  if (!loaded || !selection) {
    return (
      <div className="page">
        <h1>Archive not found</h1>
        <a href={formatRoute({ name: 'start' })}>Back to start</a>
      </div>
    );
  }
  const { table, archive } = loaded;
  const kind = isExeclayerFormat(archive.report.format) ? archive.report.format : 'execlayer-py';
  const pages = Math.max(1, Math.ceil(selection.rows.length / PAGE));
  const narrowed = selection.rows.length !== table.count;
  const findingsOf = (r: number): Finding[] =>
    (table.rowFindings.get(r) ?? []).map((i) => table.findings[i] as Finding);
  const go = (next: ReceiptQuery) => navigate({ name: 'receipts', archiveId, query: next });

  return (
    <div className="page execlayer-lines" data-testid="execlayer-lines">
      <h1>Lines of {archive.name}</h1>
      <p className="muted">
        {KERNEL_NAME[kind]}. Each non-blank line as stored, with the findings on it. These are not FORMAT.md receipts: a
        line’s reconstruction shows its intent, rule trace and verdict as the kernel recorded them (there is no Cedar
        request to re-perform), and the explorer’s filters on agents, actions, effects and data do not apply.
      </p>
      {selection.ignored.length > 0 && (
        <p className="notice" role="status" data-testid="execlayer-filters-ignored">
          Not available for ExecLayer logs: filtering by {selection.ignored.join(', ')} (their lines have no such
          column). Showing {narrowed ? 'the lines the findings filter selects' : 'every line'}.
        </p>
      )}
      <div className="actions">
        <label className="field field-inline field-check">
          <input
            type="checkbox"
            checked={query.withFindings === true}
            onChange={(e) => {
              const { withFindings: _w, ...rest } = query;
              go(e.target.checked ? { ...rest, withFindings: true } : rest);
            }}
            data-testid="execlayer-with-findings"
          />
          Only lines with findings
        </label>
        {(query.code || query.category || query.severity || query.criterion) && (
          <span>
            Findings: {[query.code, query.category, query.severity, query.criterion].filter(Boolean).join(', ')}{' '}
            <a href={formatRoute({ name: 'receipts', archiveId, query: {} })}>show every line</a>
          </span>
        )}
        <span className="muted num" data-testid="execlayer-line-count">
          {formatCount(selection.rows.length)} of {formatCount(table.count)} lines
        </span>
      </div>
      {selection.unplaced.length > 0 && (
        <UnplacedFindings findings={selection.unplaced.map((i) => table.findings[i] as Finding)} />
      )}
      <table className="data-table" data-testid="execlayer-line-table">
        <thead>
          <tr>
            <th scope="col" className="num">
              Line
            </th>
            <th scope="col">Outcome</th>
            <th scope="col">Receipt</th>
            <th scope="col">Time</th>
            <th scope="col">{kind === 'execlayer-py' ? 'Agent → tool' : 'Principal role'}</th>
            <th scope="col">Rule</th>
            <th scope="col">Findings</th>
            <th scope="col">
              <span className="visually-hidden">Reconstruction</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {shown.map((r) => {
            const text = texts.get(r);
            const glance = text === undefined ? null : glanceAt(kind, text);
            const found = findingsOf(r);
            const selected = r === row;
            return (
              <tr
                key={r}
                ref={selected ? selectedRef : undefined}
                className={selected ? 'row-selected' : undefined}
                data-testid="execlayer-line"
                data-line={table.line[r]}
                data-codes={found.map((f) => f.code).join(' ')}
              >
                <th scope="row" className="num">
                  {formatCount(table.line[r] ?? 0)}
                </th>
                <td>{glance?.outcome ?? '—'}</td>
                <td className="mono id-cell" title={glance?.receipt ?? undefined}>
                  {glance?.receipt ?? '—'}
                </td>
                <td className="num">{glance?.time ?? '—'}</td>
                <td>{glance?.agent ?? '—'}</td>
                <td className="mono">{glance?.rule ?? '—'}</td>
                <td>
                  {found.length === 0 ? (
                    <span className="muted">none</span>
                  ) : (
                    <ul className="finding-list">
                      {found.map((f, i) => (
                        <li key={i}>
                          <SeverityTag severity={f.severity} /> <code>{f.code}</code>
                        </li>
                      ))}
                    </ul>
                  )}
                  <details open={selected}>
                    <summary>The line{found.length > 0 ? ' and what was found' : ''}</summary>
                    {found.map((f, i) => (
                      <p key={i} className="reason">
                        <code>{f.code}</code>: {f.message}
                      </p>
                    ))}
                    <pre className="line-text" data-testid="execlayer-line-text">
                      {text === undefined ? 'Reading…' : text}
                    </pre>
                  </details>
                </td>
                <td>
                  <a
                    href={formatRoute({
                      name: 'receipt',
                      archiveId,
                      receiptId: table.missing.includes('receiptId') ? '' : receiptIdOf(table, r),
                      line: table.line[r] ?? 0,
                    })}
                    aria-label={`Reconstruct line ${table.line[r] ?? ''}`}
                    data-testid="execlayer-line-reconstruct"
                  >
                    Reconstruct
                  </a>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {shown.length === 0 && <p className="muted">No line matches.</p>}
      {pages > 1 && (
        <div className="actions pager">
          <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
            Previous
          </button>
          <span className="num">
            Page {page + 1} of {pages}
          </span>
          <button type="button" disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>
            Next
          </button>
        </div>
      )}
    </div>
  );
}
