/**
 * The sandboxed preload: exposes the bridge as `window.tickmark` and nothing else.
 * Bundled to dist/electron/preload.cjs (a sandboxed preload must be CommonJS and may
 * `require` only Electron's renderer modules).
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { createBridge } from './bridge.ts';

contextBridge.exposeInMainWorld('tickmark', createBridge(ipcRenderer, webUtils));
