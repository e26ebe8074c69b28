import type { StoredReport } from '../../store/db.ts';

/**
 * Said before any detail of an ExecLayer log: its signatures are HMACs, so nothing in it is
 * independent evidence, whether or not they were checked here.
 */
export function HmacNote({ report }: { report: StoredReport }) {
  const hmac = report.checks.find((c) => c.check.startsWith('HMAC signatures'));
  const checked = hmac?.status === 'ran';
  return (
    <section className="evidence-note" aria-labelledby="hmac-note-heading" data-testid="execlayer-hmac-note">
      <h2 id="hmac-note-heading">Not independent evidence</h2>
      <p data-testid="execlayer-note">{report.summary.note}</p>
      <ul>
        <li data-testid="execlayer-hmac-status" data-status={checked ? 'ran' : 'not checked'}>
          {checked ? (
            <>
              The HMAC signatures were <strong>checked</strong> with the secret given for this verification. A valid one
              shows only that someone holding that secret made it: the gate’s operator could have made any of them.
            </>
          ) : (
            <>
              The HMAC signatures were <strong>not checked</strong>: no secret was given. Even with it, they would not
              be independent evidence.
            </>
          )}
        </li>
        <li>
          Record hashes and chain links show whether the log is consistent with itself. Anyone who can write the file
          can recompute them: they do not show who wrote it.
        </li>
        <li>No key you pinned anchors it: these logs carry no public-key signatures.</li>
        {report.format === 'execlayer-py' && (
          <li>Its end cannot be checked: the Python kernel writes no head or anchor, so a cut tail leaves no trace.</li>
        )}
      </ul>
    </section>
  );
}
