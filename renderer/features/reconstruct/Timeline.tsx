import type { Explanation, StepRef } from '../../../shared/explain/explain.ts';
import { formatRoute } from '../../app/routes.ts';
import { formatTime } from '../../components/format.ts';
import type { RowRef } from './gather.ts';
import { missingSteps } from './material-rules.ts';

export type TimelineEntry =
  | { readonly kind: 'step'; readonly step: StepRef; readonly ref: RowRef | null; readonly current: boolean }
  | { readonly kind: 'gap'; readonly step: number };

/** The transaction's steps in step order (stored order among equals), with the step numbers missing marked. */
export function timelineOf(
  transaction: NonNullable<Explanation['transaction']>,
  stepRows: ReadonlyMap<string, RowRef>,
  current: { path: string; line: number },
): TimelineEntry[] {
  const steps: TimelineEntry[] = transaction.steps.map((step) => ({
    kind: 'step',
    step,
    ref: stepRows.get(`${step.path}:${step.line}`) ?? null,
    current: step.path === current.path && step.line === current.line,
  }));
  const gaps: TimelineEntry[] = missingSteps(transaction.steps.map((s) => s.step)).map((step) => ({
    kind: 'gap',
    step,
  }));
  const number = (e: TimelineEntry) => (e.kind === 'gap' ? e.step : e.step.step);
  // A stable sort: steps that share a number stay in stored order (a gap never shares one).
  return [...steps, ...gaps].sort((a, b) => number(a) - number(b));
}

export function Timeline({
  archiveId,
  transaction,
  entries,
  indexed,
  partlyRead,
}: {
  archiveId: string;
  transaction: NonNullable<Explanation['transaction']>;
  entries: readonly TimelineEntry[];
  indexed: boolean;
  partlyRead: boolean;
}) {
  const found = transaction.steps.length;
  const gaps = entries.filter((e) => e.kind === 'gap').length;
  return (
    <section className="panel recon-timeline" aria-labelledby="timeline-heading" data-testid="recon-timeline">
      <h2 id="timeline-heading">
        Transaction <span className="mono">{transaction.id}</span>
      </h2>
      <p className="muted">
        {found} step{found === 1 ? '' : 's'} found in this ledger
        {gaps > 0 ? `; ${gaps} step number${gaps === 1 ? '' : 's'} missing (marked)` : ''}.
        {partlyRead && ' Part of this ledger could not be read: a step may be in the part not read.'}
        {!indexed &&
          ' This import did not index transactions: only this receipt is shown; import the archive again to walk its transaction.'}
      </p>
      <ol className="txn-timeline" aria-label={`Steps of transaction ${transaction.id}`}>
        {entries.map((entry, i) =>
          entry.kind === 'gap' ? (
            <li key={`gap-${entry.step}`} className="txn-step txn-gap" data-testid="txn-gap" data-step={entry.step}>
              <span className="txn-step-no">Step {entry.step}</span>
              <span className="txn-gap-text">MISSING: no receipt for this step in the ledger</span>
            </li>
          ) : (
            <li
              key={`${entry.step.path}:${entry.step.line}:${i}`}
              className={`txn-step${entry.current ? ' txn-current' : ''}`}
              data-testid="txn-step"
              data-step={entry.step.step}
              data-receipt={entry.step.receipt}
              aria-current={entry.current ? 'step' : undefined}
            >
              {entry.ref && !entry.current ? (
                <a
                  className="txn-step-no"
                  href={formatRoute({ name: 'receipt', archiveId, receiptId: entry.ref.receiptId, row: entry.ref.row })}
                >
                  Step {entry.step.step}
                </a>
              ) : (
                <span className="txn-step-no">
                  Step {entry.step.step}
                  {entry.current && <span className="visually-hidden"> (shown)</span>}
                </span>
              )}
              <span className="num">{formatTime(entry.step.ts)}</span>
              <span>
                <span className={`effect-${entry.step.effect}`}>{entry.step.effect}</span> · {entry.step.status}
              </span>
              <span className="muted mono">seq {entry.step.seq}</span>
              {entry.step.end && (
                <span className={`badge ${entry.step.end === 'commit' ? 'badge-good' : 'badge-warning'}`}>
                  {entry.step.end}
                </span>
              )}
            </li>
          ),
        )}
      </ol>
    </section>
  );
}
