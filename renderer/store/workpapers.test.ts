import { describe, expect, it } from 'vitest';
import { publicKeyOf, randomSecretKey, signBytes } from '../../shared/format/ed25519.ts';
import { toHex } from '../../shared/format/bytes.ts';
import { toBase64 } from '../../shared/workpaper/dsse.ts';
import { signReview, signWorkpaper } from '../../shared/workpaper/workpaper.ts';
import type { WorkpaperRow } from './db.ts';
import {
  compareSignedContent,
  isLocked,
  nameProblem,
  policyDiffProblem,
  signedPredicate,
  statusOf,
} from './workpapers.ts';

const secret = randomSecretKey();
const signer = { publicKey: toHex(publicKeyOf(secret)), sign: async (m: Uint8Array) => signBytes(m, secret) };

const base = {
  format: 'tickmark.workpaper.v1',
  created_at: '2026-11-30T10:00:00.000Z',
  preparer: 'A. Auditor',
  engagement: { name: 'FY26', client: 'Example', period: { from: '2026-01-01', to: '2026-06-30' } },
  verification: { summary: { receipts: 2400 }, findings: [{ code: 'X' }] },
  samples: [{ control: 'c1', seed: 's', items: [1, 2] }],
  conclusions: [{ control: 'c1', conclusion: 'Not concluded', note: '' }],
  reconstructions: [],
  policy_diffs: [],
};

describe('compareSignedContent', () => {
  it('finds nothing when only the signing time and name differ', () => {
    expect(compareSignedContent(base, { ...base, created_at: '2027-01-01T00:00:00Z', preparer: 'Someone' })).toEqual(
      [],
    );
  });

  it('names each section that changed, lists by count, objects by member', () => {
    const now = {
      ...base,
      samples: [...base.samples, { control: 'c2', seed: 't', items: [3] }],
      conclusions: [{ control: 'c1', conclusion: 'Operating effectively', note: '' }],
      policy_diffs: [{ from: 'a@1', to: 'a@2', summary: 'widened' }],
      engagement: { ...base.engagement, client: 'Example Corp' },
    };
    expect(compareSignedContent(base, now)).toEqual([
      { section: 'engagement', label: 'Engagement', detail: 'client changed' },
      {
        section: 'policy_diffs',
        label: 'Policy changes reviewed',
        detail: '0 when signed, 1 now (1 new or changed)',
      },
      { section: 'samples', label: 'Samples', detail: '1 when signed, 2 now (1 new or changed)' },
      { section: 'conclusions', label: 'Conclusions', detail: '1 when signed, 1 now; 1 of them changed' },
    ]);
  });

  it('says when an item was removed, and when a section appears or disappears', () => {
    expect(compareSignedContent(base, { ...base, samples: [] })).toEqual([
      { section: 'samples', label: 'Samples', detail: '1 when signed, 0 now (1 no longer as signed)' },
    ]);
    const { reconstructions: _gone, ...without } = base;
    expect(compareSignedContent(base, { ...without, extra: 1 })).toEqual([
      { section: 'reconstructions', label: 'Decisions reconstructed', detail: 'no longer in the draft' },
      { section: 'extra', label: 'extra', detail: 'not in the signed version' },
    ]);
  });

  it('sees a change deep inside a section (one finding more)', () => {
    const now = { ...base, verification: { ...base.verification, findings: [{ code: 'X' }, { code: 'Y' }] } };
    expect(compareSignedContent(base, now)).toEqual([
      { section: 'verification', label: 'Verification', detail: 'findings changed' },
    ]);
  });
});

describe('signedPredicate', () => {
  it('reads back the predicate a preparer signed', async () => {
    const envelope = await signWorkpaper(base, [], signer);
    expect(signedPredicate(envelope)).toEqual(base);
  });

  it('is null for a review envelope, a payload that is not base64 or not JSON', async () => {
    const envelope = await signWorkpaper(base, [], signer);
    const review = await signReview(
      envelope,
      { reviewer: 'R', reviewedAt: '2026-12-01T00:00:00Z', decision: 'approved', note: '' },
      signer,
    );
    expect(signedPredicate(review)).toBeNull();
    expect(signedPredicate({ ...envelope, payload: '***' })).toBeNull();
    expect(signedPredicate({ ...envelope, payload: toBase64(new TextEncoder().encode('not json')) })).toBeNull();
  });
});

describe('status and lock', () => {
  const prepared = { name: 'A' } as NonNullable<WorkpaperRow['prepared']>;
  const review = (decision: 'approved' | 'returned') => ({ decision }) as NonNullable<WorkpaperRow['review']>;
  it.each<[string, Pick<WorkpaperRow, 'prepared' | 'review'> | undefined, string, boolean]>([
    ['no row', undefined, 'draft', false],
    ['nothing signed', { prepared: null, review: null }, 'draft', false],
    ['signed by the preparer', { prepared, review: null }, 'prepared', false],
    ['returned by the reviewer', { prepared, review: review('returned') }, 'returned', false],
    ['approved by the reviewer', { prepared, review: review('approved') }, 'reviewed', true],
  ])('%s', (_case, row, status, locked) => {
    expect(statusOf(row)).toBe(status);
    expect(isLocked(row)).toBe(locked);
  });
});

describe('what a sign-off and a policy change need', () => {
  it('a name', () => {
    expect(nameProblem('  ', 'preparer')).toBe('Give the preparer’s name: it is part of what is signed.');
    expect(nameProblem('x'.repeat(121), 'reviewer')).toBe('A name is at most 120 characters: this one has 121.');
    expect(nameProblem('R. Reviewer', 'reviewer')).toBeNull();
  });

  it('two different versions and a summary', () => {
    const note = { from: 'a@1', fromHash: 'h1', to: 'a@2', toHash: 'h2', summary: 'Widened the read scope.' };
    expect(policyDiffProblem(note)).toBeNull();
    expect(policyDiffProblem({ ...note, toHash: '' })).toBe('Choose the two bundle versions you compared.');
    expect(policyDiffProblem({ ...note, toHash: 'h1' })).toBe('Choose two different bundle versions.');
    expect(policyDiffProblem({ ...note, summary: ' ' })).toBe(
      'Say what you found: the summary is part of the workpaper.',
    );
  });
});
