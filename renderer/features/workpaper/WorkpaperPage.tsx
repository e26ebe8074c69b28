/**
 * `#/archive/<id>/workpaper`: the engagement's signed workpaper for one archive. The draft
 * (what will be signed, built from the engagement's data now), the sign-offs (preparer,
 * then reviewer over the preparer's envelope; "modified since signed" with what changed;
 * locked once approved until reopened), the signing keys, and the export.
 */
import { useMemo } from 'react';
import { useHost } from '../../app/host-context.ts';
import { formatRoute } from '../../app/routes.ts';
import { useLiveQuery } from '../../store/use-live-query.ts';
import { compareSignedContent, signedPredicate } from '../../store/workpapers.ts';
import { ReimportOffer } from '../bundles/parts.tsx';
import { buildDraft, readDraftSource, signingBlocker } from './draft.ts';
import { ExportPanel } from './ExportPanel.tsx';
import { KeysPanel } from './KeysPanel.tsx';
import { PolicyDiffsPanel } from './PolicyDiffsPanel.tsx';
import { PredicateView, str } from './PredicateView.tsx';
import { SignOffForms, SignOffStatus } from './SignOffs.tsx';
import { useSigningKeys } from './use-signing-keys.ts';

export function WorkpaperPage({ archiveId }: { archiveId: string }) {
  const host = useHost();
  const read = useLiveQuery(() => readDraftSource(archiveId), [archiveId]);
  const keys = useSigningKeys(host);
  const source = read?.ok ? read.source : null;
  const workpaper = source?.workpaper;
  const envelope = workpaper?.prepared?.envelope;
  const signed = useMemo(() => (envelope ? signedPredicate(envelope) : null), [envelope]);
  // The draft as it would be signed now; once signed, with the signing time and name of
  // the version signed, so that only the engagement's data can make the two differ.
  const draft = useMemo(
    () =>
      source
        ? buildDraft(source, {
            createdAt: signed ? str(signed.created_at) : '',
            preparer: signed ? str(signed.preparer) : '',
          })
        : null,
    [source, signed],
  );
  const changes = useMemo(() => (signed && draft ? compareSignedContent(signed, draft) : []), [signed, draft]);
  if (read === undefined) return <p className="muted">Reading the engagement’s data…</p>;
  if (!source || !draft) {
    return (
      <div className="page">
        <h1>Workpaper</h1>
        <p data-testid="archive-missing">
          {read.ok || read.reason === 'missing'
            ? 'This archive is not stored in the workbench (it may have been removed).'
            : 'This archive’s engagement no longer exists.'}
        </p>
        <a href={formatRoute({ name: 'start' })}>Back to start</a>
      </div>
    );
  }
  const blocker = signingBlocker(source);
  const contentTitle = !signed
    ? 'Draft: what will be signed'
    : changes.length > 0
      ? 'Draft: what would be signed now'
      : 'Content as signed';
  return (
    <div className="page workpaper-page" data-testid="workpaper-page">
      <div>
        <h1>Workpaper</h1>
        <p className="lede">
          {source.engagement.name}
          {source.engagement.client ? ` (${source.engagement.client})` : ''}: evidence archive{' '}
          <strong>{source.archive.name}</strong>. One workpaper per archive of the engagement, signed with Ed25519 keys
          made on this machine, checkable by anyone with the signers’ public keys (
          <a href={formatRoute({ name: 'verify-workpaper' })}>verify a workpaper file</a>).
        </p>
      </div>
      <nav aria-label="On this page" className="wp-toc">
        <a href="#wp-status">Sign-offs</a>
        <a href="#wp-content">{contentTitle}</a>
        <a href="#wp-policy">Policy changes reviewed</a>
        <a href="#wp-keys">Signing keys</a>
        <a href="#wp-sign">Sign</a>
        <a href="#wp-export">Export</a>
      </nav>
      <SignOffStatus workpaper={workpaper} changes={changes} />
      <section className="panel" aria-labelledby="wp-content-heading" id="wp-content">
        <h2 id="wp-content-heading">{contentTitle}</h2>
        {blocker && (
          <div className="notice notice-error" data-testid="wp-blocker">
            <p>{blocker}</p>
            <ReimportOffer archive={source.archive} />
          </div>
        )}
        <p className="field-help">
          Built from the stored verification of this archive (the same report and checks as{' '}
          <span className="mono">tickmark verify --json</span>), the receipts added from reconstructions, the policy
          changes below, this archive’s samples and the engagement’s conclusions. It says what was verified and what was
          not.
        </p>
        <PredicateView predicate={draft} idPrefix="wp-draft" />
        {signed && changes.length > 0 && (
          <details className="wp-signed-version">
            <summary>The content as signed</summary>
            <PredicateView predicate={signed} idPrefix="wp-signed" />
          </details>
        )}
      </section>
      <PolicyDiffsPanel source={source} workpaper={workpaper} />
      <KeysPanel keys={keys.state} onChange={keys.refresh} />
      <SignOffForms source={source} workpaper={workpaper} changes={changes} keys={keys.state} />
      <ExportPanel workpaper={workpaper} />
    </div>
  );
}
