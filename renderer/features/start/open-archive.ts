/**
 * "Open evidence archive…": ask the host for an archive and import it. One action for
 * the start page's button and for the host's own open request (the desktop menu's
 * File → Open Archive…, Ctrl/Cmd+O in a browser; App subscribes through
 * `Host.onOpenArchiveRequest`), so both behave the same.
 */
import { currentImportState } from '../../app/import-state.ts';
import type { Host, PickedArchive } from '../../host/host.ts';
import { startImport } from '../import/start-import.ts';

/**
 * Nothing is asked while an import runs (there is one at a time). A second request while
 * the dialog is open is left to the host: Electron's dialog is modal to the window, and a
 * browser shows one file chooser at a time (a flag of ours could stay set for ever where a
 * browser closes its chooser without a `cancel` event).
 *
 * @returns null when the archive was imported, the user cancelled, or an import was
 *   already running; else a sentence saying why the archive could not be opened.
 */
export async function openArchiveFromHost(host: Host): Promise<string | null> {
  if (currentImportState().status === 'running') return null;
  let archive: PickedArchive | null;
  try {
    archive = await host.pickArchive();
  } catch (error) {
    return `The archive could not be opened: ${(error as Error).message}`;
  }
  if (archive) await startImport(host, archive, { origin: host.kind === 'electron' ? 'host' : 'file' });
  return null;
}
