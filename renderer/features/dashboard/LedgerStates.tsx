import type { LedgerState, LedgerSummary } from '../../../shared/engine/types.ts';
import { formatRoute } from '../../app/routes.ts';
import { formatCount } from '../../components/format.ts';
import { stateCounts, useLedgerLimit } from './many-ledgers.tsx';

export const STATE_LABEL: Readonly<Record<LedgerState, string>> = {
  verified: 'Verified',
  unsealed: 'Unsealed tail',
  truncated: 'Truncated',
  tampered: 'Tampered',
  unverifiable: 'Unverifiable',
};

const STATE_TONE: Readonly<Record<LedgerState, string>> = {
  verified: 'good',
  unsealed: 'warning',
  truncated: 'bad',
  tampered: 'bad',
  unverifiable: 'neutral',
};

export function StateBadge({ state }: { state: LedgerState }) {
  return <span className={`badge badge-${STATE_TONE[state]}`}>{STATE_LABEL[state]}</span>;
}

const notVerified = (l: LedgerSummary) => l.state !== 'verified';

export function LedgerStates({ archiveId, ledgers }: { archiveId: string; ledgers: readonly LedgerSummary[] }) {
  const { shown, control } = useLedgerLimit(ledgers, notVerified, 'ledger-limit');
  return (
    <section className="panel" aria-labelledby="ledgers-heading">
      <h2 id="ledgers-heading">Ledgers</h2>
      {control && (
        <p data-testid="ledger-state-counts">
          {stateCounts(
            ledgers.map((l) => l.state),
            STATE_LABEL,
          )}
          .
        </p>
      )}
      {ledgers.length === 0 ? (
        <p className="muted">The archive holds no ledger that could be read.</p>
      ) : (
        <table className="data-table" data-testid="ledger-table">
          <thead>
            <tr>
              <th scope="col">Ledger</th>
              <th scope="col">Chain state</th>
              <th scope="col">Why</th>
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
            </tr>
          </thead>
          <tbody>
            {shown.map((l) => (
              <tr key={l.ledger} data-testid={`ledger-row-${l.ledger}`} data-state={l.state}>
                <th scope="row" className="mono">
                  {l.ledger}
                </th>
                <td data-testid="ledger-state">
                  <StateBadge state={l.state} />
                </td>
                <td className="reason">{l.stateReason}</td>
                <td className="num">
                  <a
                    href={formatRoute({ name: 'receipts', archiveId, query: { ledger: l.ledger } })}
                    aria-label={`${formatCount(l.receipts)} receipts in ${l.ledger}`}
                  >
                    {formatCount(l.receipts)}
                  </a>
                </td>
                <td className="num">
                  {l.firstSeq === null ? '—' : `${formatCount(l.firstSeq)}–${formatCount(l.lastSeq ?? l.firstSeq)}`}
                </td>
                <td className="num">{l.sealedSeq === null ? 'not sealed' : formatCount(l.sealedSeq)}</td>
                <td className="num">{formatCount(l.checkpoints)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {control}
    </section>
  );
}
