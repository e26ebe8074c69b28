/**
 * The channel names of the bridge, with no dependencies: the sandboxed preload imports
 * this (and only types from ./ipc-contract.ts), so its bundle stays a few kilobytes and
 * carries no validation library. ./ipc-contract.ts builds the schemas on these names
 * and re-exports them; everything else should import from there.
 */

/** Every channel starts with this, so a stray or foreign channel is refused by name. */
export const CHANNEL_PREFIX = 'tickmark:';

/** One invoke channel per bridge call. */
export const IPC_CHANNELS = Object.freeze({
  openArchiveDialog: 'tickmark:open-archive-dialog',
  openEvidenceDialog: 'tickmark:open-evidence-dialog',
  registerDroppedFile: 'tickmark:register-dropped-file',
  readArchiveChunk: 'tickmark:read-archive-chunk',
  closeArchive: 'tickmark:close-archive',
  recentArchives: 'tickmark:recent-archives',
  addRecent: 'tickmark:add-recent',
  openRecent: 'tickmark:open-recent',
  removeRecent: 'tickmark:remove-recent',
  saveFile: 'tickmark:save-file',
  openFileDialog: 'tickmark:open-file-dialog',
  signingKeys: 'tickmark:signing-keys',
  createSigningKey: 'tickmark:create-signing-key',
  signWithKey: 'tickmark:sign-with-key',
} as const);

/** The one main → window event channel (menu commands). Carries a {@link MenuCommand} only. */
export const MENU_COMMAND_CHANNEL = 'tickmark:menu-command';
export const MENU_COMMANDS = Object.freeze(['open-archive'] as const);
export type MenuCommand = (typeof MENU_COMMANDS)[number];

/** True for a value the main process may send on {@link MENU_COMMAND_CHANNEL}. */
export function isMenuCommand(value: unknown): value is MenuCommand {
  return typeof value === 'string' && (MENU_COMMANDS as readonly string[]).includes(value);
}
