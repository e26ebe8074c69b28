import { describe, expect, it } from 'vitest';
import type { EngagementRow } from './db.ts';
import {
  byActivity,
  dayNumber,
  dayText,
  inputOf,
  normalizeEngagement,
  periodText,
  pickCurrent,
  UNTITLED_ENGAGEMENT,
  validateEngagement,
  type EngagementInput,
} from './engagement-rules.ts';

const input = (over: Partial<EngagementInput> = {}): EngagementInput => ({
  name: 'Example Corp 2026',
  client: 'Example Corp',
  periodFrom: '2026-01-01',
  periodTo: '2026-06-30',
  notes: '',
  ...over,
});

describe('validateEngagement', () => {
  it('accepts a full engagement, trimmed, and a notes field left empty is absent', () => {
    expect(validateEngagement(input({ name: '  Example Corp 2026 ', client: ' Example Corp ' }))).toEqual({
      ok: true,
      fields: { name: 'Example Corp 2026', client: 'Example Corp', periodFrom: '2026-01-01', periodTo: '2026-06-30' },
    });
  });

  it('accepts no period at all (both dates empty) and keeps notes', () => {
    expect(validateEngagement(input({ periodFrom: '', periodTo: '', notes: ' Walkthrough on 3 April. ' }))).toEqual({
      ok: true,
      fields: {
        name: 'Example Corp 2026',
        client: 'Example Corp',
        periodFrom: null,
        periodTo: null,
        notes: 'Walkthrough on 3 April.',
      },
    });
  });

  it('accepts a name of exactly 200 characters (counted as characters, not UTF-16 units) and a one-day period', () => {
    expect(
      validateEngagement(input({ name: '😀'.repeat(200), periodFrom: '2026-02-28', periodTo: '2026-02-28' })).ok,
    ).toBe(true);
  });

  it.each<[string, Partial<EngagementInput>, Partial<Record<keyof EngagementInput, RegExp>>]>([
    ['an empty name', { name: '   ' }, { name: /^Name is required\.$/ }],
    [
      'a name of 201 characters',
      { name: 'x'.repeat(201) },
      { name: /^Name must be at most 200 characters \(it has 201\)\.$/ },
    ],
    ['a client of 201 characters', { client: 'c'.repeat(201) }, { client: /^Client must be at most 200/ }],
    [
      'from after to',
      { periodFrom: '2026-07-01', periodTo: '2026-06-30' },
      { periodTo: /^Period to is before period from: the period must end on or after the day it starts\.$/ },
    ],
    ['only a start date', { periodTo: '' }, { periodTo: /^Period to is missing: give both .* or neither\.$/ }],
    ['only an end date', { periodFrom: '' }, { periodFrom: /^Period from is missing: give both .* or neither\.$/ }],
    ['a day that does not exist', { periodFrom: '2026-02-30' }, { periodFrom: /^Period from is not a complete date/ }],
    ['a date in another format', { periodTo: '30/06/2026' }, { periodTo: /^Period to is not a complete date/ }],
    [
      'an empty name and a half period together',
      { name: '', periodFrom: '' },
      { name: /^Name is required/, periodFrom: /^Period from is missing/ },
    ],
  ])('refuses %s, with a message that names the field', (_name, over, expected) => {
    const result = validateEngagement(input(over));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual(Object.keys(expected).sort());
    for (const [field, pattern] of Object.entries(expected))
      expect(result.errors[field as keyof EngagementInput]).toMatch(pattern as RegExp);
  });

  it('the form text of a stored engagement validates back to the same fields', () => {
    const row: EngagementRow = {
      id: 'e1',
      name: 'Acme',
      client: 'Acme Inc.',
      periodFrom: '2026-01-01',
      periodTo: '2026-12-31',
      notes: 'n',
      createdAt: 'x',
      updatedAt: 'x',
    };
    expect(validateEngagement(inputOf(row))).toEqual({
      ok: true,
      fields: { name: 'Acme', client: 'Acme Inc.', periodFrom: '2026-01-01', periodTo: '2026-12-31', notes: 'n' },
    });
    expect(inputOf(null)).toEqual({ name: '', client: '', periodFrom: '', periodTo: '', notes: '' });
  });
});

