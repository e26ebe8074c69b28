/** Hooks of the bundles screens: the archive's bundles read from the store, and receipts counted per version. */
import { useEffect, useState } from 'react';
import type { LoadedArchive } from '../../store/archives.ts';
import { loadArchiveBundles, type ArchiveBundles } from './bundle-data.ts';
import { keepScan, keptScan, startScan, type ScanOutcome, type ScanProgress } from './impact-client.ts';
import { planAll } from './impact-plan.ts';
import { linesPerChunkOf } from '../../workers/receipt-columns.ts';

export type Loadable<T> =
  | { readonly status: 'loading' }
  | { readonly status: 'failed'; readonly message: string }
  | { readonly status: 'ready'; readonly value: T };

export function useArchiveBundles(loaded: LoadedArchive | null): Loadable<ArchiveBundles> {
  const [state, setState] = useState<Loadable<ArchiveBundles>>({ status: 'loading' });
  useEffect(() => {
    if (!loaded) return undefined;
    let live = true;
    setState({ status: 'loading' });
    loadArchiveBundles(loaded).then(
      (value) => live && setState({ status: 'ready', value }),
      (error: Error) =>
        live && setState({ status: 'failed', message: `The archive's bundles could not be read: ${error.message}` }),
    );
    return () => {
      live = false;
    };
  }, [loaded]);
  return state;
}

/** Global row of each ledger's first line, by ledger name. */
export function ledgerStartOf(loaded: LoadedArchive): Record<string, number> {
  const { table } = loaded;
  return Object.fromEntries(table.ledgers.map((l, i) => [l, table.ledgerStart[i] as number]));
}

export type CountState =
  | { readonly status: 'counting'; readonly progress: ScanProgress | null }
  | { readonly status: 'failed'; readonly message: string }
  | { readonly status: 'done'; readonly outcome: ScanOutcome };

/**
 * Receipts per bundle hash their decisions name: every stored line read once by the impact
 * workers (there is no bundle column in the index), kept for the window's life.
 */
export function useBundleCounts(loaded: LoadedArchive | null): CountState {
  const key = loaded ? `count\n${loaded.archive.id}` : '';
  const [state, setState] = useState<CountState>(() => {
    const kept = keptScan(key);
    return kept ? { status: 'done', outcome: kept } : { status: 'counting', progress: null };
  });
  useEffect(() => {
    if (!loaded) return undefined;
    const kept = keptScan(key);
    if (kept) {
      setState({ status: 'done', outcome: kept });
      return undefined;
    }
    let live = true;
    setState({ status: 'counting', progress: null });
    const job = startScan({
      archiveId: loaded.archive.id,
      tasks: planAll(loaded.archive.rowsByLedger ?? {}, linesPerChunkOf(loaded.archive)),
      ledgerStart: ledgerStartOf(loaded),
      sides: null,
      onProgress: (progress) => live && setState({ status: 'counting', progress }),
    });
    job.outcome.then(
      (outcome) => {
        keepScan(key, outcome);
        if (live) setState({ status: 'done', outcome });
      },
      (error: Error) => live && setState({ status: 'failed', message: error.message }),
    );
    return () => {
      live = false;
      job.cancel();
    };
  }, [loaded, key]);
  return state;
}
