/**
 * The workpaper as a PDF a reviewer reads: the same content as the predicate, with the
 * workpaper hash on every page. pdf-lib runs in Node and in the browser and, with its
 * metadata left alone and fixed dates, gives the same bytes for the same content — so the
 * PDF's SHA-256 can be a subject of the signed statement.
 */
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';

const PAGE = { width: 595.28, height: 841.89 }; // A4
const MARGIN = 48;
const SIZE = 9;
const LEADING = 12.5;

/** Text the standard fonts can draw (WinAnsi): common symbols spelled out, anything else as '?'. */
function safe(text: string): string {
  return text
    .replace(/→/g, '->')
    .replace(/[≤]/g, '<=')
    .replace(/[≥]/g, '>=')
    .replace(/[≠]/g, '!=')
    .replace(/[“”]/g, '"')
    .replace(/[‘’]/g, "'")
    .replace(/…/g, '...')
    .replace(/[—–]/g, '-')
    .replace(/[^\x20-\x7e\xa0-\xff]/g, '?');
}

class Writer {
  page!: PDFPage;
  y = 0;
  pages = 0;
  constructor(
    readonly doc: PDFDocument,
    readonly font: PDFFont,
    readonly bold: PDFFont,
    readonly mono: PDFFont,
    readonly footer: string,
  ) {
    this.newPage();
  }
  newPage(): void {
    this.page = this.doc.addPage([PAGE.width, PAGE.height]);
    this.pages++;
    this.y = PAGE.height - MARGIN;
    this.page.drawText(safe(this.footer), { x: MARGIN, y: 24, size: 7, font: this.mono, color: rgb(0.35, 0.35, 0.35) });
    this.page.drawText(`page ${this.pages}`, { x: PAGE.width - MARGIN - 30, y: 24, size: 7, font: this.font });
  }
  ensure(lines: number): void {
    if (this.y - lines * LEADING < MARGIN + 10) this.newPage();
  }
  heading(text: string): void {
    this.ensure(3);
    this.y -= 6;
    this.page.drawText(safe(text), { x: MARGIN, y: this.y, size: 12, font: this.bold });
    this.y -= LEADING + 4;
  }
  line(
    text: string,
    options: { bold?: boolean; mono?: boolean; indent?: number; color?: [number, number, number] } = {},
  ): void {
    const font = options.bold ? this.bold : options.mono ? this.mono : this.font;
    const x = MARGIN + (options.indent ?? 0);
    const width = PAGE.width - MARGIN - x;
    for (const piece of wrap(safe(text), font, SIZE, width)) {
      this.ensure(1);
      this.page.drawText(piece, { x, y: this.y, size: SIZE, font, color: rgb(...(options.color ?? [0, 0, 0])) });
      this.y -= LEADING;
    }
  }
  gap(): void {
    this.y -= LEADING / 2;
  }
}

function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(' ')) {
      const next = line ? `${line} ${word}` : word;
      if (font.widthOfTextAtSize(next, size) <= width) {
        line = next;
        continue;
      }
      if (line) out.push(line);
      // A word longer than the line (a hash) is cut where it must be.
      let rest = word;
      while (font.widthOfTextAtSize(rest, size) > width) {
        let n = rest.length;
        while (n > 1 && font.widthOfTextAtSize(rest.slice(0, n), size) > width) n--;
        out.push(rest.slice(0, n));
        rest = rest.slice(n);
      }
      line = rest;
    }
    out.push(line);
  }
  return out;
}

type P = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- the predicate is JSON read back

