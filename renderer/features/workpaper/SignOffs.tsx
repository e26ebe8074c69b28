/**
 * Sign-offs: the preparer signs the draft, the reviewer signs the preparer's envelope, an
 * approved workpaper is locked until reopened (with who, when and why). Each form says
 * why it cannot be used rather than hiding.
 */
import { useState, type FormEvent } from 'react';
import { useHost } from '../../app/host-context.ts';
import type { EnvelopeSigner } from '../../../shared/workpaper/dsse.ts';
import type { SigningKeyInfo } from '../../host/host.ts';
import type { WorkpaperEvent } from '../../store/db.ts';
import { groupedHex } from '../../store/trust-keys.ts';
import { reopenWorkpaper, statusOf, type SectionChange, type Workpaper } from '../../store/workpapers.ts';
import { signingBlocker, type DraftSource } from './draft.ts';
import { keyFingerprint } from './public-key.ts';
import { signAsPreparer, signAsReviewer, workpaperKey } from './sign.ts';
import type { KeysState } from './use-signing-keys.ts';

type Message = { readonly text: string; readonly error: boolean } | null;

function Notice({ message, testId }: { message: Message; testId: string }) {
  if (!message) return null;
  return (
    <p
      className={message.error ? 'notice notice-error' : 'notice'}
      role={message.error ? 'alert' : 'status'}
      data-testid={testId}
    >
      {message.text}
    </p>
  );
}

const shortFingerprint = (publicKey: string) => groupedHex(keyFingerprint(publicKey).slice(0, 16));

function KeySelect({
  id,
  keys,
  value,
  onChange,
  testId,
}: {
  id: string;
  keys: readonly SigningKeyInfo[];
  value: string;
  onChange: (key: SigningKeyInfo | undefined) => void;
  testId: string;
}) {
  return (
    <select
      id={id}
      value={value}
      onChange={(e) => onChange(keys.find((k) => k.publicKey === e.target.value))}
      data-testid={testId}
    >
      <option value="">Choose a key…</option>
      {keys.map((k) => (
        <option key={k.publicKey} value={k.publicKey}>
          {k.label} (fingerprint {shortFingerprint(k.publicKey)}…)
        </option>
      ))}
    </select>
  );
}

/** What state the sign-offs are in, what changed since signing, and the history. */
export function SignOffStatus({
  workpaper,
  changes,
}: {
  workpaper: Workpaper | undefined;
  changes: readonly SectionChange[];
}) {
  const status = statusOf(workpaper);
  const prepared = workpaper?.prepared;
  const review = workpaper?.review;
  return (
    <section className="panel" aria-labelledby="wp-status-heading" id="wp-status">
      <h2 id="wp-status-heading">Sign-offs</h2>
      <p data-testid="wp-status" data-status={status} data-modified={changes.length > 0 ? 'yes' : 'no'}>
        {status === 'draft' && <span className="badge badge-neutral">Draft: not signed</span>}
        {status === 'prepared' && <span className="badge badge-warning">Signed by the preparer, not reviewed</span>}
        {status === 'returned' && <span className="badge badge-bad">Returned by the reviewer</span>}
        {status === 'reviewed' && <span className="badge badge-good">Reviewed and approved: locked</span>}{' '}
        {changes.length > 0 && (
          <span className="badge badge-bad" data-testid="wp-modified">
            Modified since signed
          </span>
        )}
      </p>
      {prepared && (
        <p data-testid="wp-prepared">
          Prepared and signed by <strong>{prepared.name}</strong> on {prepared.signedAt}, key fingerprint{' '}
          <span className="mono">{shortFingerprint(prepared.publicKey)}…</span>. Workpaper hash{' '}
          <span className="mono break" data-testid="wp-signed-hash">
            {prepared.workpaperHash}
          </span>
          .
        </p>
      )}
      {review && (
        <p data-testid="wp-review">
          {review.decision === 'approved' ? 'Reviewed and approved' : 'Reviewed and returned'} by{' '}
          <strong>{review.name}</strong> on {review.signedAt}, key fingerprint{' '}
          <span className="mono">{shortFingerprint(review.publicKey)}…</span>
          {review.note ? `: “${review.note}”` : '.'}
        </p>
      )}
      {changes.length > 0 && (
        <div className="wp-changes" data-testid="wp-changes">
          <p>
            <strong>
              The engagement’s data changed after the preparer signed. The signature covers the version signed, not
              these changes;{' '}
              {status === 'reviewed'
                ? 'the workpaper is locked: reopen it, then sign again.'
                : 'sign again to include them.'}
            </strong>
          </p>
          <ul>
            {changes.map((c) => (
              <li key={c.section} data-testid="wp-change">
                <strong>{c.label}</strong>: {c.detail}
              </li>
            ))}
          </ul>
        </div>
      )}
      {(workpaper?.history ?? []).length > 0 && (
        <details>
          <summary>History of the sign-offs ({workpaper?.history?.length})</summary>
          <ol className="wp-history" data-testid="wp-history">
            {(workpaper?.history ?? []).map((event, i) => (
              <li key={i}>{eventText(event)}</li>
            ))}
          </ol>
        </details>
      )}
    </section>
  );
}

