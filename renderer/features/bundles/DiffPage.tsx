/**
 * Two versions of a policy bundle side by side (SOC 2 CC8.1): the metadata as a field
 * table, the policies by id (added, removed, changed, unchanged, unchanged after
 * formatting) with a line diff of Cedar's formatted text and each policy's scope, and the
 * decision impact. Either side may be a proposed file opened in this window (what-if).
 * The diff is `diffBundles` (shared/policy/diff.ts), the same as `tickmark policy-diff`.
 */
import { useEffect, useId, useMemo, useState } from 'react';
import { instantOf } from '../../../shared/format/time.ts';
import type { BundleDiff, BundleSide, PolicyDiff } from '../../../shared/policy/diff.ts';
import { useLoadedArchive } from '../../app/loaded-archives.ts';
import { formatRoute, type Route } from '../../app/routes.ts';
import { navigate } from '../../app/use-route.ts';
import type { LoadedArchive } from '../../store/archives.ts';
import { shortHash, sideName, type ArchiveBundles } from './bundle-data.ts';
import { ImpactPanel } from './ImpactPanel.tsx';
import { diffInWorker } from './impact-client.ts';
import { ArchiveNotReady } from '../../components/ArchiveNotReady.tsx';
import { ReimportOffer, ScopeCompare, SideBySide, Signature } from './parts.tsx';
import { proposedFor, proposedList } from './proposed.ts';
import { useArchiveBundles, type Loadable } from './use-bundles.ts';

type DiffRoute = Extract<Route, { name: 'bundle-diff' }>;

/** The latest change of the lineage that changed last: its last two versions with texts. */
export function defaultPair(sides: readonly BundleSide[]): { from: string; to: string } | null {
  const byId = new Map<string, BundleSide[]>();
  for (const s of sides) byId.set(s.body.id, [...(byId.get(s.body.id) ?? []), s]);
  let best: { from: BundleSide; to: BundleSide } | null = null;
  for (const list of byId.values()) {
    list.sort((a, b) => a.body.version - b.body.version);
    const to = list.at(-1);
    const from = list.at(-2);
    if (!to || !from) continue;
    const later = (a: string, b: string) => (instantOf(a) ?? a) > (instantOf(b) ?? b);
    if (!best || later(to.body.effective_from, best.to.body.effective_from)) best = { from, to };
  }
  return best ? { from: best.from.hash, to: best.to.hash } : null;
}

export function DiffPage({ route }: { readonly route: DiffRoute }) {
  const state = useLoadedArchive(route.archiveId);
  const loaded = state.status === 'ready' ? state.loaded : null;
  const bundles = useArchiveBundles(loaded);
  if (!loaded) return <ArchiveNotReady state={state} />;
  return (
    <div className="page bundle-diff-page" data-testid="bundle-diff-page">
      <div className="page-head">
        <h1>Policy diff</h1>
        <span className="muted">{loaded.archive.name}</span>
        <a href={formatRoute({ name: 'bundles', archiveId: route.archiveId })}>All bundles</a>
      </div>
      {bundles.status === 'loading' && <p className="muted">Reading the kept bundle files…</p>}
      {bundles.status === 'failed' && (
        <p className="notice notice-error" role="alert">
          {bundles.message}
        </p>
      )}
      {bundles.status === 'ready' && <DiffBody loaded={loaded} bundles={bundles.value} route={route} />}
    </div>
  );
}

