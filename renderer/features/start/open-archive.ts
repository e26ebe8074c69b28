/**
 * "Open evidence archive…": ask the host for evidence (an archive, or an ExecLayer log's
 * files) and import it. One action for
 * the start page's button and for the host's own open request (the desktop menu's
 * File → Open Archive…, Ctrl/Cmd+O in a browser; App subscribes through
 * `Host.onOpenArchiveRequest`), so both behave the same.
 */
import { currentImportState } from '../../app/import-state.ts';
import type { Host, PickedArchive } from '../../host/host.ts';
import { givenFiles, openEvidence } from '../import/open-evidence.ts';

/**
 * Nothing is asked while an import runs (there is one at a time). A second request while
 * the dialog is open is left to the host: Electron's dialog is modal to the window, and a
 * browser shows one file chooser at a time (a flag of ours could stay set for ever where a
 * browser closes its chooser without a `cancel` event).
 *
 * @returns null when the archive was imported (or an ExecLayer log awaits its options), the
 *   user cancelled, or an import was already running; else a sentence saying why nothing
 *   could be opened.
 */
export async function openArchiveFromHost(host: Host): Promise<string | null> {
  if (currentImportState().status === 'running') return null;
  let picked: readonly PickedArchive[];
  try {
    picked = await host.pickEvidence();
  } catch (error) {
    return `The archive could not be opened: ${(error as Error).message}`;
  }
  return openEvidence(host, givenFiles(picked), host.kind === 'electron' ? 'host' : 'file');
}