function eventText(e: WorkpaperEvent): string {
  switch (e.kind) {
    case 'prepared':
      return `${e.at}: signed as preparer by ${e.by} (workpaper hash ${e.workpaperHash.slice(0, 16)}…)`;
    case 'reviewed':
      return `${e.at}: review signed by ${e.by}, ${e.decision}${e.note ? `: “${e.note}”` : ''}`;
    case 'reopened':
      return `${e.at}: reopened by ${e.by}${e.setAside ? `; the review by ${e.setAside.by} of ${e.setAside.at} (${e.setAside.decision}) no longer stands` : ''}. Why: “${e.reason}”`;
  }
}

export function SignOffForms({
  source,
  workpaper,
  changes,
  keys,
}: {
  source: DraftSource;
  workpaper: Workpaper | undefined;
  changes: readonly SectionChange[];
  keys: KeysState;
}) {
  const status = statusOf(workpaper);
  const list = keys.status === 'ready' ? keys.list.keys : [];
  return (
    <section className="panel" aria-labelledby="wp-sign-heading" id="wp-sign">
      <h2 id="wp-sign-heading">Sign</h2>
      <div className="two-columns">
        <SignOffForm role="preparer" source={source} workpaper={workpaper} changed={changes.length > 0} keys={list} />
        {status === 'reviewed' ? (
          <ReopenForm source={source} />
        ) : (
          <SignOffForm role="reviewer" source={source} workpaper={workpaper} changed={changes.length > 0} keys={list} />
        )}
      </div>
    </section>
  );
}

/** What tells the two sign-off forms apart, besides the reviewer's decision and note. */
const ROLES = {
  preparer: {
    prefix: 'wp-prepare',
    heading: 'Preparer',
    nameLabel: 'Preparer’s name (signed)',
    blockedClass: 'notice notice-error',
  },
  reviewer: {
    prefix: 'wp-review',
    heading: 'Reviewer',
    nameLabel: 'Reviewer’s name (signed)',
    blockedClass: 'notice',
  },
} as const;

/** Why `role` cannot sign now, or null. */
function blockerFor(
  role: keyof typeof ROLES,
  status: ReturnType<typeof statusOf>,
  changed: boolean,
  source: DraftSource,
): string | null {
  if (role === 'preparer')
    return status === 'reviewed'
      ? 'The workpaper is reviewed and locked: reopen it before signing again.'
      : signingBlocker(source);
  return status === 'draft'
    ? 'Nothing to review yet: the preparer signs first.'
    : status === 'returned'
      ? 'Returned to the preparer: the preparer signs again before another review.'
      : changed
        ? 'The data changed after the preparer signed: the preparer signs again before review, so that you review what is current.'
        : null;
}

/**
 * The preparer's form (signs the draft) or the reviewer's (signs the preparer's envelope,
 * with a decision and a note): the same key, name, submit and message, by `role`.
 */
