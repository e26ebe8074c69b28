/**
 * "Replayed under version X" in the decision reconstruction: the receipt's recorded
 * request evaluated under another bundle (a version of the archive or a proposed file
 * opened in this window), whole and policy by policy (`evaluatePolicies`, the same as the
 * reconstruction's own replay), beside what was recorded. A what-if: it says so, and it
 * judges nothing about the receipt. Shown above the reconstruction when its address names
 * a bundle (`?bundle=<hash>`, from the decision impact's links); the reconstruction below
 * is unchanged, with its own replay under the recorded bundle.
 */
import { useEffect, useId, useMemo, useState } from 'react';
import type { PolicyEvaluation } from '../../../shared/decisions/policy-status.ts';
import type { BundleSide } from '../../../shared/policy/diff.ts';
import { useLoadedArchive } from '../../app/loaded-archives.ts';
import { formatRoute } from '../../app/routes.ts';
import { readReceiptLine, type LoadedArchive } from '../../store/archives.ts';
import { findReceiptRow, localRow, receiptIdOf } from '../../workers/receipt-table.ts';
import { linesPerChunkOf } from '../../workers/receipt-columns.ts';
import { shortHash, sideName } from './bundle-data.ts';
import { evaluateInWorker } from './impact-client.ts';
import { proposedFor } from './proposed.ts';
import { useArchiveBundles } from './use-bundles.ts';

interface Recorded {
  readonly bundle: string | null;
  readonly effect: string | null;
  readonly policies: readonly string[];
}

function recordedOf(line: string): Recorded {
  try {
    const d = (JSON.parse(line) as { decision?: { bundle?: unknown; effect?: unknown; policies?: unknown } }).decision;
    return {
      bundle: typeof d?.bundle === 'string' ? d.bundle : null,
      effect: typeof d?.effect === 'string' ? d.effect : null,
      policies: Array.isArray(d?.policies) ? d.policies.filter((p): p is string => typeof p === 'string') : [],
    };
  } catch {
    return { bundle: null, effect: null, policies: [] };
  }
}

type State =
  | { readonly status: 'loading' }
  | { readonly status: 'failed'; readonly message: string }
  | { readonly status: 'ready'; readonly side: BundleSide; readonly evaluation: PolicyEvaluation };

/** The stored line of the receipt a reconstruction address names (by row when it holds that id, else by id). */
async function lineOf(loaded: LoadedArchive, receiptId: string, row: number | undefined): Promise<string> {
  const { table } = loaded;
  const idsIndexed = !table.missing.includes('receiptId');
  let at: number | undefined =
    row !== undefined && row < table.count && (!idsIndexed || receiptIdOf(table, row) === receiptId) ? row : undefined;
  if (at === undefined && idsIndexed) at = findReceiptRow(table, receiptId);
  if (at === undefined) throw new Error(`This archive has no receipt with id “${receiptId}” to replay.`);
  const { ledger, local } = localRow(table, at);
  const stored = await readReceiptLine(loaded.archive.id, linesPerChunkOf(loaded.archive), ledger, local);
  if (!stored)
    throw new Error(`The stored line of ledger ${ledger}, row ${local + 1}, could not be read from the store.`);
  return stored.text;
}

export function ReplayedUnder({
  archiveId,
  receiptId,
  row,
  bundle,
}: {
  readonly archiveId: string;
  readonly receiptId: string;
  readonly row: number | undefined;
  /** The bundle to replay under (its hash). */
  readonly bundle: string;
}) {
  const archive = useLoadedArchive(archiveId);
  const loaded = archive.status === 'ready' ? archive.loaded : null;
  const [line, setLine] = useState<{ text: string } | { error: string } | null>(null);
  useEffect(() => {
    if (!loaded) return undefined;
    let live = true;
    setLine(null);
    lineOf(loaded, receiptId, row).then(
      (text) => live && setLine({ text }),
      (error: Error) => live && setLine({ error: error.message }),
    );
    return () => {
      live = false;
    };
  }, [loaded, receiptId, row]);
  if (!loaded || line === null) return null;
  if ('error' in line)
    return (
      <p className="notice notice-error" role="alert" data-testid="replayed-under-error">
        Not replayed under {shortHash(bundle)}: {line.error}
      </p>
    );
  return <ReplayedLine loaded={loaded} bundle={bundle} line={line.text} />;
}

