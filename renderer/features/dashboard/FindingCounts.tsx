import type { Finding } from '../../../shared/engine/findings.ts';
import { formatRoute, type ReceiptQuery } from '../../app/routes.ts';
import { formatCount } from '../../components/format.ts';
import { findingStats, type CodeCount } from './finding-stats.ts';
import { SEVERITY_LABEL, SeverityTag } from '../../components/SeverityTag.tsx';
import { criteriaFor, criterionTitle } from '../../components/soc2-criteria.ts';

interface Props {
  readonly archiveId: string;
  readonly findings: readonly Finding[];
}

export function FindingCounts({ archiveId, findings }: Props) {
  const stats = findingStats(findings, criteriaFor);
  const to = (query: ReceiptQuery) => formatRoute({ name: 'receipts', archiveId, query });
  const integrity = stats.byCode.filter((c) => c.category === 'integrity');
  const control = stats.byCode.filter((c) => c.category === 'control');
  return (
    <section className="panel" aria-labelledby="findings-heading" data-testid="finding-counts">
      <h2 id="findings-heading">Findings</h2>
      {findings.length === 0 ? (
        <p data-testid="no-findings">
          No finding. Checks that did not run are listed under “Checks”, not counted as passed.
        </p>
      ) : (
        <div className="findings-grid">
          <div>
            <h3>By severity</h3>
            <table className="data-table compact" data-testid="findings-by-severity">
              <tbody>
                {(['critical', 'high', 'warning'] as const).map((s) => (
                  <tr key={s}>
                    <th scope="row">
                      <SeverityTag severity={s} />
                    </th>
                    <td className="num">
                      {stats.bySeverity[s] > 0 ? (
                        <CountLink
                          href={to({ severity: s })}
                          testId={`severity-count-${s}`}
                          count={stats.bySeverity[s]}
                          what={`${SEVERITY_LABEL[s]} findings`}
                        />
                      ) : (
                        <span data-testid={`severity-count-${s}`}>0</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <CodeTable
            title="Integrity: can the evidence be relied on?"
            testId="integrity-codes"
            rows={integrity}
            to={to}
            empty="No integrity finding."
          />
          <CodeTable
            title="Controls: did they operate as designed?"
            testId="control-codes"
            rows={control}
            to={to}
            empty="No control finding."
          />
          <div>
            <h3>By SOC 2 criterion</h3>
            <table className="data-table compact" data-testid="findings-by-criterion">
              <tbody>
                {stats.byCriterion.map((c) => (
                  <tr key={c.criterion}>
                    <th scope="row">
                      <abbr title={criterionTitle(c.criterion) ?? undefined} className="mono">
                        {c.criterion}
                      </abbr>{' '}
                      <span className="muted criterion-title">{criterionTitle(c.criterion)}</span>
                    </th>
                    <td className="num">
                      <CountLink
                        href={to({ criterion: c.criterion })}
                        testId={`criterion-count-${c.criterion}`}
                        count={c.count}
                        what={`findings bearing on ${c.criterion}`}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </section>
  );
}

/** A count that opens the receipts it counts; its label reads "<count> <what>". */
function CountLink({ href, testId, count, what }: { href: string; testId: string; count: number; what: string }) {
  return (
    <a href={href} data-testid={testId} aria-label={`${count} ${what}`}>
      {formatCount(count)}
    </a>
  );
}

function CodeTable({
  title,
  testId,
  rows,
  to,
  empty,
}: {
  title: string;
  testId: string;
  rows: readonly CodeCount[];
  to: (q: ReceiptQuery) => string;
  empty: string;
}) {
  return (
    <div>
      <h3>{title}</h3>
      {rows.length === 0 ? (
        <p className="muted" data-testid={`${testId}-empty`}>
          {empty}
        </p>
      ) : (
        <table className="data-table compact" data-testid={testId}>
          <tbody>
            {rows.map((c) => (
              <tr key={c.code} data-testid={`finding-code-${c.code}`}>
                <th scope="row">
                  <SeverityTag severity={c.worst} /> <code>{c.code}</code>
                </th>
                <td className="num">
                  <CountLink
                    href={to({ code: c.code })}
                    testId={`code-count-${c.code}`}
                    count={c.count}
                    what={`${c.code} findings`}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
