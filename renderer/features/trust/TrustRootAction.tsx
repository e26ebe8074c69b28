import { useState } from 'react';
import { useHost } from '../../app/host-context.ts';
import { sessionArchive } from '../../app/session-archives.ts';
import { startImport } from '../import/start-import.ts';
import { TrustOnFirstUseDialog, type UnpinnedRoot } from './TrustOnFirstUseDialog.tsx';

/** The button that opens the trust-on-first-use dialog, and what happens after. */
export function TrustRootAction({ root }: { root: UnpinnedRoot }) {
  const host = useHost();
  const [open, setOpen] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const onTrusted = async () => {
    setOpen(false);
    const archive = sessionArchive(root.archiveId);
    if (archive)
      await startImport(host, archive, {
        origin: host.kind === 'electron' ? 'host' : 'file',
        replaces: root.archiveId,
      });
    else setMessage(`Pinned. Open ${root.archiveName} again to verify it against this root.`);
  };
  return (
    <>
      <button type="button" onClick={() => setOpen(true)} data-testid="tofu-open">
        Review root key for trust on first use…
      </button>
      {open && <TrustOnFirstUseDialog root={root} onClose={() => setOpen(false)} onTrusted={() => void onTrusted()} />}
      {message && (
        <p className="notice" role="status">
          {message}
        </p>
      )}
    </>
  );
}