function DiffBody({
  loaded,
  bundles,
  route,
}: {
  readonly loaded: LoadedArchive;
  readonly bundles: ArchiveBundles;
  readonly route: DiffRoute;
}) {
  const archiveId = loaded.archive.id;
  const fallback = useMemo(() => defaultPair(bundles.sides), [bundles.sides]);
  const needsDefault = route.from === undefined || route.to === undefined;
  useEffect(() => {
    if (needsDefault && fallback)
      navigate({ ...route, from: route.from ?? fallback.from, to: route.to ?? fallback.to }, { replace: true });
  }, [needsDefault, fallback, route]);
  const find = (hash: string | undefined) =>
    hash === undefined ? undefined : (bundles.sides.find((s) => s.hash === hash) ?? proposedFor(archiveId, hash));
  const from = find(route.from);
  const to = find(route.to);
  const diff = useDiff(from, to);

  if (!bundles.filesKept)
    return (
      <section className="notice notice-error" role="status" data-testid="bundles-not-kept">
        <p>
          <strong>The policy texts of this archive were not kept</strong> (it was imported before the workbench stored
          them), so no two versions can be compared. Import the archive again to see the diff.
        </p>
        <ReimportOffer archive={loaded.archive} />
      </section>
    );
  if (needsDefault)
    return fallback ? (
      <p className="muted">Choosing the latest two versions…</p>
    ) : (
      <p className="notice" data-testid="diff-no-pair">
        No bundle id of this archive has two versions whose texts are kept. A proposed bundle file can be compared with
        a version from the <a href={formatRoute({ name: 'bundles', archiveId })}>bundles screen</a>.
      </p>
    );
  const missing = [
    ['from', route.from, from],
    ['to', route.to, to],
  ].filter(([, , side]) => side === undefined);
  if (missing.length > 0 || !from || !to)
    return (
      <div className="notice notice-error" role="alert" data-testid="diff-side-missing">
        {missing.map(([which, hash]) => (
          <p key={String(which)}>
            The “{String(which)}” bundle <span className="mono">{String(hash)}</span> is neither one of this
            archive&apos;s kept bundles nor a proposed file opened in this window. Proposed files are held in memory
            only: after a reload, open the file again.
          </p>
        ))}
        <a href={formatRoute({ name: 'bundles', archiveId })}>Back to the bundles</a>
      </div>
    );

  return (
    <>
      <VersionPicker archiveId={archiveId} bundles={bundles} from={from} to={to} route={route} />
      {[from, to]
        .filter((s) => !s.inArchive)
        .map((s) => (
          <section key={s.hash} className="notice whatif-banner" role="status" data-testid="whatif-banner">
            <p>
              <strong>What-if:</strong> <span className="mono">{s.path}</span> is a proposed file, not part of the
              archive. It is held in this window&apos;s memory only (not stored, not in the address): after a reload,
              open it again from the bundles screen. Its signature is checked and shown, not required:
            </p>
            <Signature valid={s.signatureValid} signers={s.signers} />
          </section>
        ))}
      {diff.status === 'loading' && <p className="muted">Formatting and comparing the policies…</p>}
      {diff.status === 'failed' && (
        <p className="notice notice-error" role="alert">
          The diff could not be made: {diff.message}
        </p>
      )}
      {diff.status === 'ready' && (
        <>
          <FieldTable diff={diff.value} />
          <PolicyChanges diff={diff.value} />
        </>
      )}
      <ImpactPanel loaded={loaded} from={from} to={to} route={route} />
    </>
  );
}

function useDiff(from: BundleSide | undefined, to: BundleSide | undefined): Loadable<BundleDiff> {
  const [state, setState] = useState<Loadable<BundleDiff>>({ status: 'loading' });
  useEffect(() => {
    if (!from || !to) return undefined;
    let live = true;
    setState({ status: 'loading' });
    diffInWorker(from, to).then(
      (value) => live && setState({ status: 'ready', value }),
      (error: Error) => live && setState({ status: 'failed', message: error.message }),
    );
    return () => {
      live = false;
    };
  }, [from, to]);
  return state;
}

function VersionPicker({
  archiveId,
  bundles,
  from,
  to,
  route,
}: {
  readonly archiveId: string;
  readonly bundles: ArchiveBundles;
  readonly from: BundleSide;
  readonly to: BundleSide;
  readonly route: DiffRoute;
}) {
  const ids = { from: useId(), to: useId() };
  const choices = [...bundles.sides, ...proposedList(archiveId).filter((p) => !bundles.sides.includes(p))];
  const go = (next: { from: string; to: string }) =>
    navigate({
      name: 'bundle-diff',
      archiveId,
      ...next,
      ...(route.filter !== undefined ? { filter: route.filter } : {}),
    });
  const option = (s: BundleSide) => (
    <option key={s.hash} value={s.hash}>
      {sideName(s)} · {shortHash(s.hash)}
    </option>
  );
  return (
    <section className="panel diff-head" aria-label="Versions compared">
      <div className="diff-sides">
        <div className="field">
          <label htmlFor={ids.from}>From (left)</label>
          <select
            id={ids.from}
            value={from.hash}
            onChange={(e) => go({ from: e.target.value, to: to.hash })}
            data-testid="diff-from"
          >
            {choices.map(option)}
          </select>
        </div>
        <button type="button" onClick={() => go({ from: to.hash, to: from.hash })} data-testid="diff-swap">
          Swap sides
        </button>
        <div className="field">
          <label htmlFor={ids.to}>To (right)</label>
          <select
            id={ids.to}
            value={to.hash}
            onChange={(e) => go({ from: from.hash, to: e.target.value })}
            data-testid="diff-to"
          >
            {choices.map(option)}
          </select>
        </div>
      </div>
      <p className="diff-title" data-testid="diff-title">
        <strong>{sideName(from)}</strong> → <strong>{sideName(to)}</strong>
      </p>
    </section>
  );
}

