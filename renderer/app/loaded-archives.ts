/**
 * Archives read into memory (report, findings, column table), cached per id so moving
 * between the dashboard and the receipts view does not read them again.
 */
import { useEffect, useState } from 'react';
import { loadArchive, type LoadedArchive } from '../store/archives.ts';

const cache = new Map<string, Promise<LoadedArchive | null>>();
/** The archives of {@link cache} whose read has finished. */
const settled = new Map<string, LoadedArchive>();

/** Others that keep what they read of an archive (the reconstruction's store sources). */
const forgetters = new Set<(archiveId: string) => void>();

/** Drops what is in memory of an archive (removed, or replaced by a new import). */
export function forgetLoadedArchive(archiveId: string): void {
  cache.delete(archiveId);
  settled.delete(archiveId);
  for (const forget of forgetters) forget(archiveId);
}

/** `forget` is called with the archive's id whenever {@link forgetLoadedArchive} is. */
export function onForgetArchive(forget: (archiveId: string) => void): void {
  forgetters.add(forget);
}

/** An archive just imported: its table was built by the verify worker, not read back. */
export function rememberLoadedArchive(archiveId: string, loaded: LoadedArchive): void {
  cache.set(archiveId, Promise.resolve(loaded));
  settled.set(archiveId, loaded);
}

/** The archive when it is already in memory (read, or just imported), else null: nothing is read. */
export function peekLoadedArchive(archiveId: string): LoadedArchive | null {
  return settled.get(archiveId) ?? null;
}

function load(archiveId: string): Promise<LoadedArchive | null> {
  let pending = cache.get(archiveId);
  if (!pending) {
    pending = loadArchive(archiveId);
    cache.set(archiveId, pending);
    const reading = pending;
    pending.then(
      (loaded) => {
        if (cache.get(archiveId) !== reading) return;
        if (loaded) settled.set(archiveId, loaded);
        else cache.delete(archiveId);
      },
      () => {
        if (cache.get(archiveId) === reading) cache.delete(archiveId);
      },
    );
  }
  return pending;
}

export type LoadState =
  | { readonly status: 'loading' }
  | { readonly status: 'missing' }
  | { readonly status: 'failed'; readonly message: string }
  | { readonly status: 'ready'; readonly loaded: LoadedArchive; readonly loadMs: number };

/** The archive read into memory; `null` reads nothing (and stays loading). */
export function useLoadedArchive(archiveId: string | null): LoadState {
  const [state, setState] = useState<LoadState & { id?: string }>({ status: 'loading' });
  useEffect(() => {
    if (archiveId === null) return undefined;
    let live = true;
    const started = performance.now();
    setState({ status: 'loading' });
    load(archiveId).then(
      (loaded) =>
        live &&
        setState(
          loaded
            ? { status: 'ready', loaded, loadMs: performance.now() - started, id: archiveId }
            : { status: 'missing' },
        ),
      (error: Error) => live && setState({ status: 'failed', message: error.message }),
    );
    return () => {
      live = false;
    };
  }, [archiveId]);
  return archiveId === null ? { status: 'loading' } : state;
}
