/**
 * The demo archive (the workbench's built-in evidence) through the full engine: its
 * integrity holds, and the control findings are exactly the failures the producer planted.
 * A clean archive gives no finding at all (no false positives).
 */
import { describe, expect, it } from 'vitest';
import { memorySource } from '../shared/archive/memory.ts';
import { verifyArchive } from '../shared/engine/verify.ts';
import { categoryOf } from '../shared/engine/findings.ts';
import type { Progress } from '../shared/engine/types.ts';
import { makeCleanArchive, makeDemoArchive } from '../shared/producer/demo.ts';
import { engineOptions } from '../cli/engine-options.ts';
import { nodeCedar } from '../cli/cedar-node.ts';
import type { SignatureVerifier } from '../shared/format/ed25519.ts';

describe('demo archive through the full engine', () => {
  it('finds every planted control failure, where it was planted, and nothing else', async () => {
    const demo = await makeDemoArchive({ cedar: nodeCedar, receipts: 2400 });
    const report = await verifyArchive(memorySource(demo.files, 'demo.zip'), {
      ...engineOptions(),
      trustedRoots: [demo.rootPublicKey],
    });
    expect(report.findings.filter((f) => categoryOf(f.code) === 'integrity')).toEqual([]);
    const found = report.findings.map((f) => `${f.code} ${f.ledger} ${f.seq} ${f.receipt}`).sort();
    const planted = demo.plantedFailures.map((p) => `${p.code} ${p.ledger} ${p.seq} ${p.receipt}`).sort();
    expect(planted.length).toBeGreaterThanOrEqual(8);
    expect(found).toEqual(planted);
    expect(report.ledgers.map((l) => l.state)).toEqual(['verified', 'verified']);
    expect(report.checks.filter((c) => c.status !== 'ran')).toEqual([]);
  });

  it('a clean archive gives no finding of any kind', async () => {
    const clean = await makeCleanArchive({ cedar: nodeCedar, receipts: 1500, seed: 'clean' });
    const report = await verifyArchive(memorySource(clean.files, 'clean.zip'), {
      ...engineOptions(),
      trustedRoots: [clean.rootPublicKey],
    });
    expect(report.findings).toEqual([]);
    expect(report.summary.receipts).toBe(1500);
  });

  it('progress keeps one total from the first phase to the last, and reaches it', async () => {
    const clean = await makeCleanArchive({ cedar: nodeCedar, receipts: 300, seed: 'progress' });
    const seen: Progress[] = [];
    await verifyArchive(memorySource(clean.files, 'progress.zip'), {
      ...engineOptions(),
      trustedRoots: [clean.rootPublicKey],
      onProgress: (p) => void seen.push(p),
    });
    const ledgerBytes = [...clean.files]
      .filter(([path]) => /^ledgers\/[^/]+\/(\d{6}|checkpoints)\.jsonl$/.test(path))
      .reduce((sum, [, bytes]) => sum + bytes.length, 0);
    expect(ledgerBytes).toBeGreaterThan(0);
    expect(seen[0]?.phase).toBe('listing');
    expect(new Set(seen.slice(1).map((p) => p.bytesTotal))).toEqual(new Set([ledgerBytes]));
    expect(seen.at(-1)).toMatchObject({ phase: 'done', bytesDone: ledgerBytes, receiptsDone: 300 });
    for (let i = 1; i < seen.length; i++)
      expect((seen[i] as Progress).bytesDone).toBeGreaterThanOrEqual((seen[i - 1] as Progress).bytesDone);
  });

  it('a worker pool that cannot start leaves every segment to this thread: same findings, and the report says why', async () => {
    const clean = await makeDemoArchive({ cedar: nodeCedar, receipts: 600, seed: 'no-pool' });
    const options = { ...engineOptions(), trustedRoots: [clean.rootPublicKey] };
    const plain = await verifyArchive(memorySource(clean.files, 'a.zip'), options);
    const fallback = await verifyArchive(memorySource(clean.files, 'a.zip'), {
      ...options,
      segmentRunnerMinBytes: 0,
      segmentRunner: () => Promise.reject(new Error('no workers here')),
    });
    expect(fallback.findings).toEqual(plain.findings);
    expect(fallback.ledgers).toEqual(plain.ledgers);
    expect(fallback.checks.map((c) => c.check)).toContain(
      'Segments checked by this thread (the worker pool could not start: no workers here)',
    );
  });

  it('an unsealed tail is a warning only: CHAIN_UNSEALED, ledger "unsealed"', async () => {
    const demo = await makeCleanArchive({ cedar: nodeCedar, receipts: 300, seed: 'unsealed', unsealed: true });
    const report = await verifyArchive(memorySource(demo.files, 'unsealed.zip'), {
      ...engineOptions(),
      trustedRoots: [demo.rootPublicKey],
    });
    expect(report.findings.map((f) => [f.code, f.severity])).toEqual([['CHAIN_UNSEALED', 'warning']]);
    expect(report.ledgers.map((l) => l.state).sort()).toEqual(['unsealed', 'verified']);
  });
});

