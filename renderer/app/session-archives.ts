/**
 * The archives opened in this session, kept so one can be verified again (after the
 * auditor pins its root) without asking for the file again. Not persisted: a browser
 * cannot reopen a file by itself after a reload.
 */
import type { PickedArchive } from '../host/host.ts';

const opened = new Map<string, PickedArchive>();

export function rememberSessionArchive(archiveId: string, archive: PickedArchive): void {
  opened.set(archiveId, archive);
}

export function sessionArchive(archiveId: string): PickedArchive | undefined {
  return opened.get(archiveId);
}

export function forgetSessionArchive(archiveId: string): void {
  opened.delete(archiveId);
}
