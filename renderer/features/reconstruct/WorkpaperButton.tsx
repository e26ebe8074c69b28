import { useState } from 'react';
import { useArchiveLock, WorkpaperLocked } from '../../components/WorkpaperLocked.tsx';
import { useLiveQuery } from '../../store/use-live-query.ts';
import { addWorkpaperRef, findWorkpaperRef, removeWorkpaperRef, type RefTarget } from '../../store/workpaper-refs.ts';

/** "Add to workpaper": keeps a reference to this receipt for the engagement's workpaper; toggles off again. */
export function WorkpaperButton({ target }: { target: RefTarget }) {
  const key = `${target.engagementId}\n${target.archiveId}\n${target.receiptId}\n${target.hash}`;
  const kept = useLiveQuery(() => findWorkpaperRef(target).then((r) => r ?? null), [key]);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // A reviewed workpaper is locked: say so before anyone tries (the store refuses the change anyway).
  const lock = useArchiveLock(target.engagementId, target.archiveId);
  const act = async (work: () => Promise<string | null>) => {
    setBusy(true);
    try {
      setMessage(await work());
    } catch (error) {
      setMessage(`The workpaper could not be changed: ${(error as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  if (kept === undefined || lock === undefined) return null;
  const locked = lock !== null;
  return (
    <div className="workpaper-ref" data-testid="workpaper">
      <WorkpaperLocked locks={lock ? [lock] : []} what="the receipts kept for this archive’s workpaper" />
      {kept ? (
        <span data-testid="workpaper-added">
          <span className="badge badge-good">Added to workpaper ✓</span>{' '}
          <button
            type="button"
            className="link-button"
            disabled={busy || locked}
            onClick={() => void act(async () => (await removeWorkpaperRef(kept.id), null))}
            data-testid="workpaper-remove"
          >
            (remove)
          </button>
        </span>
      ) : (
        <button
          type="button"
          disabled={busy || locked}
          onClick={() =>
            void act(async () => {
              const added = await addWorkpaperRef(target);
              return added.ok ? null : added.message;
            })
          }
          data-testid="workpaper-add"
        >
          Add to workpaper
        </button>
      )}
      {message && (
        <p className="notice notice-error" role="alert">
          {message}
        </p>
      )}
    </div>
  );
}
