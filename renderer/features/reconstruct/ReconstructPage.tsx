/**
 * Decision reconstruction: one receipt walked step by step on its transaction's timeline,
 * with what was asked, on what data, what was decided and why, who approved, and the
 * evidence for each, as `explainReceipt` judged it (shared/explain/explain.ts, the same
 * checks as `tickmark explain`, in a worker). Keys: ← → the transaction's steps, [ ] the
 * ledger's receipts before and after.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { Finding } from '../../../shared/engine/findings.ts';
import type { Explanation } from '../../../shared/explain/explain.ts';
import { REPLAY_PENDING } from '../../../shared/explain/replay-pending.ts';
import { formatRoute } from '../../app/routes.ts';
import { navigate } from '../../app/use-route.ts';
import { formatTime } from '../../components/format.ts';
import type { ExplainTimings } from '../../workers/explain-protocol.ts';
import { explainInWorker, warmExplainWorker } from './explain-client.ts';
import { gatherMaterials, locateReceipt, type Gathered, type Locate, type RowRef } from './gather.ts';
import { evidenceShown } from './material-rules.ts';
import { useRowSource, type RowSource } from './row-source.ts';
import { FindingItem } from './parts.tsx';
import {
  ApprovalSection,
  DataSection,
  DecisionSection,
  EvidenceSection,
  IntentSection,
  IoSection,
} from './sections.tsx';
import { Timeline, timelineOf } from './Timeline.tsx';
import { WorkpaperButton } from './WorkpaperButton.tsx';

interface Props {
  readonly archiveId: string;
  readonly receiptId: string;
  readonly row: number | undefined;
}

type View =
  | { readonly status: 'loading' }
  | { readonly status: 'failed'; readonly message: string }
  | {
      readonly status: 'ready';
      readonly gathered: Gathered;
      readonly explanation: Explanation;
      readonly workerMs: number;
      /** When the receipt's row was known and its materials began to be gathered, ms after the address was reached. */
      readonly gatherFrom: number;
      /** When the worker's first answer arrived, ms after the address was reached (from there to first on screen is rendering). */
      readonly answeredAt: number;
      /** Null while only the judgment without Cedar has come. */
      readonly timings: ExplainTimings | null;
      /** A newer receipt is being reconstructed; this one stays on screen meanwhile. */
      readonly busy: boolean;
      /** Judged without Cedar, which is still loading: the decision's replay is to come. */
      readonly pending: boolean;
    };

/**
 * A step of the view's way to the screen, marked for the Performance panel and for
 * test/bench/trace-reconstruct.ts. Only the latest of each name is kept (a trace records every
 * one), so walking thousands of receipts does not grow the page's timeline.
 */
function markStep(step: 'gathering' | 'gathered' | 'answered' | 'shown'): void {
  const name = `reconstruct: ${step}`;
  performance.clearMarks(name);
  performance.mark(name);
}

