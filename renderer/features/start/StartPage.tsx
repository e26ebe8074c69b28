import { useEffect, useState } from 'react';
import { useHost } from '../../app/host-context.ts';
import { useImportState } from '../../app/import-state.ts';
import { engagementOverview } from '../../store/engagements.ts';
import { useLiveQuery } from '../../store/use-live-query.ts';
import { givenFiles, openEvidence, openFolder } from '../import/open-evidence.ts';
import { DropZone } from './DropZone.tsx';
import { EngagementPanel } from './EngagementPanel.tsx';
import { HostRecentArchives } from './HostRecentArchives.tsx';
import { ImportedArchives } from './ImportedArchives.tsx';
import { openArchiveFromHost } from './open-archive.ts';
import { openDemo } from './open-demo.ts';
import { prewarmVerification } from '../import/verify-client.ts';

export function StartPage() {
  const host = useHost();
  const importState = useImportState();
  const [message, setMessage] = useState<string | null>(null);
  const overview = useLiveQuery(engagementOverview, []);
  const current = overview?.current?.engagement ?? null;
  const busy = importState.status === 'running';
  // The next import's worker loads while the auditor chooses the evidence.
  useEffect(() => {
    if (!busy) prewarmVerification();
  }, [busy]);

  const onOpen = async () => {
    setMessage(null);
    setMessage(await openArchiveFromHost(host));
  };
  const onDemo = async () => {
    setMessage(null);
    setMessage(await openDemo(host));
  };

  return (
    <div className="page start-page" data-testid="start-page">
      <h1>Open evidence</h1>
      <p className="lede">
        Tickmark verifies signed, hash-chained authority receipts of AI agents against the root keys you pin, and shows
        what the evidence proves and what it does not.
      </p>
      {importState.status === 'cancelled' && (
        <p className="notice" role="status" data-testid="import-cancelled">
          Import of {importState.name} was cancelled. Nothing of it was kept.
        </p>
      )}
      {importState.status === 'failed' && (
        <p className="notice notice-error" role="alert" data-testid="import-failed">
          Import of {importState.name} failed: {importState.message} Nothing of it was kept.
        </p>
      )}
      {overview && <EngagementPanel overview={overview} />}
      <DropZone
        disabled={busy}
        onFiles={async (files) => {
          setMessage(null);
          const origin = host.kind === 'electron' ? 'host' : 'file';
          try {
            const picked = await Promise.all(files.map((file) => host.droppedArchive(file)));
            setMessage(await openEvidence(host, givenFiles(picked), origin));
          } catch (error) {
            setMessage(`The dropped files could not be opened: ${(error as Error).message}`);
          }
        }}
        onFolder={async (folder) => {
          setMessage(null);
          setMessage(await openFolder(host, folder, host.kind === 'electron' ? 'host' : 'file'));
        }}
      >
        <div className="actions">
          <button type="button" className="primary" onClick={onOpen} disabled={busy} data-testid="open-archive">
            Open evidence archive…
          </button>
          <button type="button" onClick={onDemo} disabled={busy} data-testid="open-demo">
            Open built-in demo evidence
          </button>
        </div>
        <p className="muted">
          or drop a .zip archive here, or an ExecLayer log: a Python kernel’s audit log, or a v4 journal’s ledger.jsonl
          and dag_head.json together (or their folder).{' '}
          {current ? (
            <>
              It is verified and stored under <strong data-testid="import-target">{current.name}</strong>.
            </>
          ) : (
            'It is verified and stored under a new, untitled engagement.'
          )}
        </p>
      </DropZone>
      {message && (
        <p className="notice notice-error" role="alert" data-testid="start-message">
          {message}
        </p>
      )}
      {overview && <ImportedArchives engagement={current} othersExist={overview.others.length > 0} />}
      <HostRecentArchives />
    </div>
  );
}
