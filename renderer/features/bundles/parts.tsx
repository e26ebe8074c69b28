/** Small pieces the bundles screens share: signers, a side-by-side line diff, scopes, the re-import offer. */
import { useState } from 'react';
import type { LinePart, Scope } from '../../../shared/policy/diff.ts';
import { useHost } from '../../app/host-context.ts';
import { formatRoute } from '../../app/routes.ts';
import { sessionArchive } from '../../app/session-archives.ts';
import type { ArchiveRow } from '../../store/db.ts';
import { startImport } from '../import/start-import.ts';
import { openArchiveFromHost } from '../start/open-archive.ts';
import type { SignerView } from './lineage.ts';

/** A bundle's signature verdict and each signer, in words (never colour alone). */
export function Signature({
  valid,
  signers,
}: {
  readonly valid: boolean | null;
  readonly signers: readonly SignerView[] | null;
}) {
  return (
    <div className="bundle-signature">
      {valid === null ? (
        <span className="badge badge-neutral">not checked</span>
      ) : valid ? (
        <span className="badge badge-good">signed, valid</span>
      ) : (
        <span className="badge badge-bad">signature NOT valid</span>
      )}
      {signers === null ? (
        <span className="muted"> signers not known (text not kept)</span>
      ) : signers.length === 0 ? (
        <span className="muted"> no signatures</span>
      ) : (
        <ul className="plain-list signer-list">
          {signers.map((s, i) => (
            <li key={`${s.kid}-${i}`}>
              <span className="mono">{s.kid || '(no kid)'}</span>{' '}
              {s.valid === true
                ? s.anchored
                  ? 'valid'
                  : 'valid, but its root is not pinned'
                : s.valid === false
                  ? 'INVALID'
                  : `not checked: ${s.problem ?? 'no reason given'}`}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

interface Row {
  readonly left: LinePart | null;
  readonly right: LinePart | null;
}

/** Removed lines beside the added lines that replace them; unchanged lines on both sides. */
export function sideBySideRows(lines: readonly LinePart[]): Row[] {
  const rows: Row[] = [];
  let removed: LinePart[] = [];
  let added: LinePart[] = [];
  const flush = () => {
    for (let i = 0; i < Math.max(removed.length, added.length); i++)
      rows.push({ left: removed[i] ?? null, right: added[i] ?? null });
    removed = [];
    added = [];
  };
  for (const line of lines) {
    if (line.kind === 'removed') {
      if (added.length > 0) flush();
      removed.push(line);
    } else if (line.kind === 'added') added.push(line);
    else {
      flush();
      rows.push({ left: line, right: line });
    }
  }
  flush();
  return rows;
}

/** A line diff in two columns: the older text on the left, the newer on the right. */
export function SideBySide({
  lines,
  fromLabel,
  toLabel,
  caption,
}: {
  readonly lines: readonly LinePart[];
  readonly fromLabel: string;
  readonly toLabel: string;
  readonly caption: string;
}) {
  const rows = sideBySideRows(lines);
  const cell = (part: LinePart | null, side: 'left' | 'right') => {
    const mark = part === null ? '' : part.kind === 'removed' ? '−' : part.kind === 'added' ? '+' : '';
    const cls = part === null ? 'line-none' : part.kind === 'same' ? 'line-same' : `line-${part.kind}`;
    return (
      <>
        <td className={`line-mark ${cls}`} aria-hidden="true">
          {mark}
        </td>
        <td className={`line-text mono ${cls}`} data-side={side}>
          {part === null ? (
            ''
          ) : part.kind === 'same' ? (
            part.text
          ) : (
            <>
              {part.kind === 'added' ? (
                <span className="visually-hidden">added: </span>
              ) : (
                <span className="visually-hidden">removed: </span>
              )}
              {part.text}
            </>
          )}
        </td>
      </>
    );
  };
  return (
    <table className="line-diff">
      <caption className="visually-hidden">{caption}</caption>
      <colgroup>
        <col className="line-mark-col" />
        <col />
        <col className="line-mark-col" />
        <col />
      </colgroup>
      <thead>
        <tr>
          <th scope="col" colSpan={2}>
            {fromLabel}
          </th>
          <th scope="col" colSpan={2}>
            {toLabel}
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row, i) => (
          <tr key={i}>
            {cell(row.left, 'left')}
            {cell(row.right, 'right')}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const SCOPE_PARTS = ['effect', 'principal', 'action', 'resource', 'conditions'] as const;

/** How a part of the scope moved: to "any" is wider, from "any" narrower; fewer conditions may allow more. */
export function scopeMove(part: (typeof SCOPE_PARTS)[number], from: Scope, to: Scope): string | null {
  if (from[part] === to[part]) return null;
  if (part === 'conditions')
    return to.conditions < from.conditions ? 'fewer conditions (may apply more widely)' : 'more conditions';
  if (part === 'effect') return 'effect changed';
  const any = (v: string) => v.startsWith('any ');
  if (any(to[part]) && !any(from[part])) return 'WIDER: now any';
  if (any(from[part]) && !any(to[part])) return 'narrower';
  return 'changed';
}

/** A policy's scope on each side, the parts that differ marked in words. */
export function ScopeCompare({
  from,
  to,
  fromLabel,
  toLabel,
}: {
  readonly from: Scope | null;
  readonly to: Scope | null;
  readonly fromLabel: string;
  readonly toLabel: string;
}) {
  const value = (s: Scope | null, part: (typeof SCOPE_PARTS)[number]) =>
    s === null ? '—' : part === 'conditions' ? `${s.conditions} when/unless` : s[part];
  return (
    <table className="data-table compact scope-table">
      <thead>
        <tr>
          <th scope="col">Scope</th>
          <th scope="col">{fromLabel}</th>
          <th scope="col">{toLabel}</th>
          <th scope="col">Change</th>
        </tr>
      </thead>
      <tbody>
        {SCOPE_PARTS.map((part) => {
          const move = from && to ? scopeMove(part, from, to) : null;
          const oneSide = from === null ? 'new policy' : to === null ? 'policy removed' : null;
          return (
            <tr key={part} className={move ? 'scope-changed' : undefined} data-testid={`scope-${part}`}>
              <th scope="row">{part}</th>
              <td className="mono">{value(from, part)}</td>
              <td className="mono">{value(to, part)}</td>
              <td>
                {move ? (
                  <span
                    className={`badge ${move.startsWith('WIDER') || move.startsWith('fewer') ? 'badge-bad' : 'badge-warning'}`}
                  >
                    {move}
                  </span>
                ) : (
                  <span className="muted">{oneSide ?? 'same'}</span>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/**
 * For an archive imported before the policy texts were kept: import it again. The file
 * opened in this window is imported again in place; otherwise the auditor opens it again.
 */
export function ReimportOffer({ archive }: { readonly archive: ArchiveRow }) {
  const host = useHost();
  const [message, setMessage] = useState<string | null>(null);
  const picked = sessionArchive(archive.id);
  if (!picked && archive.origin === 'demo')
    return (
      <p data-testid="bundles-reopen-demo">
        <a href={formatRoute({ name: 'start' })}>Open the built-in demo again from the start page</a>.
      </p>
    );
  if (picked)
    return (
      <button
        type="button"
        data-testid="bundles-reimport"
        onClick={() =>
          void startImport(host, picked, {
            origin: archive.origin === 'demo' ? 'demo' : host.kind === 'electron' ? 'host' : 'file',
            replaces: archive.id,
          })
        }
      >
        Import {archive.name} again
      </button>
    );
  return (
    <>
      <button
        type="button"
        data-testid="bundles-reopen"
        onClick={() => {
          setMessage(null);
          void openArchiveFromHost(host).then(setMessage);
        }}
      >
        Open {archive.name} again…
      </button>
      <span className="muted">
        {' '}
        It is imported as a new archive beside this one; remove this one from the start page afterwards.
      </span>
      {message && (
        <p className="notice notice-error" role="alert">
          {message}
        </p>
      )}
    </>
  );
}
