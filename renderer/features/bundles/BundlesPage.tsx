/**
 * Policy bundles: each bundle id's versions on a timeline (effective windows, `supersedes`
 * links, signers and signature status, overlaps and gaps flagged) with how many receipts
 * each version governed (the bundle their decision names), links to the diff of
 * consecutive versions or any two, and a proposed file compared against any version.
 * Archives stored before the texts were kept still open: what the report recorded is
 * shown, and the screen says plainly what is missing and offers a re-import.
 */
import { useId, useMemo, useState } from 'react';
import type { Finding } from '../../../shared/engine/findings.ts';
import { parseTime } from '../../../shared/format/time.ts';
import { useLoadedArchive } from '../../app/loaded-archives.ts';
import { formatRoute } from '../../app/routes.ts';
import { navigate } from '../../app/use-route.ts';
import { formatCount, formatDuration, formatTime } from '../../components/format.ts';
import type { LoadedArchive } from '../../store/archives.ts';
import { proposedSide, shortHash, sideName, type ArchiveBundles } from './bundle-data.ts';
import { lineages, type Lineage, type VersionRow } from './lineage.ts';
import { ArchiveNotReady } from '../../components/ArchiveNotReady.tsx';
import { ReimportOffer, Signature } from './parts.tsx';
import { proposedList, rememberProposed } from './proposed.ts';
import { useArchiveBundles, useBundleCounts, type CountState } from './use-bundles.ts';

export function BundlesPage({ archiveId }: { readonly archiveId: string }) {
  const state = useLoadedArchive(archiveId);
  const loaded = state.status === 'ready' ? state.loaded : null;
  const bundles = useArchiveBundles(loaded);
  const counts = useBundleCounts(loaded);
  if (!loaded) return <ArchiveNotReady state={state} />;
  const { archive } = loaded;
  return (
    <div className="page bundles-page" data-testid="bundles-page">
      <div className="page-head">
        <h1>Policy bundles</h1>
        <span className="muted">{archive.name}</span>
      </div>
      <p className="lede">
        Each bundle id&apos;s versions in order: when each was in effect, which version it says it supersedes, who
        signed it, and how many recorded receipts name it as the bundle that decided them. Overlapping windows (two
        versions in effect at once) and gaps (none in effect) are flagged. Compare two versions, or a proposed bundle
        file against any version, and replay the recorded requests under both.
      </p>
      {bundles.status === 'loading' && <p className="muted">Reading the kept bundle files…</p>}
      {bundles.status === 'failed' && (
        <p className="notice notice-error" role="alert">
          {bundles.message}
        </p>
      )}
      {bundles.status === 'ready' && (
        <BundlesBody loaded={loaded} bundles={bundles.value} counts={counts} findings={loaded.findings} />
      )}
    </div>
  );
}

