import { useCallback, useEffect, useState } from 'react';
import type { Host, SigningKeyList } from '../../host/host.ts';

export type KeysState =
  | { readonly status: 'loading' }
  | { readonly status: 'failed'; readonly message: string }
  | { readonly status: 'ready'; readonly list: SigningKeyList };

/** The host's signing keys, read again after `refresh()` (a key made here, or in another window). */
export function useSigningKeys(host: Host): { readonly state: KeysState; readonly refresh: () => void } {
  const [state, setState] = useState<KeysState>({ status: 'loading' });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let live = true;
    host.signingKeys.list().then(
      (list) => live && setState({ status: 'ready', list }),
      (error: Error) => live && setState({ status: 'failed', message: error.message }),
    );
    return () => {
      live = false;
    };
  }, [host, generation]);
  const refresh = useCallback(() => setGeneration((g) => g + 1), []);
  return { state, refresh };
}
