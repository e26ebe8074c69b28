/**
 * The one object the page gets as `window.tickmark` (see electron/ipc-contract.ts for
 * its type and the main side's checks).
 *
 * Each method is exactly one `ipcRenderer.invoke` on a `tickmark:` channel; nothing
 * else of Electron (no `ipcRenderer`, no `send`, no raw event, no Node) is reachable
 * from it. The event subscription hands the page only a validated command string.
 *
 * Built by a function of its two Electron dependencies so tests can drive it with
 * fakes; electron/preload/preload.ts passes the real ones.
 */
import type { IpcRenderer, IpcRendererEvent, WebUtils } from 'electron';
import type { TickmarkBridge } from '../ipc-contract.ts';
import { IPC_CHANNELS, MENU_COMMAND_CHANNEL, isMenuCommand, type MenuCommand } from '../ipc-channels.ts';

export type BridgeIpc = Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>;
export type BridgeWebUtils = Pick<WebUtils, 'getPathForFile'>;

/** Builds the bridge. The result is frozen: the page cannot swap a method for its own. */
export function createBridge(ipc: BridgeIpc, webUtils: BridgeWebUtils): TickmarkBridge {
  const bridge: TickmarkBridge = {
    openArchiveDialog: () => ipc.invoke(IPC_CHANNELS.openArchiveDialog),
    openEvidenceDialog: () => ipc.invoke(IPC_CHANNELS.openEvidenceDialog),
    registerDroppedFile: async (file) => {
      // '' for a File that is not on disk (built by script, pasted from memory).
      const filePath = webUtils.getPathForFile(file);
      if (filePath === '') throw new Error('registerDroppedFile: the dropped item is not a file on disk');
      return ipc.invoke(IPC_CHANNELS.registerDroppedFile, filePath);
    },
    readArchiveChunk: (token, offset, length) => ipc.invoke(IPC_CHANNELS.readArchiveChunk, token, offset, length),
    closeArchive: (token) => ipc.invoke(IPC_CHANNELS.closeArchive, token),
    recentArchives: () => ipc.invoke(IPC_CHANNELS.recentArchives),
    addRecent: (token) => ipc.invoke(IPC_CHANNELS.addRecent, token),
    openRecent: (id) => ipc.invoke(IPC_CHANNELS.openRecent, id),
    removeRecent: (id) => ipc.invoke(IPC_CHANNELS.removeRecent, id),
    saveFile: (suggestedName, bytes) => ipc.invoke(IPC_CHANNELS.saveFile, suggestedName, bytes),
    openFileDialog: (kind) => ipc.invoke(IPC_CHANNELS.openFileDialog, kind),
    signingKeys: () => ipc.invoke(IPC_CHANNELS.signingKeys),
    createSigningKey: (label) => ipc.invoke(IPC_CHANNELS.createSigningKey, label),
    signWithKey: (publicKey, message) => ipc.invoke(IPC_CHANNELS.signWithKey, publicKey, message),
    onMenuCommand: (listener: (command: MenuCommand) => void) => {
      if (typeof listener !== 'function') throw new TypeError('onMenuCommand: "listener" must be a function');
      // The IPC event (with its `sender` and ports) stays here; the page gets the string.
      const relay = (_event: IpcRendererEvent, command: unknown) => {
        if (isMenuCommand(command)) listener(command);
      };
      ipc.on(MENU_COMMAND_CHANNEL, relay);
      return () => {
        ipc.removeListener(MENU_COMMAND_CHANNEL, relay);
      };
    },
  };
  return Object.freeze(bridge);
}
