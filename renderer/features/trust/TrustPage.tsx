import { Fingerprint } from './Fingerprint.tsx';
import { PinnedRoots } from './PinnedRoots.tsx';
import { PinRootForm } from './PinRootForm.tsx';
import { TrustRootAction } from './TrustRootAction.tsx';
import { useUnpinnedRoots } from './use-unpinned-roots.ts';

export function TrustPage() {
  const unpinned = useUnpinnedRoots();
  return (
    <div className="page trust-page" data-testid="trust-page">
      <h1>Trust store</h1>
      <p className="lede">
        Evidence is anchored only in root keys you pin here. A root found inside an archive is never trusted by itself:
        you decide, and the decision is recorded.
      </p>
      <div className="two-columns">
        <PinRootForm />
        <PinnedRoots />
      </div>
      {unpinned && unpinned.length > 0 && (
        <section className="panel" aria-labelledby="unpinned-heading">
          <h2 id="unpinned-heading">Roots found in archives, not pinned</h2>
          <ul className="card-list">
            {unpinned.map((root) => (
              <li key={root.publicKey} className="card" data-testid="unpinned-root">
                <p>
                  Listed in <strong>{root.archiveName}</strong>
                </p>
                <Fingerprint kid={root.kid} publicKey={root.publicKey} />
                <TrustRootAction root={root} />
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