function BundlesBody({
  loaded,
  bundles,
  counts,
  findings,
}: {
  readonly loaded: LoadedArchive;
  readonly bundles: ArchiveBundles;
  readonly counts: CountState;
  readonly findings: readonly Finding[];
}) {
  const { archive, table } = loaded;
  const archiveId = archive.id;
  const lines = useMemo(() => lineages(bundles.versions), [bundles.versions]);
  const domain = useMemo(() => timeDomain(lines, table.ts), [lines, table.ts]);
  const lineageFindings = findings.filter((f) => f.code === 'POLICY_LINEAGE_BROKEN');
  const known = new Set(bundles.versions.map((v) => v.hash));
  const unknownCounts =
    counts.status === 'done' ? [...counts.outcome.bundleCounts].filter(([hash]) => !known.has(hash)) : [];
  return (
    <>
      {!bundles.filesKept && (
        <section className="notice notice-error" role="status" data-testid="bundles-not-kept">
          <p>
            <strong>The policy texts of this archive were not kept.</strong> It was imported before the workbench stored
            them, so only what its verification report recorded is shown: each version&apos;s id, number, effective
            window, signature verdict and policy ids. Which version each supersedes, who signed it, the diff and the
            decision impact need the texts: import the archive again to see them.
          </p>
          <ReimportOffer archive={archive} />
        </section>
      )}
      {bundles.keysNote && (
        <p className="notice" role="status">
          {bundles.keysNote}
        </p>
      )}
      {bundles.problems.length > 0 && (
        <div className="notice notice-error" role="status" data-testid="bundles-problems">
          <p>Bundle files that could not be read here:</p>
          <ul>
            {bundles.problems.map((p) => (
              <li key={p.path}>
                <span className="mono">{p.path}</span>: {p.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      <CountStatus counts={counts} />
      {lines.length === 0 && <p data-testid="bundles-none">This archive holds no readable policy bundle.</p>}
      {lines.map((l) => (
        <LineagePanel
          key={l.id}
          archiveId={archiveId}
          lineage={l}
          domain={domain}
          counts={counts}
          withText={new Set(bundles.sides.map((s) => s.hash))}
        />
      ))}
      {unknownCounts.length > 0 && (
        <p className="notice notice-error" data-testid="bundles-unknown-receipts">
          Receipts whose decision names a bundle that is not in this archive:{' '}
          {unknownCounts.map(([hash, n]) => `${formatCount(n)} name ${hash}`).join('; ')}.
        </p>
      )}
      {lineageFindings.length > 0 && (
        <section className="panel" aria-labelledby="lineage-findings-heading">
          <h2 id="lineage-findings-heading">What verification found about the lineage</h2>
          <ul>
            {lineageFindings.map((f, i) => (
              <li key={i}>{f.message}</li>
            ))}
          </ul>
        </section>
      )}
      {bundles.sides.length > 0 && <CompareForms archiveId={archiveId} bundles={bundles} />}
    </>
  );
}

function CountStatus({ counts }: { readonly counts: CountState }) {
  if (counts.status === 'counting') {
    const p = counts.progress;
    const percent = p && p.linesTotal > 0 ? Math.floor((100 * p.linesDone) / p.linesTotal) : 0;
    return (
      <p className="muted" role="status" data-testid="bundles-counting">
        Counting receipts per version:{' '}
        {p ? `${formatCount(p.linesDone)} of ${formatCount(p.linesTotal)} lines read (${percent}%)` : 'starting…'}
      </p>
    );
  }
  if (counts.status === 'failed')
    return (
      <p className="notice notice-error" role="alert" data-testid="bundles-count-failed">
        Receipts per version were not counted: {counts.message}
      </p>
    );
  const o = counts.outcome;
  return (
    <p className="muted" data-testid="bundles-counted">
      Receipts per version counted from {formatCount(o.linesRead)} stored lines in{' '}
      {o.ms < 1000 ? 'under a second' : formatDuration(o.ms)}
      {o.noBundle > 0 ? `; ${formatCount(o.noBundle)} lines name no bundle` : ''}
      {o.notStored > 0 ? `; ${formatCount(o.notStored)} lines were missing from the store` : ''}.
    </p>
  );
}

interface Domain {
  readonly lo: number;
  readonly hi: number;
  /** Receipts' first and last times, when known. */
  readonly receipts: { readonly from: number; readonly to: number } | null;
}

function timeDomain(lines: readonly Lineage[], ts: Float64Array): Domain {
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i] as number;
    if (t < first) first = t;
    if (t > last) last = t;
  }
  const receipts = Number.isFinite(first) ? { from: first, to: last } : null;
  const times: number[] = receipts ? [first, last] : [];
  for (const l of lines)
    for (const v of l.versions) {
      const from = parseTime(v.effectiveFrom);
      const until = v.effectiveUntil === null ? null : parseTime(v.effectiveUntil);
      if (from !== null) times.push(from);
      if (until !== null) times.push(until);
    }
  const lo = Math.min(...times);
  const hi = Math.max(...times);
  if (!Number.isFinite(lo)) return { lo: 0, hi: 1, receipts };
  // Room on the right for an open end.
  const span = Math.max(hi - lo, 86_400_000);
  return { lo, hi: lo + span * 1.06, receipts };
}

function LineagePanel({
  archiveId,
  lineage,
  domain,
  counts,
  withText,
}: {
  readonly archiveId: string;
  readonly lineage: Lineage;
  readonly domain: Domain;
  readonly counts: CountState;
  readonly withText: ReadonlySet<string>;
}) {
  const headingId = useId();
  const problems = lineage.versions.reduce((n, v) => n + v.flags.length, 0);
  return (
    <section
      className="panel lineage"
      aria-labelledby={headingId}
      data-testid="bundle-lineage"
      data-bundle-id={lineage.id}
    >
      <div className="card-head">
        <h2 id={headingId}>
          <span className="mono">{lineage.id}</span>{' '}
          <span className="muted">
            {lineage.versions.length} version{lineage.versions.length === 1 ? '' : 's'}
          </span>
        </h2>
        {problems > 0 ? (
          <span className="badge badge-bad" data-testid="lineage-problems">
            {problems} problem{problems === 1 ? '' : 's'} in the lineage
          </span>
        ) : lineage.versions.some((v) => v.supersedes === undefined) ? (
          <span className="badge badge-neutral" data-testid="lineage-partly-checked">
            no overlap or gap; supersedes links not checked (texts not kept)
          </span>
        ) : (
          <span className="badge badge-good" data-testid="lineage-clean">
            no overlap, gap or broken link
          </span>
        )}
      </div>
      <BundleTimeline lineage={lineage} domain={domain} />
      <table className="data-table versions-table">
        <caption className="visually-hidden">Versions of {lineage.id}</caption>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">In effect</th>
            <th scope="col">Supersedes</th>
            <th scope="col">Signature</th>
            <th scope="col">Policies</th>
            <th scope="col" className="num">
              Receipts governed
            </th>
            <th scope="col">Lineage</th>
            <th scope="col">Compare</th>
          </tr>
        </thead>
        <tbody>
          {lineage.versions.map((v) => (
            <VersionTableRow
              key={v.hash}
              archiveId={archiveId}
              v={v}
              counts={counts}
              hasText={withText.has(v.hash)}
              previousHasText={v.previous !== null && withText.has(v.previous.hash)}
              all={lineage.versions}
            />
          ))}
        </tbody>
      </table>
    </section>
  );
}

function VersionTableRow({
  archiveId,
  v,
  counts,
  hasText,
  previousHasText,
  all,
}: {
  readonly archiveId: string;
  readonly v: VersionRow;
  readonly counts: CountState;
  readonly hasText: boolean;
  readonly previousHasText: boolean;
  readonly all: readonly VersionRow[];
}) {
  const superseded = v.supersedes ? all.find((x) => x.hash === v.supersedes) : undefined;
  return (
    <tr data-testid="bundle-version" data-version={v.version} data-hash={v.hash}>
      <th scope="row">
        <strong>v{v.version}</strong>
        <div className="mono muted small" title={v.hash}>
          {shortHash(v.hash)}
        </div>
        <div className="mono muted small">{v.path}</div>
      </th>
      <td>
        <div>from {formatTime(v.effectiveFrom)}</div>
        <div>{v.effectiveUntil === null ? 'with no end' : `until ${formatTime(v.effectiveUntil)}`}</div>
      </td>
      <td data-testid="version-supersedes">
        {v.supersedes === undefined ? (
          <span className="muted">not known (text not kept)</span>
        ) : v.supersedes === null ? (
          'nothing'
        ) : (
          <>
            {superseded ? <strong>v{superseded.version} </strong> : null}
            <span className="mono small" title={v.supersedes}>
              {shortHash(v.supersedes)}
            </span>
          </>
        )}
      </td>
      <td data-testid="version-signature">
        <Signature valid={v.signatureValid} signers={v.signers} />
      </td>
      <td>
        {v.policyIds.length} <span className="muted small">{v.policyIds.join(', ')}</span>
      </td>
      <td className="num" data-testid="version-receipts">
        {counts.status === 'done'
          ? formatCount(counts.outcome.bundleCounts.get(v.hash) ?? 0)
          : counts.status === 'failed'
            ? 'not counted'
            : 'counting…'}
      </td>
      <td data-testid="version-flags">
        {v.flags.length === 0 && !v.note && <span className="muted">—</span>}
        <ul className="plain-list flag-list">
          {v.flags.map((f, i) => (
            <li key={i} data-flag={f.kind}>
              <span className="badge badge-bad">{flagLabel(f.kind)}</span> {f.text}
            </li>
          ))}
          {v.note && <li className="muted">{v.note}</li>}
        </ul>
      </td>
      <td>
        {v.previous && hasText && previousHasText ? (
          <a
            href={formatRoute({ name: 'bundle-diff', archiveId, from: v.previous.hash, to: v.hash })}
            data-testid="diff-previous"
          >
            Diff v{v.previous.version} → v{v.version}
          </a>
        ) : (
          <span className="muted">{hasText ? '—' : 'text not kept'}</span>
        )}
      </td>
    </tr>
  );
}

function flagLabel(kind: VersionRow['flags'][number]['kind']): string {
  switch (kind) {
    case 'overlap':
      return 'overlap';
    case 'gap':
      return 'gap';
    case 'supersedes':
      return 'supersedes link broken';
    case 'duplicate-version':
      return 'version repeated';
    case 'empty-window':
      return 'empty window';
  }
}

/** The versions' effective windows as bars on one time axis (shared by every id), overlaps and gaps marked. */
function BundleTimeline({ lineage, domain }: { readonly lineage: Lineage; readonly domain: Domain }) {
  const at = (ms: number) => `${(100 * (ms - domain.lo)) / (domain.hi - domain.lo)}%`;
  const width = (from: number, to: number) => `${(100 * Math.max(0, to - from)) / (domain.hi - domain.lo)}%`;
  const ms = (t: string | null) => (t === null ? domain.hi : (parseTime(t) ?? domain.hi));
  return (
    <div className="bundle-timeline" aria-hidden="true">
      {lineage.versions.map((v) => {
        const from = ms(v.effectiveFrom);
        const to = ms(v.effectiveUntil);
        return (
          <div className="btl-row" key={v.hash}>
            <span className="btl-label">v{v.version}</span>
            <div className="btl-track">
              <div
                className={`btl-bar${v.effectiveUntil === null ? ' btl-open' : ''}${v.flags.length ? ' btl-flagged' : ''}`}
                style={{ left: at(from), width: width(from, to) }}
              >
                v{v.version}
                {v.effectiveUntil === null ? ' → no end' : ''}
              </div>
              {lineage.overlaps
                .filter((o) => o.versions[1] === v.version)
                .map((o, i) => (
                  <div
                    key={`o${i}`}
                    className="btl-overlap"
                    style={{ left: at(ms(o.from)), width: width(ms(o.from), ms(o.until)) }}
                  />
                ))}
            </div>
          </div>
        );
      })}
      {lineage.gaps.length > 0 && (
        <div className="btl-row">
          <span className="btl-label">gaps</span>
          <div className="btl-track">
            {lineage.gaps.map((g, i) => (
              <div key={i} className="btl-gap" style={{ left: at(ms(g.from)), width: width(ms(g.from), ms(g.until)) }}>
                gap
              </div>
            ))}
          </div>
        </div>
      )}
      {domain.receipts && (
        <div className="btl-row">
          <span className="btl-label">receipts seen</span>
          <div className="btl-track">
            <div
              className="btl-receipts"
              style={{ left: at(domain.receipts.from), width: width(domain.receipts.from, domain.receipts.to) }}
            />
          </div>
        </div>
      )}
      <div className="btl-row btl-axis">
        <span className="btl-label" />
        <div className="btl-track btl-axis-track">
          <span>{formatTime(domain.lo).slice(0, 10)}</span>
          <span>{formatTime(domain.hi).slice(0, 10)}</span>
        </div>
      </div>
    </div>
  );
}

/** Diff any two versions; or open a proposed bundle file and compare it against a version. */
function CompareForms({ archiveId, bundles }: { readonly archiveId: string; readonly bundles: ArchiveBundles }) {
  const sides = [...bundles.sides, ...proposedList(archiveId)];
  const sorted = [...bundles.sides].sort((a, b) =>
    a.body.id < b.body.id ? -1 : a.body.id > b.body.id ? 1 : a.body.version - b.body.version,
  );
  const [from, setFrom] = useState(sorted.at(-2)?.hash ?? sorted[0]?.hash ?? '');
  const [to, setTo] = useState(sorted.at(-1)?.hash ?? '');
  const [base, setBase] = useState(sorted.at(-1)?.hash ?? '');
  const [file, setFile] = useState<File | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const ids = { from: useId(), to: useId(), base: useId(), file: useId() };
  const option = (s: (typeof sides)[number]) => (
    <option key={s.hash} value={s.hash}>
      {sideName(s)} · {shortHash(s.hash)}
    </option>
  );
  const openProposed = async () => {
    setMessage(null);
    if (!file) {
      setMessage('Choose a bundle file first.');
      return;
    }
    const text = await file.text().catch((error: Error) => {
      setMessage(`${file.name} could not be read: ${error.message}`);
      return null;
    });
    if (text === null) return;
    const read = proposedSide(file.name, text, bundles.keyring);
    if ('error' in read) {
      setMessage(read.error);
      return;
    }
    rememberProposed(archiveId, read.side);
    navigate({ name: 'bundle-diff', archiveId, from: base, to: read.side.hash });
  };
  return (
    <div className="two-columns">
      <section className="panel" aria-labelledby={`${ids.from}-h`}>
        <h2 id={`${ids.from}-h`}>Compare two versions</h2>
        <div className="field">
          <label htmlFor={ids.from}>From</label>
          <select id={ids.from} value={from} onChange={(e) => setFrom(e.target.value)} data-testid="compare-from">
            {sides.map(option)}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.to}>To</label>
          <select id={ids.to} value={to} onChange={(e) => setTo(e.target.value)} data-testid="compare-to">
            {sides.map(option)}
          </select>
        </div>
        <div className="actions">
          <a
            className="button-like"
            href={formatRoute({ name: 'bundle-diff', archiveId, from, to })}
            data-testid="compare-open"
          >
            Show the diff
          </a>
        </div>
      </section>
      <section className="panel" aria-labelledby={`${ids.file}-h`}>
        <h2 id={`${ids.file}-h`}>What-if: a proposed bundle file</h2>
        <p className="panel-note">
          A bundle file that is not in the archive (a proposed change), compared with a version and replayed on this
          archive&apos;s recorded requests. Its signatures are checked against the archive&apos;s keys and shown; a
          signature is not required. The file is held in this window&apos;s memory only: it is not stored, and a reload
          forgets it.
        </p>
        <div className="field">
          <label htmlFor={ids.file}>Proposed bundle file (JSON)</label>
          <input
            id={ids.file}
            type="file"
            accept=".json,application/json"
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
            data-testid="whatif-file"
          />
        </div>
        <div className="field">
          <label htmlFor={ids.base}>Compare against</label>
          <select id={ids.base} value={base} onChange={(e) => setBase(e.target.value)} data-testid="whatif-base">
            {bundles.sides.map(option)}
          </select>
        </div>
        <div className="actions">
          <button type="button" className="primary" onClick={() => void openProposed()} data-testid="whatif-open">
            Compare the proposed file
          </button>
        </div>
        {message && (
          <p className="notice notice-error" role="alert" data-testid="whatif-error">
            {message}
          </p>
        )}
      </section>
    </div>
  );
}