function ReplayedLine({
  loaded,
  bundle,
  line,
}: {
  readonly loaded: LoadedArchive;
  readonly bundle: string;
  readonly line: string;
}) {
  const archiveId = loaded.archive.id;
  const headingId = useId();
  const bundles = useArchiveBundles(loaded);
  const [state, setState] = useState<State>({ status: 'loading' });
  const recorded = useMemo(() => recordedOf(line), [line]);
  const side =
    bundles.status === 'ready'
      ? (bundles.value.sides.find((s) => s.hash === bundle) ?? proposedFor(archiveId, bundle))
      : undefined;
  const recordedSide =
    bundles.status === 'ready' && recorded.bundle !== null
      ? bundles.value.sides.find((s) => s.hash === recorded.bundle)
      : undefined;
  useEffect(() => {
    if (bundles.status === 'failed') {
      setState({ status: 'failed', message: bundles.message });
      return undefined;
    }
    if (bundles.status !== 'ready') return undefined;
    if (!side) {
      setState({
        status: 'failed',
        message: !bundles.value.filesKept
          ? 'The policy texts of this archive were not kept at import, so it cannot be replayed under another version: import the archive again.'
          : `The bundle ${bundle} is neither one of this archive's kept bundles nor a proposed file opened in this window (proposed files are held in memory only; after a reload, open the file again).`,
      });
      return undefined;
    }
    let live = true;
    setState({ status: 'loading' });
    evaluateInWorker(line, side.body.cedar.policies).then(
      (evaluation) => live && setState({ status: 'ready', side, evaluation }),
      (error: Error) => live && setState({ status: 'failed', message: error.message }),
    );
    return () => {
      live = false;
    };
  }, [bundles, side, line, bundle]);

  const name = side ? sideName(side) : shortHash(bundle);
  const recordedName = recordedSide
    ? sideName(recordedSide)
    : recorded.bundle
      ? shortHash(recorded.bundle)
      : 'no bundle it names';
  return (
    <section className="panel replayed-under" aria-labelledby={headingId} data-testid="replayed-under">
      <h2 id={headingId}>
        Replayed under {name} <span className="badge badge-warning">what-if</span>
      </h2>
      <p data-testid="replayed-under-banner">
        {recorded.bundle === bundle ? (
          <>
            This is the bundle the receipt was recorded under; the replay below is the same as the
            reconstruction&apos;s.
          </>
        ) : (
          <>
            Recorded under <strong>{recordedName}</strong>. This replays its recorded request and entities under{' '}
            <strong>{name}</strong>
            {side && !side.inArchive ? ' (a proposed file, not in the archive)' : ''}: what that version would have
            decided. It says nothing about whether the receipt itself is sound; the sections below do.
          </>
        )}{' '}
        <a href={formatRoute({ name: 'bundles', archiveId })}>Policy bundles</a>
      </p>
      {state.status === 'loading' && <p className="muted">Replaying…</p>}
      {state.status === 'failed' && (
        <p className="notice notice-error" role="alert" data-testid="replayed-under-error">
          {state.message}
        </p>
      )}
      {state.status === 'ready' && <Evaluation evaluation={state.evaluation} recorded={recorded} name={name} />}
    </section>
  );
}

function Evaluation({
  evaluation,
  recorded,
  name,
}: {
  readonly evaluation: PolicyEvaluation;
  readonly recorded: Recorded;
  readonly name: string;
}) {
  if (!evaluation.ok)
    return (
      <p className="notice notice-error" role="status" data-testid="replayed-under-error">
        Not evaluated under {name}: {evaluation.error}
      </p>
    );
  const effect = evaluation.decision.effect;
  const policies = [...evaluation.decision.policies].sort();
  const same =
    effect === recorded.effect &&
    policies.length === recorded.policies.length &&
    [...recorded.policies].sort().every((p, i) => p === policies[i]);
  return (
    <>
      <div className="outcomes">
        <div className="outcome">
          <p className="outcome-label">Recorded</p>
          <p className={`outcome-effect effect-${recorded.effect ?? 'unknown'}`}>{recorded.effect ?? 'none'}</p>
          <p>by {recorded.policies.length ? recorded.policies.join(', ') : 'no policy'}</p>
        </div>
        <div className={`outcome${same ? '' : ' differs'}`}>
          <p className="outcome-label">Under {name}</p>
          <p className={`outcome-effect effect-${effect}`} data-testid="replayed-under-effect">
            {effect}
          </p>
          <p data-testid="replayed-under-policies">by {policies.length ? policies.join(', ') : 'no policy'}</p>
          <p>
            <strong>{same ? 'The same outcome as recorded.' : 'A different outcome than recorded.'}</strong>
          </p>
        </div>
      </div>
      <table className="data-table compact" data-testid="replayed-under-policy-table">
        <caption>Each policy of {name} for this request</caption>
        <thead>
          <tr>
            <th scope="col">Policy</th>
            <th scope="col">Effect</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {evaluation.policies.map((p) => (
            <tr key={p.id} data-policy={p.id} data-status={p.status}>
              <th scope="row" className="mono">
                {p.id}
              </th>
              <td>{p.effect}</td>
              <td>
                {p.status === 'determining' ? (
                  <strong>determining</strong>
                ) : p.status === 'not-applicable' ? (
                  'not applicable'
                ) : p.status === 'errored' ? (
                  `errored: ${p.errors.join('; ')}`
                ) : (
                  'satisfied, not determining'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
