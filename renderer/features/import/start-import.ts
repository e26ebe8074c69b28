/**
 * What every "open" action ends in: verify and store one archive with the roots pinned
 * now (or one ExecLayer log with the options given on the import screen), show progress,
 * and land on its dashboard (or say why not).
 */
import { forgetLoadedArchive } from '../../app/loaded-archives.ts';
import { currentImportState, setImportState, updateProgress } from '../../app/import-state.ts';
import { forgetSessionArchive, rememberSessionArchive } from '../../app/session-archives.ts';
import { navigate } from '../../app/use-route.ts';
import type { Host, PickedArchive } from '../../host/host.ts';
import { deleteArchive } from '../../store/archives.ts';
import { db, type ArchiveRow } from '../../store/db.ts';
import { trustedRootKeys } from '../../store/trust.ts';
import { importArchive, type ImportOptions } from './import-archive.ts';
import type { PreparedExeclayer } from './open-evidence.ts';

export interface StartImportOptions {
  readonly origin: ArchiveRow['origin'];
  /** An earlier import of the same archive that this one replaces once it completes. */
  readonly replaces?: string;
}

export async function startImport(host: Host, archive: PickedArchive, options: StartImportOptions): Promise<void> {
  await runImport(
    archive.name,
    archive,
    async () => {
      const trustedRoots = await trustedRootKeys();
      // A re-verification stays in the engagement of the archive it replaces.
      const engagementId = options.replaces ? (await db.archives.get(options.replaces))?.engagementId : undefined;
      return { trustedRoots, origin: options.origin, ...(engagementId ? { engagementId } : {}) };
    },
    async (archiveId) => {
      rememberSessionArchive(archiveId, archive);
      if (options.replaces) {
        forgetLoadedArchive(options.replaces);
        forgetSessionArchive(options.replaces);
        await deleteArchive(options.replaces);
      }
      if (options.origin !== 'demo') await host.rememberArchive(archive).catch(() => undefined);
    },
  );
}

/** What the import screen asks of an ExecLayer log before it is verified. */
export interface ExeclayerOptions {
  /** The gate's HMAC secret in hex (lowercase, an even number of digits), or null. Never stored. */
  readonly hmacSecretHex: string | null;
  /** Allowed issuer key ids (v4), or null when none were given. */
  readonly issuers: readonly string[] | null;
}

/**
 * Verifies and stores a prepared ExecLayer log. It is not remembered as a recent archive
 * (reopening one reads it as an archive) nor kept for a re-verification after pinning a root
 * (no root applies); to verify again, for instance with the secret, give the files again.
 */
export async function startExeclayerImport(prepared: PreparedExeclayer, options: ExeclayerOptions): Promise<void> {
  const { log, head } = prepared;
  const size = log.file.size + (head?.size ?? 0);
  await runImport(prepared.name, log.file, async () => ({
    name: prepared.name,
    size,
    trustedRoots: [],
    origin: prepared.origin,
    execlayer: {
      start: {
        kind: prepared.kind,
        source: prepared.name,
        log: log.file.workerSource,
        logPath: log.path,
        headPath: prepared.headPath,
        headText: head?.text ?? null,
        hmacSecretHex: options.hmacSecretHex,
        issuers: options.issuers,
      },
      stored: {
        kind: prepared.kind,
        files: [
          { role: 'log', path: log.path, size: log.file.size, sha256: null },
          ...(head ? [{ role: 'head', path: head.path, size: head.size, sha256: head.sha256 } as const] : []),
        ],
        hmacSecretGiven: options.hmacSecretHex !== null,
        issuers: options.issuers === null ? null : [...options.issuers],
      },
    },
  }));
}

/**
 * One import with progress on the import screen: when it completes, `completed` and then its
 * dashboard; when it is cancelled or fails, the start screen saying so.
 */
async function runImport(
  name: string,
  archive: PickedArchive,
  importOptions: () => Promise<Omit<ImportOptions, 'onProgress' | 'onStarted'>>,
  completed: (archiveId: string) => Promise<void> = async () => {},
): Promise<void> {
  if (currentImportState().status === 'running') return;
  setImportState({ status: 'running', name, size: archive.size, progress: null, cancelling: false });
  navigate({ name: 'import' });
  try {
    const job = importArchive(archive, { ...(await importOptions()), onProgress: updateProgress });
    const state = currentImportState();
    setImportState(state, job.cancel);
    if (state.status === 'running' && state.cancelling) job.cancel();
    const outcome = await job.outcome;
    if (outcome.kind === 'complete') {
      await completed(outcome.archiveId);
      setImportState({ status: 'idle' });
      navigate({ name: 'dashboard', archiveId: outcome.archiveId }, { replace: true });
    } else if (outcome.kind === 'cancelled') {
      setImportState({ status: 'cancelled', name });
      navigate({ name: 'start' }, { replace: true });
    } else {
      setImportState({ status: 'failed', name, message: outcome.message });
      navigate({ name: 'start' }, { replace: true });
    }
  } catch (error) {
    setImportState({ status: 'failed', name, message: (error as Error).message });
  }
}
