import { useEffect, useId, useRef, useState } from 'react';
import { pinRoot } from '../../store/trust.ts';
import { Fingerprint } from './Fingerprint.tsx';

export interface UnpinnedRoot {
  readonly kid: string;
  readonly publicKey: string;
  readonly archiveId: string;
  readonly archiveName: string;
}

interface Props {
  readonly root: UnpinnedRoot;
  readonly onClose: () => void;
  /** Called after the pin is recorded. */
  readonly onTrusted: () => void;
}

/**
 * Explicit, recorded trust-on-first-use: says what trusting a root taken from the archive
 * means, and records who decided, when, and from which archive.
 */
export function TrustOnFirstUseDialog({ root, onClose, onTrusted }: Props) {
  const id = useId();
  const ref = useRef<HTMLDialogElement>(null);
  const [label, setLabel] = useState('');
  const [compared, setCompared] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  const onTrust = async () => {
    if (!label.trim()) return setError('Name the root, for example after the organization it belongs to.');
    const comparedNote = compared
      ? 'The auditor states the fingerprint was compared with the organization through another channel.'
      : 'The fingerprint was NOT confirmed through another channel.';
    await pinRoot({
      publicKey: root.publicKey,
      label,
      method: 'trust-on-first-use',
      note: `Trusted on first use from archive ${root.archiveName}. ${comparedNote}${reason.trim() ? ` Reason given: ${reason.trim()}` : ''}`,
      sourceArchive: { id: root.archiveId, name: root.archiveName },
    });
    onTrusted();
  };
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-what`}
      onCancel={onClose}
      data-testid="tofu-dialog"
    >
      <h2 id={`${id}-title`}>Trust this root key on first use?</h2>
      <div id={`${id}-what`}>
        <p>
          This key came from inside <strong>{root.archiveName}</strong>. You did not obtain it independently: whoever
          produced this archive could have produced this key too, so trusting it proves only that the archive is
          internally consistent, not who made it.
        </p>
        <p>
          If you trust it, every key it certifies is treated as genuine, in this archive and in any later archive under
          the same root. The decision is recorded in the trust store with the time, this archive, and what you state
          below, and the archive is verified again.
        </p>
      </div>
      <Fingerprint kid={root.kid} publicKey={root.publicKey} />
      <div className="field">
        <label htmlFor={`${id}-label`}>Name for this root</label>
        <input id={`${id}-label`} value={label} onChange={(e) => setLabel(e.target.value)} data-testid="tofu-label" />
      </div>
      <div className="field field-check">
        <input
          id={`${id}-compared`}
          type="checkbox"
          checked={compared}
          onChange={(e) => setCompared(e.target.checked)}
          data-testid="tofu-compared"
        />
        <label htmlFor={`${id}-compared`}>
          I compared this fingerprint with the organization through another channel
        </label>
      </div>
      <div className="field">
        <label htmlFor={`${id}-reason`}>Reason (recorded)</label>
        <input
          id={`${id}-reason`}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          data-testid="tofu-reason"
        />
      </div>
      {error && (
        <p className="notice notice-error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="button" className="primary" onClick={() => void onTrust()} data-testid="tofu-confirm">
          Trust this root and verify again
        </button>
        <button type="button" onClick={onClose} data-testid="tofu-cancel">
          Do not trust
        </button>
      </div>
    </dialog>
  );
}
