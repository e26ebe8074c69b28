import { formatCount, formatTime } from '../../components/format.ts';
import type { CompletenessEvidence } from '../../store/samples.ts';
import { completenessWarnings } from './record.ts';

const STATE_TONE: Record<string, string> = {
  verified: 'badge-good',
  unsealed: 'badge-warning',
  truncated: 'badge-bad',
  tampered: 'badge-bad',
  unverifiable: 'badge-bad',
};

/** The population's completeness evidence, as the verification established it when the sample was drawn. */
export function CompletenessPanel({ evidence }: { evidence: CompletenessEvidence }) {
  const warnings = completenessWarnings(evidence);
  return (
    <section className="panel" aria-labelledby="completeness-heading" data-testid="completeness">
      <h2 id="completeness-heading">Completeness of the population</h2>
      <p className="field-help">
        Recorded when the sample was drawn, from the archive’s verification: every ledger with its chain state, its
        checkpoints, and the period it proves continuous.
      </p>
      {warnings.length > 0 && (
        <div className="notice notice-error" data-testid="completeness-warnings">
          <p>The population cannot be shown complete:</p>
          <ul>
            {warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </div>
      )}
      <dl className="facts">
        <div>
          <dt>Archive</dt>
          <dd>
            {evidence.archiveName}
            {evidence.manifest && (
              <>
                {' '}
                <code className="muted">{evidence.manifest.archiveId}</code>, {evidence.manifest.organization}, claims{' '}
                {formatTime(evidence.manifest.period.from)} – {formatTime(evidence.manifest.period.to)}
              </>
            )}
          </dd>
        </div>
        <div>
          <dt>Examination period</dt>
          <dd data-testid="completeness-coverage">{evidence.coverage.sentence}</dd>
        </div>
        <div>
          <dt>Integrity findings</dt>
          <dd>{formatCount(evidence.integrityFindings)}</dd>
        </div>
      </dl>
      <table className="data-table compact completeness-ledgers" data-testid="completeness-ledgers">
        <thead>
          <tr>
            <th scope="col">Ledger</th>
            <th scope="col">Chain</th>
            <th scope="col" className="num">
              Receipts
            </th>
            <th scope="col" className="num">
              Seq
            </th>
            <th scope="col" className="num">
              Sealed to
            </th>
            <th scope="col" className="num">
              Checkpoints
            </th>
            <th scope="col">Proven continuous</th>
          </tr>
        </thead>
        <tbody>
          {evidence.ledgers.map((l) => (
            <tr key={l.ledger} data-testid="completeness-ledger" data-ledger={l.ledger} data-state={l.state}>
              <th scope="row">{l.ledger}</th>
              <td>
                <span className={`badge ${STATE_TONE[l.state] ?? 'badge-neutral'}`}>{l.state}</span>{' '}
                <span className="muted">{l.stateReason}</span>
              </td>
              <td className="num">{formatCount(l.receipts)}</td>
              <td className="num">{l.firstSeq === null ? '—' : `${l.firstSeq}–${l.lastSeq}`}</td>
              <td className="num">{l.sealedSeq ?? 'none'}</td>
              <td className="num">{formatCount(l.checkpoints)}</td>
              <td>{l.proven ? `${formatTime(l.proven.from)} – ${formatTime(l.proven.to)}` : 'nothing proven'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Checks of the verification</h3>
      <ul className="plain-list check-list" data-testid="completeness-checks">
        {evidence.checks.map((c) => (
          <li key={c.check}>
            <span className={`badge ${c.status === 'ran' ? 'badge-good' : 'badge-warning'}`}>
              {c.status === 'ran' ? 'ran' : 'not checked'}
            </span>{' '}
            {c.check}
            {c.reason && <span className="muted">: {c.reason}</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}
