/**
 * The preload's bridge (electron/preload/bridge.ts) with a fake ipcRenderer: one
 * invoke per method on the contract's channel, no raw IPC event ever reaches the page,
 * nothing but the contract's methods is exposed (checklist 20).
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { IPC_CHANNELS, MENU_COMMAND_CHANNEL, type TickmarkBridge } from '../../electron/ipc-contract.ts';
import { createBridge, type BridgeIpc, type BridgeWebUtils } from '../../electron/preload/bridge.ts';

function setup(pathForFile = '/home/me/dropped.zip') {
  const emitter = new EventEmitter();
  const invoke = vi.fn(async (channel: string, ...args: unknown[]) => ({ channel, args }));
  const ipc = Object.assign(emitter, { invoke }) as unknown as BridgeIpc & EventEmitter;
  const webUtils: BridgeWebUtils = { getPathForFile: vi.fn(() => pathForFile) };
  return { bridge: createBridge(ipc, webUtils), invoke, emitter, webUtils };
}

const TOKEN = 'b'.repeat(32);

describe('createBridge', () => {
  it('exposes exactly the contract methods, all functions, frozen', () => {
    const { bridge } = setup();
    const expected = [...Object.keys(IPC_CHANNELS), 'onMenuCommand'].sort();
    expect(Object.keys(bridge).sort()).toEqual(expected);
    expect(Object.values(bridge).every((v) => typeof v === 'function')).toBe(true);
    expect(Object.isFrozen(bridge)).toBe(true);
    expect(bridge).not.toHaveProperty('invoke');
    expect(bridge).not.toHaveProperty('send');
  });

  it.each<[string, (b: TickmarkBridge) => Promise<unknown>, string, unknown[]]>([
    ['openArchiveDialog', (b) => b.openArchiveDialog(), IPC_CHANNELS.openArchiveDialog, []],
    ['openEvidenceDialog', (b) => b.openEvidenceDialog(), IPC_CHANNELS.openEvidenceDialog, []],
    ['readArchiveChunk', (b) => b.readArchiveChunk(TOKEN, 5, 10), IPC_CHANNELS.readArchiveChunk, [TOKEN, 5, 10]],
    ['closeArchive', (b) => b.closeArchive(TOKEN), IPC_CHANNELS.closeArchive, [TOKEN]],
    ['recentArchives', (b) => b.recentArchives(), IPC_CHANNELS.recentArchives, []],
    ['addRecent', (b) => b.addRecent(TOKEN), IPC_CHANNELS.addRecent, [TOKEN]],
    ['openRecent', (b) => b.openRecent(TOKEN), IPC_CHANNELS.openRecent, [TOKEN]],
    ['removeRecent', (b) => b.removeRecent(TOKEN), IPC_CHANNELS.removeRecent, [TOKEN]],
    [
      'saveFile',
      (b) => b.saveFile('out.csv', new Uint8Array([1])),
      IPC_CHANNELS.saveFile,
      ['out.csv', new Uint8Array([1])],
    ],
  ])('%s is one invoke on its channel', async (_name, callIt, channel, args) => {
    const { bridge, invoke } = setup();
    await callIt(bridge);
    expect(invoke).toHaveBeenCalledOnce();
    expect(invoke).toHaveBeenCalledWith(channel, ...args);
  });

  it('registerDroppedFile sends the path the preload resolved, not the File', async () => {
    const { bridge, invoke, webUtils } = setup('/home/me/dropped.zip');
    const file = new File([new Uint8Array([1])], 'dropped.zip');
    await bridge.registerDroppedFile(file);
    expect(webUtils.getPathForFile).toHaveBeenCalledWith(file);
    expect(invoke).toHaveBeenCalledWith(IPC_CHANNELS.registerDroppedFile, '/home/me/dropped.zip');
  });

  it('registerDroppedFile refuses a File that is not on disk, without calling the host', async () => {
    const { bridge, invoke } = setup('');
    await expect(bridge.registerDroppedFile(new File([], 'made-up.zip'))).rejects.toThrow(/not a file on disk/);
    expect(invoke).not.toHaveBeenCalled();
  });

  it('onMenuCommand hands the page the command only, drops unknown ones, and unsubscribes', () => {
    const { bridge, emitter } = setup();
    const listener = vi.fn();
    const unsubscribe = bridge.onMenuCommand(listener);
    const rawEvent = { sender: { send: vi.fn() }, ports: [] };
    emitter.emit(MENU_COMMAND_CHANNEL, rawEvent, 'open-archive');
    emitter.emit(MENU_COMMAND_CHANNEL, rawEvent, 'rm -rf');
    emitter.emit(MENU_COMMAND_CHANNEL, rawEvent, { command: 'open-archive' });
    expect(listener).toHaveBeenCalledTimes(1);
    expect(listener.mock.calls[0]).toEqual(['open-archive']);
    unsubscribe();
    emitter.emit(MENU_COMMAND_CHANNEL, rawEvent, 'open-archive');
    expect(listener).toHaveBeenCalledTimes(1);
    expect(emitter.listenerCount(MENU_COMMAND_CHANNEL)).toBe(0);
  });

  it('onMenuCommand refuses a non-function listener', () => {
    const { bridge } = setup();
    expect(() => bridge.onMenuCommand('alert(1)' as never)).toThrow(TypeError);
  });
});
