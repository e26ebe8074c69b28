/**
 * An engagement's test of each control of the library (`controlTests`): the manual test
 * attributes the auditor checks by hand, the conclusion and a note. Until the auditor
 * saves one, a control's test is the library's default attributes and no conclusion; a
 * saved row is the engagement's own, kept with it (not with an archive).
 *
 * The rules are pure (tested under Node); the reads and writes below go through Dexie.
 * A control test is the engagement's, so it is part of every workpaper of the engagement
 * (its conclusions): a write is refused while any of them is reviewed and locked, the lock
 * read in the write's own transaction (workpapers.ts).
 */
import { controlById, type ControlDefinition } from '../../shared/controls/library.ts';
import { db, type ControlTestRow } from './db.ts';
import { useLiveQuery } from './use-live-query.ts';
import { locksOnEngagement, lockedMessage } from './workpapers.ts';

export const CONCLUSIONS = ['', 'effective', 'effective-with-exceptions', 'not-effective'] as const;
export type Conclusion = (typeof CONCLUSIONS)[number];

export const CONCLUSION_LABEL: Readonly<Record<Conclusion, string>> = {
  '': 'Not concluded',
  effective: 'Operating effectively',
  'effective-with-exceptions': 'Operating effectively, exceptions noted',
  'not-effective': 'Not operating effectively',
};

export const MAX_ATTRIBUTES = 20;
export const MAX_ATTRIBUTE_LENGTH = 500;
export const MAX_NOTE_LENGTH = 4000;

/** A control's test as the screens show it: the saved row, or the library's defaults. */
export interface ControlTest {
  readonly engagementId: string;
  readonly controlId: string;
  readonly attributes: readonly { readonly id: string; readonly text: string }[];
  /** A value this version does not know (another version saved it) is kept as text. */
  readonly conclusion: string;
  readonly note: string;
  /** Null: never saved for this engagement (the library's defaults). */
  readonly updatedAt: string | null;
}

export interface ControlTestInput {
  readonly attributes: readonly { readonly id: string; readonly text: string }[];
  readonly conclusion: string;
  readonly note: string;
}

/** The test of `control` for an engagement, from its saved row when there is one. */
export function controlTestOf(
  engagementId: string,
  control: ControlDefinition,
  row: ControlTestRow | undefined,
): ControlTest {
  if (row) {
    return {
      engagementId,
      controlId: control.id,
      attributes: row.attributes.map((a) => ({ id: a.id, text: a.text })),
      conclusion: row.conclusion,
      note: row.note,
      updatedAt: row.updatedAt,
    };
  }
  return {
    engagementId,
    controlId: control.id,
    attributes: control.attributes.map((a) => ({ id: a.id, text: a.text })),
    conclusion: '',
    note: '',
    updatedAt: null,
  };
}

/** An id for a new attribute: `added-1`, `added-2`, … the first not taken. */
export function newAttributeId(taken: readonly { readonly id: string }[]): string {
  const ids = new Set(taken.map((a) => a.id));
  let n = 1;
  while (ids.has(`added-${n}`)) n++;
  return `added-${n}`;
}

export function isConclusion(value: string): value is Conclusion {
  return (CONCLUSIONS as readonly string[]).includes(value);
}

/**
 * The row to store, or why not (the first problem, as a sentence naming the attribute by
 * its position as the screen shows it). Texts are trimmed.
 */
export function checkControlTest(
  engagementId: string,
  controlId: string,
  input: ControlTestInput,
  updatedAt: string,
): { readonly ok: true; readonly row: ControlTestRow } | { readonly ok: false; readonly message: string } {
  if (engagementId === '') return { ok: false, message: 'This archive belongs to no engagement: nothing was saved.' };
  if (!controlById(controlId))
    return { ok: false, message: `There is no control "${controlId}" in the library: nothing was saved.` };
  if (input.attributes.length === 0)
    return { ok: false, message: 'A control test needs at least one attribute: nothing was saved.' };
  if (input.attributes.length > MAX_ATTRIBUTES)
    return {
      ok: false,
      message: `A control test has at most ${MAX_ATTRIBUTES} attributes; this one has ${input.attributes.length}.`,
    };
  const seen = new Set<string>();
  const attributes: { id: string; text: string }[] = [];
  for (const [index, attribute] of input.attributes.entries()) {
    const text = attribute.text.trim();
    const name = `Attribute ${index + 1}`;
    if (text === '') return { ok: false, message: `${name} is empty: write what is tested, or remove it.` };
    if (text.length > MAX_ATTRIBUTE_LENGTH)
      return {
        ok: false,
        message: `${name} has ${text.length} characters; an attribute has at most ${MAX_ATTRIBUTE_LENGTH}.`,
      };
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(attribute.id) || seen.has(attribute.id))
      return { ok: false, message: `${name} has no usable id (“${attribute.id}”): add it again.` };
    seen.add(attribute.id);
    attributes.push({ id: attribute.id, text });
  }
  if (!isConclusion(input.conclusion))
    return { ok: false, message: `“${input.conclusion}” is not a conclusion this workbench knows.` };
  const note = input.note.trim();
  if (note.length > MAX_NOTE_LENGTH)
    return { ok: false, message: `The note has ${note.length} characters; it may have at most ${MAX_NOTE_LENGTH}.` };
  return { ok: true, row: { engagementId, controlId, attributes, conclusion: input.conclusion, note, updatedAt } };
}

/** Why the engagement's control tests cannot change now (a workpaper of it is locked), or null. In a transaction. */
async function lockRefusal(engagementId: string, change: string): Promise<string | null> {
  const [lock] = await locksOnEngagement(engagementId);
  return lock ? lockedMessage(lock, change) : null;
}

/** Saves an engagement's test of a control; a refusal says why and stores nothing. */
export async function saveControlTest(
  engagementId: string,
  controlId: string,
  input: ControlTestInput,
): Promise<{ readonly ok: true; readonly row: ControlTestRow } | { readonly ok: false; readonly message: string }> {
  const checked = checkControlTest(engagementId, controlId, input, new Date().toISOString());
  if (!checked.ok) return checked;
  const refusal = await db.transaction(
    'rw',
    [db.engagements, db.controlTests, db.workpapers, db.archives],
    async () => {
      if (!(await db.engagements.get(engagementId)))
        throw new Error('The engagement no longer exists: nothing was saved.');
      const locked = await lockRefusal(engagementId, 'this control’s test');
      if (locked) return locked;
      await db.controlTests.put(checked.row);
      return null;
    },
  );
  return refusal ? { ok: false, message: refusal } : checked;
}

/** Forgets an engagement's test of a control: the library's defaults apply again. Refused while locked. */
export async function resetControlTest(
  engagementId: string,
  controlId: string,
): Promise<{ readonly ok: true } | { readonly ok: false; readonly message: string }> {
  return db.transaction('rw', [db.controlTests, db.workpapers, db.archives], async () => {
    const locked = await lockRefusal(engagementId, 'this control’s test');
    if (locked) return { ok: false, message: locked } as const;
    await db.controlTests.delete([engagementId, controlId]);
    return { ok: true } as const;
  });
}

/** Every saved control test of an engagement, by control id; undefined while loading. */
export function useControlTests(engagementId: string | null): ReadonlyMap<string, ControlTestRow> | undefined {
  return useLiveQuery(async () => {
    if (engagementId === null) return new Map<string, ControlTestRow>();
    const rows = await db.controlTests.where('engagementId').equals(engagementId).toArray();
    return new Map(rows.map((r) => [r.controlId, r]));
  }, [engagementId]);
}