function SignOffForm({
  role,
  source,
  workpaper,
  changed,
  keys,
}: {
  role: keyof typeof ROLES;
  source: DraftSource;
  workpaper: Workpaper | undefined;
  changed: boolean;
  keys: readonly SigningKeyInfo[];
}) {
  const host = useHost();
  const [key, setKey] = useState<SigningKeyInfo | undefined>(undefined);
  const [name, setName] = useState('');
  const [decision, setDecision] = useState<'approved' | 'returned'>('approved');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message>(null);
  const { prefix, heading, nameLabel, blockedClass } = ROLES[role];
  const status = statusOf(workpaper);
  const blocker = blockerFor(role, status, changed, source);
  const sign = async (signer: EnvelopeSigner): Promise<Message> => {
    if (role === 'preparer') {
      const signed = await signAsPreparer(source, signer, name);
      return signed.ok
        ? { text: `Signed as preparer. Workpaper hash ${signed.value.workpaperHash}.`, error: false }
        : { text: signed.message, error: true };
    }
    const signed = await signAsReviewer(source, workpaper as Workpaper, signer, { reviewer: name, decision, note });
    return signed.ok ? { text: `Review signed (${decision}).`, error: false } : { text: signed.message, error: true };
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (role === 'reviewer' && !workpaper) return;
    if (!key) return setMessage({ text: 'Choose the key to sign with.', error: true });
    setBusy(true);
    setMessage(null);
    try {
      setMessage(await sign(host.signingKeys.signer(key.publicKey)));
    } catch (error) {
      setMessage({ text: `Not signed: ${(error as Error).message}`, error: true });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      onSubmit={(e) => void submit(e)}
      noValidate
      aria-labelledby={`${prefix}-heading`}
      data-testid={`${prefix}-form`}
    >
      <h3 id={`${prefix}-heading`}>{heading}</h3>
      {role === 'preparer' ? (
        <p className="field-help">
          Signs the draft shown below as it is now: the content, the archive file’s SHA-256 and the PDF’s.
          {status !== 'draft' && !changed && status !== 'reviewed' && ' Signing again replaces the current sign-off.'}
        </p>
      ) : (
        <p className="field-help">
          Signs the preparer’s signed workpaper exactly as it is stored (the review names its SHA-256). Approving locks
          the workpaper until it is reopened.
        </p>
      )}
      {blocker && (
        <p className={blockedClass} data-testid={`${prefix}-blocked`}>
          {blocker}
        </p>
      )}
      <div className="field">
        <label htmlFor={`${prefix}-key`}>Key</label>
        <KeySelect
          id={`${prefix}-key`}
          keys={keys}
          value={key?.publicKey ?? ''}
          onChange={(k) => {
            setKey(k);
            if (k && name.trim() === '') setName(k.label);
          }}
          testId={`${prefix}-key`}
        />
      </div>
      <div className="field">
        <label htmlFor={`${prefix}-name`}>{nameLabel}</label>
        <input
          id={`${prefix}-name`}
          value={name}
          onChange={(e) => setName(e.target.value)}
          data-testid={`${prefix}-name`}
        />
      </div>
      {role === 'reviewer' && (
        <>
          <fieldset className="wp-decision">
            <legend>Decision</legend>
            <label>
              <input
                type="radio"
                name="wp-decision"
                checked={decision === 'approved'}
                onChange={() => setDecision('approved')}
                data-testid="wp-review-approve"
              />{' '}
              Approve
            </label>
            <label>
              <input
                type="radio"
                name="wp-decision"
                checked={decision === 'returned'}
                onChange={() => setDecision('returned')}
                data-testid="wp-review-return"
              />{' '}
              Return to the preparer
            </label>
          </fieldset>
          <div className="field">
            <label htmlFor="wp-review-note">Note (signed)</label>
            <textarea
              id="wp-review-note"
              rows={2}
              value={note}
              onChange={(e) => setNote(e.target.value)}
              data-testid="wp-review-note"
            />
          </div>
        </>
      )}
      <button type="submit" className="primary" disabled={busy || blocker !== null} data-testid={`${prefix}-submit`}>
        {busy
          ? 'Signing…'
          : role === 'reviewer'
            ? 'Sign review'
            : status === 'draft'
              ? 'Sign as preparer'
              : 'Sign again as preparer'}
      </button>
      <Notice message={message} testId={`${prefix}-message`} />
    </form>
  );
}

function ReopenForm({ source }: { source: DraftSource }) {
  const [name, setName] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      const done = await reopenWorkpaper(workpaperKey(source), name, reason);
      setMessage(
        done.ok
          ? {
              text: 'Reopened. The review no longer stands; the preparer signs again, then a new review.',
              error: false,
            }
          : { text: done.message, error: true },
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby="wp-reopen-heading" data-testid="wp-reopen-form">
      <h3 id="wp-reopen-heading">Reopen</h3>
      <p className="field-help">
        The workpaper is reviewed and locked. Reopening records who reopened it, when and why, and sets the review
        aside: it will not cover what is signed next.
      </p>
      <div className="field">
        <label htmlFor="wp-reopen-name">Your name</label>
        <input
          id="wp-reopen-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          data-testid="wp-reopen-name"
        />
      </div>
      <div className="field">
        <label htmlFor="wp-reopen-reason">Why it is reopened</label>
        <textarea
          id="wp-reopen-reason"
          rows={2}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          data-testid="wp-reopen-reason"
        />
      </div>
      <button type="submit" disabled={busy} data-testid="wp-reopen-submit">
        Reopen workpaper
      </button>
      <Notice message={message} testId="wp-reopen-message" />
    </form>
  );
}
