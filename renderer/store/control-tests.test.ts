import { describe, expect, it } from 'vitest';
import { controlById, type ControlDefinition } from '../../shared/controls/library.ts';
import { checkControlTest, controlTestOf, newAttributeId, type ControlTestInput } from './control-tests.ts';

const approval = controlById('approval-of-elevated-actions') as ControlDefinition;
const at = '2026-11-30T10:00:00.000Z';
const input: ControlTestInput = {
  attributes: [
    { id: 'approver-authorised', text: '  Approver is on the list.  ' },
    { id: 'added-1', text: 'Ticket exists.' },
  ],
  conclusion: 'effective-with-exceptions',
  note: ' one exception, followed up ',
};

describe('control tests', () => {
  it('a control never saved shows the library’s attributes and no conclusion', () => {
    expect(controlTestOf('e1', approval, undefined)).toEqual({
      engagementId: 'e1',
      controlId: approval.id,
      attributes: approval.attributes.map((a) => ({ id: a.id, text: a.text })),
      conclusion: '',
      note: '',
      updatedAt: null,
    });
  });

  it('a saved row is the engagement’s own', () => {
    const checked = checkControlTest('e1', approval.id, input, at);
    expect(checked).toEqual({
      ok: true,
      row: {
        engagementId: 'e1',
        controlId: approval.id,
        attributes: [
          { id: 'approver-authorised', text: 'Approver is on the list.' },
          { id: 'added-1', text: 'Ticket exists.' },
        ],
        conclusion: 'effective-with-exceptions',
        note: 'one exception, followed up',
        updatedAt: at,
      },
    });
    if (!checked.ok) return;
    expect(controlTestOf('e1', approval, checked.row)).toEqual({ ...checked.row, updatedAt: at });
  });

  it('new attribute ids do not collide', () => {
    expect(newAttributeId([])).toBe('added-1');
    expect(newAttributeId([{ id: 'added-1' }, { id: 'added-3' }])).toBe('added-2');
  });

  it.each<[string, Partial<ControlTestInput> & { engagementId?: string; controlId?: string }, RegExp]>([
    ['no engagement', { engagementId: '' }, /belongs to no engagement/],
    ['a control not in the library', { controlId: 'approval' }, /no control "approval" in the library/],
    ['no attribute', { attributes: [] }, /at least one attribute/],
    [
      'an empty attribute, by position',
      {
        attributes: [
          { id: 'a', text: 'x' },
          { id: 'b', text: '   ' },
        ],
      },
      /^Attribute 2 is empty/,
    ],
    ['an attribute too long', { attributes: [{ id: 'a', text: 'x'.repeat(501) }] }, /Attribute 1 has 501 characters/],
    [
      '21 attributes',
      { attributes: Array.from({ length: 21 }, (_, i) => ({ id: `a${i}`, text: 'x' })) },
      /at most 20 attributes; this one has 21/,
    ],
    [
      'two attributes with one id',
      {
        attributes: [
          { id: 'a', text: 'x' },
          { id: 'a', text: 'y' },
        ],
      },
      /Attribute 2 has no usable id/,
    ],
    ['an id that is not kebab-case', { attributes: [{ id: 'A B', text: 'x' }] }, /Attribute 1 has no usable id/],
    ['an unknown conclusion', { conclusion: 'fine' }, /“fine” is not a conclusion/],
    ['a note too long', { note: 'n'.repeat(4001) }, /note has 4001 characters/],
  ])('refuses %s, saying why', (_name, change, message) => {
    const { engagementId = 'e1', controlId = approval.id, ...rest } = change;
    const checked = checkControlTest(engagementId, controlId, { ...input, ...rest }, at);
    expect(checked.ok).toBe(false);
    expect(!checked.ok && checked.message).toMatch(message);
  });
});
