/**
 * File → Open Archive… end to end, from the menu item to the window's action, with the
 * real pieces that run under Node: the menu template (electron/main/menu.ts), the sender
 * main.ts uses (`menuCommandSender`), the preload's bridge (electron/preload/bridge.ts)
 * and the window's Electron host (renderer/host/electron-host.ts). Only Electron's IPC
 * transport is faked: `webContents.send(channel, …args)` arrives as
 * `ipcRenderer` emitting `(channel, event, …args)`. test/e2e/menu-open-archive.test.ts
 * runs the window's half of the same path in Chromium.
 */
import { EventEmitter } from 'node:events';
import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { MENU_COMMAND_CHANNEL } from '../../electron/ipc-contract.ts';
import { buildMenuTemplate, menuCommandSender, type MenuCommandTarget } from '../../electron/main/menu.ts';
import { createBridge, type BridgeIpc } from '../../electron/preload/bridge.ts';
import { electronHost } from '../../renderer/host/electron-host.ts';

function items(template: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return template.flatMap((item) => [item, ...(Array.isArray(item.submenu) ? items(item.submenu) : [])]);
}

/** A window whose `webContents.send` delivers to a fake ipcRenderer, as Electron's IPC does. */
function connectedWindow() {
  const ipcRenderer = new EventEmitter();
  const send = vi.fn((channel: string, ...args: unknown[]) => {
    ipcRenderer.emit(channel, { sender: {}, ports: [] }, ...args);
  });
  const window: MenuCommandTarget = { isDestroyed: () => false, webContents: { send } };
  const ipc = Object.assign(ipcRenderer, { invoke: vi.fn() }) as unknown as BridgeIpc & EventEmitter;
  return { window, send, ipc, ipcRenderer };
}

function openItem(onOpenArchive: () => void, platform: NodeJS.Platform = 'linux') {
  const template = buildMenuTemplate({
    platform,
    isPackaged: true,
    appName: 'Tickmark',
    onOpenArchive,
    onAbout: () => {},
  });
  const item = items(template).find((i) => i.id === 'open-archive');
  if (!item?.click) throw new Error('no File → Open Archive… item');
  return () => (item.click as () => void)();
}

describe('menuCommandSender', () => {
  it('sends the command on the menu channel to the window it is given', () => {
    const { window, send } = connectedWindow();
    menuCommandSender(() => window)('open-archive');
    expect(send).toHaveBeenCalledOnce();
    expect(send).toHaveBeenCalledWith(MENU_COMMAND_CHANNEL, 'open-archive');
    expect(MENU_COMMAND_CHANNEL).toBe('tickmark:menu-command');
  });

  it('does nothing without a window or with a destroyed one', () => {
    const { send } = connectedWindow();
    expect(() => menuCommandSender(() => null)('open-archive')).not.toThrow();
    menuCommandSender(() => ({ isDestroyed: () => true, webContents: { send } }))('open-archive');
    expect(send).not.toHaveBeenCalled();
  });
});

describe('File → Open Archive… reaches the window', () => {
  it.each(['linux', 'win32', 'darwin'] as const)(
    '%s: menu click → send → bridge → host → the window opens an archive',
    (platform) => {
      const { window, send, ipc } = connectedWindow();
      const host = electronHost(createBridge(ipc, { getPathForFile: () => '' }));
      const openRequested = vi.fn();
      const unsubscribe = host.onOpenArchiveRequest(openRequested);
      const click = openItem(() => menuCommandSender(() => window)('open-archive'), platform);

      click();
      expect(send).toHaveBeenCalledWith(MENU_COMMAND_CHANNEL, 'open-archive');
      expect(openRequested).toHaveBeenCalledOnce();
      // The host's listener gets no argument: nothing of the IPC event reaches the page.
      expect(openRequested.mock.calls[0]).toEqual([]);

      unsubscribe();
      click();
      expect(openRequested).toHaveBeenCalledOnce();
      expect(ipc.listenerCount(MENU_COMMAND_CHANNEL)).toBe(0);
    },
  );

  it('a command the page does not know, or a payload that is not a command, opens nothing', () => {
    const { ipc, ipcRenderer } = connectedWindow();
    const host = electronHost(createBridge(ipc, { getPathForFile: () => '' }));
    const openRequested = vi.fn();
    host.onOpenArchiveRequest(openRequested);
    ipcRenderer.emit(MENU_COMMAND_CHANNEL, {}, 'close-archive');
    ipcRenderer.emit(MENU_COMMAND_CHANNEL, {}, { command: 'open-archive' });
    ipcRenderer.emit('tickmark:other', {}, 'open-archive');
    expect(openRequested).not.toHaveBeenCalled();
  });

  it("the window's action is the start page's: the host's open dialog is asked for", async () => {
    const { window, ipc } = connectedWindow();
    vi.mocked(ipc.invoke).mockResolvedValue(null); // the user cancels the dialog
    const host = electronHost(createBridge(ipc, { getPathForFile: () => '' }));
    const picked = new Promise<unknown>((resolve) => host.onOpenArchiveRequest(() => resolve(host.pickArchive())));
    openItem(() => menuCommandSender(() => window)('open-archive'))();
    await expect(picked).resolves.toBeNull();
    expect(ipc.invoke).toHaveBeenCalledWith('tickmark:open-archive-dialog');
  });
});
