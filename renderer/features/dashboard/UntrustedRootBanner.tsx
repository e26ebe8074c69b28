import { Fingerprint } from '../trust/Fingerprint.tsx';
import { TrustRootAction } from '../trust/TrustRootAction.tsx';
import { useUnpinnedRoots } from '../trust/use-unpinned-roots.ts';

/** Shown when the archive's root is not pinned: nothing in it is anchored until you decide. */
export function UntrustedRootBanner({ archiveId }: { archiveId: string }) {
  const unpinned = useUnpinnedRoots(archiveId);
  return (
    <section className="panel panel-alert" aria-labelledby="untrusted-heading" data-testid="untrusted-root">
      <h2 id="untrusted-heading">This archive’s root key is not in your trust store</h2>
      <p>
        Every signature in it is reported as not anchored. Pin the organization’s root in the trust store, or review the
        key below.
      </p>
      {unpinned?.map((root) => (
        <div key={root.publicKey} className="card">
          <Fingerprint kid={root.kid} publicKey={root.publicKey} />
          <TrustRootAction root={root} />
        </div>
      ))}
    </section>
  );
}
