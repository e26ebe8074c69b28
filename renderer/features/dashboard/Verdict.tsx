import { categoryOf, type Finding, type FindingCode } from '../../../shared/engine/findings.ts';
import { formatRoute } from '../../app/routes.ts';
import { formatCount } from '../../components/format.ts';
import type { StoredReport } from '../../store/db.ts';

/** One sentence on whether the evidence can be relied on, before any detail. */
export function Verdict({
  report,
  findings,
  archiveId,
}: {
  report: StoredReport;
  findings: readonly Finding[];
  archiveId: string;
}) {
  const integrity = findings.filter(
    (f) => f.severity !== 'warning' && categoryOf(f.code as FindingCode) === 'integrity',
  ).length;
  const notes = findings.filter((f) => f.severity === 'warning').length;
  const control = report.summary.control_findings;
  const notChecked = report.checks.filter((c) => c.status === 'not checked').length;
  let tone: 'bad' | 'warn' | 'good';
  let sentence: string;
  if (integrity > 0) {
    tone = 'bad';
    sentence = `The evidence cannot be relied on as it stands: ${formatCount(integrity)} integrity finding${integrity === 1 ? '' : 's'}.`;
  } else if (report.format === 'execlayer-py' || report.format === 'execlayer-v4') {
    tone = 'warn';
    sentence =
      'The log is consistent with itself (record hashes and chain), but it is not independent evidence: its signatures are HMACs, and no key you pinned anchors it.';
  } else if (!report.summary.trusted) {
    tone = 'bad';
    sentence = 'The evidence is not anchored in a root key you trust.';
  } else if (control > 0) {
    tone = 'warn';
    sentence = `The evidence holds up, and shows ${formatCount(control)} control finding${control === 1 ? '' : 's'}: controls that did not operate as designed.`;
  } else {
    tone = 'good';
    sentence = 'The evidence verified against your pinned root, with no integrity or control finding.';
  }
  return (
    <section className={`verdict verdict-${tone}`} aria-labelledby="verdict-heading" data-testid="verdict">
      <h2 id="verdict-heading" className="visually-hidden">
        Verdict
      </h2>
      <p className="verdict-sentence" data-testid="verdict-sentence">
        {sentence}
      </p>
      <ul className="verdict-facts">
        <li>
          <a
            href={formatRoute({ name: 'receipts', archiveId, query: { category: 'integrity' } })}
            data-testid="verdict-integrity"
          >
            {formatCount(integrity)} integrity
          </a>
        </li>
        <li>
          <a
            href={formatRoute({ name: 'receipts', archiveId, query: { category: 'control' } })}
            data-testid="verdict-control"
          >
            {formatCount(control)} control
          </a>
        </li>
        {notes > 0 && (
          <li>
            <a
              href={formatRoute({ name: 'receipts', archiveId, query: { severity: 'warning' } })}
              data-testid="verdict-notes"
            >
              {formatCount(notes)} note{notes === 1 ? '' : 's'}
            </a>
          </li>
        )}
        {notChecked > 0 && (
          <li data-testid="verdict-not-checked">
            <a href="#checks-heading">
              {notChecked} check{notChecked === 1 ? '' : 's'} not run
            </a>
          </li>
        )}
      </ul>
    </section>
  );
}