export function ReconstructPage({ archiveId, receiptId, row }: Props) {
  // Cedar loads in the worker while the archive is read here.
  useEffect(warmExplainWorker, []);
  const state = useRowSource(archiveId);
  const source = state.status === 'ready' ? state.source : null;
  // When this address was reached: the view's time on screen is measured from here.
  // (By row when there is one: adding the id to a row's address is not a new navigation.)
  const routeKey = row !== undefined ? `row ${row}` : `id ${receiptId}`;
  const reached = useRef({ key: routeKey, at: performance.now() });
  if (reached.current.key !== routeKey) reached.current = { key: routeKey, at: performance.now() };
  // When the stored archive was open for this address, ms after it was reached (said on the page
  // for the benchmark: the time before the receipt's row is looked up).
  const sourceAt = useRef<{ for: object; ms: number } | null>(null);
  if (source && sourceAt.current?.for !== reached.current)
    sourceAt.current = { for: reached.current, ms: performance.now() - reached.current.at };

  // The row the address names, found in the source (a block or a lookup bucket may be read).
  const [located, setLocated] = useState<{ key: string; source: RowSource; value: Locate } | null>(null);
  const locateKey = `${receiptId}\n${row ?? ''}`;
  const current = located && located.key === locateKey && located.source === source ? located.value : null;
  const [locateError, setLocateError] = useState<string | null>(null);
  useEffect(() => {
    if (!source) return undefined;
    let live = true;
    setLocateError(null);
    locateReceipt(source, receiptId, row).then(
      async (value) => {
        // An address by row alone (the explorer's link) gets the receipt's id, so it can be shared.
        // The row is located under the new address before going there, so the receipt is
        // gathered at once rather than after the new address has been located again.
        if (value.ok && receiptId === '' && source.idsIndexed) {
          await source.load([value.row]);
          const id = source.receiptIdAt(value.row);
          if (live && id !== '') {
            setLocated({ key: `${id}\n${value.row}`, source, value });
            navigate({ name: 'receipt', archiveId, receiptId: id, row: value.row }, { replace: true });
            return;
          }
        }
        if (live) setLocated({ key: locateKey, source, value });
      },
      (error: Error) => live && setLocateError(error.message),
    );
    return () => {
      live = false;
    };
  }, [source, receiptId, row, locateKey, archiveId]);

  const locatedRow = current?.ok ? current.row : null;
  const [view, setView] = useState<View>({ status: 'loading' });
  useEffect(() => {
    if (!source || locatedRow === null) return undefined;
    let live = true;
    setView((v) => (v.status === 'ready' ? { ...v, busy: true } : { status: 'loading' }));
    (async () => {
      const gatherFrom = performance.now() - reached.current.at;
      let firstAnswer: number | null = null;
      markStep('gathering');
      const gathered = await gatherMaterials(source, locatedRow);
      markStep('gathered');
      const { explanation, ms, timings } = await explainInWorker(
        gathered.materials,
        source.archive.trustedRoots,
        (p) => {
          const answeredAt = performance.now() - reached.current.at;
          if (firstAnswer === null) markStep('answered');
          firstAnswer ??= answeredAt;
          // Shown at once; the whole judgment replaces it (never the other way round).
          if (live)
            setView((v) =>
              v.status === 'ready' && !v.busy && !v.pending
                ? v
                : {
                    status: 'ready',
                    gathered,
                    explanation: p.explanation,
                    workerMs: p.ms,
                    gatherFrom,
                    answeredAt,
                    timings: null,
                    busy: false,
                    pending: true,
                  },
            );
        },
      );
      if (live)
        setView({
          status: 'ready',
          gathered,
          explanation,
          workerMs: ms,
          gatherFrom,
          answeredAt: firstAnswer ?? performance.now() - reached.current.at,
          timings,
          busy: false,
          pending: false,
        });
    })().catch((error: Error) => live && setView({ status: 'failed', message: error.message }));
    return () => {
      live = false;
    };
    // Keyed on the row: an address that only gains the receipt's id is the same receipt.
  }, [source, locatedRow]);

  const pageRef = useRef<HTMLDivElement>(null);
  const shownRow = view.status === 'ready' && !view.busy ? view.gathered.row : null;
  const complete = view.status === 'ready' && !view.busy && !view.pending;
  // The navigation whose first paint was already said (the judgment without Cedar, or the whole one).
  const shownFor = useRef<object | null>(null);
  // A layout effect, run as React writes the view into the page: the animation frame asked for
  // here is the one that paints it. (A passive effect runs after that frame, and a frame asked
  // for there is the next one, which a busy thread pool or a collection can put off by 50 ms or
  // more: traces (test/bench/trace-reconstruct.ts) showed the view painted that long before the
  // page said so.)
  useLayoutEffect(() => {
    // Said on the page once painted, for the e2e test and the benchmark: when the receipt
    // was first on screen (shown), and when with every check made (ready).
    if (shownRow === null) return undefined;
    const frame = requestAnimationFrame(() => {
      const el = pageRef.current;
      if (!el) return;
      const since = (performance.now() - reached.current.at).toFixed(1);
      if (shownFor.current !== reached.current) {
        const at = reached.current;
        shownFor.current = at;
        el.dataset.shownRow = String(shownRow);
        el.dataset.shownMs = since;
        markStep('shown');
        // The frame's style, layout and paint come after this callback: a task queued now runs
        // once they are done, so this says when the receipt was painted.
        delete el.dataset.paintedMs;
        setTimeout(() => {
          if (shownFor.current === at) el.dataset.paintedMs = (performance.now() - at.at).toFixed(1);
        }, 0);
      }
      if (!complete) return;
      el.dataset.readyRow = String(shownRow);
      el.dataset.readyMs = since;
    });
    return () => cancelAnimationFrame(frame);
  }, [shownRow, complete]);

  const timeline = useMemo(() => {
    if (view.status !== 'ready' || !view.explanation.transaction) return null;
    const { explanation, gathered } = view;
    return timelineOf(explanation.transaction as NonNullable<Explanation['transaction']>, gathered.stepRows, {
      path: explanation.receipt.path,
      line: explanation.receipt.line,
    });
  }, [view]);

  const go = (ref: RowRef | null) => {
    if (ref) navigate({ name: 'receipt', archiveId, receiptId: ref.receiptId, row: ref.row });
  };
  const steps = (timeline ?? []).flatMap((e) => (e.kind === 'step' && e.ref ? [e] : []));
  const at = steps.findIndex((e) => e.current);
  const previousStep = at > 0 ? (steps[at - 1]?.ref ?? null) : null;
  const nextStep = at >= 0 && at + 1 < steps.length ? (steps[at + 1]?.ref ?? null) : null;
  const ready = view.status === 'ready' ? view : null;
  const moves = useRef({
    previousStep,
    nextStep,
    previous: ready?.gathered.previous ?? null,
    next: ready?.gathered.next ?? null,
  });
  moves.current = {
    previousStep,
    nextStep,
    previous: ready?.gathered.previous ?? null,
    next: ready?.gathered.next ?? null,
  };
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      const target = event.target as HTMLElement | null;
      if (target?.closest('input, textarea, select, [contenteditable="true"]')) return;
      const m = moves.current;
      const ref =
        event.key === 'ArrowLeft'
          ? m.previousStep
          : event.key === 'ArrowRight'
            ? m.nextStep
            : event.key === '['
              ? m.previous
              : event.key === ']'
                ? m.next
                : undefined;
      if (ref === undefined) return;
      event.preventDefault();
      go(ref);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
    // `go` only reads archiveId, which keys this page.
  }, []);

  if (state.status === 'loading') return <p className="muted">Reading the stored archive…</p>;
  if (state.status === 'failed' || state.status === 'missing' || !source) {
    return (
      <div className="page" data-testid="reconstruct-missing">
        <h1>Archive not found</h1>
        <p>{state.status === 'failed' ? state.message : 'No complete archive with this id is stored here.'}</p>
        <a href={formatRoute({ name: 'start' })}>Back to start</a>
      </div>
    );
  }
  if (current && !current.ok) {
    return (
      <div className="page" data-testid="reconstruct-not-found">
        <h1>Receipt not found</h1>
        <p>{current.message}</p>
        <a href={formatRoute({ name: 'receipts', archiveId, query: {} })}>Open the receipts explorer</a>
      </div>
    );
  }
  // Looking the receipt up failed (the store could not be read): not "not found".
  if (view.status === 'failed' || locateError !== null)
    return (
      <div className="page" data-testid="reconstruct-failed">
        <h1>The receipt could not be reconstructed</h1>
        <p className="notice notice-error" role="alert">
          {locateError ?? (view.status === 'failed' ? view.message : '')}
        </p>
        <a href={formatRoute({ name: 'receipts', archiveId, query: {} })}>Open the receipts explorer</a>
      </div>
    );
  if (view.status === 'loading') return <p className="muted">Reconstructing the decision…</p>;

  const { gathered: g, explanation: e } = view;
  const r = e.receipt;
  const archive = source.archive;
  const sealingLine = e.evidence.checkpoint.line;
  const evidenceFindings = evidenceShown(g.findings.evidence, g.ledger, sealingLine);
  return (
    <div
      ref={pageRef}
      className="page reconstruct-page"
      data-testid="reconstruct-page"
      data-busy={view.busy ? 'true' : 'false'}
      data-pending={view.pending ? 'true' : 'false'}
      data-gather-ms={g.ms.toFixed(1)}
      data-gather-from-ms={view.gatherFrom.toFixed(1)}
      data-source-ready-ms={sourceAt.current?.ms.toFixed(1)}
      data-gather-phases={g.phases}
      data-answered-ms={view.answeredAt.toFixed(1)}
      data-source={source.kind}
      data-worker-ms={view.workerMs.toFixed(1)}
      data-worker-timings={
        view.timings
          ? `arrived ${view.timings.arrivedAt.toFixed(0)} (${view.timings.warmSteps} warm-up steps), ${view.timings.partial === null ? 'no partial' : `partial ${view.timings.partial.toFixed(0)} (ahead ${view.timings.ahead?.toFixed(0) ?? '-'})`}, Cedar wait ${view.timings.cedarWait.toFixed(0)}, explain ${view.timings.explain.toFixed(0)}`
          : 'partial'
      }
      aria-busy={view.busy || view.pending}
    >
      <header className="panel recon-head">
        <p className="eyebrow">Decision reconstruction · {archive.name}</p>
        <h1 data-testid="recon-receipt-id">
          {e.value ? (
            <>
              Receipt <span className="mono">{r.id}</span>
            </>
          ) : (
            'A stored line that is not a valid receipt'
          )}
        </h1>
        <dl className="facts facts-inline">
          <div>
            <dt>Ledger</dt>
            <dd className="mono" data-testid="recon-ledger-seq">
              {r.ledger}#{e.value ? r.seq : '?'}
            </dd>
          </div>
          <div>
            <dt>Time</dt>
            <dd className="num">{e.value ? formatTime(r.ts) : '—'}</dd>
          </div>
          <div>
            <dt>Stored at</dt>
            <dd className="mono">
              {r.path} line {r.line}
            </dd>
          </div>
          <div>
            <dt>Line hash</dt>
            <dd className="mono break">{r.hash}</dd>
          </div>
        </dl>
        {e.malformed && (
          <p className="notice notice-error" data-testid="recon-malformed">
            {e.malformed}
          </p>
        )}
        <Verdict e={e} g={g} />
        <div className="recon-actions">
          <a href={formatRoute({ name: 'receipts', archiveId, query: {}, row: g.row })} data-testid="recon-explorer">
            Show in the receipts explorer
          </a>
          <a href={formatRoute({ name: 'dashboard', archiveId })} data-testid="recon-dashboard">
            Dashboard
          </a>
          {e.value && (
            <WorkpaperButton
              target={{
                engagementId: archive.engagementId,
                archiveId,
                receiptId: r.id,
                ledger: r.ledger,
                seq: r.seq,
                hash: r.hash,
              }}
            />
          )}
        </div>
        <nav className="recon-walk" aria-label="Walk">
          <button type="button" disabled={!previousStep} onClick={() => go(previousStep)} data-testid="walk-prev-step">
            ← Previous step
          </button>
          <button type="button" disabled={!nextStep} onClick={() => go(nextStep)} data-testid="walk-next-step">
            Next step →
          </button>
          <button type="button" disabled={!g.previous} onClick={() => go(g.previous)} data-testid="walk-prev-receipt">
            [ Previous receipt in the ledger
          </button>
          <button type="button" disabled={!g.next} onClick={() => go(g.next)} data-testid="walk-next-receipt">
            Next receipt in the ledger ]
          </button>
          <span className="muted">
            Keys: <kbd>←</kbd> <kbd>→</kbd> steps of the transaction · <kbd>[</kbd> <kbd>]</kbd> receipts of ledger{' '}
            {g.ledger}, in stored order
          </span>
          {view.busy && (
            <span className="muted" role="status">
              Reconstructing…
            </span>
          )}
        </nav>
      </header>

      {!g.filesKept && (
        <p className="notice" data-testid="recon-no-files">
          This archive was imported before reconstruction was available: import it again to see policies, keys,
          checkpoints and attachments. What the stored lines and the report show is below; nothing that needs those
          files is shown as checked.
        </p>
      )}
      {g.notKept.length > 0 && (
        <p className="notice" data-testid="recon-not-kept">
          Larger than the store keeps, so not read here: {g.notKept.join(', ')}. What depends on them is shown as not
          checked.
        </p>
      )}

      {e.transaction && timeline && (
        <Timeline
          archiveId={archiveId}
          transaction={e.transaction}
          entries={timeline}
          indexed={g.transactionIndexed}
          partlyRead={g.materials.ledgerPartlyRead}
        />
      )}

      <div className="two-columns recon-columns">
        <IntentSection e={e} line={g.materials.target.text} />
        <div className="recon-stack">
          <DataSection e={e} filesKept={g.filesKept} />
          <ApprovalSection e={e} filesKept={g.filesKept} />
        </div>
      </div>
      <IoSection e={e} filesKept={g.filesKept} />
      <DecisionSection e={e} filesKept={g.filesKept} />
      <EvidenceSection e={e} g={g} archiveId={archiveId} />

      <section className="panel recon-section" aria-labelledby="findings-heading" data-testid="recon-findings">
        <h2 id="findings-heading">7. Findings</h2>
        <p className="muted">
          From the full verification of the archive made at import ({formatTime(archive.completedAt ?? null)}).
        </p>
        <FindingGroup title="On this receipt" findings={g.findings.receipt} testId="findings-receipt" />
        <FindingGroup
          title="On the other steps of its transaction"
          findings={g.findings.transaction}
          testId="findings-transaction"
        />
        <FindingGroup
          title="On the evidence it rests on (manifest, keys, its bundle, its checkpoint)"
          findings={evidenceFindings}
          testId="findings-evidence"
        />
      </section>

      <section className="panel recon-section" aria-labelledby="checks-heading" data-testid="recon-checks">
        <h2 id="checks-heading">What this reconstruction checked</h2>
        <ul className="plain-list">
          {checksShown(e.checks, g.filesKept, e.value !== null).map((c, i) => (
            <li key={i}>
              <span className={`badge ${c.status === 'ran' ? 'badge-good' : 'badge-neutral'}`}>
                {c.status === 'ran' ? 'ran' : 'not checked'}
              </span>{' '}
              {c.check}
              {c.reason && <span className="muted"> ({c.reason})</span>}
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}

const NOT_KEPT = 'the archive’s files were not kept at import';

/**
 * The checks as the explanation lists them. Those on the receipt's key, signature, bundle
 * and decision ran on nothing when the archive's files were not kept, or when the line is
 * not a valid receipt: they are said to be not checked here, with why.
 */
function checksShown(checks: Explanation['checks'], filesKept: boolean, isReceipt: boolean): Explanation['checks'] {
  if (filesKept && isReceipt) return checks;
  const reason = isReceipt ? NOT_KEPT : 'the line is not a valid receipt';
  return [
    ...checks.flatMap((c) =>
      c.check.startsWith('The receipt:')
        ? [{ check: 'The receipt: stored form and schema', status: 'ran' as const }]
        : c.check.startsWith('Its decision')
          ? []
          : [c],
    ),
    {
      check: isReceipt
        ? 'Its key and signature, bundle in effect, decision re-evaluated, tier, recipient, approval; its checkpoint and the manifest'
        : 'Its key and signature, bundle in effect, decision re-evaluated, tier, recipient, approval',
      status: 'not checked' as const,
      reason,
    },
  ];
}

function Verdict({ e, g }: { e: Explanation; g: Gathered }) {
  const d = e.decision;
  const codes = [...new Set(g.findings.receipt.map((f) => f.code))];
  const txn = g.findings.transaction.length;
  const replayNote =
    e.decision?.agrees === null && e.decision.notReplayed && !e.replayPending
      ? ` The decision was not replayed here: ${g.filesKept ? e.decision.notReplayed : 'the bundles were not kept at import'}.`
      : '';
  // Without Cedar yet, no verdict: neither "holds" nor "findings" is known until the replay.
  const tone = e.replayPending ? 'pending' : e.holds ? 'good' : 'bad';
  return (
    <div
      className={`verdict verdict-${tone}`}
      data-testid="recon-verdict"
      data-holds={e.replayPending ? 'pending' : e.holds}
    >
      <p className="verdict-sentence" role={e.replayPending ? 'status' : undefined}>
        {e.replayPending
          ? 'Checking: the decision is being re-performed with Cedar…'
          : e.holds
            ? 'Holds: no finding touches this receipt or its decision.'
            : e.decision?.agrees === false
              ? 'Findings: the recorded decision differs from the re-performed one.'
              : 'Findings touch this receipt or its decision.'}
      </p>
      {d?.recorded && (
        <p className="verdict-detail" data-testid="verdict-outcomes">
          Recorded <strong className={`effect-${d.recorded.effect}`}>{d.recorded.effect.toUpperCase()}</strong> by [
          {d.recorded.policies.join(', ')}] ·{' '}
          {d.replayed ? (
            <>
              re-performed <strong className={`effect-${d.replayed.effect}`}>{d.replayed.effect.toUpperCase()}</strong>{' '}
              by [{d.replayed.policies.join(', ')}]{' '}
              {d.agrees ? (
                <span className="badge badge-good">agrees</span>
              ) : (
                <span className="badge badge-bad">DIFFERS</span>
              )}
            </>
          ) : d.notReplayed === REPLAY_PENDING ? (
            're-performing…'
          ) : (
            'not re-performed here (see 4. Decision)'
          )}
        </p>
      )}
      <p className="verdict-detail">
        {codes.length > 0 && (
          <>
            On this receipt:{' '}
            {codes.map((c, i) => (
              <span key={c}>
                {i > 0 && ', '}
                <code>{c}</code>
              </span>
            ))}
            .{' '}
          </>
        )}
        {txn > 0 && `${txn} finding${txn === 1 ? '' : 's'} on other steps of its transaction. `}
        {replayNote}
      </p>
    </div>
  );
}

function FindingGroup({ title, findings, testId }: { title: string; findings: readonly Finding[]; testId: string }) {
  return (
    <div data-testid={testId} data-count={findings.length}>
      <h3>
        {title} ({findings.length})
      </h3>
      {findings.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul className="finding-list">
          {findings.map((f, i) => (
            <FindingItem key={i} f={f} />
          ))}
        </ul>
      )}
    </div>
  );
}
