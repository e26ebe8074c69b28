/**
 * Small pieces the reconstruction's sections share: a yes / no / not checked badge, a
 * key's evidence, a finding with what it means and its SOC 2 criteria.
 */
import type { ReactNode } from 'react';
import type { Finding } from '../../../shared/engine/findings.ts';
import type { KeyEvidence, Tri } from '../../../shared/explain/explain.ts';
import { categoryOf, isFindingCode } from '../../../shared/codes.ts';
import { formatTime } from '../../components/format.ts';
import { SeverityTag } from '../../components/SeverityTag.tsx';
import { criteriaFor, whyItMatters } from '../../components/soc2-criteria.ts';

/** A three-way answer written out: yes, NO, or not checked (never shown as passed when it did not run). */
export function TriBadge({
  value,
  yes = 'yes',
  no = 'NO',
  unknown = 'not checked',
  testId,
}: {
  value: Tri;
  yes?: string;
  no?: string;
  unknown?: string;
  testId?: string;
}) {
  const tone = value === null ? 'neutral' : value ? 'good' : 'bad';
  return (
    <span className={`badge badge-${tone}`} data-testid={testId} data-value={value === null ? 'null' : String(value)}>
      {value === null ? unknown : value ? yes : no}
    </span>
  );
}

export function Fact({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  );
}

export function Section({
  id,
  title,
  children,
  testId,
}: {
  id: string;
  title: string;
  children: ReactNode;
  testId: string;
}) {
  return (
    <section className="panel recon-section" aria-labelledby={`${id}-heading`} data-testid={testId}>
      <h2 id={`${id}-heading`}>{title}</h2>
      {children}
    </section>
  );
}

/** A key as the evidence shows it (facts for a `dl.facts`): roles, window, root, revocation, whether it could sign then. */
export function KeyFacts({ k, role }: { k: KeyEvidence; role: string }) {
  return (
    <>
      <Fact label={`${role} key`}>
        <span className="mono">{k.kid}</span>{' '}
        {k.listed ? (
          <span className="muted">roles {k.roles.join(', ') || 'none'}</span>
        ) : (
          <span className="badge badge-bad">NOT in keys.json</span>
        )}
      </Fact>
      {k.listed && (
        <Fact label="Validity window">
          {formatTime(k.notBefore)} → {formatTime(k.notAfter)}
        </Fact>
      )}
      <Fact label="Certified by root">
        {k.certifiedBy ? <span className="mono">{k.certifiedBy}</span> : 'none'}{' '}
        <TriBadge value={k.rootPinned} yes="pinned by you" no="NOT pinned: untrusted" unknown="root not in keys.json" />
      </Fact>
      <Fact label="Revocation">
        {k.revocation ? (
          <>
            <span className="badge badge-bad">revoked</span> at {formatTime(k.revocation.revokedAt)} by{' '}
            <span className="mono">{k.revocation.by}</span>: {k.revocation.reason}
          </>
        ) : (
          'not revoked'
        )}
      </Fact>
      <Fact label="Could sign at the receipt’s time">
        <TriBadge value={k.usable} />
        {k.problem && <span className="muted"> {k.problem}</span>}
      </Fact>
    </>
  );
}

/** One finding: severity, code, category, the sentence, what it means, its SOC 2 criteria. */
export function FindingItem({ f }: { f: Finding }) {
  const criteria = criteriaFor(f.code);
  const why = whyItMatters(f.code);
  return (
    <li className="recon-finding" data-code={f.code} data-testid="recon-finding">
      <div>
        <SeverityTag severity={f.severity} /> <code>{f.code}</code>{' '}
        <span className="muted">
          {isFindingCode(f.code) ? (categoryOf(f.code) === 'integrity' ? 'integrity' : 'control') : ''}
          {f.path ? ` · ${f.path}${f.line !== undefined ? ` line ${f.line}` : ''}` : ''}
        </span>
      </div>
      <p className="recon-finding-message">{f.message}</p>
      {why && (
        <p className="recon-finding-why">
          <strong>What it means:</strong> {why}
        </p>
      )}
      <p className="recon-finding-criteria">
        <strong>SOC 2:</strong>{' '}
        {criteria.length === 0
          ? '—'
          : criteria.map((c, i) => (
              <span key={c.id}>
                {i > 0 && '; '}
                <span className="mono">{c.id}</span> <span className="muted">{c.title}</span>
              </span>
            ))}
      </p>
    </li>
  );
}

export function entityText(uid: { type: string; id: string }): string {
  return `${uid.type}::${JSON.stringify(uid.id)}`;
}

/** A JSON value on one line (attributes, context), for reading. */
export function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
