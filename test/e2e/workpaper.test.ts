/**
 * The signed workpaper in Chromium, on the built-in demo: two keys made in the browser
 * (non-extractable WebCrypto keys kept in IndexedDB), the draft with the archive file's
 * SHA-256 computed at import, signed by the preparer, reviewed by the reviewer, exported
 * (the envelopes and the PDF), and then checked outside the app: `tickmark workpaper verify`
 * (exit 0, the archive and PDF matching), the PDF rendered again from the signed predicate
 * in Node giving the same bytes as Chromium made, the predicate's summary equal to
 * `tickmark verify --json`'s. The exported file opened again and verified in the app (and a
 * tampered copy refused, saying why); the lock and its recorded reopening; an edit after
 * the sign-off shown as "modified since signed" until signed again. axe on each screen,
 * screenshots, and the PDF's pages as PNG (pdftoppm) to look at.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { fromBase64, type DsseEnvelope } from '../../shared/workpaper/dsse.ts';
import { renderWorkpaperPdf } from '../../shared/workpaper/pdf.ts';
import { evaluateSample } from '../../shared/sampling/attribute.ts';
import { workpaperHash } from '../../shared/workpaper/workpaper.ts';
import {
  captureSave,
  demoJson,
  demoZip,
  dropArchiveField,
  openDemo,
  openWorkbench,
  resultsDir,
  screenshot,
  screenshotElement,
  seriousViolations,
  type Workbench,
} from './browser.ts';

const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (t) => void (out += t), stderr: (t) => void (err += t) });
  return { code, out, err };
}

const text = (page: Page, id: string) => page.getByTestId(id).innerText();
const hexOf = (grouped: string) => grouped.replace(/\s+/g, '');

async function noSeriousViolations(page: Page): Promise<void> {
  expect(await seriousViolations(page)).toEqual([]);
}

/** Chooses `files` in the file chooser that `click` opens. */
async function choose(page: Page, testId: string, file: string): Promise<void> {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId(testId).click()]);
  await chooser.setFiles(file);
}

/** Three receipt lines of the demo's first segment, with the hash of each line (what a sample names them by). */
function demoLines(): { id: string; ledger: string; seq: number; hash: string }[] {
  const text = execFileSync('unzip', ['-p', demoZip, 'ledgers/gw-eu-1/000001.jsonl'], { maxBuffer: 64 << 20 }).toString(
    'utf8',
  );
  return text
    .split('\n')
    .slice(10, 13)
    .map((line) => {
      const r = JSON.parse(line) as { id: string; seq: number };
      return { id: r.id, ledger: 'gw-eu-1', seq: r.seq, hash: `sha256:${sha(line)}` };
    });
}
const sampled = demoLines();

/**
 * A tested sample of three receipts as the sampling screens store it (samples, sampleItems),
 * written straight into IndexedDB: two items pass, one is a deviation.
 */
async function storeSample(page: Page, archiveId: string, items: typeof sampled): Promise<void> {
  await page.evaluate(
    async ({ archiveId, items }) => {
      const database = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open('tickmark');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const done = (r: IDBRequest) =>
        new Promise<unknown>((resolve, reject) => {
          r.onsuccess = () => resolve(r.result);
          r.onerror = () => reject(r.error);
        });
      const archive = (await done(database.transaction('archives').objectStore('archives').get(archiveId))) as {
        engagementId: string;
      };
      const tx = database.transaction(['samples', 'sampleItems'], 'readwrite');
      const sampleId = (await done(
        tx.objectStore('samples').add({
          archiveId,
          engagementId: archive.engagementId,
          controlId: 'decisions-follow-policy',
          name: 'Q2 decisions',
          seed: 'e2e-seed',
          size: items.length,
          createdAt: '2026-11-30T12:00:00.000Z',
          details: {
            kind: 'attribute-sample',
            controlTitle: 'Access decisions follow the policy in force',
            population: {
              source: 'all',
              filterId: null,
              filterName: null,
              query: '',
              count: 2400,
              leftOut: 0,
              archiveReceipts: 2400,
            },
            completeness: {
              archiveName: 'demo.zip',
              manifest: null,
              ledgers: [],
              checks: [],
              integrityFindings: 0,
              coverage: { tone: 'not-set', sentence: 'No examination period is set for this engagement.' },
            },
            sizing: {
              confidence: '95',
              tolerable: '10',
              expected: '0',
              statisticalSize: 29,
              expectedDeviations: 0,
              basis: 'auditor',
              firmRow: null,
            },
            stratify: null,
            strata: [{ name: '', seed: 'e2e-seed', population: 2400, first: 0, count: items.length }],
            method: 'FORMAT.md section 9: the receipts with the smallest scores',
            attributes: [{ id: 'reconstructed', text: 'The reconstruction agrees with the receipt', kind: 'manual' }],
            sizeChanges: [],
            conclusion: null,
          },
        }),
      )) as number;
      items.forEach((item, index) =>
        tx.objectStore('sampleItems').add({
          sampleId,
          index,
          receiptId: item.id,
          ledger: item.ledger,
          seq: item.seq,
          hash: item.hash,
          score: '0'.repeat(64),
          results: { reconstructed: index === 1 ? 'fail' : 'pass' },
          note: index === 1 ? 'approval ticket missing' : '',
        }),
      );
      await new Promise<void>((resolve, reject) => {
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
      });
      database.close();
    },
    { archiveId, items },
  );
}

