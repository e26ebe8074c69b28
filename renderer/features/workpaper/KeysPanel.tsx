/** The auditor's signing keys: make one, see its fingerprint, save its public key to hand out. */
import { useState, type FormEvent } from 'react';
import { useHost } from '../../app/host-context.ts';
import { groupedHex } from '../../store/trust-keys.ts';
import { keyFingerprint, publicKeyFile, publicKeyFileName } from './public-key.ts';
import type { KeysState } from './use-signing-keys.ts';

export function KeysPanel({ keys, onChange }: { keys: KeysState; onChange: () => void }) {
  const host = useHost();
  const [label, setLabel] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const create = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      const made = await host.signingKeys.create(label);
      setLabel('');
      setMessage({ text: `Made a key for ${made.label}. Give its public key to whoever will verify.`, error: false });
      onChange();
    } catch (error) {
      setMessage({ text: (error as Error).message, error: true });
    } finally {
      setBusy(false);
    }
  };
  const exportKey = async (publicKey: string, keyLabel: string) => {
    setMessage(null);
    try {
      const name = publicKeyFileName(keyLabel, publicKey);
      const saved = await host.saveFile(name, new TextEncoder().encode(publicKeyFile(publicKey, keyLabel)));
      if (saved) setMessage({ text: `Saved the public key of ${keyLabel} as ${name}.`, error: false });
    } catch (error) {
      setMessage({ text: `The public key could not be saved: ${(error as Error).message}`, error: true });
    }
  };
  return (
    <section className="panel" aria-labelledby="wp-keys-heading" id="wp-keys">
      <h2 id="wp-keys-heading">Signing keys on this machine</h2>
      {keys.status === 'loading' && <p className="muted">Reading the keys…</p>}
      {keys.status === 'failed' && (
        <p className="notice notice-error" role="alert" data-testid="wp-keys-error">
          The signing keys cannot be read: {keys.message}
        </p>
      )}
      {keys.status === 'ready' && (
        <>
          <p className="field-help" data-testid="wp-key-protection">
            {keys.list.protection}
          </p>
          {keys.list.unavailable && (
            <p className="notice notice-error" role="alert" data-testid="wp-keys-unavailable">
              {keys.list.unavailable}
            </p>
          )}
          {keys.list.keys.length === 0 ? (
            <p data-testid="wp-no-keys">No key yet. Make one for each person who signs (preparer, reviewer).</p>
          ) : (
            <ul className="card-list">
              {keys.list.keys.map((k) => (
                <li key={k.publicKey} className="card" data-testid="wp-key">
                  <div className="card-head">
                    <h3 data-testid="wp-key-label">{k.label}</h3>
                    <button
                      type="button"
                      onClick={() => void exportKey(k.publicKey, k.label)}
                      data-testid="wp-key-export"
                    >
                      Save public key…
                    </button>
                  </div>
                  <dl className="fingerprint">
                    <div>
                      <dt>Public key</dt>
                      <dd className="mono" data-testid="wp-key-public">
                        {groupedHex(k.publicKey)}
                      </dd>
                    </div>
                    <div>
                      <dt>SHA-256 fingerprint</dt>
                      <dd className="mono" data-testid="wp-key-fingerprint">
                        {groupedHex(keyFingerprint(k.publicKey))}
                      </dd>
                    </div>
                    <div>
                      <dt>Made</dt>
                      <dd>{k.createdAt}</dd>
                    </div>
                  </dl>
                </li>
              ))}
            </ul>
          )}
          <form className="wp-inline-form" onSubmit={(e) => void create(e)} noValidate>
            <div className="field">
              <label htmlFor="wp-key-name">Make a key for</label>
              <input
                id="wp-key-name"
                value={label}
                onChange={(e) => setLabel(e.target.value)}
                placeholder="Whose key: e.g. A. Auditor"
                autoComplete="off"
                data-testid="wp-key-name"
              />
            </div>
            <button type="submit" disabled={busy || keys.list.unavailable !== null} data-testid="wp-key-create">
              Make key
            </button>
          </form>
        </>
      )}
      {message && (
        <p
          className={message.error ? 'notice notice-error' : 'notice'}
          role={message.error ? 'alert' : 'status'}
          data-testid="wp-key-message"
        >
          {message.text}
        </p>
      )}
    </section>
  );
}
