import type { Finding } from '../../../shared/engine/findings.ts';
import { SeverityTag } from '../../components/SeverityTag.tsx';

const SHOWN = 50;

/** Findings of the current selection that are about the archive or a ledger, not one receipt. */
export function UnplacedFindings({ findings }: { findings: readonly Finding[] }) {
  return (
    <section className="panel" aria-labelledby="unplaced-heading" data-testid="unplaced-findings">
      <h2 id="unplaced-heading">
        {findings.length} finding{findings.length === 1 ? '' : 's'} not about a single receipt
      </h2>
      <ul className="finding-list">
        {findings.slice(0, SHOWN).map((f, i) => (
          <li key={i} data-testid="unplaced-finding" data-code={f.code}>
            <SeverityTag severity={f.severity} /> <code>{f.code}</code> {f.message}
            {(f.path || f.ledger) && (
              <span className="muted mono">
                {' '}
                {[f.ledger, f.path && `${f.path}${f.line ? `:${f.line}` : ''}`].filter(Boolean).join(' · ')}
              </span>
            )}
          </li>
        ))}
      </ul>
      {findings.length > SHOWN && <p className="muted">and {findings.length - SHOWN} more.</p>}
    </section>
  );
}
