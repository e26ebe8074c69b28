/**
 * The reconstruction of one line of an ExecLayer log (docs/FORMAT-EXECLAYER.md): what the
 * agent asked to do, the kernel's rule trace step by step, its verdict as written, the line's
 * record-hash, chain-link and HMAC status from the verification made at import, and its
 * findings. There is no Cedar request or signed bundle to re-perform, and the page says so.
 * The model is `explainExeclayerLine` (shared/execlayer/explain.ts), the same as
 * `tickmark explain <log> --line N`. Keys: [ ] (or ← →) the lines before and after.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Finding } from '../../../shared/engine/findings.ts';
import {
  explainExeclayerLine,
  lineHolds,
  type ExeclayerExplanation,
  type ExeclayerLineText,
  type LineCheck,
  type RecordedField,
  type TraceStep,
} from '../../../shared/execlayer/explain.ts';
import { useLoadedArchive } from '../../app/loaded-archives.ts';
import { formatRoute } from '../../app/routes.ts';
import { navigate } from '../../app/use-route.ts';
import { ArchiveNotReady } from '../../components/ArchiveNotReady.tsx';
import { readSingleLedgerTexts, type LoadedArchive } from '../../store/archives.ts';
import { findReceiptRow, receiptIdOf } from '../../workers/receipt-table.ts';
import { Fact, FindingItem, Section } from '../reconstruct/parts.tsx';
import { isExeclayerFormat, locateLine } from './execlayer-view.ts';

interface Props {
  readonly archiveId: string;
  readonly receiptId: string;
  readonly line: number | undefined;
}

const idOfRow = (table: LoadedArchive['table'], row: number) =>
  table.missing.includes('receiptId') ? '' : receiptIdOf(table, row);

export function ExeclayerReconstructPage({ archiveId, receiptId, line }: Props) {
  const state = useLoadedArchive(archiveId);
  const loaded = state.status === 'ready' ? state.loaded : null;
  const files = loaded?.archive.execlayer?.files ?? [];
  const path = files.find((f) => f.role === 'log')?.path ?? loaded?.archive.report.ledgers[0]?.segments[0] ?? 'log';
  const headPath = files.find((f) => f.role === 'head')?.path;
  const located = useMemo(() => {
    if (!loaded) return null;
    const { table } = loaded;
    return locateLine(
      table,
      { line, receiptId },
      path,
      (r) => idOfRow(table, r),
      (id) => (table.missing.includes('receiptId') ? undefined : findReceiptRow(table, id)),
    );
  }, [loaded, line, receiptId, path]);
  const row = located?.ok ? located.row : null;

  // An address by receipt alone gets its line, so the address says which line is shown.
  useEffect(() => {
    if (!loaded || row === null || line !== undefined) return;
    navigate({ name: 'receipt', archiveId, receiptId, line: loaded.table.line[row] as number }, { replace: true });
  }, [loaded, row, line, archiveId, receiptId]);

  const [texts, setTexts] = useState<{ row: number; texts: Map<number, string> } | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => {
    if (!loaded || row === null) return undefined;
    let live = true;
    readSingleLedgerTexts(loaded, [row - 1, row, row + 1]).then(
      (t) => live && setTexts({ row, texts: t }),
      (error: Error) => live && setFailed(error.message),
    );
    return () => {
      live = false;
    };
  }, [loaded, row, archiveId]);

  const explanation = useMemo((): ExeclayerExplanation | null => {
    if (!loaded || !texts || texts.row !== row || row === null) return null;
    const { table, archive, findings } = loaded;
    if (!isExeclayerFormat(archive.report.format)) return null;
    const at = (r: number): ExeclayerLineText | null => {
      const text = texts.texts.get(r);
      return text === undefined ? null : { line: table.line[r] as number, text };
    };
    const target = at(row);
    if (target === null) return null;
    return explainExeclayerLine({
      kind: archive.report.format,
      path,
      ...(headPath !== undefined ? { headPath } : {}),
      target,
      previous: at(row - 1),
      next: at(row + 1),
      report: { findings, checks: archive.report.checks },
    });
  }, [loaded, texts, row, path, headPath]);

  const go = (r: number) => {
    if (!loaded || r < 0 || r >= loaded.table.count) return;
    navigate({ name: 'receipt', archiveId, receiptId: idOfRow(loaded.table, r), line: loaded.table.line[r] as number });
  };
  const moves = useRef({ previous: -1, next: -1 });
  moves.current = {
    previous: row !== null && row > 0 ? row - 1 : -1,
    next: row !== null && loaded && row + 1 < loaded.table.count ? row + 1 : -1,
  };
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      const target = event.target as HTMLElement | null;
      if (target?.closest('input, textarea, select, [contenteditable="true"]')) return;
      const to =
        event.key === '[' || event.key === 'ArrowLeft'
          ? moves.current.previous
          : event.key === ']' || event.key === 'ArrowRight'
            ? moves.current.next
            : undefined;
      if (to === undefined || to < 0) return;
      event.preventDefault();
      go(to);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
    // `go` reads the loaded table, which keys this page with the archive.
  }, [loaded]);

  if (state.status !== 'ready' || !loaded) return <ArchiveNotReady state={state} />;
  if (located && !located.ok)
    return (
      <div className="page" data-testid="xl-recon-not-found">
        <h1>Line not found</h1>
        <p>{located.message}</p>
        <a href={formatRoute({ name: 'receipts', archiveId, query: {} })}>The log’s lines</a>
      </div>
    );
  if (failed)
    return (
      <div className="page" data-testid="xl-recon-failed">
        <h1>The line could not be read</h1>
        <p className="notice notice-error" role="alert">
          {failed}
        </p>
      </div>
    );
  if (!explanation || row === null) return <p className="muted">Reading the line…</p>;

  const e = explanation;
  const holds = lineHolds(e);
  const { table, archive } = loaded;
  return (
    <div
      className="page reconstruct-page execlayer-recon"
      data-testid="xl-recon"
      data-line={e.line}
      data-receipt={e.receipt ?? ''}
    >
      <header className="panel recon-head">
        <p className="eyebrow">Reconstruction of an ExecLayer line · {archive.name}</p>
        <h1 data-testid="xl-recon-title">
          {e.entry === 'receipt' ? (
            <>
              Receipt <span className="mono">{e.receipt ?? '(no id)'}</span>
            </>
          ) : e.entry === 'event' ? (
            'ALLOW event (no receipt)'
          ) : (
            'A line that is not a readable record'
          )}
        </h1>
        <dl className="facts facts-inline">
          <Fact label="Kernel">{e.kernel}</Fact>
          <Fact label="Stored at">
            <span className="mono">
              {e.path} line {e.line}
            </span>
          </Fact>
          <Fact label="Time (as recorded)">{e.time ?? <span className="muted">none recorded</span>}</Fact>
          <Fact label="Line hash">
            <span className="mono break">{e.lineHash}</span>
          </Fact>
        </dl>
        <div className={`verdict ${holds ? 'verdict-warn' : 'verdict-bad'}`} data-testid="xl-recon-verdict">
          <p className="verdict-sentence">
            The kernel recorded <strong data-testid="xl-verdict-status">{e.verdict.status ?? 'no outcome'}</strong>
            {e.entry === 'event' ? ' (an event: no receipt, not signed)' : ''}.
          </p>
          <p className="verdict-detail">
            {holds
              ? 'No finding on this line. Its hash and chain links hold as recorded; that is consistency, not authorship (see the HMAC note).'
              : `Findings touch this line: ${[...new Set(e.findings.map((f) => f.code))].join(', ') || 'a check below fails'}.`}
          </p>
          {e.verdict.notes.map((n, i) => (
            <p key={i} className="verdict-detail" data-testid="xl-recon-verdict-note">
              <strong>Note:</strong> {n}
            </p>
          ))}
        </div>
        <p className="notice" data-testid="xl-reperform">
          {e.reperform}
        </p>
        <div className="recon-actions">
          <a href={formatRoute({ name: 'receipts', archiveId, query: {}, row })} data-testid="xl-recon-lines">
            Show among the log’s lines
          </a>
          <a href={formatRoute({ name: 'dashboard', archiveId })}>Dashboard</a>
        </div>
        <nav className="recon-walk" aria-label="Walk the log">
          <button type="button" disabled={row === 0} onClick={() => go(row - 1)} data-testid="xl-prev-line">
            [ Previous line
          </button>
          <button
            type="button"
            disabled={row + 1 >= table.count}
            onClick={() => go(row + 1)}
            data-testid="xl-next-line"
          >
            Next line ]
          </button>
          <span className="muted">
            Keys: <kbd>[</kbd> <kbd>]</kbd> or <kbd>←</kbd> <kbd>→</kbd> the lines of {e.path}, in stored order (line{' '}
            {e.line}, {row + 1} of {table.count})
          </span>
        </nav>
      </header>

      {e.unreadable && (
        <p className="notice notice-error" data-testid="xl-unreadable">
          {e.unreadable}
        </p>
      )}

      <div className="two-columns recon-columns">
        <Section id="xl-intent" title="1. Intent: what the agent asked to do" testId="xl-intent">
          <FieldList fields={e.intent.fields} testId="xl-intent-field" />
          {e.intent.notes.map((n, i) => (
            <p key={i} className="muted">
              {n}
            </p>
          ))}
        </Section>
        <Section id="xl-verdict" title="2. Verdict, as the kernel wrote it" testId="xl-verdict">
          <p className="xl-status">
            <StatusBadge value={e.verdict.status} />
          </p>
          <FieldList fields={e.verdict.fields} testId="xl-verdict-field" />
          {e.verdict.notes.map((n, i) => (
            <p key={i} className="notice notice-error" data-testid="xl-verdict-note">
              {n}
            </p>
          ))}
        </Section>
      </div>

      <Section id="xl-trace" title="3. Rule trace, step by step" testId="xl-trace">
        {e.ruleTrace.notes.map((n, i) => (
          <p key={i} className={e.ruleTrace.recorded ? 'muted' : 'notice'} data-testid="xl-trace-note">
            {n}
          </p>
        ))}
        {e.ruleTrace.steps.length > 0 && (
          <ol className="xl-steps">
            {e.ruleTrace.steps.map((s) => (
              <Step key={s.index} s={s} />
            ))}
          </ol>
        )}
      </Section>

      <Section id="xl-checks" title="4. Checks on this line" testId="xl-checks">
        <p className="muted">From the verification made at import; nothing is shown as holding that was not checked.</p>
        <table className="data-table compact">
          <thead>
            <tr>
              <th scope="col">Check</th>
              <th scope="col">Status</th>
              <th scope="col">What was compared</th>
            </tr>
          </thead>
          <tbody>
            {(
              [
                ['Record hash', 'recordHash'],
                ['Link to the line before', 'chainLink'],
                ['Next line’s link', 'nextLink'],
                ['HMAC signature', 'hmac'],
                ['Issuer', 'issuer'],
                ['Head file', 'head'],
              ] as const
            ).map(([label, key]) => (
              <CheckRow key={key} label={label} name={key} check={e.checks[key]} />
            ))}
          </tbody>
        </table>
        <p className="evidence-note" data-testid="xl-hmac-note">
          <strong>Not independent evidence.</strong> {e.hmacNote}
        </p>
      </Section>

      <Section id="xl-findings" title={`5. Findings on this line (${e.findings.length})`} testId="xl-findings">
        {e.findings.length === 0 ? (
          <p className="muted">None.</p>
        ) : (
          <ul className="finding-list">
            {e.findings.map((f: Finding, i) => (
              <FindingItem key={i} f={f} />
            ))}
          </ul>
        )}
      </Section>

      <Section id="xl-line" title="The line as stored" testId="xl-line">
        <details>
          <summary>Show the line exactly as stored</summary>
          <pre className="line-text" data-testid="xl-line-text">
            {e.text}
          </pre>
        </details>
      </Section>
    </div>
  );
}

/** An outcome as a badge: allowed green, refused or blocked red, escalated amber. */
function StatusBadge({ value }: { value: string | null }) {
  const tone = value === null ? 'neutral' : value === 'ALLOW' ? 'good' : value === 'ESCALATE' ? 'warning' : 'bad';
  return <span className={`badge badge-${tone}`}>{value ?? 'none recorded'}</span>;
}

