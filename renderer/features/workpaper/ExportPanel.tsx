/** Saves the signed workpaper: its envelopes (JSON Lines) and its PDF, under the names the signature uses. */
import { useState } from 'react';
import { useHost } from '../../app/host-context.ts';
import type { Workpaper } from '../../store/workpapers.ts';
import { exportFiles } from './sign.ts';

export function ExportPanel({ workpaper }: { workpaper: Workpaper | undefined }) {
  const host = useHost();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const save = async (which: 'envelope' | 'pdf') => {
    if (!workpaper) return;
    setBusy(true);
    setMessage(null);
    try {
      const files = await exportFiles(workpaper);
      if (!files.ok) return setMessage({ text: files.message, error: true });
      const file = files.value[which];
      if (await host.saveFile(file.name, file.bytes))
        setMessage({ text: `Saved ${file.name} (${file.bytes.length} bytes).`, error: false });
    } catch (error) {
      setMessage({ text: `Not saved: ${(error as Error).message}`, error: true });
    } finally {
      setBusy(false);
    }
  };
  const prepared = workpaper?.prepared;
  return (
    <section className="panel" aria-labelledby="wp-export-heading" id="wp-export">
      <h2 id="wp-export-heading">Export</h2>
      {!prepared ? (
        <p data-testid="wp-export-none">
          Nothing to export yet: the workpaper is exported once the preparer has signed.
        </p>
      ) : (
        <>
          <p className="field-help">
            The workpaper file holds the preparer’s signed envelope
            {workpaper?.review ? ' and the review' : ' (no review yet)'}. The PDF is named in the signature as{' '}
            <span className="mono">{prepared.pdfName}</span>: keep that name, and anyone can check both with{' '}
            <span className="mono">tickmark workpaper verify</span> or OpenSSL (docs/WORKPAPER.md).
          </p>
          <div className="actions">
            <button
              type="button"
              disabled={busy}
              onClick={() => void save('envelope')}
              data-testid="wp-export-envelope"
            >
              Save workpaper file (.jsonl)…
            </button>
            <button type="button" disabled={busy} onClick={() => void save('pdf')} data-testid="wp-export-pdf">
              Save PDF…
            </button>
          </div>
        </>
      )}
      {message && (
        <p
          className={message.error ? 'notice notice-error' : 'notice'}
          role={message.error ? 'alert' : 'status'}
          data-testid="wp-export-message"
        >
          {message.text}
        </p>
      )}
    </section>
  );
}
