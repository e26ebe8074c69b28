/**
 * The one import that can run at a time, as a tiny external store the import screen and
 * the start screen read with `useSyncExternalStore`.
 */
import { useSyncExternalStore } from 'react';
import type { VerifyProgress } from '../workers/verify-protocol.ts';
import type { PreparedExeclayer } from '../features/import/open-evidence.ts';

export type ImportState =
  | { readonly status: 'idle' }
  | {
      readonly status: 'running';
      readonly name: string;
      readonly size: number;
      readonly progress: VerifyProgress | null;
      readonly cancelling: boolean;
    }
  /** An ExecLayer log recognised, waiting on the import screen for its options (nothing stored yet). */
  | { readonly status: 'options'; readonly name: string; readonly prepared: PreparedExeclayer }
  | { readonly status: 'cancelled'; readonly name: string }
  | { readonly status: 'failed'; readonly name: string; readonly message: string };

let state: ImportState = { status: 'idle' };
const listeners = new Set<() => void>();
let cancelCurrent: (() => void) | null = null;

export function setImportState(next: ImportState, cancel?: () => void): void {
  state = next;
  if (cancel !== undefined) cancelCurrent = cancel;
  if (next.status !== 'running') cancelCurrent = null;
  for (const listener of listeners) listener();
}

export function updateProgress(progress: VerifyProgress): void {
  if (state.status === 'running') setImportState({ ...state, progress });
}

export function cancelImport(): void {
  if (state.status !== 'running' || state.cancelling) return;
  setImportState({ ...state, cancelling: true });
  cancelCurrent?.();
}

export function currentImportState(): ImportState {
  return state;
}

export function useImportState(): ImportState {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => state,
  );
}
