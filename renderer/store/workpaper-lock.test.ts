/**
 * The reviewed workpaper's lock, held by the store itself: on a real Dexie database (in
 * fake-indexeddb's in-memory IndexedDB), every write that changes what the workpaper says
 * (sample results, notes, conclusions, size, a new or deleted sample, control tests,
 * receipts kept for it, policy changes, the engagement's name, client and period) is refused
 * while the review stands, saying who approved it and when, and stores nothing; reopening
 * (recorded) lifts it. A returned review does not lock; another archive's workpaper does not
 * lock this archive's own data; a workpaper whose archive was removed locks nothing.
 */
import 'fake-indexeddb/auto';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { publicKeyOf, randomSecretKey, signBytes } from '../../shared/format/ed25519.ts';
import { toHex } from '../../shared/format/bytes.ts';
import { signReview, signWorkpaper } from '../../shared/workpaper/workpaper.ts';
import { resetControlTest, saveControlTest } from './control-tests.ts';
import { db, type ArchiveRow, type ReviewSignOff, type SampleItemRow } from './db.ts';
import { updateEngagement } from './engagements.ts';
import {
  createSample,
  deleteSample,
  replaceItems,
  setConclusion,
  setItemNote,
  setItemResult,
  type Sample,
  type SampleDetails,
} from './samples.ts';
import { addWorkpaperRef, removeWorkpaperRef, type RefTarget } from './workpaper-refs.ts';
import {
  addPolicyDiff,
  getWorkpaper,
  lockOnArchive,
  locksOnEngagement,
  recordPrepared,
  recordReview,
  removePolicyDiff,
  reopenWorkpaper,
  WorkpaperLockedError,
  type WorkpaperKey,
} from './workpapers.ts';

const ENGAGEMENT = 'e1';
const key: WorkpaperKey = { engagementId: ENGAGEMENT, archiveId: 'a1', title: 'demo.zip' };
const otherKey: WorkpaperKey = { engagementId: ENGAGEMENT, archiveId: 'a2', title: 'other.zip' };
const REVIEWED_AT = '2026-11-30T12:00:00.000Z';
const LOCKED =
  /^The workpaper for demo\.zip was reviewed and approved by R\. Reviewer on 2026-11-30 12:00:00 UTC and is locked: .+ would change what it says, so nothing was changed\. Reopen it on its workpaper screen first/;

const keyPair = () => {
  const secret = randomSecretKey();
  return { publicKey: toHex(publicKeyOf(secret)), sign: async (m: Uint8Array) => signBytes(m, secret) };
};
const preparer = keyPair();
const reviewer = keyPair();

function archive(id: string, name: string): ArchiveRow {
  return { id, name, engagementId: ENGAGEMENT, status: 'complete' } as unknown as ArchiveRow;
}

const details = { kind: 'attribute-sample', conclusion: null } as unknown as SampleDetails;
const items: Omit<SampleItemRow, 'sampleId'>[] = [0, 1].map((index) => ({
  index,
  receiptId: `rc_${index}`,
  ledger: 'gw-eu-1',
  seq: index + 1,
  hash: `sha256:${String(index).repeat(64)}`,
  score: '0'.repeat(64),
  results: { reconstructed: null },
  note: '',
}));
const sampleOf = (archiveId: string): Omit<Sample, 'id'> => ({
  archiveId,
  engagementId: ENGAGEMENT,
  controlId: 'decisions-follow-policy',
  name: 'Q2',
  seed: 'seed',
  size: 2,
  createdAt: '2026-11-30T10:00:00.000Z',
  details,
});
const target = (archiveId: string, seq: number): RefTarget => ({
  engagementId: ENGAGEMENT,
  archiveId,
  receiptId: `rc_${seq}`,
  ledger: 'gw-eu-1',
  seq,
  hash: `sha256:${'ab'.repeat(32)}`,
});
const engagementFields = { name: 'FY26', client: 'Example', periodFrom: '2026-01-01', periodTo: '2026-06-30' };

