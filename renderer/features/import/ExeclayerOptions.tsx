import { useId, useState, type FormEvent } from 'react';
import { setImportState } from '../../app/import-state.ts';
import { useHost } from '../../app/host-context.ts';
import { navigate } from '../../app/use-route.ts';
import { formatBytes } from '../../components/format.ts';
import { HMAC_NOTE } from '../../../shared/execlayer/verify.ts';
import { V4_HEAD_NAME } from '../../../shared/execlayer/detect.ts';
import { parseHmacSecret, parseIssuers } from './execlayer-options.ts';
import { openEvidence, type PreparedExeclayer } from './open-evidence.ts';
import { startExeclayerImport } from './start-import.ts';
import { KERNEL_NAME } from '../execlayer/execlayer-view.ts';

/**
 * The options of an ExecLayer log before it is verified: the gate's HMAC secret and, for a
 * v4 journal, the allowed issuers (the command line's `--hmac-secret-hex` and `--issuer`).
 * The secret is kept in this form's state and handed to the verification worker, nothing
 * else: not stored, not logged, not in the report.
 */
export function ExeclayerOptions({ prepared }: { prepared: PreparedExeclayer }) {
  const id = useId();
  const host = useHost();
  const [secret, setSecret] = useState('');
  const [issuers, setIssuers] = useState('');
  const [secretError, setSecretError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const v4 = prepared.kind === 'execlayer-v4';

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = parseHmacSecret(secret);
    if (!parsed.ok) return setSecretError(parsed.reason);
    setSecretError(null);
    setSecret('');
    void startExeclayerImport(prepared, { hmacSecretHex: parsed.hex, issuers: v4 ? parseIssuers(issuers) : null });
  };
  const onCancel = () => {
    setImportState({ status: 'idle' });
    navigate({ name: 'start' }, { replace: true });
  };
  /** The head file, picked on its own after the ledger was given alone (dropped, or picked without it). */
  const addHead = async () => {
    setMessage(null);
    const picked = await host.pickEvidence().catch(() => []);
    const head = picked[0];
    if (!head) return;
    setMessage(
      await openEvidence(
        host,
        [prepared.log, { file: head, path: head.name }],
        prepared.origin,
        `${prepared.log.path} + ${head.name}`,
      ),
    );
  };

  return (
    <div className="page import-options" data-testid="execlayer-options">
      <h1>Verify an ExecLayer log</h1>
      <section className="panel" aria-labelledby={`${id}-what`}>
        <h2 id={`${id}-what`}>What was given</h2>
        <dl className="facts">
          <div>
            <dt>Recognised as</dt>
            <dd data-testid="execlayer-kind">{KERNEL_NAME[prepared.kind]}</dd>
          </div>
          <div>
            <dt>{v4 ? 'Journal' : 'Log'}</dt>
            <dd className="mono">
              {prepared.log.path} <span className="muted">({formatBytes(prepared.log.file.size)})</span>
            </dd>
          </div>
          {v4 && (
            <div>
              <dt>Head file</dt>
              <dd className="mono" data-testid="execlayer-head">
                {prepared.head ? (
                  <>
                    {prepared.head.path} <span className="muted">({formatBytes(prepared.head.size)})</span>
                  </>
                ) : (
                  'not given'
                )}
              </dd>
            </div>
          )}
        </dl>
        {v4 && !prepared.head && (
          <div className="notice" role="status" data-testid="execlayer-head-missing">
            <p>
              No {V4_HEAD_NAME} was given with the journal. Without it nothing says which receipt the journal should end
              with: a cut tail cannot be found, and the report will say the head file is missing.
            </p>
            <button type="button" onClick={() => void addHead()} data-testid="execlayer-add-head">
              Add {V4_HEAD_NAME}…
            </button>
          </div>
        )}
        {message && (
          <p className="notice notice-error" role="alert">
            {message}
          </p>
        )}
      </section>
      <form className="panel" onSubmit={onSubmit} aria-labelledby={`${id}-options`}>
        <h2 id={`${id}-options`}>Options</h2>
        <div className="field">
          <label htmlFor={`${id}-secret`}>HMAC secret (hex, optional)</label>
          <input
            id={`${id}-secret`}
            type="password"
            className="mono"
            autoComplete="off"
            spellCheck={false}
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
            aria-invalid={secretError ? true : undefined}
            aria-describedby={`${id}-secret-help${secretError ? ` ${id}-secret-error` : ''}`}
            data-testid="execlayer-secret"
          />
          {secretError && (
            <p className="field-error" id={`${id}-secret-error`} data-testid="execlayer-secret-error">
              {secretError}
            </p>
          )}
          <p className="field-help" id={`${id}-secret-help`} data-testid="execlayer-secret-help">
            The gate’s shared signing secret, its bytes in hex. Used for this verification only, in memory:{' '}
            <strong>never stored in the workbench’s database, never logged</strong>, not part of the report (which
            records only whether one was given). Without it the signatures are reported “not checked”.
          </p>
        </div>
        {v4 ? (
          <div className="field">
            <label htmlFor={`${id}-issuers`}>Allowed issuers (optional)</label>
            <input
              id={`${id}-issuers`}
              className="mono"
              value={issuers}
              onChange={(e) => setIssuers(e.target.value)}
              placeholder="e.g. KERNEL_V4_ISSUER_01"
              aria-describedby={`${id}-issuers-help`}
              data-testid="execlayer-issuers"
            />
            <p className="field-help" id={`${id}-issuers-help`}>
              The issuer_key_id values the journal’s receipts may carry, separated by commas. Without them, issuers are
              reported “not checked”.
            </p>
          </div>
        ) : (
          <p className="field-help" data-testid="execlayer-no-issuers">
            Allowed issuers do not apply: the Python kernel’s receipts carry no issuer or key id.
          </p>
        )}
        <p className="notice" data-testid="execlayer-options-note">
          {HMAC_NOTE}
        </p>
        <div className="actions">
          <button type="submit" className="primary" data-testid="execlayer-verify">
            Verify
          </button>
          <button type="button" onClick={onCancel} data-testid="execlayer-cancel">
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}
