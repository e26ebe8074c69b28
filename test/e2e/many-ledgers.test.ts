/**
 * An archive of many ledgers (a producer may write one for each gateway or agent): the
 * dashboard lists the ledgers that need attention first, twelve at most until asked for all,
 * and says how many there are in each state, so the findings and the checks stay in reach.
 * The archive is made by the independent producer (test/bench/independent-producer.py: needs
 * python3 with cryptography, which .ci/run installs; skipped off CI where it is missing, and
 * failing under CI=true), one ledger of it cut short.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { importArchive, openWorkbench, pinRootKey, screenshot, seriousViolations, type Workbench } from './browser.ts';
import { independentProducerRuns, makeIndependentArchive } from '../support/independent-producer.ts';

const RUNS = independentProducerRuns('the dashboard tests of an archive of many ledgers');

const LEDGERS = 30;

describe.skipIf(!RUNS)('an archive of thirty ledgers', () => {
  let wb: Workbench;
  let dir: string;
  let cut: string;
  let archive: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tickmark-e2e-ledgers-'));
    const made = join(dir, 'made.zip');
    const { root } = makeIndependentArchive(made, ['--receipts', String(LEDGERS * 40), '--ledgers', String(LEDGERS)]);
    // The twentieth ledger by name loses its last receipt (sealed by its checkpoint): in the
    // producer's order it would not be among the first twelve.
    const files = unzipSync(readFileSync(made));
    const segments = Object.keys(files)
      .filter((p) => /^ledgers\/[^/]+\/\d+\.jsonl$/.test(p))
      .sort();
    expect(segments).toHaveLength(LEDGERS);
    const segment = segments[19] as string;
    cut = segment.split('/')[1] as string;
    const lines = strFromU8(files[segment] as Uint8Array).split('\n');
    files[segment] = strToU8(`${lines.slice(0, -2).join('\n')}\n`);
    archive = join(dir, 'thirty-ledgers-one-cut.zip');
    writeFileSync(archive, zipSync(files, { level: 1 }));
    wb = await openWorkbench(inject('baseUrl'));
    await pinRootKey(wb.page, root, 'Independent producer root');
  });
  afterAll(async () => {
    await wb?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists the ledger that needs attention first, twelve of thirty, all when asked; the states counted', async () => {
    const { page } = wb;
    await importArchive(page, archive);
    const rows = page.locator('[data-testid="ledger-table"] [data-testid^="ledger-row-"]');
    await expect.poll(() => rows.count()).toBe(12);
    const first = rows.first();
    expect(await first.getAttribute('data-testid')).toBe(`ledger-row-${cut}`);
    const state = await first.getAttribute('data-state');
    expect(state).not.toBe('verified');
    expect(await page.getByTestId('ledger-state-counts').innerText()).toMatch(
      new RegExp(`^30 ledgers: 29 verified, 1 ${state === 'truncated' ? 'truncated' : '[a-z ]+'}\\.$`),
    );
    expect(await page.getByTestId('ledger-limit').innerText()).toContain(
      '12 of 30 ledgers, the one that needs attention first.',
    );
    // The coverage likewise, the cut ledger first.
    const tracks = page.locator('[data-testid="coverage-timeline"] [data-testid^="timeline-"]');
    expect(await tracks.count()).toBe(12);
    expect(await tracks.first().getAttribute('data-testid')).toBe(`timeline-${cut}`);
    // The findings and the checks are on the page, below lists of twelve.
    await page.getByTestId('finding-counts').or(page.getByTestId('no-findings')).first().waitFor();
    await screenshot(page, 'dashboard-many-ledgers');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByTestId('ledger-limit').getByRole('button', { name: 'Show all 30 ledgers' }).click();
    expect(await rows.count()).toBe(30);
    expect(await page.getByTestId('ledger-limit').innerText()).toContain('All 30 ledgers');
    expect(await tracks.count()).toBe(12);
    await page.getByTestId('ledger-limit').getByRole('button', { name: 'Show the first 12 only' }).click();
    expect(await rows.count()).toBe(12);
    expect(wb.errors).toEqual([]);
  });
});