/** Signs as preparer and reviews with `decision`, through the store's own writes. */
async function signAndReview(k: WorkpaperKey, decision: 'approved' | 'returned'): Promise<void> {
  const envelope = await signWorkpaper({ format: 'tickmark.workpaper.v1', archive: k.title }, [], preparer);
  const prepared = await recordPrepared(k, {
    name: 'A. Auditor',
    publicKey: preparer.publicKey,
    signedAt: '2026-11-30T11:00:00.000Z',
    envelope,
    workpaperHash: '0'.repeat(64),
    pdfName: 'wp.pdf',
    pdfSha256: '1'.repeat(64),
  });
  expect(prepared).toEqual({ ok: true, value: undefined });
  const review: ReviewSignOff = {
    name: 'R. Reviewer',
    publicKey: reviewer.publicKey,
    signedAt: REVIEWED_AT,
    decision,
    note: '',
    envelope: await signReview(
      envelope,
      { reviewer: 'R. Reviewer', reviewedAt: REVIEWED_AT, decision, note: '' },
      reviewer,
    ),
  };
  expect(await recordReview(k, envelope, review)).toEqual({ ok: true, value: undefined });
}

/** Every table's rows, to prove a refusal stored nothing. */
async function snapshot(): Promise<unknown> {
  const tables = [db.engagements, db.samples, db.sampleItems, db.controlTests, db.workpaperRefs, db.workpapers];
  return Promise.all(tables.map((t) => t.toArray()));
}

let sampleId = 0;
let refId = 0;

beforeEach(async () => {
  await Promise.all(db.tables.map((t) => t.clear()));
  await db.engagements.add({ id: ENGAGEMENT, ...engagementFields, createdAt: REVIEWED_AT, updatedAt: REVIEWED_AT });
  await db.archives.bulkAdd([archive('a1', 'demo.zip'), archive('a2', 'other.zip')]);
  const created = await createSample(sampleOf('a1'), items);
  if (!created.ok) throw new Error(created.message);
  sampleId = created.value;
  const added = await addWorkpaperRef(target('a1', 1));
  if (!added.ok) throw new Error(added.message);
  refId = added.ref.id;
  expect(
    await addPolicyDiff(key, { from: 'p@1', fromHash: 'h1', to: 'p@2', toHash: 'h2', summary: 'Looked.' }),
  ).toEqual({ ok: true, value: undefined });
});
afterAll(() => db.close());

