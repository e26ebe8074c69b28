/**
 * The approval check with the run's asynchronous verifier (the app's WebCrypto): the same
 * findings, in the same order, as with the synchronous one, whatever order the answers come
 * back in; the asynchronous answer is the one used; and `finish`, which a pool worker calls
 * after each segment, returns every finding so far each time.
 */
import { describe, expect, it } from 'vitest';
import type { ArchiveContext } from '../engine/types.ts';
import type { SignatureVerifier } from '../format/ed25519.ts';
import type { AsyncSignatureVerifier } from '../format/webcrypto-ed25519.ts';
import { approvalCheck } from './approval.ts';
import {
  APPROVER_KEY,
  GATE_KEY,
  buildLedger,
  resolveBundle,
  runChecks,
  testArchive,
  testBundleBody,
  type ReceiptSpec,
  PAYMENT,
} from './fixtures.test-helper.ts';

const bundle = resolveBundle(testBundleBody());

/** An asynchronous verifier answering as `inner`, each answer after a pseudo-random delay (out of order). */
function shuffled(inner: SignatureVerifier, calls: { n: number }): AsyncSignatureVerifier {
  let seed = 7;
  return {
    name: 'test: out-of-order answers',
    verifyAsync(signature, message, publicKey) {
      calls.n++;
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      const answer = inner.verify(signature, message, publicKey);
      return new Promise((resolve) => setTimeout(() => resolve(answer), seed % 5));
    },
  };
}

// 600 receipts: approvals good and forged, none where one is required, a gate key as approver,
// and receipts with nothing to judge; more than one batch of answers in flight (256).
const kinds: ReceiptSpec[] = [
  { ...PAYMENT, approveWith: APPROVER_KEY },
  { ...PAYMENT, approveWith: APPROVER_KEY, tamperApproval: true },
  PAYMENT,
  { ...PAYMENT, approveWith: GATE_KEY },
  {},
  { approveWith: APPROVER_KEY, tamperApproval: true },
];
const specs = Array.from({ length: 600 }, (_, i) => kinds[(i * 7) % kinds.length] as ReceiptSpec);
const records = buildLedger('L', bundle, specs);

describe('the approval check with an asynchronous verifier', () => {
  const sync: ArchiveContext = testArchive([bundle]);

  it('gives the synchronous check’s findings, in its order', async () => {
    const expected = await runChecks([approvalCheck], sync, records);
    expect(expected.map((f) => f.code)).toEqual(
      specs.flatMap((s) =>
        s === kinds[1] || s === kinds[3] || s === kinds[5]
          ? ['APPROVAL_INVALID']
          : s === kinds[2]
            ? ['APPROVAL_MISSING']
            : [],
      ),
    );
    const calls = { n: 0 };
    const found = await runChecks([approvalCheck], { ...sync, bulkVerifier: shuffled(sync.verifier, calls) }, records);
    expect(found).toEqual(expected);
    // Every approval with a usable key was verified asynchronously (the gate key's is refused before).
    expect(calls.n).toBe(specs.filter((s) => s === kinds[0] || s === kinds[1] || s === kinds[5]).length);
  });

  it('uses the asynchronous answer, not the synchronous verifier', async () => {
    const never: SignatureVerifier = {
      name: 'test: must not be called',
      verify: () => {
        throw new Error('the synchronous verifier was called');
      },
    };
    const refuses: AsyncSignatureVerifier = { name: 'test: refuses all', verifyAsync: () => Promise.resolve(false) };
    const found = await runChecks([approvalCheck], { ...sync, verifier: never, bulkVerifier: refuses }, records);
    // The good approvals now fail too.
    expect(found.filter((f) => f.code === 'APPROVAL_INVALID')).toHaveLength(
      specs.filter((s) => s !== kinds[2] && s !== kinds[4]).length,
    );
  });

  it('returns every finding so far at each finish (a pool worker calls it after each segment)', async () => {
    const check = await approvalCheck({ ...sync, bulkVerifier: shuffled(sync.verifier, { n: 0 }) });
    const half = records.length / 2;
    for (const { receipt, context } of records.slice(0, half)) await check.visit(receipt, context);
    const first = [...(await check.finish())];
    for (const { receipt, context } of records.slice(half)) await check.visit(receipt, context);
    const all = await check.finish();
    expect(all.slice(0, first.length)).toEqual(first);
    expect(all).toEqual(await runChecks([approvalCheck], sync, records));
    expect(first.length).toBeGreaterThan(0);
    expect(all.length).toBeGreaterThan(first.length);
  });
});
