/**
 * What every "open" action ends in: verify and store one archive with the roots pinned
 * now, show progress, and land on its dashboard (or say why not).
 */
import { forgetLoadedArchive } from '../../app/loaded-archives.ts';
import { currentImportState, setImportState, updateProgress } from '../../app/import-state.ts';
import { forgetSessionArchive, rememberSessionArchive } from '../../app/session-archives.ts';
import { navigate } from '../../app/use-route.ts';
import type { Host, PickedArchive } from '../../host/host.ts';
import { deleteArchive } from '../../store/archives.ts';
import { db, type ArchiveRow } from '../../store/db.ts';
import { trustedRootKeys } from '../../store/trust.ts';
import { importArchive } from './import-archive.ts';

export interface StartImportOptions {
  readonly origin: ArchiveRow['origin'];
  /** An earlier import of the same archive that this one replaces once it completes. */
  readonly replaces?: string;
}

export async function startImport(host: Host, archive: PickedArchive, options: StartImportOptions): Promise<void> {
  if (currentImportState().status === 'running') return;
  setImportState({ status: 'running', name: archive.name, size: archive.size, progress: null, cancelling: false });
  navigate({ name: 'import' });
  try {
    const trustedRoots = await trustedRootKeys();
    // A re-verification stays in the engagement of the archive it replaces.
    const engagementId = options.replaces ? (await db.archives.get(options.replaces))?.engagementId : undefined;
    const job = importArchive(archive, {
      trustedRoots,
      origin: options.origin,
      onProgress: updateProgress,
      ...(engagementId ? { engagementId } : {}),
    });
    const state = currentImportState();
    setImportState(state, job.cancel);
    if (state.status === 'running' && state.cancelling) job.cancel();
    const outcome = await job.outcome;
    if (outcome.kind === 'complete') {
      rememberSessionArchive(outcome.archiveId, archive);
      if (options.replaces) {
        forgetLoadedArchive(options.replaces);
        forgetSessionArchive(options.replaces);
        await deleteArchive(options.replaces);
      }
      if (options.origin !== 'demo') await host.rememberArchive(archive).catch(() => undefined);
      setImportState({ status: 'idle' });
      navigate({ name: 'dashboard', archiveId: outcome.archiveId }, { replace: true });
    } else if (outcome.kind === 'cancelled') {
      setImportState({ status: 'cancelled', name: archive.name });
      navigate({ name: 'start' }, { replace: true });
    } else {
      setImportState({ status: 'failed', name: archive.name, message: outcome.message });
      navigate({ name: 'start' }, { replace: true });
    }
  } catch (error) {
    setImportState({ status: 'failed', name: archive.name, message: (error as Error).message });
  }
}
