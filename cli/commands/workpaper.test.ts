/**
 * The signed workpaper end to end on the command line: keygen, build, review, verify; each
 * tamper detected with its own message; the OpenSSL recipe of docs/WORKPAPER.md run as
 * written where openssl, jq and xxd exist.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalize } from '../../shared/format/canonical.ts';
import { makeDemoArchive } from '../../shared/producer/demo.ts';
import { zipFiles } from '../../shared/producer/zip.ts';
import { fromBase64, toBase64, type DsseEnvelope } from '../../shared/workpaper/dsse.ts';
import { nodeCedar } from '../cedar-node.ts';
import { runTickmark } from '../../test/support/cli.ts';

let dir: string;
let zip: string;
let root: string;
let preparerKey: string;
let reviewerKey: string;
const at = (name: string) => join(dir, name);

const run = (...args: string[]) => runTickmark(args);
const publicKeyOf = (out: string) => /public key ([0-9a-f]{64})/.exec(out)?.[1] as string;
const lines = async (name: string) => (await readFile(at(name), 'utf8')).trim().split('\n');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickmark-workpaper-'));
  const demo = await makeDemoArchive({ cedar: nodeCedar, receipts: 600, seed: 'workpaper', receiptsPerSegment: 200 });
  zip = at('evidence.zip');
  await writeFile(zip, zipFiles(demo.files));
  root = demo.rootPublicKey;
  preparerKey = publicKeyOf((await run('keygen', at('preparer.pem'))).stdout);
  reviewerKey = publicKeyOf((await run('keygen', at('reviewer.pem'))).stdout);
  const built = await run(
    'workpaper', 'build', zip, '--trust-root', root, '--key', at('preparer.pem'), '--preparer', 'Ann Auditor',
    '--client', 'Acme', '--sample-seed', 'heads:1', '--sample-size', '20', '--tolerable', '10',
    '--out', at('wp.jsonl'), '--pdf', at('wp.pdf'),
  ); // prettier-ignore
  expect(built.code, built.stderr).toBe(0);
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('tickmark keygen', () => {
  it('writes a PKCS#8 PEM with mode 0600 that openssl reads, and never overwrites', async () => {
    expect(readFileSync(at('preparer.pem'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(statSync(at('preparer.pem')).mode & 0o777).toBe(0o600);
    const again = await run('keygen', at('preparer.pem'));
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists; keygen never overwrites a key/);
  });
});

describe('tickmark workpaper', () => {
  it('round trip: verify holds with the archive and the PDF it names', async () => {
    const { code, stdout } = await run(
      'workpaper',
      'verify',
      at('wp.jsonl'),
      '--signer',
      preparerKey,
      '--archive',
      zip,
      '--pdf',
      at('wp.pdf'),
      '--json',
    );
    const out = JSON.parse(stdout) as { ok: boolean; problems: string[]; prepared_by: string[] };
    expect(out.problems).toEqual([]);
    expect(out.ok).toBe(true);
    expect(out.prepared_by).toEqual([preparerKey]);
    expect(code).toBe(0);
  });

  it("the predicate: verify --json's summary exactly, the sampled receipts' hashes, what did not run", async () => {
    const envelope = JSON.parse((await lines('wp.jsonl'))[0] as string) as DsseEnvelope;
    const statement = JSON.parse(new TextDecoder().decode(fromBase64(envelope.payload) as Uint8Array)) as {
      subject: { name: string; digest: { sha256: string } }[];
      predicate: {
        verification: { summary: unknown };
        samples: { items: { hash: string }[]; evaluation: { deviations: number } }[];
        scope: { verified: string[]; not_checked: unknown[] };
      };
    };
    const verified = JSON.parse((await run('verify', zip, '--trust-root', root, '--json')).stdout) as {
      summary: unknown;
    };
    expect(statement.predicate.verification.summary).toEqual(verified.summary);
    const sample = JSON.parse((await run('sample', zip, '--seed', 'heads:1', '--size', '20', '--json')).stdout) as {
      items: { hash: string }[];
    };
    expect(statement.predicate.samples[0]?.items.map((i) => i.hash)).toEqual(sample.items.map((i) => i.hash));
    expect(statement.predicate.scope.verified.length).toBeGreaterThan(3);
    const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
    expect(statement.subject).toEqual([
      { name: 'evidence.zip', digest: { sha256: sha(zip) } },
      { name: 'wp.pdf', digest: { sha256: sha(at('wp.pdf')) } },
    ]);
  });

  it('review: the reviewer signs the exact preparer envelope; both signers named → holds', async () => {
    expect(
      (
        await run(
          'workpaper',
          'review',
          at('wp.jsonl'),
          '--key',
          at('reviewer.pem'),
          '--reviewer',
          'Rita',
          '--out',
          at('reviewed.jsonl'),
        )
      ).code,
    ).toBe(0);
    const ok = await run(
      'workpaper',
      'verify',
      at('reviewed.jsonl'),
      '--signer',
      preparerKey,
      '--signer',
      reviewerKey,
      '--json',
    );
    expect(JSON.parse(ok.stdout)).toMatchObject({
      ok: true,
      review: { reviewer: 'Rita', decision: 'approved', signers: [reviewerKey] },
    });
    // Naming only the preparer: the reviewer's signature is by a key not named.
    const onlyPreparer = await run('workpaper', 'verify', at('reviewed.jsonl'), '--signer', preparerKey);
    expect(onlyPreparer.code).toBe(1);
    expect(onlyPreparer.stdout).toContain(`the review is signed by ${reviewerKey}, which is not a signer you named`);
  });

  async function tampered(name: string, edit: (envelopes: DsseEnvelope[]) => DsseEnvelope[]) {
    const envelopes = (await lines('reviewed.jsonl')).map((l) => JSON.parse(l) as DsseEnvelope);
    await writeFile(
      at(name),
      edit(envelopes)
        .map((e) => canonicalize(e))
        .join('\n') + '\n',
    );
    return run('workpaper', 'verify', at(name), '--signer', preparerKey, '--signer', reviewerKey, '--archive', zip);
  }

  it('a changed payload byte: the preparer signature does not verify', async () => {
    const { code, stdout } = await tampered('payload.jsonl', ([wp, review]) => {
      const bytes = fromBase64((wp as DsseEnvelope).payload) as Uint8Array;
      const i = new TextDecoder().decode(bytes).indexOf('Ann Auditor');
      bytes[i] = 'B'.charCodeAt(0);
      return [{ ...(wp as DsseEnvelope), payload: toBase64(bytes) }, review as DsseEnvelope];
    });
    expect(code).toBe(1);
    expect(stdout).toContain(`workpaper envelope: signature 1 (${preparerKey}): does not verify over the payload`);
    expect(stdout).toContain('the review does not cover this workpaper envelope');
  });

  it('a changed signature: that signature is named as not verifying', async () => {
    const { code, stdout } = await tampered('sig.jsonl', ([wp, review]) => {
      const sig = fromBase64((wp as DsseEnvelope).signatures[0]?.sig as string) as Uint8Array;
      sig[10] = (sig[10] as number) ^ 1;
      const envelope = { ...(wp as DsseEnvelope), signatures: [{ keyid: preparerKey, sig: toBase64(sig) }] };
      return [envelope, review as DsseEnvelope];
    });
    expect(code).toBe(1);
    expect(stdout).toContain(`signature 1 (${preparerKey}): does not verify over the payload`);
    expect(stdout).toContain('no signature on the workpaper is by a signer you named');
  });

  it('a signer not named: verification names the key', async () => {
    const { code, stdout } = await run('workpaper', 'verify', at('wp.jsonl'), '--signer', reviewerKey);
    expect(code).toBe(1);
    expect(stdout).toContain(`the workpaper is signed by ${preparerKey}, which is not a signer you named`);
  });

  it('a swapped archive under the same name: matches no subject, and the archive subject is not shown as checked', async () => {
    const other = at('other.zip');
    const demo = await makeDemoArchive({ cedar: nodeCedar, receipts: 100, seed: 'other' });
    await writeFile(other, zipFiles(demo.files));
    const renamed = at('evidence-copy');
    await rm(renamed, { recursive: true, force: true });
    execFileSync('mkdir', ['-p', renamed]);
    await writeFile(join(renamed, 'evidence.zip'), await readFile(other));
    const swapped = join(renamed, 'evidence.zip');
    const { code, stdout } = await run(
      'workpaper',
      'verify',
      at('wp.jsonl'),
      '--signer',
      preparerKey,
      '--archive',
      swapped,
    );
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /evidence\.zip is not a file the workpaper names: its SHA-256 is [0-9a-f]{64}, which no subject has \(evidence\.zip [0-9a-f]{64}; wp\.pdf [0-9a-f]{64}\)/,
    );
    expect(stdout).toMatch(/subject evidence\.zip sha256 [0-9a-f]{64}: not checked: file not given\n/);
    expect(stdout).toContain(`--archive ${swapped}: matches no subject of the workpaper`);
  });

  it('renamed copies of the archive and the PDF: matched by the SHA-256 of their bytes, each named', async () => {
    const moved = at('renamed');
    await rm(moved, { recursive: true, force: true });
    execFileSync('mkdir', ['-p', moved]);
    const archiveCopy = join(moved, 'client-evidence-2026.zip');
    const pdfCopy = join(moved, 'signed workpaper.pdf');
    await writeFile(archiveCopy, await readFile(zip));
    await writeFile(pdfCopy, await readFile(at('wp.pdf')));
    const text = await run(
      'workpaper', 'verify', at('wp.jsonl'), '--signer', preparerKey, '--archive', archiveCopy, '--pdf', pdfCopy,
    ); // prettier-ignore
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /subject evidence\.zip sha256 [0-9a-f]{64}: matches --archive .*client-evidence-2026\.zip\n/,
    );
    expect(text.stdout).toMatch(/subject wp\.pdf sha256 [0-9a-f]{64}: matches --pdf .*signed workpaper\.pdf\n/);
    // Only the PDF given: the archive subject is not checked, never passed; the exit is 0 for what was given.
    const json = await run('workpaper', 'verify', at('wp.jsonl'), '--signer', preparerKey, '--pdf', pdfCopy, '--json');
    const out = JSON.parse(json.stdout) as {
      ok: boolean;
      subjects: { name: string; status: string; file: { option: string; path: string } | null }[];
      files: { option: string; path: string; subject: string | null }[];
    };
    expect(json.code).toBe(0);
    expect(out.subjects.map((s) => [s.name, s.status, s.file])).toEqual([
      ['evidence.zip', 'not checked: file not given', null],
      ['wp.pdf', 'matches', { option: 'pdf', path: pdfCopy }],
    ]);
    expect(out.files).toEqual([
      { option: 'pdf', path: pdfCopy, sha256: expect.stringMatching(/^[0-9a-f]{64}$/), subject: 'wp.pdf' },
    ]);
  });

  it('an edit after sign-off: the preparer re-signs, the old review no longer covers it', async () => {
    const edited = await run(
      'workpaper', 'build', zip, '--trust-root', root, '--key', at('preparer.pem'), '--preparer', 'Ann Auditor (edited)',
      '--out', at('edited.jsonl'),
    ); // prettier-ignore
    expect(edited.code).toBe(0);
    const [review] = (await lines('reviewed.jsonl')).slice(1);
    await writeFile(at('edited-with-old-review.jsonl'), `${(await lines('edited.jsonl'))[0]}\n${review}\n`);
    const { code, stdout } = await run(
      'workpaper',
      'verify',
      at('edited-with-old-review.jsonl'),
      '--signer',
      preparerKey,
      '--signer',
      reviewerKey,
    );
    expect(code).toBe(1);
    expect(stdout).toContain('the review does not cover this workpaper envelope: it was signed over another version');
  });

  it('could not run: exit 2', async () => {
    expect((await run('workpaper', 'verify', at('missing.jsonl'), '--signer', preparerKey)).code).toBe(2);
    expect((await run('workpaper', 'verify', at('wp.jsonl'))).code).toBe(2);
    expect((await run('workpaper', 'frobnicate')).code).toBe(2);
    const dirArchive = await run(
      'workpaper',
      'build',
      dir,
      '--key',
      at('preparer.pem'),
      '--preparer',
      'x',
      '--out',
      at('x.jsonl'),
    );
    expect(dirArchive.code).toBe(2);
    expect(dirArchive.stderr).toMatch(/not a file/);
  });
});

const haveTools = ['openssl', 'jq', 'xxd'].every((tool) => spawnSync('which', [tool]).status === 0);

describe.skipIf(!haveTools)('the OpenSSL recipe of docs/WORKPAPER.md, run as written', () => {
  it('verifies the preparer signature with openssl pkeyutl -rawin, and refuses a changed payload', () => {
    const doc = readFileSync(new URL('../../docs/WORKPAPER.md', import.meta.url), 'utf8');
    const recipe = /## With OpenSSL alone[\s\S]*?```sh\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(recipe, 'the recipe block in docs/WORKPAPER.md').toBeDefined();
    const script = (recipe as string).replace(/^KEY=.*$/m, `KEY=${preparerKey}`).replace(/^WP=.*$/m, 'WP=wp.jsonl');
    const good = spawnSync('bash', ['-c', script], { cwd: dir, encoding: 'utf8' });
    expect(good.stdout + good.stderr).toContain('Signature Verified Successfully');
    expect(good.status).toBe(0);
    const bad = spawnSync('bash', ['-c', script.replace('WP=wp.jsonl', 'WP=payload.jsonl')], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(bad.status).not.toBe(0);
    expect(bad.stdout + bad.stderr).toMatch(/Signature Verification Failure/);
  });
});
if (!haveTools)
  console.warn('openssl, jq or xxd not found: the OpenSSL recipe test of docs/WORKPAPER.md is SKIPPED here.');
