import { useId, useState, type FormEvent } from 'react';
import { db } from '../../store/db.ts';
import { pinRoot } from '../../store/trust.ts';
import { kidOf, parsePublicKeyInput } from '../../store/trust-keys.ts';
import { Fingerprint } from './Fingerprint.tsx';

const MAX_KEY_FILE_BYTES = 1024 * 1024;

/** Pin a root obtained independently of the archive: pasted, or read from a key file. */
export function PinRootForm() {
  const id = useId();
  const [label, setLabel] = useState('');
  const [keyText, setKeyText] = useState('');
  const [method, setMethod] = useState<'pasted' | 'file'>('pasted');
  const [note, setNote] = useState('');
  const [message, setMessage] = useState<{ kind: 'error' | 'ok'; text: string } | null>(null);
  const parsed = keyText.trim() ? parsePublicKeyInput(keyText) : null;

  const onFile = async (file: File | undefined) => {
    if (!file) return;
    if (file.size > MAX_KEY_FILE_BYTES)
      return setMessage({ kind: 'error', text: `${file.name} is too large to be a key file.` });
    const result = parsePublicKeyInput(await file.text());
    if (!result.ok) return setMessage({ kind: 'error', text: `${file.name}: ${result.reason}` });
    setKeyText(result.publicKey);
    setMethod('file');
    if (!note) setNote(`Imported from the file ${file.name}.`);
    setMessage(null);
  };
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const result = parsePublicKeyInput(keyText);
    if (!result.ok) return setMessage({ kind: 'error', text: result.reason });
    if (!label.trim())
      return setMessage({
        kind: 'error',
        text: 'Give the root a name you will recognise, such as the organization it belongs to.',
      });
    const existing = await db.trustedRoots.get(result.publicKey);
    await pinRoot({
      publicKey: result.publicKey,
      label,
      method,
      note: note.trim() || (method === 'file' ? 'Imported from a key file.' : 'Pasted by the auditor.'),
    });
    setMessage({
      kind: 'ok',
      text: existing
        ? `Updated the record of ${label.trim()}.`
        : `Pinned ${label.trim()}. Archives verified from now on are checked against it.`,
    });
    setKeyText('');
    setLabel('');
    setNote('');
    setMethod('pasted');
  };

  return (
    <form className="panel pin-form" onSubmit={onSubmit} aria-labelledby={`${id}-heading`} data-testid="pin-root-form">
      <h2 id={`${id}-heading`}>Pin a root key</h2>
      <p className="muted">
        Pin a key you obtained from the organization through a channel other than the archive itself.
      </p>
      <div className="field">
        <label htmlFor={`${id}-label`}>Name</label>
        <input
          id={`${id}-label`}
          value={label}
          onChange={(e) => setLabel(e.target.value)}
          placeholder="e.g. Example Corp production root"
          data-testid="pin-label"
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-key`}>Public key (64 hexadecimal digits)</label>
        <textarea
          id={`${id}-key`}
          className="mono"
          rows={2}
          value={keyText}
          onChange={(e) => {
            setKeyText(e.target.value);
            setMethod('pasted');
          }}
          spellCheck={false}
          aria-describedby={`${id}-key-help`}
          data-testid="pin-key"
        />
        <p id={`${id}-key-help`} className="field-help" aria-live="polite">
          {parsed === null
            ? 'Paste the key, or import a file holding it.'
            : parsed.ok
              ? `Key id ${kidOf(parsed.publicKey)}`
              : parsed.reason}
        </p>
      </div>
      {parsed?.ok && <Fingerprint kid={kidOf(parsed.publicKey)} publicKey={parsed.publicKey} />}
      <div className="field">
        <label htmlFor={`${id}-note`}>How you obtained it (recorded)</label>
        <input
          id={`${id}-note`}
          value={note}
          onChange={(e) => setNote(e.target.value)}
          placeholder="e.g. Read out by the CISO on a call, 3 April"
          data-testid="pin-note"
        />
      </div>
      <div className="actions">
        <button type="submit" className="primary" data-testid="pin-submit">
          Pin root
        </button>
        <label className="button-like">
          Import key file…
          <input
            type="file"
            className="visually-hidden"
            accept=".txt,.hex,.json,.pub"
            onChange={(e) => void onFile(e.target.files?.[0])}
            data-testid="pin-file"
          />
        </label>
      </div>
      {message && (
        <p
          className={`notice${message.kind === 'error' ? ' notice-error' : ''}`}
          role={message.kind === 'error' ? 'alert' : 'status'}
          data-testid="pin-message"
        >
          {message.text}
        </p>
      )}
    </form>
  );
}
