import { db } from '../../store/db.ts';
import { useLiveQuery } from '../../store/use-live-query.ts';
import type { UnpinnedRoot } from './TrustOnFirstUseDialog.tsx';

/** Root keys listed in stored archives (one archive, or all) that are not pinned. */
export function useUnpinnedRoots(archiveId?: string): UnpinnedRoot[] | undefined {
  return useLiveQuery(async () => {
    const [keys, pinned, archives] = await Promise.all([
      archiveId ? db.keys.where('archiveId').equals(archiveId).toArray() : db.keys.toArray(),
      db.trustedRoots.toCollection().primaryKeys(),
      db.archives.where('status').equals('complete').toArray(),
    ]);
    const pinnedSet = new Set<string>(pinned);
    const names = new Map(archives.map((a) => [a.id, a.name]));
    const seen = new Set<string>();
    const out: UnpinnedRoot[] = [];
    for (const k of keys) {
      if (!k.roles.includes('root') || pinnedSet.has(k.publicKey) || seen.has(k.publicKey) || !names.has(k.archiveId))
        continue;
      seen.add(k.publicKey);
      out.push({
        kid: k.kid,
        publicKey: k.publicKey,
        archiveId: k.archiveId,
        archiveName: names.get(k.archiveId) as string,
      });
    }
    return out;
  }, [archiveId]);
}
