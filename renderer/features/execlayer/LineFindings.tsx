import type { Finding } from '../../../shared/engine/findings.ts';
import { formatRoute } from '../../app/routes.ts';
import { formatCount } from '../../components/format.ts';
import { SeverityTag } from '../../components/SeverityTag.tsx';
import type { ReceiptTable } from '../../workers/receipt-table.ts';

/** Findings listed on the dashboard; the rest are on the lines screen. */
const SHOWN = 200;

/** Every finding of an ExecLayer log where it is: file and 1-based line (or the file alone), code, what. */
export function LineFindings({
  archiveId,
  findings,
  table,
}: {
  archiveId: string;
  findings: readonly Finding[];
  table: ReceiptTable;
}) {
  return (
    <section className="panel line-findings" aria-labelledby="line-findings-heading" data-testid="line-findings">
      <h2 id="line-findings-heading">Findings, where they are</h2>
      {findings.length === 0 ? (
        <p data-testid="line-findings-none">
          No finding in any line. Checks that did not run are listed under “Checks”, not counted as passed.
        </p>
      ) : (
        <>
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Finding</th>
                <th scope="col">File</th>
                <th scope="col" className="num">
                  Line
                </th>
                <th scope="col">Receipt</th>
                <th scope="col">What</th>
              </tr>
            </thead>
            <tbody>
              {findings.slice(0, SHOWN).map((f, i) => {
                const row = table.findingRow[i] ?? -1;
                return (
                  <tr
                    key={i}
                    data-testid="line-finding"
                    data-code={f.code}
                    data-path={f.path ?? ''}
                    data-line={f.line ?? ''}
                  >
                    <th scope="row">
                      <SeverityTag severity={f.severity} /> <code>{f.code}</code>
                    </th>
                    <td className="mono">{f.path ?? '—'}</td>
                    <td className="num">
                      {f.line === undefined ? (
                        'the file'
                      ) : row >= 0 ? (
                        <a
                          href={formatRoute({ name: 'receipts', archiveId, query: {}, row })}
                          aria-label={`line ${f.line}: show it`}
                        >
                          {formatCount(f.line)}
                        </a>
                      ) : (
                        formatCount(f.line)
                      )}
                    </td>
                    <td className="mono id-cell" title={f.receipt}>
                      {f.receipt ?? '—'}
                    </td>
                    <td className="reason">{f.message}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {findings.length > SHOWN && (
            <p className="muted">
              and {formatCount(findings.length - SHOWN)} more:{' '}
              <a href={formatRoute({ name: 'receipts', archiveId, query: { withFindings: true } })}>
                every line with findings
              </a>
              .
            </p>
          )}
        </>
      )}
    </section>
  );
}
