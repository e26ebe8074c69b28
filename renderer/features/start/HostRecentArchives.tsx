import { useEffect, useState } from 'react';
import { useHost } from '../../app/host-context.ts';
import { formatBytes, formatTime } from '../../components/format.ts';
import type { RecentArchiveEntry } from '../../host/host.ts';
import { startImport } from '../import/start-import.ts';

/** Files the host remembers (Electron); a browser cannot reopen files and shows nothing. */
export function HostRecentArchives() {
  const host = useHost();
  const [recent, setRecent] = useState<readonly RecentArchiveEntry[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  useEffect(() => {
    host.recentArchives().then(setRecent, () => setRecent([]));
  }, [host]);
  if (recent.length === 0) return null;
  const reopen = async (entry: RecentArchiveEntry) => {
    const archive = await host.openRecent(entry.id);
    if (!archive) return setMessage(`${entry.name} is no longer at ${entry.location}.`);
    await startImport(host, archive, { origin: 'host' });
  };
  return (
    <section aria-labelledby="recent-heading" className="panel">
      <h2 id="recent-heading">Recent archive files</h2>
      {message && (
        <p className="notice" role="status">
          {message}
        </p>
      )}
      <ul className="plain-list">
        {recent.map((entry) => (
          <li key={entry.id}>
            <button type="button" className="link-button" onClick={() => void reopen(entry)}>
              Verify {entry.name} again
            </button>{' '}
            <span className="muted">
              {entry.location} · {formatBytes(entry.size)} · last opened {formatTime(entry.lastOpenedAt)}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
