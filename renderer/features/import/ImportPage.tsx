import { cancelImport, useImportState } from '../../app/import-state.ts';
import { formatRoute } from '../../app/routes.ts';
import { formatBytes, formatCount } from '../../components/format.ts';
import type { StoringStep, VerifyProgress } from '../../workers/verify-protocol.ts';
import { ExeclayerOptions } from './ExeclayerOptions.tsx';
import { timeLeftText } from './progress-text.ts';

const PHASES: Readonly<Record<VerifyProgress['phase'], string>> = {
  listing: 'Reading the archive’s directory',
  manifest: 'Checking the manifest',
  keys: 'Checking keys',
  policies: 'Checking policy bundles',
  checkpoints: 'Reading checkpoints',
  ledgers: 'Verifying receipts',
  controls: 'Running control checks',
  done: 'Storing results',
};

/** Checkpoints are read first (for their seqs) and may be verified after the last receipt: two steps an auditor sees apart. */
function phaseLabel(p: VerifyProgress): string {
  if (p.phase === 'done' && p.step) {
    const parts =
      p.step === 'saving' && p.saved
        ? `, part ${formatCount(p.saved.done)} of ${formatCount(p.saved.of)}`
        : p.step === 'index' && p.indexed && p.indexed.of > 0
          ? `, ${Math.floor((100 * p.indexed.done) / p.indexed.of)}%`
          : '';
    return `${PHASES.done}: ${STEPS[p.step]}${parts}`;
  }
  return p.phase === 'checkpoints' && !firstRead(p) ? 'Verifying checkpoints' : PHASES[p.phase];
}

const STEPS: Readonly<Record<StoringStep, string>> = {
  table: 'building the receipt table',
  index: 'indexing receipts',
  saving: 'saving to this computer’s database',
};

/** The checkpoints files' first read, before any checkpoint or receipt is verified. */
function firstRead(p: VerifyProgress): boolean {
  return p.phase === 'checkpoints' && p.checkpointsDone === 0 && p.receiptsDone === 0;
}

export function ImportPage() {
  const state = useImportState();
  if (state.status === 'options') return <ExeclayerOptions key={state.name} prepared={state.prepared} />;
  if (state.status !== 'running') {
    return (
      <div className="page" data-testid="import-page">
        <h1>Import and verification</h1>
        <p className="muted" data-testid="import-idle">
          {state.status === 'cancelled'
            ? `Import of ${state.name} was cancelled. Nothing of it was kept.`
            : state.status === 'failed'
              ? `Import of ${state.name} failed: ${state.message}`
              : 'No import is running.'}
        </p>
        <p>
          <a href={formatRoute({ name: 'start' })}>Back to start</a>
        </p>
      </div>
    );
  }
  const p = state.progress;
  // The engine's total (ledger bytes from the archive's directory) is the same from the
  // first phase to the last; before the directory is read it is unknown.
  const total = p?.bytesTotal ?? 0;
  const done = Math.min(p?.bytesDone ?? 0, total);
  const percent = total > 0 ? Math.floor((done / total) * 100) : 0;
  return (
    <div className="page" data-testid="import-page">
      <h1>Verifying {state.name}</h1>
      <section className="panel progress-panel" aria-labelledby="progress-heading">
        <h2 id="progress-heading" data-testid="import-phase">
          {p ? phaseLabel(p) : 'Starting'}
        </h2>
        <div
          className="progress-track"
          role="progressbar"
          aria-label="Verification progress"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
          aria-valuetext={`${percent}% of ledger data read`}
          data-testid="import-progress"
        >
          <div className="progress-fill" style={{ width: `${percent}%` }} />
        </div>
        <dl className="facts facts-inline">
          <div>
            <dt>Ledger data read</dt>
            <dd className="num" data-testid="import-bytes">
              {total > 0
                ? `${formatBytes(done)} of ${formatBytes(total)} (${percent}%)`
                : 'reading the archive’s directory…'}
            </dd>
          </div>
          <div>
            <dt>Receipts verified</dt>
            <dd className="num" data-testid="import-receipts">
              {formatCount(p?.receiptsDone ?? 0)}
            </dd>
          </div>
          {p && p.checkpointsTotal > 0 && (
            <div>
              {/* Read first for their seqs (the total grows file by file), verified beside the receipts. */}
              <dt>{firstRead(p) ? 'Checkpoints read' : 'Checkpoints verified'}</dt>
              <dd className="num" data-testid="import-checkpoints">
                {firstRead(p)
                  ? formatCount(p.checkpointsTotal)
                  : `${formatCount(p.checkpointsDone)} of ${formatCount(p.checkpointsTotal)}`}
              </dd>
            </div>
          )}
          <div>
            <dt>Rate</dt>
            <dd className="num">{p && p.rate > 0 ? `${formatCount(p.rate)} receipts/s` : '—'}</dd>
          </div>
          <div>
            <dt>Time left</dt>
            <dd className="num">{timeLeftText(p)}</dd>
          </div>
        </dl>
        <p className="muted">
          Nothing is kept unless verification completes: cancelling removes everything stored so far.
        </p>
        <button type="button" onClick={cancelImport} disabled={state.cancelling} data-testid="cancel-import">
          {state.cancelling ? 'Cancelling…' : 'Cancel import'}
        </button>
      </section>
    </div>
  );
}