describe('dayNumber and dayText', () => {
  it.each([
    ['1970-01-01', 0],
    ['1970-01-02', 1],
    ['2024-02-29', 19782],
    ['2026-06-30', 20634],
  ])('%s is day %i and back', (text, day) => {
    expect(dayNumber(text)).toBe(day);
    expect(dayText(day)).toBe(text);
  });

  it.each(['2026-02-29', '2026-13-01', '2026-00-10', '2026-1-1', '0099-01-01x', '', ' 2026-01-01'])(
    '%j is not a day',
    (text) => {
      expect(dayNumber(text)).toBeNull();
    },
  );

  it('a year below 100 is that year, not 19xx', () => {
    expect(dayText(dayNumber('0099-12-31') as number)).toBe('0099-12-31');
  });
});

describe('normalizeEngagement (stored rows of any version)', () => {
  it('a version 1 row keeps its id and creation time, gets a neutral name and no period', () => {
    expect(
      normalizeEngagement({ id: 'default', name: 'Current engagement', createdAt: '2026-11-01T10:00:00.000Z' }),
    ).toEqual({
      id: 'default',
      name: UNTITLED_ENGAGEMENT,
      client: '',
      periodFrom: null,
      periodTo: null,
      createdAt: '2026-11-01T10:00:00.000Z',
      updatedAt: '2026-11-01T10:00:00.000Z',
    });
  });

  it('a current row is unchanged, including a name the auditor chose that happens to be the old default', () => {
    const row: EngagementRow = {
      id: 'e',
      name: 'Current engagement',
      client: '',
      periodFrom: '2026-01-01',
      periodTo: '2026-01-31',
      createdAt: 'a',
      updatedAt: 'b',
    };
    expect(normalizeEngagement(row)).toEqual(row);
  });

  it.each<[string, Partial<EngagementRow>]>([
    ['one date only', { periodFrom: '2026-01-01', periodTo: null }],
    ['dates in the wrong order', { periodFrom: '2026-02-01', periodTo: '2026-01-01' }],
    ['a date that is not a day', { periodFrom: '2026-01-01', periodTo: '2026-01-32' }],
  ])('a stored period with %s is read as not set, never guessed', (_name, period) => {
    const row = normalizeEngagement({ id: 'e', name: 'n', client: 'c', createdAt: 'a', updatedAt: 'b', ...period });
    expect([row.periodFrom, row.periodTo]).toEqual([null, null]);
  });
});

describe('byActivity and pickCurrent', () => {
  const row = (id: string, updatedAt: string): EngagementRow => ({
    id,
    name: id,
    client: '',
    periodFrom: null,
    periodTo: null,
    createdAt: updatedAt,
    updatedAt,
  });
  const engagements = [
    row('old', '2026-01-01T00:00:00Z'),
    row('edited', '2026-03-01T00:00:00Z'),
    row('busy', '2026-01-02T00:00:00Z'),
  ];
  const archives = [
    { engagementId: 'busy', startedAt: '2026-04-01T00:00:00Z', completedAt: '2026-04-01T00:05:00Z' },
    { engagementId: 'busy', startedAt: '2026-02-01T00:00:00Z' },
    { engagementId: 'gone', startedAt: '2026-09-01T00:00:00Z' },
  ];

  it('orders by the latest of an edit and a verified archive, and counts archives', () => {
    const ordered = byActivity(engagements, archives);
    expect(ordered.map((e) => [e.engagement.id, e.archives, e.lastActivityAt])).toEqual([
      ['busy', 2, '2026-04-01T00:05:00Z'],
      ['edited', 0, '2026-03-01T00:00:00Z'],
      ['old', 0, '2026-01-01T00:00:00Z'],
    ]);
  });

  it('the setting wins when it names an engagement that exists; otherwise the most recently active one', () => {
    const ordered = byActivity(engagements, archives);
    expect(pickCurrent('old', ordered)?.engagement.id).toBe('old');
    expect(pickCurrent('deleted-meanwhile', ordered)?.engagement.id).toBe('busy');
    expect(pickCurrent(undefined, ordered)?.engagement.id).toBe('busy');
    expect(pickCurrent(undefined, [])).toBeNull();
  });
});

describe('periodText', () => {
  it('writes both days and the count of days, both included; an unset or broken period is null', () => {
    expect(periodText({ periodFrom: '2026-01-01', periodTo: '2026-06-30' })).toBe('2026-01-01 – 2026-06-30 (181 days)');
    expect(periodText({ periodFrom: '2026-01-01', periodTo: '2026-01-01' })).toBe('2026-01-01 – 2026-01-01 (1 day)');
    expect(periodText({ periodFrom: null, periodTo: null })).toBeNull();
    expect(periodText({ periodFrom: '2026-02-01', periodTo: '2026-01-01' })).toBeNull();
  });
});
