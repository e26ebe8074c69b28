/**
 * Policy changes reviewed: the auditor names two versions of a bundle they compared (on the
 * policy diff screen) and what they found; each is part of the draft, so one added after a
 * sign-off shows the workpaper as modified since signed.
 */
import { useState, type FormEvent } from 'react';
import { formatRoute } from '../../app/routes.ts';
import { db, type BundleRow } from '../../store/db.ts';
import { useLiveQuery } from '../../store/use-live-query.ts';
import { addPolicyDiff, isLocked, removePolicyDiff, type Workpaper } from '../../store/workpapers.ts';
import type { DraftSource } from './draft.ts';
import { workpaperKey } from './sign.ts';

const versionOf = (b: BundleRow) => `${b.id}@${b.version}`;

export function PolicyDiffsPanel({ source, workpaper }: { source: DraftSource; workpaper: Workpaper | undefined }) {
  const archiveId = source.archive.id;
  const bundles = useLiveQuery(
    async () =>
      (await db.bundles.where('archiveId').equals(archiveId).toArray()).sort((a, b) =>
        a.id < b.id ? -1 : a.id > b.id ? 1 : a.version - b.version,
      ),
    [archiveId],
  );
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [summary, setSummary] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const locked = isLocked(workpaper);
  const byHash = new Map((bundles ?? []).map((b) => [b.hash, b]));
  const add = async (event: FormEvent) => {
    event.preventDefault();
    const a = byHash.get(from);
    const b = byHash.get(to);
    const done = await addPolicyDiff(workpaperKey(source), {
      from: a ? versionOf(a) : '',
      fromHash: a?.hash ?? '',
      to: b ? versionOf(b) : '',
      toHash: b?.hash ?? '',
      summary,
    });
    if (done.ok) {
      setSummary('');
      setMessage(null);
    } else setMessage(done.message);
  };
  const notes = workpaper?.policyDiffs ?? [];
  return (
    <section className="panel" aria-labelledby="wp-policy-heading" id="wp-policy">
      <h2 id="wp-policy-heading">Policy changes reviewed</h2>
      {notes.length > 0 && (
        <ul className="plain-list wp-notes">
          {notes.map((d) => (
            <li key={d.addedAt} data-testid="wp-policy-diff">
              <a href={formatRoute({ name: 'bundle-diff', archiveId, from: d.fromHash, to: d.toHash })}>
                {d.from} → {d.to}
              </a>
              : {d.summary}{' '}
              <button
                type="button"
                className="link-button"
                disabled={locked}
                onClick={() =>
                  void removePolicyDiff(workpaperKey(source), d.addedAt).then((r) =>
                    setMessage(r.ok ? null : r.message),
                  )
                }
              >
                remove
                <span className="visually-hidden">
                  {' '}
                  {d.from} → {d.to}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {bundles && bundles.length < 2 ? (
        <p className="muted">This archive holds {bundles.length} bundle version(s): there is no change to compare.</p>
      ) : (
        <form className="wp-policy-form" onSubmit={(e) => void add(e)} noValidate>
          <div className="field">
            <label htmlFor="wp-policy-from">From version</label>
            <select
              id="wp-policy-from"
              value={from}
              onChange={(e) => setFrom(e.target.value)}
              data-testid="wp-policy-from"
            >
              <option value="">Choose…</option>
              {(bundles ?? []).map((b) => (
                <option key={b.hash} value={b.hash}>
                  {versionOf(b)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="wp-policy-to">To version</label>
            <select id="wp-policy-to" value={to} onChange={(e) => setTo(e.target.value)} data-testid="wp-policy-to">
              <option value="">Choose…</option>
              {(bundles ?? []).map((b) => (
                <option key={b.hash} value={b.hash}>
                  {versionOf(b)}
                </option>
              ))}
            </select>
          </div>
          <div className="field wp-policy-summary">
            <label htmlFor="wp-policy-summary">What you found</label>
            <textarea
              id="wp-policy-summary"
              rows={2}
              value={summary}
              onChange={(e) => setSummary(e.target.value)}
              data-testid="wp-policy-summary"
            />
          </div>
          <button type="submit" disabled={locked} data-testid="wp-policy-add">
            Add to workpaper
          </button>
        </form>
      )}
      {locked && <p className="field-help">The workpaper is reviewed and locked: reopen it to change this.</p>}
      {message && (
        <p className="notice notice-error" role="alert" data-testid="wp-policy-message">
          {message}
        </p>
      )}
    </section>
  );
}
