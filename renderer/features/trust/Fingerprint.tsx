import { groupedHex } from '../../store/trust-keys.ts';

/** A key shown for comparison: its kid, and the whole public key in groups of four. */
export function Fingerprint({ kid, publicKey }: { kid: string; publicKey: string }) {
  return (
    <dl className="fingerprint">
      <div>
        <dt>Key id</dt>
        <dd className="mono" data-testid="fingerprint-kid">
          {kid}
        </dd>
      </div>
      <div>
        <dt>Public key</dt>
        <dd className="mono" data-testid="fingerprint-hex">
          {groupedHex(publicKey)}
        </dd>
      </div>
    </dl>
  );
}