/** A recorded value for a person: text as itself, an object member by member, anything else as its JSON. */
function Value({ f }: { f: RecordedField }) {
  if (typeof f.value === 'string') return <>{f.value === '' ? <span className="muted">(empty)</span> : f.value}</>;
  if (f.members) {
    if (f.members.length === 0) return <span className="muted">{'{}'}</span>;
    return (
      <dl className="facts xl-members">
        {f.members.map((m) => (
          <Fact key={m.path} label={m.label}>
            {typeof m.value === 'string' ? m.value : <code>{m.text}</code>}
          </Fact>
        ))}
      </dl>
    );
  }
  return <code>{f.text}</code>;
}

function FieldList({ fields, testId }: { fields: readonly RecordedField[]; testId: string }) {
  if (fields.length === 0) return <p className="muted">Nothing recorded.</p>;
  return (
    <dl className="facts">
      {fields.map((f) => (
        <div key={f.path} data-testid={testId} data-path={f.path}>
          <dt title={f.path}>{f.label}</dt>
          <dd>
            <Value f={f} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

function Step({ s }: { s: TraceStep }) {
  return (
    <li className="xl-step" data-testid="xl-step" data-rule={s.rule ?? ''} data-result={s.result ?? ''}>
      <div className="xl-step-head">
        <span className="muted">Step {s.index}</span> <code className="xl-rule">{s.rule ?? '(no rule_id)'}</code>{' '}
        <StatusBadge value={s.result} />
        {s.reasonCode && (
          <>
            {' '}
            reason <code data-testid="xl-step-reason">{s.reasonCode}</code>
          </>
        )}
        {s.type && <span className="muted"> · {s.type}</span>}
        {s.source === 'verdict.policy' && (
          <span className="muted"> · the rule that matched, from verdict.policy (not a trace)</span>
        )}
      </div>
      {s.facts.length === 0 ? (
        <p className="muted">No facts recorded.</p>
      ) : (
        <table className="data-table compact xl-facts" aria-label={`Facts of step ${s.index}`}>
          <tbody>
            {s.facts.map((f) => (
              <tr key={f.path}>
                <th scope="row" className="mono">
                  {f.label}
                </th>
                <td>
                  <Value f={f} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <details>
        <summary>Raw JSON of step {s.index}</summary>
        <pre className="line-text" data-testid="xl-step-raw">
          {s.raw}
        </pre>
      </details>
    </li>
  );
}

const STATUS_TEXT: Readonly<Record<LineCheck['status'], { text: string; tone: string }>> = {
  holds: { text: 'holds', tone: 'good' },
  fails: { text: 'FAILS', tone: 'bad' },
  'not checked': { text: 'not checked', tone: 'neutral' },
  'not applicable': { text: 'not applicable', tone: 'neutral' },
};

function CheckRow({ label, name, check }: { label: string; name: string; check: LineCheck }) {
  const { text, tone } = STATUS_TEXT[check.status];
  return (
    <tr data-testid="xl-check" data-check={name} data-status={check.status}>
      <th scope="row">{label}</th>
      <td>
        <span className={`badge badge-${tone}`}>{text}</span>
      </td>
      <td>{check.detail}</td>
    </tr>
  );
}
