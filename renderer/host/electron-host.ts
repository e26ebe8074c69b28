/** The Host inside Electron: a thin wrapper over the `window.tickmark` bridge. */
import type { RandomAccessBytes } from '../../shared/archive/source.ts';
import { concatBytes } from '../../shared/format/bytes.ts';
import { BRIDGE_MAX_CHUNK_BYTES, type BridgeOpenedArchive, type WindowBridge } from './electron-bridge.ts';
import { keyLabelProblem } from './browser-signing.ts';
import type { Host, PickedArchive, SigningKeys } from './host.ts';

/** Random access through the bridge; reads larger than the main process allows are split. */
function tokenBytes(bridge: WindowBridge, opened: BridgeOpenedArchive): RandomAccessBytes {
  return {
    size: opened.size,
    async read(offset, length) {
      const end = Math.min(offset + length, opened.size);
      if (end <= offset) return new Uint8Array(0);
      const parts: Uint8Array[] = [];
      for (let at = offset; at < end; at += BRIDGE_MAX_CHUNK_BYTES) {
        parts.push(await bridge.readArchiveChunk(opened.token, at, Math.min(BRIDGE_MAX_CHUNK_BYTES, end - at)));
      }
      return parts.length === 1 ? (parts[0] as Uint8Array) : concatBytes(parts);
    },
    close: () => bridge.closeArchive(opened.token),
  };
}

const tokens = new WeakMap<PickedArchive, string>();

function tokenArchive(bridge: WindowBridge, opened: BridgeOpenedArchive): PickedArchive {
  const bytes = tokenBytes(bridge, opened);
  const archive: PickedArchive = {
    name: opened.name,
    size: opened.size,
    bytes,
    workerSource: { kind: 'relay', size: opened.size, name: opened.name },
    close: () => bridge.closeArchive(opened.token),
  };
  tokens.set(archive, opened.token);
  return archive;
}

/** Signing keys kept by the main process: the window lists public keys and asks for signatures. */
function bridgeSigningKeys(bridge: WindowBridge): SigningKeys {
  return {
    list: () => bridge.signingKeys(),
    // The main process refuses a bad label too; saying it here first reads better.
    async create(label) {
      const problem = keyLabelProblem(label);
      if (problem) throw new Error(problem);
      return bridge.createSigningKey(label.trim());
    },
    signer: (publicKey) => ({ publicKey, sign: (message) => bridge.signWithKey(publicKey, message) }),
  };
}

export function electronHost(bridge: WindowBridge): Host {
  return {
    kind: 'electron',
    signingKeys: bridgeSigningKeys(bridge),
    async pickFile(kind) {
      const opened = await bridge.openFileDialog(kind);
      if (!opened) return null;
      return {
        name: opened.name,
        size: opened.size,
        bytes: tokenBytes(bridge, opened),
        close: () => bridge.closeArchive(opened.token),
      };
    },
    async pickArchive() {
      const opened = await bridge.openArchiveDialog();
      return opened ? tokenArchive(bridge, opened) : null;
    },
    // Several files at once: a v4 journal's ledger.jsonl and dag_head.json are picked together.
    async pickEvidence() {
      return (await bridge.openEvidenceDialog()).map((opened) => tokenArchive(bridge, opened));
    },
    async droppedArchive(file) {
      return tokenArchive(bridge, await bridge.registerDroppedFile(file));
    },
    async saveFile(name, bytes) {
      return (await bridge.saveFile(name, bytes)) !== null;
    },
    async recentArchives() {
      return (await bridge.recentArchives()).map((r) => ({
        id: r.id,
        name: r.name,
        location: r.path,
        size: r.size,
        lastOpenedAt: r.lastOpenedAt,
      }));
    },
    async openRecent(id) {
      const opened = await bridge.openRecent(id);
      return opened ? tokenArchive(bridge, opened) : null;
    },
    async rememberArchive(archive) {
      const token = tokens.get(archive);
      if (token) await bridge.addRecent(token);
    },
    // The menu's accelerator (CmdOrCtrl+O) is the shortcut here: no key listener of our own.
    onOpenArchiveRequest(listener) {
      return bridge.onMenuCommand((command) => {
        if (command === 'open-archive') listener();
      });
    },
  };
}
