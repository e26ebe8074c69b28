/**
 * Runs in the page (bundled by test/e2e/menu-open-archive.test.ts with esbuild and
 * injected before the workbench loads): the desktop preload's real bridge
 * (electron/preload/bridge.ts, `createBridge`) over a stand-in `ipcRenderer`, exposed as
 * `window.tickmark` as preload.ts does. So the workbench picks its Electron host and the
 * menu path runs in Chromium with only Electron's transport replaced:
 *
 * * `window.__tickmarkStub.sendMenuCommand(command)` is what the main process's
 *   `webContents.send('tickmark:menu-command', command)` does: the bridge's listeners
 *   get `(event, command)`.
 * * invokes are answered like electron/main/handlers.ts: the open dialogs "pick" the
 *   built-in demo archive (fetched from the page's server), or the archive that
 *   `window.__tickmarkStubArchive` names (`{ url, name }`, a URL the test serves), and reads
 *   serve its bytes.
 */
import { createBridge, type BridgeIpc } from '../../electron/preload/bridge.ts';

type Listener = (event: unknown, ...args: unknown[]) => void;

const listeners = new Map<string, Set<Listener>>();
const invokes: { channel: string; args: unknown[] }[] = [];
const TOKEN = '0123456789abcdef0123456789abcdef';
let archive: Uint8Array | null = null;

/** The archive the dialogs pick, fetched: its name and size as the host gives them. */
async function picked(): Promise<{ token: string; name: string; size: number }> {
  const chosen = (window as { __tickmarkStubArchive?: { url: string; name: string } }).__tickmarkStubArchive ?? {
    url: './demo/demo.zip',
    name: 'menu-demo.zip',
  };
  const response = await fetch(chosen.url);
  if (!response.ok) throw new Error(`the stub cannot fetch ${chosen.url}: ${response.status}`);
  archive = new Uint8Array(await response.arrayBuffer());
  return { token: TOKEN, name: chosen.name, size: archive.byteLength };
}

async function answer(channel: string, args: unknown[]): Promise<unknown> {
  switch (channel) {
    case 'tickmark:open-archive-dialog':
      return picked();
    // The evidence dialog takes several files; here the user picks the one archive.
    case 'tickmark:open-evidence-dialog':
      return [await picked()];
    case 'tickmark:read-archive-chunk': {
      const [token, offset, length] = args as [string, number, number];
      if (token !== TOKEN || archive === null) throw new Error('unknown token');
      return archive.slice(offset, offset + length);
    }
    case 'tickmark:recent-archives':
    case 'tickmark:add-recent':
      return [];
    case 'tickmark:close-archive':
      return undefined;
    default:
      throw new Error(`the stub does not answer ${channel}`);
  }
}

const ipc = {
  invoke(channel: string, ...args: unknown[]) {
    invokes.push({ channel, args: channel === 'tickmark:read-archive-chunk' ? args : [...args] });
    return answer(channel, args);
  },
  on(channel: string, listener: Listener) {
    let set = listeners.get(channel);
    if (!set) listeners.set(channel, (set = new Set()));
    set.add(listener);
    return ipc;
  },
  removeListener(channel: string, listener: Listener) {
    listeners.get(channel)?.delete(listener);
    return ipc;
  },
} as unknown as BridgeIpc;

const stub = {
  sendMenuCommand(command: unknown): number {
    const set = listeners.get('tickmark:menu-command') ?? new Set<Listener>();
    for (const listener of set) listener({ sender: null, ports: [] }, command);
    return set.size;
  },
  menuListeners: () => listeners.get('tickmark:menu-command')?.size ?? 0,
  invokedChannels: () => invokes.map((i) => i.channel),
};

Object.assign(window, {
  tickmark: createBridge(ipc, { getPathForFile: () => '' }),
  __tickmarkStub: stub,
});
