import { describe, expect, it } from 'vitest';
import { byName, checkFilterName, MAX_FILTER_NAME, normalizeFilterName } from './saved-filter-rules.ts';

describe('saved filter names', () => {
  it('keeps a name trimmed, inner white space as one space', () => {
    expect(normalizeFilterName('  Denied\t payments \n')).toBe('Denied payments');
    expect(checkFilterName('  Denied\t payments ', [])).toEqual({ ok: true, name: 'Denied payments' });
  });

  it.each<[string, string, readonly string[], RegExp]>([
    ['empty', '', [], /Give the filter a name/],
    ['blank', ' \t ', [], /Give the filter a name/],
    ['too long', 'x'.repeat(MAX_FILTER_NAME + 1), [], /at most 120 characters \(this one has 121\)/],
    ['the same name', 'Tier 3', ['Tier 3'], /already has a filter named "Tier 3"/],
    ['another case and spacing', ' tier   3 ', ['Other', 'Tier 3'], /already has a filter named "Tier 3"/],
  ])('refuses %s', (_why, name, existing, message) => {
    const check = checkFilterName(name, existing);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.message).toMatch(message);
  });

  it('accepts a name at the limit and one that differs in more than case', () => {
    expect(checkFilterName('x'.repeat(MAX_FILTER_NAME), []).ok).toBe(true);
    expect(checkFilterName('Tier 3 denied', ['Tier 3']).ok).toBe(true);
  });

  it('lists by name (ignoring case, numbers in order), then oldest first', () => {
    const rows = [
      { name: 'tier 10', createdAt: '2026-01-01' },
      { name: 'Tier 9', createdAt: '2026-01-02' },
      { name: 'b', createdAt: '2026-01-03' },
      { name: 'B', createdAt: '2026-01-01' },
    ];
    expect(byName(rows).map((r) => `${r.name}@${r.createdAt}`)).toEqual([
      'B@2026-01-01',
      'b@2026-01-03',
      'Tier 9@2026-01-02',
      'tier 10@2026-01-01',
    ]);
  });
});
