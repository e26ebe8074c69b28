import type { CheckStatus } from '../../../shared/engine/types.ts';

/** Which families of checks ran. One that did not run is "not checked", never "passed". */
export function ChecksList({ checks }: { checks: readonly CheckStatus[] }) {
  return (
    <section className="panel" aria-labelledby="checks-heading">
      <h2 id="checks-heading">Checks</h2>
      <table className="data-table" data-testid="checks-table">
        <thead>
          <tr>
            <th scope="col">Check</th>
            <th scope="col">Status</th>
            <th scope="col">Why not</th>
          </tr>
        </thead>
        <tbody>
          {checks.map((c) => (
            <tr key={c.check} data-testid="check-row" data-status={c.status}>
              <th scope="row">{c.check}</th>
              <td>
                {c.status === 'ran' ? (
                  <span className="badge badge-neutral">Ran</span>
                ) : (
                  <span className="badge badge-warning">Not checked</span>
                )}
              </td>
              <td className="reason">{c.reason ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">“Ran” means the check was performed; its findings, if any, are listed above.</p>
    </section>
  );
}