describe('a reviewed workpaper is locked in the store', () => {
  it('names who approved it and when', async () => {
    expect(await lockOnArchive(ENGAGEMENT, 'a1')).toBeNull();
    await signAndReview(key, 'approved');
    const lock = {
      engagementId: ENGAGEMENT,
      archiveId: 'a1',
      archiveName: 'demo.zip',
      reviewer: 'R. Reviewer',
      reviewedAt: REVIEWED_AT,
    };
    expect(await lockOnArchive(ENGAGEMENT, 'a1')).toEqual(lock);
    expect(await lockOnArchive(ENGAGEMENT, 'a2')).toBeNull();
    expect(await locksOnEngagement(ENGAGEMENT)).toEqual([lock]);
  });

  it('refuses every write to what the workpaper says, and stores nothing', async () => {
    await signAndReview(key, 'approved');
    const before = await snapshot();
    const policyDiff = (await getWorkpaper(ENGAGEMENT, 'a1'))?.policyDiffs?.[0]?.addedAt ?? '';
    const refusals: [string, Promise<{ ok: boolean; message?: string }>][] = [
      ['a sample result', setItemResult(sampleId, 0, 'reconstructed', 'fail')],
      ['a sample note', setItemNote(sampleId, 1, 'ticket missing')],
      ['a sample conclusion', setConclusion(sampleId, { ...details, conclusion: null })],
      ['a larger sample', replaceItems(sampleId, 3, items, details)],
      ['deleting the sample', deleteSample(sampleId)],
      ['a new sample', createSample(sampleOf('a1'), items)],
      [
        'a control test',
        saveControlTest(ENGAGEMENT, 'decisions-follow-policy', {
          attributes: [{ id: 'a', text: 'A' }],
          conclusion: 'effective',
          note: '',
        }),
      ],
      ['resetting a control test', resetControlTest(ENGAGEMENT, 'decisions-follow-policy')],
      ['a receipt kept', addWorkpaperRef(target('a1', 2))],
      ['a policy change', addPolicyDiff(key, { from: 'p@2', fromHash: 'h2', to: 'p@3', toHash: 'h3', summary: 'x' })],
      ['removing a policy change', removePolicyDiff(key, policyDiff)],
    ];
    for (const [what, write] of refusals) {
      const result = await write;
      expect(result.ok, what).toBe(false);
      expect(result.message, what).toMatch(LOCKED);
    }
    // The writes whose callers await them for their effect throw, with the same sentence.
    await expect(removeWorkpaperRef(refId)).rejects.toThrow(WorkpaperLockedError);
    await expect(removeWorkpaperRef(refId)).rejects.toThrow(LOCKED);
    await expect(updateEngagement(ENGAGEMENT, { ...engagementFields, client: 'Example Corp' })).rejects.toThrow(LOCKED);
    await expect(updateEngagement(ENGAGEMENT, { ...engagementFields, periodTo: '2026-12-31' })).rejects.toThrow(LOCKED);
    expect(await snapshot()).toEqual(before);
    // The engagement's notes are in no workpaper: they may change.
    await updateEngagement(ENGAGEMENT, { ...engagementFields, notes: 'Walkthrough on 3 Dec.' });
    expect((await db.engagements.get(ENGAGEMENT))?.notes).toBe('Walkthrough on 3 Dec.');
  });

  it('reopening (recorded) lifts the lock: the same writes go through', async () => {
    await signAndReview(key, 'approved');
    expect(await reopenWorkpaper(key, 'R. Reviewer', 'A sample result was wrong.')).toEqual({
      ok: true,
      value: undefined,
    });
    expect(await lockOnArchive(ENGAGEMENT, 'a1')).toBeNull();
    expect(await setItemResult(sampleId, 0, 'reconstructed', 'fail')).toEqual({ ok: true, value: undefined });
    expect((await db.sampleItems.get([sampleId, 0]))?.results).toEqual({ reconstructed: 'fail' });
    expect(await setItemNote(sampleId, 0, 'ticket missing')).toEqual({ ok: true, value: undefined });
    const saved = await saveControlTest(ENGAGEMENT, 'decisions-follow-policy', {
      attributes: [{ id: 'a', text: 'A' }],
      conclusion: 'effective',
      note: '',
    });
    expect(saved.ok).toBe(true);
    await removeWorkpaperRef(refId);
    expect(await db.workpaperRefs.count()).toBe(0);
    await updateEngagement(ENGAGEMENT, { ...engagementFields, client: 'Example Corp' });
    expect(await deleteSample(sampleId)).toEqual({ ok: true, value: undefined });
    const history = (await getWorkpaper(ENGAGEMENT, 'a1'))?.history?.map((e) => e.kind);
    expect(history).toEqual(['prepared', 'reviewed', 'reopened']);
  });

  it('a returned review does not lock', async () => {
    await signAndReview(key, 'returned');
    expect(await lockOnArchive(ENGAGEMENT, 'a1')).toBeNull();
    expect(await setItemResult(sampleId, 0, 'reconstructed', 'pass')).toEqual({ ok: true, value: undefined });
  });

  it('another archive’s locked workpaper bars the engagement’s data, not this archive’s own', async () => {
    await signAndReview(otherKey, 'approved');
    // This archive's sample and receipts are not in the other workpaper.
    expect(await setItemResult(sampleId, 0, 'reconstructed', 'pass')).toEqual({ ok: true, value: undefined });
    expect((await addWorkpaperRef(target('a1', 3))).ok).toBe(true);
    // Control tests and the engagement are in every workpaper of the engagement.
    const saved = await saveControlTest(ENGAGEMENT, 'decisions-follow-policy', {
      attributes: [{ id: 'a', text: 'A' }],
      conclusion: 'effective',
      note: '',
    });
    expect(saved.ok).toBe(false);
    expect(!saved.ok && saved.message).toMatch(
      /^The workpaper for other\.zip was reviewed and approved by R\. Reviewer/,
    );
    await expect(updateEngagement(ENGAGEMENT, { ...engagementFields, name: 'FY27' })).rejects.toThrow(/other\.zip/);
  });

  it('a locked workpaper whose archive was removed bars nothing (no draft is left to change, no screen to reopen it)', async () => {
    await signAndReview(otherKey, 'approved');
    await db.archives.delete('a2');
    expect(await locksOnEngagement(ENGAGEMENT)).toEqual([]);
    await updateEngagement(ENGAGEMENT, { ...engagementFields, name: 'FY27' });
    expect((await db.engagements.get(ENGAGEMENT))?.name).toBe('FY27');
  });
});
