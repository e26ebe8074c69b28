/**
 * Compile-time check that the window's view of the bridge matches the Electron contract:
 * `tsc -p tsconfig.test.json` fails if a method the window uses changes shape.
 */
import { describe, expect, it } from 'vitest';
import type { MenuCommand, TickmarkBridge } from '../../electron/ipc-contract.ts';
import type { BridgeMenuCommand, WindowBridge } from './electron-bridge.ts';
import { BRIDGE_MAX_CHUNK_BYTES } from './electron-bridge.ts';
import { MAX_CHUNK_BYTES } from '../../electron/ipc-contract.ts';

type Assignable<T extends WindowBridge> = T;
export type ContractFitsWindow = Assignable<TickmarkBridge>;

// Method parameters are checked bivariantly, so the menu commands are compared both ways:
// a command the main process adds must be added here (and handled) too.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const menuCommandsMatch: Same<MenuCommand, BridgeMenuCommand> = true;

describe('window bridge', () => {
  it('reads chunks no larger than the main process accepts', () => {
    expect(BRIDGE_MAX_CHUNK_BYTES).toBe(MAX_CHUNK_BYTES);
  });
});