/** Renders the predicate; `hash` is the workpaper hash (hex SHA-256 of the predicate's canonical JSON). */
export async function renderWorkpaperPdf(predicate: Record<string, unknown>, hash: string): Promise<Uint8Array> {
  const p = predicate as P;
  const doc = await PDFDocument.create({ updateMetadata: false });
  // Fixed metadata: the same content gives the same bytes wherever it is rendered.
  doc.setTitle(`Tickmark workpaper ${hash.slice(0, 16)}`);
  doc.setProducer('tickmark');
  doc.setCreator('tickmark');
  const fixed = new Date(typeof p.created_at === 'string' ? p.created_at : 0);
  doc.setCreationDate(fixed);
  doc.setModificationDate(fixed);
  const w = new Writer(
    doc,
    await doc.embedFont(StandardFonts.Helvetica),
    await doc.embedFont(StandardFonts.HelveticaBold),
    await doc.embedFont(StandardFonts.Courier),
    `Workpaper SHA-256 ${hash}`,
  );
  const s = p.verification?.summary ?? {};
  w.line('Tickmark workpaper: AI-agent authority evidence', { bold: true });
  w.line(`Prepared by ${p.preparer} on ${p.created_at} with ${p.tool?.name} ${p.tool?.version}`);
  w.line(`Workpaper hash (SHA-256 of the canonical JSON content): ${hash}`, { mono: true });

  w.heading('Engagement');
  w.line(`${p.engagement?.name}; client ${p.engagement?.client || '(not recorded)'}`);
  const period = p.engagement?.period;
  w.line(
    period?.from && period?.to ? `Examination period: ${period.from} to ${period.to}` : 'Examination period: not set',
  );

  w.heading('Evidence archive');
  w.line(`File ${p.archive?.file?.name}, ${p.archive?.file?.bytes} bytes`);
  w.line(`SHA-256 ${p.archive?.file?.sha256}`, { mono: true });
  w.line(`Manifest SHA-256 ${p.archive?.manifest_sha256 ?? '(no manifest)'}`, { mono: true });
  w.line(`Archive id ${p.archive?.archive_id ?? '(unknown)'}; organization ${p.archive?.organization ?? '(unknown)'}`);
  w.line('Trust anchors (root public keys pinned by the auditor):');
  for (const t of p.trust_anchors ?? []) w.line(t.public_key, { mono: true, indent: 12 });
  if ((p.trust_anchors ?? []).length === 0)
    w.line('NONE: nothing in this archive is anchored.', { indent: 12, bold: true });

  w.heading('What was verified');
  w.line(
    `${s.receipts} receipts in ${s.ledgers} ledger(s), ${s.bundles} policy bundle(s); ${s.integrity_findings} integrity finding(s), ${s.control_findings} control finding(s); trust anchored: ${s.trusted ? 'yes' : 'NO'}.`,
  );
  w.line(p.scope?.statement ?? '');
  w.line(p.scope?.trust ?? '');
  for (const c of p.scope?.verified ?? []) w.line(`ran: ${c}`, { indent: 12 });
  for (const c of p.scope?.not_checked ?? [])
    w.line(`NOT CHECKED: ${c.check} (${c.reason})`, { indent: 12, color: [0.6, 0, 0] });
  w.gap();
  for (const l of p.verification?.ledgers ?? [])
    w.line(
      `Ledger ${l.ledger}: ${l.state} (${l.reason}); receipts ${l.receipts}, sealed to seq ${l.sealed_seq ?? 'none'}; proven ${l.proven ? `${l.proven.from} to ${l.proven.to}` : 'nothing'}.`,
    );

  w.heading('Findings');
  const byCode = new Map<string, { count: number; severity: string; soc2: string[]; first: string }>();
  for (const f of p.verification?.findings ?? []) {
    const e = byCode.get(f.code) ?? { count: 0, severity: f.severity, soc2: f.soc2 ?? [], first: f.message };
    e.count++;
    byCode.set(f.code, e);
  }
  if (byCode.size === 0) w.line('None.');
  for (const [code, e] of [...byCode].sort()) {
    w.line(`${code} (${e.severity}; SOC 2 ${e.soc2.join(', ')}): ${e.count}`, { bold: true });
    w.line(`e.g. ${e.first}`, { indent: 12 });
  }

  if ((p.reconstructions ?? []).length > 0) {
    w.heading('Decisions reconstructed');
    for (const r of p.reconstructions) w.line(`${r.receipt} (${r.ledger}#${r.seq})${r.note ? `: ${r.note}` : ''}`);
  }
  if ((p.policy_diffs ?? []).length > 0) {
    w.heading('Policy changes reviewed');
    for (const d of p.policy_diffs) w.line(`${d.from} -> ${d.to}: ${d.summary ?? ''}`);
  }

  for (const sample of p.samples ?? []) {
    w.heading(`Sample: ${sample.control}`);
    w.line(`Population: ${sample.population?.definition} (${sample.population?.count} receipts)`);
    w.line(`Seed ${JSON.stringify(sample.seed)}; ${sample.method}; size ${sample.size}`);
    if (sample.evaluation)
      w.line(
        `Deviations ${sample.evaluation.deviations}; upper deviation limit at ${sample.evaluation.confidence}% confidence ${sample.evaluation.upper_deviation_limit}%` +
          (sample.evaluation.within_tolerable === null
            ? ''
            : `; ${sample.evaluation.within_tolerable ? 'within' : 'NOT within'} the tolerable rate of ${sample.evaluation.tolerable_rate}%`),
        { bold: true },
      );
    // Stratified samples are evaluated stratum by stratum (FORMAT §9); the sample's outcome and conclusion follow.
    if ((sample.evaluation_by_stratum ?? []).length > 1)
      for (const st of sample.evaluation_by_stratum)
        w.line(
          `Stratum ${st.stratum || '(all)'}: ${st.drawn} drawn, ${st.deviations} deviation(s)${st.untested ? `, ${st.untested} not tested` : ''}; upper deviation limit ${st.upper_deviation_limit ?? 'not evaluated'}%${st.within_tolerable === null || st.within_tolerable === undefined ? '' : st.within_tolerable ? ', within the tolerable rate' : ', NOT within the tolerable rate'}`,
          { indent: 6 },
        );
    if (sample.outcome_sentence) w.line(`Outcome: ${sample.outcome_sentence}`, { indent: 6 });
    if (sample.conclusion)
      w.line(`Conclusion: ${sample.conclusion.value}${sample.conclusion.note ? ` (${sample.conclusion.note})` : ''}`, {
        bold: true,
        indent: 6,
      });
    for (const item of sample.items ?? [])
      w.line(
        `${item.receipt ?? '(unreadable)'} ${item.hash}  ${Object.entries(item.results ?? {})
          .map(([k, v]) => `${k}: ${v ?? 'not tested'}`)
          .join(', ')}${item.note ? ` - ${item.note}` : ''}`,
        { mono: true, indent: 6 },
      );
  }

  w.heading('Conclusions');
  if ((p.conclusions ?? []).length === 0) w.line('No conclusion recorded.');
  for (const c of p.conclusions ?? []) w.line(`${c.control}: ${c.conclusion}${c.note ? ` (${c.note})` : ''}`);

  return doc.save({ useObjectStreams: false });
}
