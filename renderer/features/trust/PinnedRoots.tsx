import { formatTime } from '../../components/format.ts';
import { db, type TrustedRootRow } from '../../store/db.ts';
import { unpinRoot } from '../../store/trust.ts';
import { useLiveQuery } from '../../store/use-live-query.ts';
import { Fingerprint } from './Fingerprint.tsx';

const METHOD: Readonly<Record<TrustedRootRow['method'], string>> = {
  pasted: 'Pasted by you',
  file: 'Imported from a key file',
  'trust-on-first-use': 'Trusted on first use, from an archive',
  demo: 'Built-in demo',
};

export function PinnedRoots() {
  const roots = useLiveQuery(() => db.trustedRoots.orderBy('pinnedAt').toArray(), []);
  if (!roots) return null;
  const onRemove = async (root: TrustedRootRow) => {
    if (
      !window.confirm(
        `Stop trusting ${root.label}? Archives already verified keep their results; new verifications will report its archives as not anchored.`,
      )
    )
      return;
    await unpinRoot(root.publicKey);
  };
  return (
    <section className="panel" aria-labelledby="pinned-heading">
      <h2 id="pinned-heading">Pinned roots</h2>
      {roots.length === 0 ? (
        <p className="muted" data-testid="no-pinned-roots">
          No root is pinned. Every archive will be reported as not anchored until you pin its root.
        </p>
      ) : (
        <ul className="card-list" data-testid="pinned-roots">
          {roots.map((root) => (
            <li key={root.publicKey} className="card" data-testid="pinned-root">
              <div className="card-head">
                <h3>{root.label}</h3>
                {root.tofu && <span className="badge badge-warning">Trust on first use</span>}
              </div>
              <Fingerprint kid={root.kid} publicKey={root.publicKey} />
              <dl className="facts facts-inline">
                <div>
                  <dt>How</dt>
                  <dd>{METHOD[root.method]}</dd>
                </div>
                <div>
                  <dt>When</dt>
                  <dd className="num">{formatTime(root.pinnedAt)}</dd>
                </div>
                {root.sourceArchive && (
                  <div>
                    <dt>From archive</dt>
                    <dd>{root.sourceArchive.name}</dd>
                  </div>
                )}
              </dl>
              <p className="record-note" data-testid="pin-record-note">
                {root.note}
              </p>
              <button
                type="button"
                className="link-button"
                onClick={() => void onRemove(root)}
                aria-label={`Remove ${root.label} from the trust store`}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