describe("receipt signatures through WebCrypto (the app's path)", () => {
  it('gives the same report as the synchronous verifier, a forged receipt included', async () => {
    const { webCryptoVerifier } = await import('../shared/format/webcrypto-ed25519.ts');
    const bulkVerifier = await webCryptoVerifier();
    expect(bulkVerifier).not.toBeNull();
    const demo = await makeCleanArchive({ cedar: nodeCedar, receipts: 600, seed: 'bulk' });
    const path = 'ledgers/gw-eu-1/000001.jsonl';
    const text = new TextDecoder().decode(demo.files.get(path));
    demo.files.set(
      path,
      new TextEncoder().encode(text.replace(/"latency_ms":(\d+)/, (_m, n) => `"latency_ms":${Number(n) + 1}`)),
    );
    const options = { ...engineOptions(), trustedRoots: [demo.rootPublicKey] };
    const sync = await verifyArchive(memorySource(demo.files, 'forged.zip'), options);
    const bulk = await verifyArchive(memorySource(demo.files, 'forged.zip'), {
      ...options,
      bulkVerifier: bulkVerifier ?? undefined,
    });
    expect(bulk.findings).toEqual(sync.findings);
    expect(bulk.findings.map((f) => f.code)).toContain('SIGNATURE_INVALID');
    expect(bulk.checks.map((c) => c.check)).toContain(
      'Receipt signatures verified with WebCrypto Ed25519 + strict RFC 8032 encoding checks',
    );
  });

  it('verifies checkpoints and approvals through it too, with the same findings, a forged one of each included', async () => {
    const { webCryptoVerifier } = await import('../shared/format/webcrypto-ed25519.ts');
    const bulkVerifier = (await webCryptoVerifier()) ?? undefined;
    expect(bulkVerifier).toBeDefined();
    // A checkpoint every 2 receipts: over 512 (one batch verified ahead) in each ledger.
    const demo = await makeCleanArchive({
      cedar: nodeCedar,
      receipts: 2_400,
      seed: 'bulk-checkpoints',
      checkpointEvery: 2,
    });
    const text = (path: string) => new TextDecoder().decode(demo.files.get(path));
    const checkpointPaths = [...demo.files.keys()].filter((p) => p.endsWith('/checkpoints.jsonl'));
    const segmentPaths = [...demo.files.keys()].filter((p) => /^ledgers\/[^/]+\/\d{6}\.jsonl$/.test(p));
    // Checkpoints whose head was changed after signing, in the first ledger's file: one in the
    // first batch, one in the second.
    const first = checkpointPaths[0] as string;
    const lines = text(first).split('\n');
    for (const at of [1, 540])
      lines[at] = (lines[at] as string).replace(
        /"head":"sha256:([0-9a-f])/,
        (_m, c: string) => `"head":"sha256:${c === '0' ? '1' : '0'}`,
      );
    demo.files.set(first, new TextEncoder().encode(lines.join('\n')));
    // An approval whose signature was changed, in the first segment (its receipt's own signature breaks too).
    const segment = segmentPaths.sort()[0] as string;
    const forged = text(segment).replace(
      /("approval":\{[^}]*"sig":")([0-9a-f])/,
      (_m, head: string, c: string) => `${head}${c === '0' ? '1' : '0'}`,
    );
    expect(forged).not.toBe(text(segment));
    demo.files.set(segment, new TextEncoder().encode(forged));
    const checkpoints = checkpointPaths.reduce(
      (n, p) =>
        n +
        text(p)
          .split('\n')
          .filter((l) => l !== '').length,
      0,
    );
    const approvals = segmentPaths.reduce((n, p) => n + (text(p).match(/"approval":\{/g) ?? []).length, 0);
    expect(approvals).toBeGreaterThan(0);
    expect(
      Math.min(
        ...checkpointPaths.map(
          (p) =>
            text(p)
              .split('\n')
              .filter((l) => l !== '').length,
        ),
      ),
    ).toBeGreaterThan(512);

    const calls = { n: 0 };
    const counting = (inner: SignatureVerifier): SignatureVerifier => ({
      name: inner.name,
      verify: (s, m, k) => (calls.n++, inner.verify(s, m, k)),
    });
    const options = { ...engineOptions(), trustedRoots: [demo.rootPublicKey] };
    const sync = await verifyArchive(memorySource(demo.files, 'forged.zip'), {
      ...options,
      verifier: counting(options.verifier as SignatureVerifier),
    });
    const syncCalls = calls.n;
    calls.n = 0;
    const bulk = await verifyArchive(memorySource(demo.files, 'forged.zip'), {
      ...options,
      verifier: counting(options.verifier as SignatureVerifier),
      bulkVerifier,
    });
    expect(bulk.findings).toEqual(sync.findings);
    expect(bulk.findings.filter((f) => f.code === 'CHECKPOINT_INVALID').map((f) => [f.path, f.line])).toEqual([
      [first, 2],
      [first, 541],
    ]);
    // What the synchronous verifier no longer answers: every receipt, checkpoint and approval,
    // and keys.json's certificates and revocations (buildKeyringAhead).
    const keys = JSON.parse(text('keys.json')) as { keys: { cert?: unknown }[]; revocations: unknown[] };
    const keySignatures = keys.keys.filter((k) => k.cert !== undefined).length + keys.revocations.length;
    expect(keySignatures).toBeGreaterThan(0);
    expect(syncCalls - calls.n).toBe(sync.summary.receipts + checkpoints + approvals + keySignatures);
  });
});
