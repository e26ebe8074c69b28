/** The browser's signing keys in the workbench database (`signingKeys`, store version 6). */
import { db } from '../store/db.ts';
import type { KeyStore } from './browser-signing.ts';

export function dexieKeyStore(): KeyStore {
  return {
    all: () => db.signingKeys.toArray(),
    get: (publicKey) => db.signingKeys.get(publicKey),
    add: async (key) => {
      await db.signingKeys.add({ ...key });
    },
  };
}
