import { describe, expect, it } from 'vitest';
import {
  UNIDENTIFIED_SUBJECT,
  UNSPECIFIED_CATEGORY,
  createPrivacyCollector,
  type PrivacyProjection,
  type PrivacyReport,
} from '../../../shared/controls/privacy.ts';
import { hashOf } from '../../../shared/format/hash.ts';
import { parseRoute } from '../../app/routes.ts';
import {
  CSV_HEADER,
  csvFileName,
  evidenceWarning,
  filterEntries,
  filterTerms,
  formatCounts,
  privacyCsv,
  receiptsLink,
  searchTexts,
  shortSubject,
} from './privacy-rows.ts';

const ALICE = `sha256:${'a1'.repeat(32)}`;
const BOB = `sha256:${'b0'.repeat(31)}ff`;

/** A report made by the real collector from the projections a verification would fold. */
function reportOf(projections: PrivacyProjection[]): PrivacyReport {
  const collector = createPrivacyCollector();
  for (const p of projections) collector.visitProjection?.(p);
  return collector.report();
}

const report = reportOf([
  ['2026-04-01T10:00:00Z', 'ok', 'crm-01', 'data.share', 'crm.example.com', [ALICE], ['email', 'phone'], [1]],
  ['2026-04-02T09:00:00Z', 'blocked', 'support-07', 'data.share', '=evil.example', [ALICE], ['email'], []],
  ['2026-04-01T08:00:00Z', 'ok', 'support-07', 'db.read', null, [BOB], ['email'], []],
  ['2026-04-03T08:00:00Z', 'error', 'Batch-Job', 'db.read', null, [BOB], [UNSPECIFIED_CATEGORY], []],
  ['2026-04-03T09:00:00Z', 'ok', 'crm-01', 'db.read', null, [UNIDENTIFIED_SUBJECT], ['health'], [0]],
]);

describe('evidenceWarning', () => {
  it('is null only for anchored trust and no integrity finding', () => {
    expect(evidenceWarning({ trusted: true, integrity_findings: 0 })).toBeNull();
    expect(evidenceWarning({ trusted: false, integrity_findings: 0 })).toBe(
      'The evidence behind this report is not sound (0 integrity findings, trust anchored: no).',
    );
    expect(evidenceWarning({ trusted: true, integrity_findings: 1 })).toBe(
      'The evidence behind this report is not sound (1 integrity finding, trust anchored: yes).',
    );
  });
});

describe('filter', () => {
  const texts = searchTexts(report.entries);
  const subjects = (text: string) =>
    filterEntries(texts, filterTerms(text)).map((i) => {
      const e = report.entries[i];
      return `${e?.subject === ALICE ? 'alice' : e?.subject === BOB ? 'bob' : e?.subject}/${e?.category}`;
    });

  it('no term keeps every row, in the report’s order', () => {
    expect(subjects('  ')).toEqual([
      `${UNIDENTIFIED_SUBJECT}/health`,
      'alice/email',
      'alice/phone',
      'bob/(unspecified)',
      'bob/email',
    ]);
  });

  it('matches subject, category, agent and recipient, case-insensitively, every term', () => {
    expect(subjects(ALICE.slice(10, 30).toUpperCase())).toEqual(['alice/email', 'alice/phone']);
    expect(subjects('phone')).toEqual(['alice/phone']);
    expect(subjects('batch-job')).toEqual(['bob/(unspecified)']);
    expect(subjects('EVIL.example')).toEqual(['alice/email']);
    expect(subjects('support-07 email')).toEqual(['alice/email', 'bob/email']);
    expect(subjects('support-07 phone')).toEqual([]);
  });

  it('does not match actions, nor across two fields', () => {
    expect(subjects('db.read')).toEqual([]);
    expect(subjects('email\ncrm')).toEqual(['alice/email']); // two terms, not one spanning fields
    expect(filterEntries(texts, ['emailcrm'])).toEqual([]);
  });

  it('filters 100,000 rows: exactly those whose subject holds the term, in order (time printed, not asserted)', () => {
    const entries = Array.from({ length: 100_000 }, (_, i) => ({
      ...(report.entries[0] as PrivacyReport['entries'][number]),
      subject: hashOf(`subject ${i}`),
    }));
    const many = searchTexts(entries);
    const started = performance.now();
    const kept = filterEntries(many, filterTerms('00FF'));
    const ms = performance.now() - started;
    // The term is lower-cased, and only a subject can hold "00ff" here (category, agents and
    // recipients of the copied entry do not).
    const expected = entries.flatMap((e, i) => (e.subject.includes('00ff') ? [i] : []));
    expect(expected.length).toBeGreaterThan(0);
    expect(kept).toEqual(expected);
    // A benchmark figure, not a test of speed (docs/PERFORMANCE.md: no timed tests).
    console.log(`privacy filter: 100,000 rows in ${ms.toFixed(1)} ms`);
  });
});

