/**
 * The reconstruction's sections, in the order an auditor asks: what was asked (intent),
 * on what data, with what inputs and reasoning, what was decided and why, who approved,
 * what the evidence for it is. Each shows the Explanation as judged; nothing is judged here.
 */
import type { Explanation, IoItem } from '../../../shared/explain/explain.ts';
import { REPLAY_PENDING } from '../../../shared/explain/replay-pending.ts';
import type { PolicyVerdict } from '../../../shared/decisions/policy-status.ts';
import { formatRoute } from '../../app/routes.ts';
import { formatBytes, formatCount, formatTime } from '../../components/format.ts';
import { Fact, KeyFacts, Section, TriBadge, entityText, jsonText } from './parts.tsx';
import type { Gathered, RowRef } from './gather.ts';

const NO_FILES =
  'This archive was imported before reconstruction was available: import it again to see policies, keys, checkpoints and attachments.';

export function IntentSection({ e, line }: { e: Explanation; line: string }) {
  const v = e.value;
  return (
    <Section id="intent" title="1. Intent: the Cedar request" testId="recon-intent">
      {v ? (
        <>
          <dl className="facts">
            <Fact label="Principal" testId="intent-principal">
              <code>{entityText(v.request.principal)}</code>{' '}
              <span className="muted">
                agent {v.agent.id}, role {v.agent.role || '—'}, tier {v.agent.tier}
              </span>
            </Fact>
            <Fact label="Action" testId="intent-action">
              <code>{entityText(v.request.action)}</code>
            </Fact>
            <Fact label="Resource" testId="intent-resource">
              <code>{entityText(v.request.resource)}</code>
            </Fact>
            <Fact label="Context">
              {Object.keys(v.request.context).length === 0 ? (
                <span className="muted">empty</span>
              ) : (
                <code className="break">{jsonText(v.request.context)}</code>
              )}
            </Fact>
          </dl>
          <h3>Entities given to Cedar ({v.entities.length})</h3>
          {v.entities.length === 0 ? (
            <p className="muted">None.</p>
          ) : (
            <table className="data-table compact" data-testid="intent-entities">
              <thead>
                <tr>
                  <th scope="col">Type</th>
                  <th scope="col">Id</th>
                  <th scope="col">Attributes</th>
                  <th scope="col">Parents</th>
                </tr>
              </thead>
              <tbody>
                {v.entities.map((entity, i) => (
                  <tr key={i}>
                    <td className="mono">{entity.uid.type}</td>
                    <td className="mono">{entity.uid.id}</td>
                    <td>
                      {Object.keys(entity.attrs).length === 0 ? (
                        <span className="muted">none</span>
                      ) : (
                        <ul className="plain-list attr-list">
                          {Object.entries(entity.attrs).map(([k, value]) => (
                            <li key={k}>
                              <span className="mono">{k}</span> = <code>{jsonText(value)}</code>
                            </li>
                          ))}
                        </ul>
                      )}
                    </td>
                    <td className="mono">
                      {entity.parents.length === 0 ? '—' : entity.parents.map(entityText).join(', ')}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      ) : (
        <p className="muted">The line is not a valid receipt: there is no request to show.</p>
      )}
      <details data-testid="raw-json">
        <summary>Raw JSON of the receipt</summary>
        <p className="muted">Indented for reading; the stored line, exactly as signed, follows.</p>
        <pre className="readable">{readable(line)}</pre>
        <pre className="canonical">{line}</pre>
      </details>
    </Section>
  );
}

function readable(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export function DataSection({ e, filesKept }: { e: Explanation; filesKept: boolean }) {
  const d = e.data;
  if (!e.value) return null;
  return (
    <Section id="data" title="2. Data" testId="recon-data">
      <dl className="facts">
        <Fact label="Data tier" testId="data-tier">
          <strong>tier {d.tier}</strong>{' '}
          {d.tierName ? (
            <span>— “{d.tierName}” in the bundle in force</span>
          ) : (
            <span className="muted">
              {e.decision?.bundle.found
                ? '(the bundle in force names no such tier)'
                : filesKept
                  ? '(no bundle in the archive to name it)'
                  : '(the bundle was not kept at import)'}
            </span>
          )}
        </Fact>
        <Fact label="Personal data" testId="data-personal">
          {d.personal.length === 0 ? (
            'none'
          ) : (
            <ul className="plain-list inline-list">
              {d.personal.map((c) => (
                <li key={c}>
                  <span className="badge badge-neutral">{c}</span>
                  {d.undeclaredPersonal.includes(c) && (
                    <span className="badge badge-bad"> not declared in the bundle</span>
                  )}
                </li>
              ))}
            </ul>
          )}
        </Fact>
        <Fact label="Data subjects (hashed)" testId="data-subjects">
          {d.subjects.length === 0 ? (
            'none'
          ) : (
            <ul className="plain-list">
              {d.subjects.map((s) => (
                <li key={s} className="mono break">
                  {s}
                </li>
              ))}
            </ul>
          )}
        </Fact>
        <Fact label="Recipient" testId="data-recipient">
          {d.recipient === null ? (
            'none named'
          ) : (
            <>
              <span className="mono">{d.recipient}</span>{' '}
              <TriBadge
                value={d.recipientApproved}
                yes="approved in the bundle in force"
                no="NOT approved in the bundle in force"
                unknown={filesKept ? 'not checked: no bundle' : 'not checked: bundle not kept'}
                testId="recipient-approved"
              />
            </>
          )}
        </Fact>
      </dl>
    </Section>
  );
}

const IO_LABELS = { input: 'Input', reasoning: 'Reasoning', output: 'Output' } as const;

export function IoSection({ e, filesKept }: { e: Explanation; filesKept: boolean }) {
  if (!e.io) return null;
  const io = e.io;
  return (
    <Section id="io" title="3. Inputs, reasoning, output" testId="recon-io">
      <p className="muted">
        The receipt records the SHA-256 of each; the archive may carry the content as an attachment named by that hash.
      </p>
      {(['input', 'reasoning', 'output'] as const).map((name) => (
        <IoCard key={name} label={IO_LABELS[name]} item={io[name]} filesKept={filesKept} testId={`io-${name}`} />
      ))}
      <h3>Reasoning summary</h3>
      {io.reasoningSummary ? (
        <blockquote className="reasoning-summary" data-testid="reasoning-summary">
          {io.reasoningSummary}
        </blockquote>
      ) : (
        <p className="muted">The receipt has no reasoning summary.</p>
      )}
    </Section>
  );
}

function IoCard({
  label,
  item,
  filesKept,
  testId,
}: {
  label: string;
  item: IoItem;
  filesKept: boolean;
  testId: string;
}) {
  const a = item.attachment;
  return (
    <div className="io-card" data-testid={testId}>
      <div className="io-head">
        <strong>{label}</strong> <span className="mono break">{item.hash}</span>
      </div>
      {!a ? (
        <p className="muted" data-testid="no-attachment">
          {filesKept
            ? 'No attachment for this hash in the archive: only the hash is evidence.'
            : 'Attachments were not kept at import of this archive: import it again to see one.'}
        </p>
      ) : (
        <div className="attachment" data-testid="attachment">
          <p>
            <span className="mono">{a.path}</span>, {formatBytes(a.size)}{' '}
            {a.matched ? (
              <span className="badge badge-good" data-testid="attachment-matched">
                ✓ SHA-256 matched: the content hashes to the recorded hash
              </span>
            ) : (
              <span className="badge badge-bad" data-testid="attachment-mismatch">
                ✗ SHA-256 DOES NOT MATCH the recorded hash: the content was changed
              </span>
            )}
          </p>
          {a.kind === 'not kept' ? (
            <p className="muted">
              The content is larger than the store keeps: its size and SHA-256 were taken at import, the bytes are not
              shown.
            </p>
          ) : (
            <>
              <p className="muted">
                {a.kind === 'json'
                  ? 'JSON, indented for reading:'
                  : a.kind === 'text'
                    ? 'Text:'
                    : `Binary: ${formatCount(a.size)} bytes; the first bytes in hex:`}
                {a.truncated && ' (the beginning only)'}
              </p>
              <pre className="readable attachment-content" data-testid="attachment-content">
                {a.content}
              </pre>
            </>
          )}
        </div>
      )}
    </div>
  );
}

const STATUS_LABEL: Readonly<Record<PolicyVerdict['status'], string>> = {
  determining: 'DETERMINING',
  satisfied: 'satisfied, not determining',
  'not-applicable': 'not applicable',
  errored: 'errored',
};

export function DecisionSection({ e, filesKept }: { e: Explanation; filesKept: boolean }) {
  const d = e.decision;
  if (!d) return null;
  const b = d.bundle;
  const recordedSet = new Set(d.recorded?.policies ?? []);
  return (
    <Section id="decision" title="4. Decision" testId="recon-decision">
      <h3>Bundle in force</h3>
      {!filesKept ? (
        <p className="notice" data-testid="decision-no-files">
          Bundle <span className="mono break">{b.hash}</span>. {NO_FILES}
        </p>
      ) : !b.found ? (
        <p className="notice notice-error">
          The receipt names bundle <span className="mono break">{b.hash}</span>, which is NOT in the archive.
        </p>
      ) : (
        <dl className="facts" data-testid="decision-bundle">
          <Fact label="Bundle">
            <strong>
              {b.id} v{b.version}
            </strong>{' '}
            <span className="mono">{b.path}</span>
          </Fact>
          <Fact label="Hash">
            <span className="mono break">{b.hash}</span>
          </Fact>
          <Fact label="Effective">
            {formatTime(b.effectiveFrom)} → {b.effectiveUntil ? formatTime(b.effectiveUntil) : 'open (no end)'}; in
            effect at the receipt’s time: <TriBadge value={b.inEffect} />
          </Fact>
          <Fact label="Signed by">
            {b.signers.length === 0 ? (
              <span className="badge badge-bad">no signature that could be read</span>
            ) : (
              <ul className="plain-list">
                {b.signers.map((s, i) => (
                  <li key={i}>
                    <span className="mono">{s.kid}</span>{' '}
                    <TriBadge value={s.valid} yes="valid signature" no="INVALID signature" />
                    {s.valid && !s.anchored && <span className="badge badge-bad"> root not pinned</span>}
                    {s.problem && <span className="muted"> {s.problem}</span>}
                  </li>
                ))}
              </ul>
            )}
          </Fact>
          <Fact label="Bundle signature">
            <TriBadge value={b.signatureValid} yes="valid" no="INVALID" />
          </Fact>
        </dl>
      )}

      <h3>Recorded and replayed</h3>
      <div className="outcomes" data-testid="outcomes">
        <div className="outcome" data-testid="outcome-recorded">
          <p className="outcome-label">Recorded by the gate</p>
          {d.recorded ? (
            <>
              <p className={`outcome-effect effect-${d.recorded.effect}`}>{d.recorded.effect}</p>
              <p>
                determining policies:{' '}
                <span className="mono" data-testid="recorded-policies">
                  {d.recorded.policies.join(', ') || 'none named'}
                </span>
              </p>
            </>
          ) : (
            <p className="muted">Nothing recorded.</p>
          )}
        </div>
        <div className="outcome" data-testid="outcome-replayed">
          <p className="outcome-label">Re-performed now (Cedar, the bundle the receipt names)</p>
          {d.replayed ? (
            <>
              <p className={`outcome-effect effect-${d.replayed.effect}`}>{d.replayed.effect}</p>
              <p>
                determining policies:{' '}
                <span className="mono" data-testid="replayed-policies">
                  {d.replayed.policies.join(', ') || 'none'}
                </span>
              </p>
              {d.replayed.errors.length > 0 && <p className="muted">Cedar’s errors: {d.replayed.errors.join('; ')}</p>}
            </>
          ) : d.notReplayed === REPLAY_PENDING ? (
            <p className="muted" data-testid="replay-pending" role="status">
              Being re-performed: {d.notReplayed}.
            </p>
          ) : (
            <p className="muted" data-testid="not-replayed">
              Not replayed: {filesKept ? d.notReplayed : 'the bundles were not kept at import of this archive'}.
            </p>
          )}
        </div>
      </div>
      {d.agrees === false && d.recorded && d.replayed && (
        <p className="notice notice-error differs" role="alert" data-testid="decision-differs">
          <strong>DIFFERS:</strong> the gate recorded <strong>{d.recorded.effect}</strong> by [
          {d.recorded.policies.join(', ')}], but the bundle it names gives <strong>{d.replayed.effect}</strong> by [
          {d.replayed.policies.join(', ')}].
        </p>
      )}
      {d.agrees === true && (
        <p className="agrees" data-testid="decision-agrees">
          <span className="badge badge-good">✓ agrees</span> The replay gives the same effect and the same determining
          policies as recorded.
        </p>
      )}

      {d.policies.length > 0 && (
        <>
          <h3>Every policy of the bundle ({d.policies.length})</h3>
          <p className="muted">
            The determining policies come first: Cedar’s own reason for the re-performed decision. Each policy was also
            evaluated alone to know whether it held. Texts are normalized by Cedar’s formatter.
          </p>
          <ul className="policy-list" data-testid="policy-list">
            {[...d.policies.filter((p) => p.determining), ...d.policies.filter((p) => !p.determining)].map((p) => (
              <li
                key={p.id}
                className={`policy policy-${p.status}`}
                data-testid="policy"
                data-policy={p.id}
                data-status={p.status}
              >
                <div className="policy-head">
                  <span className="mono policy-id">{p.id}</span>
                  <span className="muted">{p.effect}</span>
                  <span className={`badge policy-status policy-status-${p.status}`}>
                    {p.determining ? '★ ' : ''}
                    {STATUS_LABEL[p.status]}
                  </span>
                  {recordedSet.has(p.id) && <span className="badge badge-neutral">named by the receipt</span>}
                </div>
                {p.errors.length > 0 && <p className="muted">Errors: {p.errors.join('; ')}</p>}
                <pre className="policy-text">{p.text}</pre>
                {!p.formatted && <p className="muted">Shown as stored: Cedar could not format it.</p>}
              </li>
            ))}
          </ul>
        </>
      )}
    </Section>
  );
}

export function ApprovalSection({ e, filesKept }: { e: Explanation; filesKept: boolean }) {
  const a = e.approval;
  if (!a) return null;
  return (
    <Section id="approval" title="5. Approval" testId="recon-approval">
      <dl className="facts">
        <Fact label="Required by the bundle" testId="approval-required">
          {a.required === null ? (
            <TriBadge value={null} unknown={filesKept ? 'unknown: no bundle' : 'unknown: bundle not kept'} />
          ) : a.required ? (
            <strong>yes</strong>
          ) : (
            'no'
          )}
        </Fact>
        <Fact label="Approval on the receipt" testId="approval-present">
          {a.present ? (
            <>
              approver <strong>{a.approver}</strong>
            </>
          ) : (
            <span className={a.required ? 'badge badge-bad' : ''}>none</span>
          )}
        </Fact>
        {a.present && (
          <Fact label="Approval signature">
            {filesKept ? (
              <TriBadge value={a.signatureValid} yes="valid" no="INVALID" />
            ) : (
              <span className="muted">not shown: the keys were not kept at import</span>
            )}
          </Fact>
        )}
        {a.present && a.key && filesKept && <KeyFacts k={a.key} role="Approver" />}
      </dl>
    </Section>
  );
}

export function EvidenceSection({ e, g, archiveId }: { e: Explanation; g: Gathered; archiveId: string }) {
  const { filesKept, previous, next } = g;
  const ev = e.evidence;
  const c = ev.chain;
  const link = (ref: RowRef | null, text: string) =>
    ref ? (
      <a href={formatRoute({ name: 'receipt', archiveId, receiptId: ref.receiptId, row: ref.row })}>{text}</a>
    ) : (
      text
    );
  const cp = ev.checkpoint;
  if (!e.value)
    return (
      <Section id="evidence" title="6. Evidence" testId="recon-evidence">
        <p data-testid="evidence-not-receipt">
          Stored at <span className="mono">{ev.file.path}</span> line {e.receipt.line}. The line is not a valid receipt,
          so it has no signature, chain link or seal to check here; the findings of the full verification on it are
          below.
        </p>
      </Section>
    );
  return (
    <Section id="evidence" title="6. Evidence" testId="recon-evidence">
      <h3>Signature and key</h3>
      {filesKept ? (
        <>
          <dl className="facts" data-testid="evidence-key">
            <Fact label="Receipt signature" testId="evidence-signature">
              <TriBadge value={ev.signature.valid} yes="valid" no="INVALID" />
              {ev.signature.problem && <span className="muted"> {ev.signature.problem}</span>}
            </Fact>
            {ev.key && <KeyFacts k={ev.key} role="Gate" />}
          </dl>
        </>
      ) : (
        <p className="notice" data-testid="evidence-no-files">
          Not shown: {NO_FILES} The full verification at import checked the signature; its findings are below.
        </p>
      )}

      <h3>Chain</h3>
      <dl className="facts" data-testid="evidence-chain">
        <Fact label="prev">
          <span className="mono break">{c.prev ?? '—'}</span>
        </Fact>
        <Fact label="Link to the receipt before">
          {g.previousUnknown !== null ? (
            <span data-testid="chain-previous-unknown">
              <span className="badge badge-neutral">not checked</span>{' '}
              <span className="muted">the line stored before it is not known here: {g.previousUnknown}</span>
            </span>
          ) : c.previous === null ? (
            <span className="muted">the line stored before it is not a readable receipt</span>
          ) : 'first' in c.previous ? (
            <>
              first receipt of the ledger:{' '}
              <TriBadge
                value={c.previous.linked}
                yes="prev is the all-zero hash, as required"
                no="prev is NOT the all-zero hash"
                testId="chain-first"
              />
            </>
          ) : (
            <>
              <TriBadge
                value={c.previous.linked}
                yes="= the hash of the receipt before"
                no="≠ the hash of the receipt before: the chain BREAKS here"
                testId="chain-previous-linked"
              />{' '}
              {link(previous, `${c.previous.id} (seq ${c.previous.seq})`)}{' '}
              <span className="muted">
                {c.previous.path} line {c.previous.line}, hash <span className="mono break">{c.previous.hash}</span>
              </span>
            </>
          )}
        </Fact>
        <Fact label="Link from the receipt after">
          {g.nextUnknown !== null ? (
            <span>
              <span className="badge badge-neutral">not checked</span>{' '}
              <span className="muted">the line stored after it is not known here: {g.nextUnknown}</span>
            </span>
          ) : c.next === null ? (
            <span className="muted">none: the last receipt stored in the ledger</span>
          ) : (
            <>
              <TriBadge
                value={c.next.linked}
                yes="its prev is this receipt’s hash"
                no="its prev is NOT this receipt’s hash"
              />{' '}
              {link(next, `${c.next.id} (seq ${c.next.seq})`)}
            </>
          )}
        </Fact>
      </dl>

      <h3>Checkpoint</h3>
      {filesKept ? (
        <dl className="facts" data-testid="evidence-checkpoint">
          <Fact label="Sealed">
            <span
              className={`badge badge-${cp.status === 'sealed' ? 'good' : cp.status === 'not checked' ? 'neutral' : 'bad'}`}
            >
              {cp.status === 'sealed'
                ? 'sealed'
                : cp.status === 'unsealed'
                  ? 'NOT sealed'
                  : cp.status === 'broken'
                    ? 'NOT proven sealed'
                    : 'not checked'}
            </span>{' '}
            {cp.sentence}
          </Fact>
          {cp.seq !== null && (
            <Fact label="Checkpoint">
              seq {cp.seq}, {formatTime(cp.ts)}, {cp.path} line {cp.line}; head{' '}
              <span className="mono break">{cp.head}</span>; signed by <span className="mono">{cp.kid}</span>
            </Fact>
          )}
        </dl>
      ) : (
        <p className="notice">Not shown: {NO_FILES}</p>
      )}

      <h3>File, manifest and execution</h3>
      <dl className="facts">
        <Fact label="Segment file" testId="evidence-file">
          <span className="mono">{ev.file.path}</span>{' '}
          {!filesKept ? (
            <span className="muted">the manifest was not kept at import</span>
          ) : ev.file.listed === null ? (
            <span className="muted">no manifest to compare with</span>
          ) : ev.file.listed ? (
            <>
              <span className="badge badge-good">listed in the manifest</span>{' '}
              {ev.file.matches === null ? (
                <span className="muted">
                  its bytes were compared with the manifest during the full verification at import: see the findings
                  below
                </span>
              ) : (
                <TriBadge value={ev.file.matches} yes="bytes as listed" no="bytes DIFFER from the listing" />
              )}
            </>
          ) : (
            <span className="badge badge-bad">NOT listed in the manifest</span>
          )}
        </Fact>
        <Fact label="Manifest" testId="evidence-manifest">
          {!filesKept ? (
            <span className="muted">not kept at import</span>
          ) : ev.manifest.present ? (
            <>
              signature <TriBadge value={ev.manifest.signatureValid} yes="valid" no="INVALID" />{' '}
              {ev.manifest.anchored ? (
                <span className="badge badge-good">anchored in a root you pinned</span>
              ) : (
                <span className="badge badge-bad">NOT anchored in a root you pinned</span>
              )}
            </>
          ) : (
            <span className="badge badge-bad">none in the archive</span>
          )}
        </Fact>
        {ev.exec && (
          <Fact label="Execution" testId="evidence-exec">
            status <strong>{ev.exec.status}</strong>, latency {formatCount(ev.exec.latency_ms)} ms, cache{' '}
            {ev.exec.cache ?? <span className="muted">not recorded</span>}
          </Fact>
        )}
      </dl>
    </Section>
  );
}
