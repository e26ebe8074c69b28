/**
 * Dexie's `liveQuery` as a React hook (dexie-react-hooks is not a dependency): re-runs
 * the query when the tables it read change, in this window or another.
 */
import { liveQuery } from 'dexie';
import { useEffect, useState } from 'react';

export function useLiveQuery<T>(query: () => Promise<T>, deps: readonly unknown[]): T | undefined {
  const [value, setValue] = useState<T | undefined>(undefined);
  useEffect(() => {
    const subscription = liveQuery(query).subscribe({
      next: (next) => setValue(() => next),
      error: (error: unknown) => console.error('Live query failed', error),
    });
    return () => subscription.unsubscribe();
    // The caller names the query's inputs in `deps`, as with useEffect.
  }, deps);
  return value;
}