describe('receiptsLink', () => {
  const query = (href: string) => {
    // What the address says, and what the receipts screen reads from it: the same filter.
    const params = Object.fromEntries(new URLSearchParams(href.split('?')[1]));
    expect(parseRoute(href)).toEqual({ name: 'receipts', archiveId: 'a/1', query: params });
    return params;
  };

  it('narrows to subject and category', () => {
    const link = receiptsLink('a/1', { subject: ALICE, category: 'e-mail & co' });
    expect(link.href.startsWith('#/archive/a%2F1/receipts?')).toBe(true);
    expect(query(link.href)).toEqual({ subject: ALICE, personal: 'e-mail & co' });
  });

  it('leaves out the stand-ins: subject only for (unspecified), category only for (unidentified)', () => {
    expect(query(receiptsLink('a/1', { subject: BOB, category: UNSPECIFIED_CATEGORY }).href)).toEqual({ subject: BOB });
    const unidentified = receiptsLink('a/1', { subject: UNIDENTIFIED_SUBJECT, category: 'health' });
    expect(query(unidentified.href)).toEqual({ personal: 'health' });
    expect(unidentified.describes).toContain('every receipt with the category health');
  });
});

describe('display', () => {
  it('shortens a hashed subject and leaves anything else whole', () => {
    expect(shortSubject(BOB)).toBe('b0b0b0b0…b0b0b0ff');
    expect(shortSubject('sha512:abc')).toBe('sha512:abc');
    expect(shortSubject(UNIDENTIFIED_SUBJECT)).toBe(UNIDENTIFIED_SUBJECT);
  });

  it('writes counts as the CLI does', () => {
    expect(formatCounts({ 'crm-01': 2, 'support-07': 1 })).toBe('crm-01 ×2, support-07 ×1');
    expect(formatCounts({})).toBe('');
  });
});

describe('privacyCsv', () => {
  it('writes the rows shown, in order, full values and exact times, with the guard', () => {
    const alice = report.entries.findIndex((e) => e.subject === ALICE && e.category === 'email');
    const unidentified = report.entries.findIndex((e) => e.subject === UNIDENTIFIED_SUBJECT);
    const csv = privacyCsv(report.entries, [alice, unidentified]);
    expect(csv.split('\r\n')).toEqual([
      CSV_HEADER.join(','),
      `${ALICE},email,2,1,0,1,crm-01 (1); support-07 (1),data.share (2),'=evil.example (1); crm.example.com (1),2026-04-01T10:00:00Z,2026-04-02T09:00:00Z,0`,
      `${UNIDENTIFIED_SUBJECT},health,1,1,0,0,crm-01 (1),db.read (1),,2026-04-03T09:00:00Z,2026-04-03T09:00:00Z,1`,
      '',
    ]);
  });

  it('quotes what RFC 4180 asks and guards a formula at the start of any cell', () => {
    const odd = reportOf([
      ['2026-04-01T10:00:00Z', 'ok', '-cmd|calc', 'a,b', 'say "hi"', [ALICE], ['@home, "work"'], []],
    ]);
    const [, row] = privacyCsv(odd.entries, [0]).split('\r\n');
    expect(row).toBe(
      `${ALICE},"'@home, ""work""",1,1,0,0,'-cmd|calc (1),"a,b (1)","say ""hi"" (1)",2026-04-01T10:00:00Z,2026-04-01T10:00:00Z,0`,
    );
  });

  it('names the file after the archive, safely', () => {
    expect(csvFileName('demo.zip', false)).toBe('privacy-demo.csv');
    expect(csvFileName('Q1 evidence/../x.ZIP', true)).toBe('privacy-Q1_evidence_.._x-filtered.csv');
    expect(csvFileName('.zip', false)).toBe('privacy-archive.csv');
  });
});
