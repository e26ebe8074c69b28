/**
 * A workpaper's content (the statement's predicate) on screen: the draft about to be
 * signed, the content as signed, or the content of a workpaper file being verified (which
 * may be anything: every value is read defensively and shown as text).
 */
import type { ReactNode } from 'react';
import { groupedHex } from '../../store/trust-keys.ts';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
/** Any JSON value as text. */
export function str(v: unknown, fallback = ''): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return fallback;
  return JSON.stringify(v);
}

function Facts({ rows, testId }: { rows: [string, ReactNode, string?][]; testId?: string }) {
  return (
    <dl className="facts" data-testid={testId}>
      {rows.map(([label, value, id]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd data-testid={id}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

const Hash = ({ value, unknown }: { value: unknown; unknown: string }) =>
  typeof value === 'string' && /^[0-9a-f]{64}$/.test(value) ? (
    <span className="mono break">{groupedHex(value)}</span>
  ) : (
    <strong className="wp-unknown">{unknown}</strong>
  );

/** The predicate's sections; `idPrefix` keeps two views on one page apart. */
export function PredicateView({ predicate, idPrefix }: { predicate: Obj; idPrefix: string }) {
  const id = (name: string) => `${idPrefix}-${name}`;
  const h = (name: string) => `${idPrefix}-h-${name}`;
  const engagement = obj(predicate.engagement);
  const period = obj(engagement.period);
  const archive = obj(predicate.archive);
  const file = obj(archive.file);
  const verification = obj(predicate.verification);
  const summary = obj(verification.summary);
  const scope = obj(predicate.scope);
  const notChecked = arr(scope.not_checked).map(obj);
  const findings = arr(verification.findings).map(obj);
  const byCode = new Map<string, { severity: string; count: number }>();
  for (const f of findings) {
    const code = str(f.code);
    const entry = byCode.get(code) ?? { severity: str(f.severity), count: 0 };
    entry.count++;
    byCode.set(code, entry);
  }
  const anchors = arr(predicate.trust_anchors).map(obj);
  const reconstructions = arr(predicate.reconstructions).map(obj);
  const policyDiffs = arr(predicate.policy_diffs).map(obj);
  const samples = arr(predicate.samples).map(obj);
  const conclusions = arr(predicate.conclusions).map(obj);
  return (
    <div className="wp-predicate" data-testid={idPrefix}>
      <section aria-labelledby={h('engagement')}>
        <h3 id={h('engagement')}>Engagement</h3>
        <Facts
          rows={[
            ['Engagement', str(engagement.name), id('engagement-name')],
            ['Client', str(engagement.client) || 'Not recorded'],
            [
              'Examination period',
              period.from && period.to ? `${str(period.from)} to ${str(period.to)}` : 'Not set',
              id('period'),
            ],
            ['Prepared by', str(predicate.preparer) || 'Not signed yet', id('preparer')],
          ]}
        />
      </section>

      <section aria-labelledby={h('archive')}>
        <h3 id={h('archive')}>Evidence archive</h3>
        <Facts
          rows={[
            ['File', `${str(file.name)} (${str(file.bytes)} bytes)`],
            ['File SHA-256', <Hash value={file.sha256} unknown="Not known" />, id('file-sha256')],
            [
              'Manifest SHA-256',
              archive.manifest_sha256 === null ? (
                'No manifest'
              ) : (
                <Hash value={archive.manifest_sha256} unknown="Not known" />
              ),
              id('manifest-sha256'),
            ],
            ['Archive id', str(archive.archive_id, 'Unknown (no readable manifest)'), id('archive-id')],
            ['Organization', str(archive.organization, 'Unknown')],
            [
              'Trust anchors',
              anchors.length === 0 ? (
                <strong>None: nothing in this archive is anchored.</strong>
              ) : (
                <ul className="plain-list">
                  {anchors.map((a) => (
                    <li key={str(a.public_key)} className="mono break">
                      {groupedHex(str(a.public_key))}
                    </li>
                  ))}
                </ul>
              ),
              id('anchors'),
            ],
          ]}
        />
      </section>

      <section aria-labelledby={h('scope')}>
        <h3 id={h('scope')}>What was verified and what was not</h3>
        <p data-testid={id('summary')}>
          {str(summary.receipts)} receipts in {str(summary.ledgers)} ledger(s), {str(summary.bundles)} policy bundle(s);{' '}
          {str(summary.integrity_findings)} integrity finding(s), {str(summary.control_findings)} control finding(s);
          trust anchored: <strong>{summary.trusted === true ? 'yes' : 'NO'}</strong>.
        </p>
        <p data-testid={id('scope-statement')}>{str(scope.statement)}</p>
        <p>{str(scope.trust)}</p>
        <table className="data-table compact" data-testid={id('checks')}>
          <caption className="visually-hidden">Checks that ran and checks that did not</caption>
          <thead>
            <tr>
              <th scope="col">Check</th>
              <th scope="col">Status</th>
              <th scope="col">Why not</th>
            </tr>
          </thead>
          <tbody>
            {arr(scope.verified).map((c) => (
              <tr key={`ran-${str(c)}`}>
                <th scope="row">{str(c)}</th>
                <td>
                  <span className="badge badge-good">ran</span>
                </td>
                <td />
              </tr>
            ))}
            {notChecked.map((c) => (
              <tr key={`not-${str(c.check)}`} data-testid={id('not-checked')}>
                <th scope="row">{str(c.check)}</th>
                <td>
                  <span className="badge badge-bad">NOT CHECKED</span>
                </td>
                <td>{str(c.reason)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <table className="data-table compact" data-testid={id('ledgers')}>
          <caption className="visually-hidden">Ledgers</caption>
          <thead>
            <tr>
              <th scope="col">Ledger</th>
              <th scope="col">State</th>
              <th scope="col" className="num">
                Receipts
              </th>
              <th scope="col">Proven period</th>
            </tr>
          </thead>
          <tbody>
            {arr(verification.ledgers)
              .map(obj)
              .map((l) => {
                const proven = obj(l.proven);
                return (
                  <tr key={str(l.ledger)}>
                    <th scope="row" className="mono">
                      {str(l.ledger)}
                    </th>
                    <td>
                      {str(l.state)} <span className="muted">({str(l.reason)})</span>
                    </td>
                    <td className="num">{str(l.receipts)}</td>
                    <td>{l.proven ? `${str(proven.from)} to ${str(proven.to)}` : 'Nothing proven'}</td>
                  </tr>
                );
              })}
          </tbody>
        </table>
      </section>

      <section aria-labelledby={h('findings')}>
        <h3 id={h('findings')}>Findings ({findings.length})</h3>
        {byCode.size === 0 ? (
          <p>None.</p>
        ) : (
          <table className="data-table compact" data-testid={id('findings')}>
            <caption className="visually-hidden">Findings by code</caption>
            <thead>
              <tr>
                <th scope="col">Code</th>
                <th scope="col">Severity</th>
                <th scope="col" className="num">
                  Count
                </th>
              </tr>
            </thead>
            <tbody>
              {[...byCode].sort().map(([code, e]) => (
                <tr key={code}>
                  <th scope="row" className="mono">
                    {code}
                  </th>
                  <td>{e.severity}</td>
                  <td className="num">{e.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section aria-labelledby={h('reconstructions')}>
        <h3 id={h('reconstructions')}>Decisions reconstructed ({reconstructions.length})</h3>
        {reconstructions.length === 0 ? (
          <p className="muted">None added (use “Add to workpaper” in a receipt’s reconstruction).</p>
        ) : (
          <ul className="plain-list" data-testid={id('reconstructions')}>
            {reconstructions.map((r) => (
              <li key={`${str(r.ledger)}#${str(r.seq)}`}>
                <span className="mono">{str(r.receipt)}</span> ({str(r.ledger)} #{str(r.seq)})
                {str(r.note) ? `: ${str(r.note)}` : ''}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby={h('policy')}>
        <h3 id={h('policy')}>Policy changes reviewed ({policyDiffs.length})</h3>
        {policyDiffs.length === 0 ? (
          <p className="muted">None recorded.</p>
        ) : (
          <ul className="plain-list" data-testid={id('policy-diffs')}>
            {policyDiffs.map((d) => (
              <li key={`${str(d.from_hash)}${str(d.to_hash)}${str(d.added_at)}`}>
                <strong>
                  {str(d.from)} → {str(d.to)}
                </strong>
                : {str(d.summary)}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby={h('samples')}>
        <h3 id={h('samples')}>Samples ({samples.length})</h3>
        {samples.length === 0 && <p className="muted">No sample drawn from this archive.</p>}
        {samples.map((s, i) => {
          const population = obj(s.population);
          const evaluation = obj(s.evaluation);
          const items = arr(s.items).map(obj);
          return (
            <div key={i} className="card wp-sample" data-testid={id('sample')}>
              <h4>{str(s.control)}</h4>
              <Facts
                rows={[
                  ['Population', `${str(population.definition)}: ${str(population.count)} receipts`],
                  ['Seed', <span className="mono">{str(s.seed)}</span>],
                  ['Size', str(s.size)],
                  [
                    'Evaluation',
                    s.evaluation
                      ? `${str(evaluation.deviations)} deviation(s); upper deviation limit ${str(evaluation.upper_deviation_limit)}% at ${str(evaluation.confidence)}% confidence; ${evaluation.within_tolerable === true ? 'within' : evaluation.within_tolerable === false ? 'NOT within' : 'no'} tolerable rate ${str(evaluation.tolerable_rate)}%`
                      : str(s.outcome_sentence, 'Not evaluated.'),
                  ],
                ]}
              />
              <details>
                <summary>Method and the {items.length} sampled receipts (with their hashes and results)</summary>
                <p className="wp-method">{str(s.method)}</p>
                <table className="data-table compact">
                  <caption className="visually-hidden">Sampled receipts</caption>
                  <thead>
                    <tr>
                      <th scope="col">Receipt</th>
                      <th scope="col">Hash of its line</th>
                      <th scope="col">Results</th>
                    </tr>
                  </thead>
                  <tbody>
                    {items.map((item) => (
                      <tr key={str(item.hash)}>
                        <th scope="row" className="mono">
                          {str(item.receipt, '(not a valid receipt)')}
                        </th>
                        <td className="mono break">{str(item.hash)}</td>
                        <td>
                          {Object.entries(obj(item.results))
                            .map(([k, v]) => `${k}: ${str(v, 'not tested')}`)
                            .join(', ')}
                          {str(item.note) ? ` (${str(item.note)})` : ''}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </details>
            </div>
          );
        })}
      </section>

      <section aria-labelledby={h('conclusions')}>
        <h3 id={h('conclusions')}>Conclusion on each control</h3>
        <table className="data-table compact" data-testid={id('conclusions')}>
          <caption className="visually-hidden">Conclusions</caption>
          <thead>
            <tr>
              <th scope="col">Control</th>
              <th scope="col">Conclusion</th>
              <th scope="col">Note</th>
            </tr>
          </thead>
          <tbody>
            {conclusions.map((c) => (
              <tr key={str(c.control)}>
                <th scope="row">{str(c.control)}</th>
                <td>{str(c.conclusion)}</td>
                <td>{str(c.note)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}
