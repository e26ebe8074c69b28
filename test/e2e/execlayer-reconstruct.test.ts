/**
 * The reconstruction of an ExecLayer log's line in the app (docs/FORMAT-EXECLAYER.md): both
 * kernels' logs imported from the file chooser, a line opened from the lines screen, its
 * intent, rule trace step by step, verdict as written and the line's checks, the statement
 * that there is nothing to re-perform, the keys to the lines before and after, and the same
 * page after a reload and from an address by receipt id. The logs of our own
 * (test/fixtures/execlayer) always run; a tampered sample case (../shared/samples/execlayer)
 * runs where the samples are (skipped with a warning elsewhere, failing under CI=true).
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RUN_SAMPLE_TESTS, SAMPLES_DIR } from '../support/shared-dir.ts';
import { archiveIdOf, openWorkbench, repo, screenshot, seriousViolations, type Workbench } from './browser.ts';

const FIXTURES = join(repo, 'test', 'fixtures', 'execlayer');
const hex = (text: string) => Buffer.from(text, 'utf8').toString('hex');
if (!RUN_SAMPLE_TESTS)
  console.warn(`ExecLayer reconstruction e2e: ${SAMPLES_DIR}execlayer is missing; the sample case is SKIPPED here.`);

/** Picks `files` with "Open evidence archive…", gives the options, verifies, and waits for the dashboard. */
async function importLog(page: Page, files: string[], options: { secret?: string; issuers?: string } = {}) {
  await page.getByTestId('nav-start').click();
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId('open-archive').click()]);
  await chooser.setFiles(files);
  await page.getByTestId('execlayer-options').waitFor();
  if (options.secret !== undefined) await page.getByTestId('execlayer-secret').fill(options.secret);
  if (options.issuers !== undefined) await page.getByTestId('execlayer-issuers').fill(options.issuers);
  await page.getByTestId('execlayer-verify').click();
  await page.getByTestId('dashboard').waitFor({ timeout: 60_000 });
}

/** Opens line `line` from the lines screen's row link and waits for its reconstruction. */
async function openLine(page: Page, line: number) {
  await page.getByTestId('nav-receipts').click();
  await page.getByTestId('execlayer-lines').waitFor();
  await page
    .locator(`[data-testid="execlayer-line"][data-line="${line}"]`)
    .getByTestId('execlayer-line-reconstruct')
    .click();
  await page.locator(`[data-testid="xl-recon"][data-line="${line}"]`).waitFor();
}

const checkStatus = (page: Page, name: string) =>
  page.locator(`[data-testid="xl-check"][data-check="${name}"]`).getAttribute('data-status');

const steps = (page: Page) =>
  page
    .getByTestId('xl-step')
    .evaluateAll((els) => els.map((e) => `${e.getAttribute('data-rule')} ${e.getAttribute('data-result')}`));

