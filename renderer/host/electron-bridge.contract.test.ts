/**
 * Compile-time check that the window's view of the bridge matches the Electron contract:
 * `tsc -p tsconfig.test.json` fails if a method the window uses changes shape.
 */
import { describe, expect, it } from 'vitest';
import type { TickmarkBridge } from '../../electron/ipc-contract.ts';
import type { WindowBridge } from './electron-bridge.ts';
import { BRIDGE_MAX_CHUNK_BYTES } from './electron-bridge.ts';
import { MAX_CHUNK_BYTES } from '../../electron/ipc-contract.ts';

type Assignable<T extends WindowBridge> = T;
export type ContractFitsWindow = Assignable<TickmarkBridge>;

describe('window bridge', () => {
  it('reads chunks no larger than the main process accepts', () => {
    expect(BRIDGE_MAX_CHUNK_BYTES).toBe(MAX_CHUNK_BYTES);
  });
});
