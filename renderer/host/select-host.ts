/** Picks the Host at start-up: Electron when its preload exposed `window.tickmark`. */
import { browserHost } from './browser-host.ts';
import { dexieKeyStore } from './browser-key-store.ts';
import { browserSigningKeys } from './browser-signing.ts';
import './electron-bridge.ts';
import { electronHost } from './electron-host.ts';
import type { Host } from './host.ts';

export function selectHost(): Host {
  return window.tickmark ? electronHost(window.tickmark) : browserHost(browserSigningKeys(dexieKeyStore()));
}
