/** `tickmark explain` for a person: the receipt walked in the order an auditor asks about it. */
import type { Explanation, KeyEvidence } from '../../shared/explain/explain.ts';
import { soc2For } from '../../shared/soc2.ts';

const yesNo = (v: boolean | null, yes = 'yes', no = 'NO', unknown = 'not checked') =>
  v === null ? unknown : v ? yes : no;

export function formatExplanation(e: Explanation): string {
  const out: string[] = [];
  const r = e.receipt;
  out.push(`Receipt ${r.id || '(unreadable)'} — ledger ${r.ledger}, seq ${r.seq}, ${r.ts}`);
  out.push(`  stored at ${r.path} line ${r.line}; hash ${r.hash}`);
  out.push(
    `  verdict: ${e.holds ? 'the receipt and its decision hold' : 'a finding touches this receipt or its decision'}`,
  );
  if (e.malformed) out.push(`  NOT A VALID RECEIPT: ${e.malformed}`);

  const v = e.value;
  if (v) {
    out.push('', '1. Intent (the Cedar request)');
    out.push(
      `  principal ${v.request.principal.type}::"${v.request.principal.id}" (agent role ${v.agent.role}, tier ${v.agent.tier})`,
    );
    out.push(`  action    ${v.request.action.type}::"${v.request.action.id}"`);
    out.push(`  resource  ${v.request.resource.type}::"${v.request.resource.id}"`);
    out.push(`  context   ${JSON.stringify(v.request.context)}`);
    for (const entity of v.entities)
      out.push(
        `  entity    ${entity.uid.type}::"${entity.uid.id}" ${JSON.stringify(entity.attrs)}${entity.parents.length ? ` in ${entity.parents.map((p) => `${p.type}::"${p.id}"`).join(', ')}` : ''}`,
      );

    out.push('', '2. Data');
    out.push(`  tier ${e.data.tier}${e.data.tierName ? ` (${e.data.tierName})` : ''}`);
    out.push(
      `  personal data: ${e.data.personal.length ? e.data.personal.join(', ') : 'none'}${e.data.undeclaredPersonal.length ? ` (not declared in the bundle: ${e.data.undeclaredPersonal.join(', ')})` : ''}`,
    );
    if (e.data.subjects.length) out.push(`  subjects (hashed): ${e.data.subjects.join(', ')}`);
    out.push(
      `  recipient: ${e.data.recipient ?? 'none'}${e.data.recipient ? ` — approved in the bundle: ${yesNo(e.data.recipientApproved, 'yes', 'NO', 'unknown (no bundle)')}` : ''}`,
    );
  }

  if (e.io) {
    out.push('', '3. Inputs, reasoning, output');
    for (const [name, item] of [
      ['input', e.io.input],
      ['reasoning', e.io.reasoning],
      ['output', e.io.output],
    ] as const) {
      const a = item.attachment;
      out.push(
        `  ${name.padEnd(9)} ${item.hash}${a ? ` — attachment ${a.path}, ${a.size} bytes, SHA-256 ${a.matched ? 'matches' : 'DOES NOT MATCH'}` : ' (no attachment in the archive)'}`,
      );
      if (a?.content)
        out.push(
          indent(a.content.split('\n').slice(0, 12).join('\n'), '      | ') + (a.truncated ? '\n      | …' : ''),
        );
    }
    if (e.io.reasoningSummary) out.push(`  reasoning summary: ${e.io.reasoningSummary}`);
  }

  const d = e.decision;
  if (d) {
    out.push('', '4. Decision');
    const b = d.bundle;
    out.push(
      b.found
        ? `  bundle ${b.id} v${b.version} (${b.path}), ${b.hash}\n  effective ${b.effectiveFrom} → ${b.effectiveUntil ?? 'open'}; in effect at the receipt's time: ${yesNo(b.inEffect)}`
        : `  bundle ${b.hash}: NOT IN THE ARCHIVE`,
    );
    for (const s of b.signers)
      out.push(
        `  signed by ${s.kid}: ${s.valid === null ? `not checked (${s.problem})` : s.valid ? `valid${s.anchored ? '' : ' (root not pinned)'}` : 'INVALID'}`,
      );
    out.push(`  recorded: ${d.recorded?.effect} by [${d.recorded?.policies.join(', ') ?? ''}]`);
    out.push(
      d.replayed
        ? `  replayed: ${d.replayed.effect} by [${d.replayed.policies.join(', ')}] — ${d.agrees ? 'agrees' : 'DIFFERS from the record'}`
        : `  replayed: not replayed (${d.notReplayed})`,
    );
    for (const p of d.policies) {
      const mark = p.determining ? '>>' : '  ';
      out.push(`  ${mark} ${p.id} (${p.effect}): ${p.status}${p.errors.length ? ` — ${p.errors.join('; ')}` : ''}`);
      out.push(indent(p.text, '       '));
    }
  }

  if (e.approval && (e.approval.present || e.approval.required)) {
    out.push('', '5. Approval');
    out.push(`  required by the bundle: ${yesNo(e.approval.required, 'yes', 'no', 'unknown')}`);
    if (!e.approval.present) out.push('  NONE on the receipt');
    else {
      out.push(`  approver ${e.approval.approver}, key ${e.approval.key?.kid}`);
      out.push(`  signature: ${yesNo(e.approval.signatureValid, 'valid', 'INVALID')}`);
      if (e.approval.key) out.push(keyLines(e.approval.key, 'approver'));
    }
  }

  out.push('', '6. Evidence');
  out.push(
    `  signature: ${yesNo(e.evidence.signature.valid, 'valid', 'INVALID')}${e.evidence.signature.problem ? ` (${e.evidence.signature.problem})` : ''}`,
  );
  if (e.evidence.key) out.push(keyLines(e.evidence.key, 'gate'));
  const c = e.evidence.chain;
  if (c.previous)
    out.push(
      'first' in c.previous
        ? `  chain: first receipt of the ledger; prev ${c.prev} — ${c.previous.linked ? 'as the format requires' : 'NOT the all-zero hash'}`
        : `  chain: prev ${c.prev} ${c.previous.linked ? '=' : '≠'} hash of ${c.previous.id} (seq ${c.previous.seq}, ${c.previous.path} line ${c.previous.line})`,
    );
  else out.push('  chain: the line stored before it is not a readable receipt');
  if (c.next)
    out.push(
      `  next:  ${c.next.id} (seq ${c.next.seq}) ${c.next.linked ? 'links to this receipt' : 'does NOT link to this receipt'}`,
    );
  else out.push('  next:  none (last receipt of the ledger)');
  out.push(`  checkpoint: ${e.evidence.checkpoint.status} — ${e.evidence.checkpoint.sentence}`);
  out.push(
    `  file: ${e.evidence.file.path} ${e.evidence.file.listed === null ? '(no manifest to compare)' : e.evidence.file.listed ? (e.evidence.file.matches === null ? 'listed in the manifest (content not compared)' : e.evidence.file.matches ? 'listed in the manifest with these bytes' : 'listed, but its bytes DIFFER') : 'NOT listed in the manifest'}`,
  );
  out.push(
    `  manifest: ${e.evidence.manifest.present ? `signature ${yesNo(e.evidence.manifest.signatureValid, 'valid', 'INVALID')}${e.evidence.manifest.anchored ? ', anchored in a pinned root' : ', not anchored in a pinned root'}` : 'NONE'}`,
  );
  if (e.evidence.exec)
    out.push(
      `  exec: ${e.evidence.exec.status}, ${e.evidence.exec.latency_ms} ms${e.evidence.exec.cache ? `, cache ${e.evidence.exec.cache}` : ''}`,
    );

  if (e.transaction) {
    out.push(
      '',
      `7. Transaction ${e.transaction.id} (${e.transaction.steps.length} step${e.transaction.steps.length === 1 ? '' : 's'} found)`,
    );
    for (const s of e.transaction.steps)
      out.push(
        `  ${s.receipt === r.id ? '>' : ' '} step ${s.step}${s.end ? ` (${s.end})` : ''}: ${s.receipt}, seq ${s.seq}, ${s.ts}, ${s.effect}, ${s.status}`,
      );
  }

  out.push('', `8. Findings (${e.findings.length})`);
  if (e.findings.length === 0) out.push('  none');
  for (const f of e.findings) {
    const soc2 = soc2For(f.code).criteria.join(', ');
    out.push(
      `  ${f.code} (${f.severity}${soc2 ? `; SOC 2 ${soc2}` : ''}) ${f.path ?? ''}${f.line ? `:${f.line}` : ''}`,
    );
    out.push(`    ${f.message}`);
  }
  out.push('', 'Checks');
  for (const check of e.checks)
    out.push(
      `  ${check.status === 'ran' ? 'ran        ' : 'NOT CHECKED'} ${check.check}${check.reason ? ` (${check.reason})` : ''}`,
    );
  return out.join('\n') + '\n';
}

function keyLines(k: KeyEvidence, role: string): string {
  const lines = [
    `  ${role} key ${k.kid}: ${k.listed ? `roles ${k.roles.join(', ')}, valid ${k.notBefore} → ${k.notAfter}` : 'NOT in keys.json'}`,
    `    certified by root ${k.certifiedBy ?? '(none)'}${k.rootPinned === null ? '' : k.rootPinned ? ' (pinned by you)' : ' (NOT pinned: untrusted)'}`,
    `    ${k.revocation ? `revoked at ${k.revocation.revokedAt} by ${k.revocation.by}: ${k.revocation.reason}` : 'not revoked'}; usable at the receipt's time: ${k.usable ? 'yes' : `NO (${k.problem})`}`,
  ];
  return lines.join('\n');
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}
