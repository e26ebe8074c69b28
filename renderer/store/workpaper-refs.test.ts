import { describe, expect, it } from 'vitest';
import { newWorkpaperRef, refersTo, type RefTarget } from './workpaper-refs.ts';

const hash = `sha256:${'ab'.repeat(32)}`;
const target: RefTarget = {
  engagementId: 'e1',
  archiveId: 'a1',
  receiptId: 'rc_34e07caa98ec74ef',
  ledger: 'gw-us-1',
  seq: 961,
  hash,
};
const at = '2026-11-30T10:00:00.000Z';

describe('workpaper references', () => {
  it('keeps the receipt by archive, id, ledger, seq and line hash, with the time', () => {
    expect(newWorkpaperRef(target, at)).toEqual({ ok: true, row: { ...target, addedAt: at } });
  });

  it('keeps a note trimmed, and no empty note', () => {
    const made = newWorkpaperRef(target, at, '  sample item 3 ');
    expect(made.ok && made.row.note).toBe('sample item 3');
    const empty = newWorkpaperRef(target, at, '   ');
    expect(empty.ok && 'note' in empty.row).toBe(false);
  });

  it.each<[string, Partial<RefTarget>, RegExp]>([
    ['a line that is not a receipt (no id)', { receiptId: '' }, /not a valid receipt/],
    ['a line without a usable seq', { seq: 0 }, /not a valid receipt/],
    ['a seq that is not an integer', { seq: 1.5 }, /not a valid receipt/],
    ['no engagement', { engagementId: '' }, /no engagement/],
    ['a hash that is not one', { hash: 'sha256:xyz' }, /hash is not known/],
  ])('refuses %s, saying why', (_name, change, message) => {
    const made = newWorkpaperRef({ ...target, ...change }, at);
    expect(made.ok).toBe(false);
    expect(!made.ok && made.message).toMatch(message);
  });

  it('refuses a note over 2,000 characters and says how long it was', () => {
    const made = newWorkpaperRef(target, at, 'x'.repeat(2001));
    expect(!made.ok && made.message).toContain('2001');
  });

  it('a reference names one stored line: a second receipt with the same id is another reference', () => {
    const made = newWorkpaperRef(target, at);
    if (!made.ok) throw new Error(made.message);
    expect(refersTo(made.row, target)).toBe(true);
    expect(refersTo(made.row, { ...target, seq: 962 })).toBe(false);
    expect(refersTo(made.row, { ...target, hash: `sha256:${'cd'.repeat(32)}` })).toBe(false);
    expect(refersTo(made.row, { ...target, archiveId: 'a2' })).toBe(false);
    expect(refersTo(made.row, { ...target, engagementId: 'e2' })).toBe(false);
  });
});