describe('ExecLayer line reconstruction in the app', () => {
  let wb: Workbench;
  beforeAll(async () => {
    wb = await openWorkbench(inject('baseUrl'));
  });
  afterAll(async () => {
    await wb?.close();
  });

  it('a v4 journal (two files, no secret): the rule trace step by step, HMAC not checked, nothing to re-perform', async () => {
    const { page } = wb;
    await importLog(page, [
      join(FIXTURES, 'v4', 'data', 'ledger.jsonl'),
      join(FIXTURES, 'v4', 'data', 'dag_head.json'),
    ]);
    await openLine(page, 1);
    expect(await steps(page)).toEqual([
      'RULE_BASELINE_VERSION_ENFORCEMENT ALLOW',
      'RULE_SCOPE_RESOLUTION ALLOW',
      'RULE_SYSTEM_SCOPE_ENFORCEMENT ALLOW',
      'RULE_RISK_OVERRIDE_BY_PRIVILEGE ALLOW',
      'RULE_TOKEN_EXPIRY ALLOW',
      'RULE_MULTISIG_CONSENSUS ALLOW',
      'RULE_HIGH_VALUE_PROTOCOL ALLOW',
    ]);
    expect(await page.getByTestId('xl-reperform').innerText()).toMatch(
      /no Cedar request and no signed policy bundle, so there is nothing to re-perform/,
    );
    expect(await page.getByTestId('xl-verdict-status').innerText()).toBe('ALLOW');
    const intent = await page.getByTestId('xl-intent').innerText();
    expect(intent).toContain('Treasury Head');
    expect(intent).toContain('TREASURY_GATEWAY');
    expect(intent).toMatch(/only as intent_hash/);
    // What ran at import holds; what did not run says so.
    expect(await checkStatus(page, 'recordHash')).toBe('holds');
    expect(await checkStatus(page, 'chainLink')).toBe('holds');
    expect(await checkStatus(page, 'nextLink')).toBe('holds');
    expect(await checkStatus(page, 'hmac')).toBe('not checked');
    expect(await checkStatus(page, 'issuer')).toBe('not checked');
    expect(await page.locator('[data-testid="xl-check"][data-check="hmac"]').innerText()).toMatch(/no HMAC secret/i);
    // Raw JSON one click away.
    const step4 = page.getByTestId('xl-step').nth(3);
    await step4.locator('summary').click();
    expect(await step4.getByTestId('xl-step-raw').innerText()).toContain('"override_granted": true');
    await screenshot(page, 'execlayer-recon-v4-allow');
    expect(await seriousViolations(page)).toEqual([]);

    // ] and [ walk the journal; the validation refusal has the other step shape.
    await page.keyboard.press(']');
    await page.locator('[data-testid="xl-recon"][data-line="2"]').waitFor();
    await page.keyboard.press(']');
    await page.locator('[data-testid="xl-recon"][data-line="3"]').waitFor();
    expect(await steps(page)).toEqual(['INPUT_VALIDATION REFUSE']);
    expect(await page.getByTestId('xl-trace').innerText()).toContain('SCHEMA_CHECK');
    await page.keyboard.press('ArrowLeft');
    await page.locator('[data-testid="xl-recon"][data-line="2"]').waitFor();
    expect(await page.getByTestId('xl-step-reason').innerText()).toBe('SYSTEM_SCOPE_MISMATCH');
    await screenshot(page, 'execlayer-recon-v4-refuse');
    // A reload shows the same line.
    await page.reload();
    await page.locator('[data-testid="xl-recon"][data-line="2"]').waitFor();
    expect(await page.getByTestId('xl-verdict-status').innerText()).toBe('REFUSE');
  });

  it('a Python-kernel log with the secret: the arguments, the one rule that matched, HMAC holds; an address by receipt id', async () => {
    const { page } = wb;
    await importLog(page, [join(FIXTURES, 'py', 'execlayer_audit.log.jsonl')], { secret: hex('fixture-py-secret') });
    const archiveId = archiveIdOf(page);
    await openLine(page, 2);
    expect(await page.getByTestId('xl-recon-title').innerText()).toContain('rcpt_f1x7000001');
    expect(await steps(page)).toEqual(['R-SECR-002 BLOCK']);
    // The risk score as Python wrote it (9.0), not as JavaScript reads it.
    expect(await page.getByTestId('xl-step').innerText()).toMatch(/score\s+9\.0/);
    expect(await page.getByTestId('xl-trace-note').first().innerText()).toMatch(/records no rule trace/);
    const intent = await page.getByTestId('xl-intent').innerText();
    expect(intent).toContain('post_message');
    expect(intent).toContain('#général');
    expect(intent).toContain('Zoë Ångström-Nakamura');
    expect(await page.getByTestId('xl-verdict-status').innerText()).toBe('BLOCK');
    expect(await checkStatus(page, 'hmac')).toBe('holds');
    expect(await page.getByTestId('xl-reperform').innerText()).toMatch(/nothing to re-perform/);
    await screenshot(page, 'execlayer-recon-py-block');
    expect(await seriousViolations(page)).toEqual([]);
    // The chain restart: line 5's link fails and says why.
    await page.goto(`${inject('baseUrl')}#/archive/${encodeURIComponent(archiveId)}/receipt/?line=5`);
    await page.locator('[data-testid="xl-recon"][data-line="5"]').waitFor();
    expect(await checkStatus(page, 'chainLink')).toBe('fails');
    expect(await page.getByTestId('xl-findings').innerText()).toContain('CHAIN_BROKEN');
    expect(await page.getByTestId('xl-recon-title').innerText()).toBe('ALLOW event (no receipt)');
    expect(await checkStatus(page, 'hmac')).toBe('not applicable');
    // By receipt id alone: the address gains the line.
    await page.goto(`${inject('baseUrl')}#/archive/${encodeURIComponent(archiveId)}/receipt/rcpt_f1x7000003`);
    await page.locator('[data-testid="xl-recon"][data-line="6"]').waitFor();
    await expect.poll(() => page.url()).toContain('line=6');
    // A line that is not there says so.
    await page.goto(`${inject('baseUrl')}#/archive/${encodeURIComponent(archiveId)}/receipt/?line=60`);
    expect(await page.getByTestId('xl-recon-not-found').innerText()).toContain(
      'execlayer_audit.log.jsonl has 6 lines; there is no line 60.',
    );
    expect(wb.errors).toEqual([]);
  });

  it.skipIf(!RUN_SAMPLE_TESTS)(
    'the sample whose verdict was turned from BLOCK to ALLOW: the hash and HMAC fail, and the line says event and verdict disagree',
    async () => {
      const { page } = wb;
      const dir = join(SAMPLES_DIR, 'execlayer');
      await importLog(page, [join(dir, 'execlayer-py', 'modified_field', 'execlayer_audit.log.jsonl')], {
        secret: '656c782d70792d6236336435313661386465633331383765633133306339376366356234643665',
      });
      await openLine(page, 26);
      expect(await page.getByTestId('xl-verdict-status').innerText()).toBe('ALLOW');
      expect(await page.getByTestId('xl-verdict-note').innerText()).toMatch(
        /event says BLOCK, but its receipt's verdict says ALLOW/,
      );
      expect(await page.getByTestId('xl-recon-verdict-note').innerText()).toMatch(/event says BLOCK/);
      expect(await checkStatus(page, 'recordHash')).toBe('fails');
      expect(await checkStatus(page, 'hmac')).toBe('fails');
      const codes = await page
        .getByTestId('xl-findings')
        .getByTestId('recon-finding')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-code')));
      expect(codes.sort()).toEqual(['RECORD_HASH_MISMATCH', 'SIGNATURE_INVALID']);
      await screenshot(page, 'execlayer-recon-py-tampered');
      expect(await seriousViolations(page)).toEqual([]);
    },
  );
});