function FieldTable({ diff }: { readonly diff: BundleDiff }) {
  const headingId = useId();
  const changed = diff.fields.filter((f) => f.changed).length;
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>
        Metadata{' '}
        <span className="muted">
          ({changed} of {diff.fields.length} fields differ)
        </span>
      </h2>
      <table className="data-table field-table" data-testid="diff-fields">
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">{sideName(diff.from)}</th>
            <th scope="col">{sideName(diff.to)}</th>
            <th scope="col">Differs</th>
          </tr>
        </thead>
        <tbody>
          {diff.fields.map((f) => (
            <tr
              key={f.field}
              className={f.changed ? 'field-changed' : undefined}
              data-field={f.field}
              data-changed={f.changed}
            >
              <th scope="row" className="mono">
                {f.field}
              </th>
              <td className="break">{f.from}</td>
              <td className="break">{f.to}</td>
              <td>
                {f.changed ? <span className="badge badge-warning">differs</span> : <span className="muted">same</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

const CHANGE_LABEL: Record<PolicyDiff['change'], string> = {
  added: 'added',
  removed: 'removed',
  changed: 'changed',
  unchanged: 'unchanged',
  'unchanged-after-formatting': 'unchanged after formatting',
};

function PolicyChanges({ diff }: { readonly diff: BundleDiff }) {
  const headingId = useId();
  const p = diff.policies;
  const shown = diff.perPolicy.filter((d) => d.change !== 'unchanged');
  const order: PolicyDiff['change'][] = ['changed', 'added', 'removed', 'unchanged-after-formatting'];
  shown.sort((a, b) => order.indexOf(a.change) - order.indexOf(b.change) || (a.id < b.id ? -1 : 1));
  const plain = diff.perPolicy.filter((d) => d.change === 'unchanged').map((d) => d.id);
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>Policies</h2>
      <p data-testid="diff-policy-counts">
        {p.added.length} added, {p.removed.length} removed, {p.changed.length} changed, {p.unchanged.length} unchanged
        {p.unchangedAfterFormatting.length > 0 &&
          ` (of which ${p.unchangedAfterFormatting.length} unchanged only after formatting)`}
        .
      </p>
      <ul className="card-list">
        {shown.map((d) => (
          <li
            key={d.id}
            className="card policy-card"
            data-testid="policy-diff"
            data-policy={d.id}
            data-change={d.change}
          >
            <div className="card-head">
              <h3 className="mono">{d.id}</h3>
              <span
                className={`badge ${d.change === 'unchanged-after-formatting' ? 'badge-neutral' : d.change === 'removed' ? 'badge-bad' : 'badge-warning'}`}
              >
                {CHANGE_LABEL[d.change]}
              </span>
            </div>
            {d.change === 'unchanged-after-formatting' ? (
              <p className="panel-note">
                The stored texts differ only in layout: Cedar&apos;s formatter writes both the same, so the policy did
                not change.
              </p>
            ) : (
              <>
                <ScopeCompare
                  from={d.fromScope}
                  to={d.toScope}
                  fromLabel={sideName(diff.from)}
                  toLabel={sideName(diff.to)}
                />
                {!d.formatted && (
                  <p className="panel-note">Cedar could not format one side, so the texts are compared as stored.</p>
                )}
                <SideBySide
                  lines={d.lines}
                  fromLabel={sideName(diff.from)}
                  toLabel={sideName(diff.to)}
                  caption={`Text of policy ${d.id}, ${sideName(diff.from)} beside ${sideName(diff.to)}`}
                />
              </>
            )}
          </li>
        ))}
      </ul>
      {plain.length > 0 && (
        <p className="muted" data-testid="diff-unchanged">
          Unchanged: <span className="mono">{plain.join(', ')}</span>
        </p>
      )}
    </section>
  );
}
