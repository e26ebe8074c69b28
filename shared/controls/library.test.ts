import { describe, expect, it } from 'vitest';
import { CODE_INFO, CONTROL_CODES, FINDING_CODES, INTEGRITY_CODES } from '../codes.ts';
import { SOC2_CRITERIA } from '../soc2.ts';
import { CONTROL_IDS, CONTROL_LIBRARY, controlById, controlOfCode, criteriaBorneBy, isControlId } from './library.ts';

describe('control library', () => {
  it('every control code of shared/codes.ts belongs to exactly one control', () => {
    for (const code of CONTROL_CODES) {
      const owners = CONTROL_LIBRARY.filter((c) => c.codes.includes(code)).map((c) => c.id);
      expect([code, owners.length]).toEqual([code, 1]);
    }
  });

  it('every integrity code is an exception of evidence integrity, and no code is counted twice', () => {
    expect([...(controlById('evidence-integrity')?.codes ?? [])].sort()).toEqual([...INTEGRITY_CODES].sort());
    const all = CONTROL_LIBRARY.flatMap((c) => c.codes);
    expect(all.length).toBe(new Set(all).size);
    expect([...all].sort()).toEqual([...FINDING_CODES].sort());
    for (const code of FINDING_CODES) expect(controlOfCode(code)?.codes).toContain(code);
  });

  it('ids are stable kebab-case, unique, in the order of CONTROL_IDS', () => {
    expect(CONTROL_LIBRARY.map((c) => c.id)).toEqual([...CONTROL_IDS]);
    for (const id of CONTROL_IDS) {
      expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(isControlId(id)).toBe(true);
      expect(controlById(id)?.id).toBe(id);
    }
    expect(isControlId('approval')).toBe(false);
    expect(controlById('constructor')).toBeNull();
  });

  it('each criterion is a SOC 2 criterion one of the control’s codes bears on', () => {
    for (const control of CONTROL_LIBRARY) {
      expect(control.criteria.length).toBeGreaterThan(0);
      const borne = criteriaBorneBy(control);
      for (const criterion of control.criteria) {
        expect(Object.keys(SOC2_CRITERIA)).toContain(criterion);
        expect([control.id, criterion, borne.has(criterion)]).toEqual([control.id, criterion, true]);
      }
    }
  });

  it('control codes are control findings, and each control has texts and attributes with unique ids', () => {
    for (const control of CONTROL_LIBRARY) {
      if (control.id !== 'evidence-integrity')
        for (const code of control.codes) expect(CODE_INFO[code].category).toBe('control');
      for (const text of [control.title, control.objective, control.population, control.passed])
        expect(text.trim().length).toBeGreaterThan(3);
      expect(control.attributes.length).toBeGreaterThan(0);
      const ids = control.attributes.map((a) => a.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const a of control.attributes) {
        expect(a.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
        expect(a.text.length).toBeGreaterThan(10);
      }
    }
  });
});
