import { describe, expect, it } from 'vitest';
import { hashOf } from '../format/hash.ts';
import { buildLedger, resolveBundle, testBundleBody, type ReceiptSpec } from './fixtures.test-helper.ts';
import { createPrivacyCollector, UNIDENTIFIED_SUBJECT, UNSPECIFIED_CATEGORY, type PrivacyReport } from './privacy.ts';
import { renderPrivacyJson, renderPrivacyText } from './privacy-render.ts';

const bundle = resolveBundle(testBundleBody());
const ALICE = hashOf('subject alice');
const BOB = hashOf('subject bob');

const touch = (
  agent: string,
  action: string,
  subjects: string[],
  personal: string[],
  recipient: string | null,
  status: 'ok' | 'blocked' = 'ok',
): ReceiptSpec => ({
  agent: { id: agent },
  request: { action: { type: 'Action', id: action } },
  data: { subjects, personal, recipient },
  exec: { status },
});

function reportOf(specs: ReceiptSpec[]): PrivacyReport {
  const collector = createPrivacyCollector();
  for (const { receipt, context } of buildLedger('L', bundle, specs)) collector.visit(receipt, context);
  expect(collector.finish()).toEqual([]);
  return collector.report();
}

describe('privacy report', () => {
  const report = reportOf([
    touch('crm-01', 'db.read', [ALICE], ['email'], null),
    {},
    touch('crm-01', 'data.share', [ALICE, BOB], ['email', 'phone'], 'crm.example.com'),
    touch('mailer-02', 'data.share', [ALICE], ['email'], 'pastebin.example.org', 'blocked'),
    touch('crm-01', 'db.read', [], ['health'], null),
  ]);

  it('has one entry per subject and category, sorted', () => {
    expect(report.receipts).toBe(4);
    expect(report.subjects).toBe(3);
    expect(
      report.entries
        .map(
          (e) => `${e.subject === ALICE ? 'alice' : e.subject === BOB ? 'bob' : e.subject}/${e.category}/${e.receipts}`,
        )
        .sort(),
    ).toEqual(
      ['alice/email/3', 'alice/phone/1', 'bob/email/1', 'bob/phone/1', `${UNIDENTIFIED_SUBJECT}/health/1`].sort(),
    );
    const keys = report.entries.map((e) => `${e.subject} ${e.category}`);
    expect(keys).toEqual([...keys].sort());
  });

  it("says which agents, actions and recipients touched a subject's category, and when", () => {
    const aliceEmail = report.entries.find((e) => e.subject === ALICE && e.category === 'email');
    expect(aliceEmail).toEqual({
      subject: ALICE,
      category: 'email',
      receipts: 3,
      outcomes: { ok: 2, error: 0, blocked: 1 },
      agents: { 'crm-01': 2, 'mailer-02': 1 },
      actions: { 'data.share': 2, 'db.read': 1 },
      recipients: { 'crm.example.com': 1, 'pastebin.example.org': 1 },
      first: '2026-04-02T00:00:01.000Z',
      last: '2026-04-02T00:00:04.000Z',
      undeclared: 0,
    });
  });

  it('notes categories the bundle does not declare', () => {
    expect(report.entries.find((e) => e.category === 'health')?.undeclared).toBe(1);
  });

  it('a receipt with subjects but no category is "(unspecified)", never an undeclared category', () => {
    const unspecified = reportOf([touch('crm-01', 'db.read', [ALICE], [], null)]).entries;
    expect(unspecified.map((e) => [e.category, e.receipts, e.undeclared])).toEqual([[UNSPECIFIED_CATEGORY, 1, 0]]);
    expect(renderPrivacyText(reportOf([touch('crm-01', 'db.read', [ALICE], [], null)]))).not.toContain('note:');
  });

  it('renders text a person can read', () => {
    const text = renderPrivacyText(report);
    expect(text).toContain(
      'Privacy report: 3 data subject(s), 5 subject/category pair(s), from 4 receipt(s) with personal data.',
    );
    expect(text).toContain(
      `Data subject ${ALICE}\n  email: 3 receipt(s) (2 ok, 1 blocked), 2026-04-02T00:00:01.000Z to 2026-04-02T00:00:04.000Z\n    agents:     crm-01 ×2, mailer-02 ×1`,
    );
    expect(text).toContain('recipients: none (not sent outside)');
    expect(text).toContain('does not declare "health" as a personal-data category');
  });

  it('renders JSON that reads back as the same report', () => {
    expect(JSON.parse(renderPrivacyJson(report))).toEqual(report);
    expect(renderPrivacyJson(report)).toBe(
      renderPrivacyJson(
        reportOf([
          touch('crm-01', 'db.read', [ALICE], ['email'], null),
          {},
          touch('crm-01', 'data.share', [ALICE, BOB], ['email', 'phone'], 'crm.example.com'),
          touch('mailer-02', 'data.share', [ALICE], ['email'], 'pastebin.example.org', 'blocked'),
          touch('crm-01', 'db.read', [], ['health'], null),
        ]),
      ),
    );
  });

  it('says so when no receipt carries personal data', () => {
    const empty = reportOf([{}, {}]);
    expect(empty).toEqual({ format: 'tickmark.privacy.v1', receipts: 0, subjects: 0, entries: [] });
    expect(renderPrivacyText(empty)).toContain('No receipt carries personal data or data subjects.');
  });
});