describe('the signed workpaper', () => {
  let wb: Workbench;
  let dir: string;
  let archiveId = '';
  /** The DECISION_MISMATCH receipt, kept for the workpaper from its reconstruction. */
  let mismatch = '';
  let root = '';
  let preparerKey = '';
  let reviewerKey = '';
  let workpaperPath = '';
  let pdfPath = '';
  let predicate: Record<string, unknown> = {};
  const base = () => inject('baseUrl');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tickmark-e2e-workpaper-'));
    const demo = JSON.parse(readFileSync(demoJson, 'utf8')) as {
      rootPublicKey: string;
      plantedFailures: { code: string; receipt: string }[];
    };
    root = demo.rootPublicKey;
    wb = await openWorkbench(base());
    archiveId = await openDemo(wb.page);
    // One reconstruction kept for the workpaper, from the reconstruction view.
    mismatch = demo.plantedFailures.find((f) => f.code === 'DECISION_MISMATCH')?.receipt ?? '';
    await wb.page.goto(`${base()}#/archive/${archiveId}/receipt/${mismatch}`);
    await wb.page.getByTestId('workpaper-add').click({ timeout: 60_000 });
    await wb.page.getByTestId('workpaper-added').waitFor();
    await storeSample(wb.page, archiveId, sampled);
  });
  afterAll(async () => {
    await wb?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('shows the draft: the archive file’s SHA-256 from the import, the manifest’s, what was verified and what was not', async () => {
    const { page } = wb;
    // From the dashboard, through the header’s link to the workpaper.
    await page.goto(`${base()}#/archive/${archiveId}`);
    await page.getByTestId('nav-workpaper').click();
    await page.getByTestId('workpaper-page').waitFor();
    expect(page.url()).toBe(`${base()}#/archive/${archiveId}/workpaper`);
    expect(await page.getByTestId('wp-status').getAttribute('data-status')).toBe('draft');
    expect(hexOf(await text(page, 'wp-draft-file-sha256'))).toBe(sha(readFileSync(demoZip)));
    const manifest = execFileSync('unzip', ['-p', demoZip, 'manifest.json']);
    expect(hexOf(await text(page, 'wp-draft-manifest-sha256'))).toBe(sha(manifest));
    expect(hexOf(await text(page, 'wp-draft-anchors'))).toBe(root);
    expect(await text(page, 'wp-draft-summary')).toMatch(/^2400 receipts in 2 ledger\(s\), 2 policy bundle\(s\);/);
    expect(await text(page, 'wp-draft-scope-statement')).toMatch(
      /Every check of this verifier ran|Not every check ran/,
    );
    expect(await page.getByTestId('wp-draft-reconstructions').locator('li').count()).toBe(1);
    expect(await page.getByTestId('wp-draft-sample').count()).toBe(1);
    const limit = evaluateSample(3, 1, '95', '10');
    expect(await page.getByTestId('wp-draft-sample').innerText()).toContain(
      `1 deviation(s); upper deviation limit ${limit.upperLimit}% at 95% confidence; NOT within tolerable rate 10%`,
    );
    expect(await page.getByTestId('wp-draft-conclusions').locator('tbody tr').count()).toBe(9);
    expect(await text(page, 'wp-export-none')).toContain('Nothing to export yet');
    expect(await page.getByTestId('wp-prepare-submit').isDisabled()).toBe(false);
    await screenshot(page, 'workpaper-draft');
    await noSeriousViolations(page);
  });

  it('makes two keys in the browser: non-extractable, fingerprints shown, the public key saved as PEM', async () => {
    const { page } = wb;
    expect(await text(page, 'wp-no-keys')).toContain('No key yet');
    await page.getByTestId('wp-key-create').click();
    expect(await text(page, 'wp-key-message')).toContain('Give the key a name');
    for (const name of ['A. Auditor', 'R. Reviewer']) {
      await page.getByTestId('wp-key-name').fill(name);
      await page.getByTestId('wp-key-create').click();
      await expect.poll(() => page.getByTestId('wp-key-label').allInnerTexts()).toContain(name);
    }
    const publics = (await page.getByTestId('wp-key-public').allInnerTexts()).map(hexOf);
    const fingerprints = (await page.getByTestId('wp-key-fingerprint').allInnerTexts()).map(hexOf);
    [preparerKey, reviewerKey] = publics as [string, string];
    expect(preparerKey).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprints).toEqual(publics.map((k) => sha(Buffer.from(k, 'hex'))));
    const saved = await captureSave(page, () => page.getByTestId('wp-key-export').first().click());
    expect(saved.name).toBe(`a-auditor-${preparerKey.slice(0, 8)}.pub.pem`);
    const pem = join(dir, saved.name);
    await writeFile(pem, saved.bytes);
    // The file is the key OpenSSL reads: its DER ends with the raw key shown on screen.
    const der = execFileSync('openssl', ['pkey', '-pubin', '-in', pem, '-outform', 'DER']);
    expect(der.subarray(-32).toString('hex')).toBe(preparerKey);
    // In IndexedDB the private key is a CryptoKey that cannot be exported.
    const stored = await page.evaluate(async () => {
      const database = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open('tickmark');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const rows = await new Promise<{ privateKey: CryptoKey }[]>((resolve, reject) => {
        const request = database.transaction('signingKeys').objectStore('signingKeys').getAll();
        request.onsuccess = () => resolve(request.result as { privateKey: CryptoKey }[]);
        request.onerror = () => reject(request.error);
      });
      database.close();
      const exported = await crypto.subtle.exportKey('pkcs8', rows[0]!.privateKey).then(
        () => 'exported',
        (e: Error) => e.name,
      );
      return rows.map((r) => ({
        type: r.privateKey.type,
        extractable: r.privateKey.extractable,
        algorithm: r.privateKey.algorithm.name,
        exported,
      }));
    });
    expect(stored).toEqual([
      { type: 'private', extractable: false, algorithm: 'Ed25519', exported: 'InvalidAccessError' },
      { type: 'private', extractable: false, algorithm: 'Ed25519', exported: 'InvalidAccessError' },
    ]);
    await noSeriousViolations(page);
  });

  it('signs as preparer, then the reviewer signs the preparer’s envelope and approves: locked', async () => {
    const { page } = wb;
    await page.getByTestId('wp-review-submit').isDisabled();
    expect(await text(page, 'wp-review-blocked')).toContain('the preparer signs first');
    await page.getByTestId('wp-prepare-key').selectOption(preparerKey);
    expect(await page.getByTestId('wp-prepare-name').inputValue()).toBe('A. Auditor');
    await page.getByTestId('wp-prepare-submit').click();
    await expect.poll(() => text(page, 'wp-prepare-message'), { timeout: 30_000 }).toContain('Signed as preparer');
    // The message is set when the signature is saved; the status follows from the store's live query, a moment later.
    await expect.poll(() => page.getByTestId('wp-status').getAttribute('data-status')).toBe('prepared');
    await expect.poll(() => page.getByTestId('wp-status').getAttribute('data-modified')).toBe('no');
    expect(await text(page, 'wp-draft-preparer')).toBe('A. Auditor');

    // The preparer's key cannot review its own work.
    await page.getByTestId('wp-review-key').selectOption(preparerKey);
    await page.getByTestId('wp-review-submit').click();
    expect(await text(page, 'wp-review-message')).toContain('The reviewer signs with their own key');
    await page.getByTestId('wp-review-key').selectOption(reviewerKey);
    await page.getByTestId('wp-review-name').fill('R. Reviewer');
    await page.getByTestId('wp-review-note').fill('Tied out to the samples and the reconstruction.');
    await page.getByTestId('wp-review-submit').click();
    await expect.poll(() => page.getByTestId('wp-status').getAttribute('data-status')).toBe('reviewed');
    expect(await text(page, 'wp-review')).toContain('Reviewed and approved by R. Reviewer');
    // Locked: no new preparer signature, no edit of the draft here.
    expect(await page.getByTestId('wp-prepare-submit').isDisabled()).toBe(true);
    expect(await text(page, 'wp-prepare-blocked')).toContain('reviewed and locked');
    expect(await page.getByTestId('wp-policy-add').isDisabled()).toBe(true);
    await screenshot(page, 'workpaper-reviewed');
    await noSeriousViolations(page);
  });

  it('locked on every screen that edits its data: the sample and the control tests say by whom and when, and link back', async () => {
    const { page } = wb;
    await page.goto(`${base()}#/archive/${archiveId}/samples`);
    await page.getByTestId('sample-link').first().click();
    await page.getByTestId('sample-page').waitFor();
    await page.getByTestId('workpaper-locked').waitFor();
    expect(await text(page, 'workpaper-lock')).toMatch(
      /^The workpaper for demo\.zip was reviewed and approved by R\. Reviewer on \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\. Open its workpaper to reopen it/,
    );
    // Nothing here can be recorded: results, notes, the conclusion, a larger sample, deleting it.
    for (const select of await page.getByTestId('item-result').all()) expect(await select.isDisabled()).toBe(true);
    expect(await page.getByTestId('item-note').first().getAttribute('readonly')).not.toBeNull();
    for (const id of ['conclusion-record', 'extend-submit', 'sample-delete'])
      expect(await page.getByTestId(id).isDisabled(), id).toBe(true);
    await screenshot(page, 'workpaper-locked-sample');
    await noSeriousViolations(page);
    // The control tests are the engagement's: locked too.
    await page.goto(`${base()}#/archive/${archiveId}/controls`);
    await page.getByTestId('workpaper-locked').waitFor();
    expect(await page.getByTestId('control-test-edit').first().isDisabled()).toBe(true);
    expect(await text(page, 'workpaper-lock-by')).toBe('R. Reviewer');
    await screenshotElement(page.getByTestId('workpaper-locked'), 'workpaper-locked-controls');
    await noSeriousViolations(page);
    // The receipts kept for it: the reconstruction says so and offers no removal.
    await page.goto(`${base()}#/archive/${archiveId}/receipt/${mismatch}`);
    await page.getByTestId('workpaper').getByTestId('workpaper-locked').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('workpaper').getByTestId('workpaper-lock-by').innerText()).toBe('R. Reviewer');
    expect(await page.getByTestId('workpaper-remove').isDisabled()).toBe(true);
    await screenshotElement(page.getByTestId('workpaper'), 'workpaper-locked-reconstruction');
    // The engagement's client is in the workpaper too: the form says it is locked, and saving
    // a new client is refused by the store, saying by whom.
    await page.goto(`${base()}#/`);
    await page.getByTestId('edit-engagement').click();
    await page.getByTestId('workpaper-locked').waitFor();
    await page.getByTestId('engagement-client').fill('Someone Else Ltd');
    await page.getByTestId('engagement-save').click();
    await expect
      .poll(() => page.getByTestId('engagement-form').getByRole('alert').innerText())
      .toMatch(
        /^The engagement could not be saved: The workpaper for demo\.zip was reviewed and approved by R\. Reviewer/,
      );
    await screenshotElement(page.getByTestId('engagement-panel'), 'workpaper-locked-engagement');
    await page.getByTestId('engagement-cancel').click();
    expect(await text(page, 'current-engagement-client')).not.toContain('Someone Else');
    await page.goto(`${base()}#/archive/${archiveId}/controls`);
    await page.getByTestId('workpaper-locked').waitFor();
    // The link goes to the workpaper, where it is reopened.
    await page.getByTestId('workpaper-lock-link').click();
    await page.getByTestId('workpaper-page').waitFor();
    expect(page.url()).toBe(`${base()}#/archive/${archiveId}/workpaper`);
    await expect.poll(() => page.getByTestId('wp-status').getAttribute('data-status')).toBe('reviewed');
    expect(wb.errors).toEqual([]);
  });

  it('exports the envelopes and the PDF; tickmark workpaper verify accepts them (exit 0) with the archive', async () => {
    const { page } = wb;
    const envelopeFile = await captureSave(page, () => page.getByTestId('wp-export-envelope').click());
    const pdfFile = await captureSave(page, () => page.getByTestId('wp-export-pdf').click());
    expect([envelopeFile.name, pdfFile.name]).toEqual(['demo-workpaper.jsonl', 'demo-workpaper.pdf']);
    workpaperPath = join(dir, envelopeFile.name);
    pdfPath = join(dir, pdfFile.name);
    await writeFile(workpaperPath, envelopeFile.bytes);
    await writeFile(pdfPath, pdfFile.bytes);
    expect(pdfFile.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');

    const verified = await cli([
      'workpaper',
      'verify',
      workpaperPath,
      '--signer',
      preparerKey,
      '--signer',
      reviewerKey,
      '--archive',
      demoZip,
      '--pdf',
      pdfPath,
      '--json',
    ]);
    expect(verified.err).toBe('');
    const result = JSON.parse(verified.out) as {
      ok: boolean;
      problems: string[];
      prepared_by: string[];
      review: { reviewer: string; decision: string; signers: string[] };
      summary: unknown;
      workpaper_hash: string;
    };
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    expect(verified.code).toBe(0);
    expect(result.prepared_by).toEqual([preparerKey]);
    expect(result.review).toEqual({ reviewer: 'R. Reviewer', decision: 'approved', signers: [reviewerKey] });

    // The predicate's summary is exactly tickmark verify --json's for the same archive.
    const cliVerify = await cli(['verify', demoZip, '--trust-root', root, '--json']);
    expect(result.summary).toEqual((JSON.parse(cliVerify.out) as { summary: unknown }).summary);

    // Each sign-off is a separate line: the preparer's envelope, then the review.
    const lines = envelopeFile.bytes.toString('utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    const statement = JSON.parse(
      Buffer.from(fromBase64((JSON.parse(lines[0] as string) as DsseEnvelope).payload) as Uint8Array).toString('utf8'),
    ) as { predicate: Record<string, unknown>; subject: { name: string; digest: { sha256: string } }[] };
    predicate = statement.predicate;
    expect(workpaperHash(predicate)).toBe(result.workpaper_hash);
    // The sample's items are named by the hashes of the sampled receipts' lines.
    const samples = predicate.samples as { items: { receipt: string; hash: string }[] }[];
    expect(samples[0]?.items.map((i) => [i.receipt, i.hash])).toEqual(sampled.map((l) => [l.id, l.hash]));
    expect(statement.subject).toEqual([
      { name: 'demo.zip', digest: { sha256: sha(readFileSync(demoZip)) } },
      { name: 'demo-workpaper.pdf', digest: { sha256: sha(pdfFile.bytes) } },
    ]);
    // A file the workpaper does not name is caught.
    const wrongPdf = join(dir, 'other', 'demo-workpaper.pdf');
    execFileSync('mkdir', ['-p', join(dir, 'other')]);
    await writeFile(wrongPdf, Buffer.concat([pdfFile.bytes, Buffer.from('\n')]));
    const wrong = await cli([
      'workpaper',
      'verify',
      workpaperPath,
      '--signer',
      preparerKey,
      '--signer',
      reviewerKey,
      '--pdf',
      wrongPdf,
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.out).toContain('demo-workpaper.pdf is not a file the workpaper names');
    expect(wrong.out).toMatch(/subject demo-workpaper\.pdf sha256 [0-9a-f]{64}: not checked: file not given/);
  });

  it('the app’s predicate and tickmark workpaper build’s agree on what was verified; scope differs only in which implementation ran', async () => {
    const key = join(dir, 'cli-preparer.pem');
    expect((await cli(['keygen', key])).code).toBe(0);
    const out = join(dir, 'cli-workpaper.jsonl');
    const built = await cli(['workpaper', 'build', demoZip, '--trust-root', root, '--key', key, '--preparer', 'C. Li', '--out', out]); // prettier-ignore
    expect(built.err).toBe('');
    const envelope = JSON.parse(readFileSync(out, 'utf8').split('\n')[0] as string) as DsseEnvelope;
    const fromCli = (
      JSON.parse(Buffer.from(fromBase64(envelope.payload) as Uint8Array).toString('utf8')) as {
        predicate: Record<string, unknown>;
      }
    ).predicate;
    type Scope = { verified: string[]; not_checked: unknown[]; statement: string; trust: string };
    const [app, line] = [predicate.scope as Scope, fromCli.scope as Scope];
    expect(fromCli.verification).toEqual(predicate.verification);
    expect(fromCli.archive).toEqual(predicate.archive);
    expect(line.not_checked).toEqual(app.not_checked);
    expect([line.statement, line.trust]).toEqual([app.statement, app.trust]);
    // docs/WORKPAPER.md: the engine's lines naming the runner and the receipt verifier say
    // truthfully which code ran (kept on purpose); every other check is the same.
    const how = /^(Segments checked by |Receipt signatures verified with )/;
    expect(line.verified.filter((c) => !how.test(c))).toEqual(app.verified.filter((c) => !how.test(c)));
    expect(app.verified.filter((c) => how.test(c))).toEqual([
      'Segments checked by this thread',
      'Receipt signatures verified with WebCrypto Ed25519 + strict RFC 8032 encoding checks',
    ]);
    expect(line.verified.filter((c) => how.test(c))).toEqual([
      expect.stringMatching(/^Segments checked by (this thread|a pool of \d+ worker threads?)$/),
    ]);
  });

  it('the PDF Chromium made is byte for byte the PDF Node renders from the same predicate', async () => {
    const inNode = await renderWorkpaperPdf(predicate, workpaperHash(predicate));
    const inChromium = readFileSync(pdfPath);
    console.log(
      `workpaper PDF: ${inChromium.length} bytes, SHA-256 ${sha(inChromium)} (Chromium) / ${sha(inNode)} (Node)`,
    );
    expect(sha(inNode)).toBe(sha(inChromium));
    // The pages as images, to look at.
    if (existsSync('/usr/bin/pdftoppm')) {
      execFileSync('pdftoppm', ['-png', '-r', '80', pdfPath, join(resultsDir, 'workpaper-pdf')]);
      const pages = (await readdir(resultsDir)).filter((f) => f.startsWith('workpaper-pdf') && f.endsWith('.png'));
      expect(pages.length).toBeGreaterThan(0);
      const pdfText = execFileSync('pdftotext', [pdfPath, '-']).toString('utf8');
      expect(pdfText).toContain(`Workpaper SHA-256 ${workpaperHash(predicate)}`);
      expect(pdfText).toContain('What was verified');
      expect(pdfText).toContain('Sample: Access decisions follow the policy in force (decisions-follow-policy)');
    }
  });

  it('opens the exported file again and verifies it in the app: the archive (a renamed copy) and the PDF match', async () => {
    const { page } = wb;
    await page.getByTestId('nav-verify-workpaper').click();
    await page.getByTestId('verify-workpaper-page').waitFor();
    await page.getByTestId('vw-verify').click();
    expect(await text(page, 'vw-error')).toBe('Choose the workpaper file to verify.');
    await choose(page, 'vw-pick-workpaper', workpaperPath);
    await expect.poll(() => text(page, 'vw-workpaper-name')).toBe('demo-workpaper.jsonl');
    await page.getByTestId('vw-verify').click();
    expect(await text(page, 'vw-error')).toContain('Name at least one signer');
    // A renamed copy of the archive is the same evidence: matched by its bytes, not its name.
    const renamedArchive = join(dir, 'client evidence (copy).zip');
    await writeFile(renamedArchive, readFileSync(demoZip));
    await choose(page, 'vw-pick-archive', renamedArchive);
    await expect.poll(() => text(page, 'vw-archive')).toContain(sha(readFileSync(demoZip)));
    await choose(page, 'vw-pick-pdf', pdfPath);
    await expect.poll(() => text(page, 'vw-pdf')).toContain(sha(readFileSync(pdfPath)));
    await page.getByTestId('vw-local-signer').nth(0).check();
    await page.getByTestId('vw-pasted').fill(reviewerKey.replace(/(.{4})/g, '$1 ').toUpperCase());
    await page.getByTestId('vw-verify').click();
    await page.getByTestId('vw-result').waitFor();
    expect(await page.getByTestId('vw-verdict').getAttribute('data-ok')).toBe('yes');
    expect(await page.getByTestId('vw-problem').count()).toBe(0);
    expect(await text(page, 'vw-hash')).toBe(workpaperHash(predicate));
    expect(await text(page, 'vw-review')).toBe('approved by R. Reviewer, signed by R. Reviewer');
    expect(await page.getByTestId('vw-subject').allInnerTexts()).toEqual([
      expect.stringMatching(/^demo\.zip\t[0-9a-f]{64}\tmatches the archive given \(client evidence \(copy\)\.zip\)$/),
      expect.stringMatching(/^demo-workpaper\.pdf\t[0-9a-f]{64}\tmatches the PDF given \(demo-workpaper\.pdf\)$/),
    ]);
    expect(await page.getByTestId('vw-given-file').count()).toBe(0);
    expect(await text(page, 'vw-content-engagement-name')).not.toBe('');
    await screenshot(page, 'workpaper-verify-ok');
    await noSeriousViolations(page);

    // Only the preparer named: the review's signer is not accepted, and it says so.
    await page.getByTestId('vw-pasted').fill('');
    await page.getByTestId('vw-verify').click();
    expect(await page.getByTestId('vw-verdict').getAttribute('data-ok')).toBe('no');
    expect(await page.getByTestId('vw-problem').allInnerTexts()).toEqual([
      `the review is signed by ${reviewerKey}, which is not a signer you named`,
    ]);

    // A file given as the PDF that is not the PDF (here the workpaper file itself): no
    // subject has its bytes, and the PDF's subject is not checked, never shown as matching.
    await choose(page, 'vw-pick-pdf', workpaperPath);
    await expect.poll(() => text(page, 'vw-pdf')).toContain(sha(readFileSync(workpaperPath)));
    await page.getByTestId('vw-pasted').fill(reviewerKey);
    await page.getByTestId('vw-verify').click();
    await expect.poll(() => page.getByTestId('vw-verdict').getAttribute('data-ok')).toBe('no');
    expect(await page.getByTestId('vw-given-file').allInnerTexts()).toEqual([
      `PDF given (demo-workpaper.jsonl), SHA-256 ${sha(readFileSync(workpaperPath))}: no subject has these bytes`,
    ]);
    expect((await page.getByTestId('vw-subject').allInnerTexts())[1]).toMatch(
      /^demo-workpaper\.pdf\t[0-9a-f]{64}\tnot checked: file not given$/,
    );
    expect(await page.getByTestId('vw-problem').allInnerTexts()).toEqual([
      expect.stringMatching(
        /^demo-workpaper\.jsonl is not a file the workpaper names: its SHA-256 is [0-9a-f]{64}, which no subject has/,
      ),
    ]);
    await screenshot(page, 'workpaper-verify-not-a-subject');
    await noSeriousViolations(page);
    await choose(page, 'vw-pick-pdf', pdfPath);

    // A copy with one changed byte of the payload: the signature no longer verifies.
    const lines = readFileSync(workpaperPath, 'utf8').split('\n');
    const first = JSON.parse(lines[0] as string) as DsseEnvelope;
    const payload = Buffer.from(first.payload, 'base64').toString('utf8').replace('"A. Auditor"', '"B. Auditor"');
    lines[0] = JSON.stringify({ ...first, payload: Buffer.from(payload, 'utf8').toString('base64') });
    const tampered = join(dir, 'tampered', 'demo-workpaper.jsonl');
    execFileSync('mkdir', ['-p', join(dir, 'tampered')]);
    await writeFile(tampered, lines.join('\n'));
    await choose(page, 'vw-pick-workpaper', tampered);
    await page.getByTestId('vw-pasted').fill(reviewerKey);
    await page.getByTestId('vw-verify').click();
    await expect.poll(() => page.getByTestId('vw-verdict').getAttribute('data-ok')).toBe('no');
    const problems = await page.getByTestId('vw-problem').allInnerTexts();
    expect(problems).toContain(`workpaper envelope: signature 1 (${preparerKey}): does not verify over the payload`);
    expect(problems).toContain('the review does not cover this workpaper envelope: it was signed over another version');
    expect(await text(page, 'vw-prepared-by')).toBe('No valid signature');
    expect(await text(page, 'vw-content-label')).toBe(
      'The content as the file holds it: NOT verified, do not rely on it',
    );
    await screenshot(page, 'workpaper-verify-tampered');
    await noSeriousViolations(page);
    expect(wb.errors).toEqual([]);
  });

  it('reopens the locked workpaper (recorded); an edit after the sign-off shows "modified since signed" until signed again', async () => {
    const { page } = wb;
    await page.goto(`${base()}#/archive/${archiveId}/workpaper`);
    await page.getByTestId('workpaper-page').waitFor();
    await page.getByTestId('wp-reopen-submit').click();
    expect(await text(page, 'wp-reopen-message')).toContain('Give the person reopening’s name');
    await page.getByTestId('wp-reopen-name').fill('R. Reviewer');
    await page.getByTestId('wp-reopen-reason').fill('The policy change v1 to v2 was not on the workpaper.');
    await page.getByTestId('wp-reopen-submit').click();
    await expect.poll(() => page.getByTestId('wp-status').getAttribute('data-status')).toBe('prepared');
    await page.getByTestId('wp-history').locator('..').locator('summary').click();
    expect(await page.getByTestId('wp-history').innerText()).toContain(
      'reopened by R. Reviewer; the review by R. Reviewer of',
    );
    expect(await page.getByTestId('wp-history').innerText()).toContain(
      '(approved) no longer stands. Why: “The policy change v1 to v2 was not on the workpaper.”',
    );

    // The edit: a policy change reviewed, added after the preparer signed.
    await page.getByTestId('wp-policy-add').click();
    expect(await text(page, 'wp-policy-message')).toBe('Choose the two bundle versions you compared.');
    await page.getByTestId('wp-policy-from').selectOption({ label: 'agents-prod@1' });
    await page.getByTestId('wp-policy-to').selectOption({ label: 'agents-prod@2' });
    await page.getByTestId('wp-policy-summary').fill('v2 adds the no-legacy forbid; reviewed with the change ticket.');
    await page.getByTestId('wp-policy-add').click();
    await page.getByTestId('wp-modified').waitFor();
    expect(await page.getByTestId('wp-status').getAttribute('data-modified')).toBe('yes');
    expect(await page.getByTestId('wp-change').allInnerTexts()).toEqual([
      'Policy changes reviewed: 0 when signed, 1 now (1 new or changed)',
    ]);
    expect(await text(page, 'wp-review-blocked')).toContain('The data changed after the preparer signed');
    await screenshot(page, 'workpaper-modified');
    await noSeriousViolations(page);

    // After a reload the keys (CryptoKeys in IndexedDB) still sign.
    await page.reload();
    await page.getByTestId('workpaper-page').waitFor();
    await page.getByTestId('wp-modified').waitFor();
    await page.getByTestId('wp-prepare-key').selectOption(preparerKey);
    await page.getByTestId('wp-prepare-submit').click();
    await expect
      .poll(() => page.getByTestId('wp-status').getAttribute('data-modified'), { timeout: 30_000 })
      .toBe('no');
    expect(await page.getByTestId('wp-modified').count()).toBe(0);
    expect(await page.getByTestId('wp-draft-policy-diffs').innerText()).toContain('agents-prod@1 → agents-prod@2');
    const again = await captureSave(page, () => page.getByTestId('wp-export-envelope').click());
    const path = join(dir, 'again', again.name);
    execFileSync('mkdir', ['-p', join(dir, 'again')]);
    await writeFile(path, again.bytes);
    const verified = await cli(['workpaper', 'verify', path, '--signer', preparerKey]);
    expect(verified.out).toContain('not reviewed');
    expect(verified.code).toBe(0);
    expect(wb.errors).toEqual([]);
  });

  it('an archive imported before its file hash was kept: says the hash is not known, offers to import it again, signs nothing', async () => {
    const { page } = wb;
    // As an import from before store version 6 left it: no fileSha256 on the archive row.
    await dropArchiveField(page, archiveId, 'fileSha256');
    await page.reload();
    await page.getByTestId('workpaper-page').waitFor();
    await expect.poll(() => text(page, 'wp-draft-file-sha256')).toBe('Not known');
    expect(await text(page, 'wp-blocker')).toContain(
      'The archive file’s SHA-256 is not known: this archive was imported before Tickmark kept it. Import the archive again',
    );
    expect(await page.getByTestId('bundles-reopen-demo').count()).toBe(1);
    expect(await page.getByTestId('wp-prepare-submit').isDisabled()).toBe(true);
    // What was signed before stays signed, and exportable.
    expect(await page.getByTestId('wp-status').getAttribute('data-status')).toBe('prepared');
    await screenshot(page, 'workpaper-older-import');
    await noSeriousViolations(page);
    expect(wb.errors).toEqual([]);
  });
});
