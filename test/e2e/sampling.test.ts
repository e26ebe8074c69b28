/**
 * Sampling for a test of controls, in Chromium on the built-in demo: a population defined
 * by a saved filter, sized (the known cells 95%/5%/0% → 59 and 95%/10%/0% → 29, the firm
 * table's confidences, edited), drawn with the seed bound to the checkpoint heads; the
 * app's sample equals a re-performance here with node:crypto's SHA-256 alone and
 * `tickmark sample` on the same archive file; tested item by item (the engine's attribute
 * pre-filled), deviations counted, evaluated (the unrounded upper limit of shared
 * evaluateSample), extended keeping the tested items, concluded, exported as CSV; a reload
 * keeps it all; removing the archive removes its samples and their items. axe on each
 * screen; screenshots under test-results/.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { strFromU8, unzipSync } from 'fflate';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runTickmark } from '../support/cli.ts';
import { evaluateSample } from '../../shared/sampling/attribute.ts';
import {
  captureSave,
  demoZip,
  openDemo,
  openWorkbench,
  parseCsv,
  screenshot,
  screenshotElement,
  seriousViolations,
  storedRowCounts,
  type Workbench,
} from './browser.ts';

const sha = (s: string | Uint8Array) => createHash('sha256').update(s).digest('hex');

interface Line {
  readonly hash: string;
  readonly id: string;
  readonly ledger: string;
  readonly action: string;
}

/** Every stored line of the demo with its hash, read here in Node. */
function demoLines(): { lines: Line[]; heads: Map<string, { seq: number; head: string }> } {
  const files = unzipSync(readFileSync(demoZip));
  const lines: Line[] = [];
  const heads = new Map<string, { seq: number; head: string }>();
  for (const [name, bytes] of Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const segment = /^ledgers\/([^/]+)\/\d{6}\.jsonl$/.exec(name);
    if (segment)
      for (const line of strFromU8(bytes).split('\n').filter(Boolean)) {
        const r = JSON.parse(line) as { id: string; request: { action: { id: string } } };
        lines.push({
          hash: `sha256:${sha(line)}`,
          id: r.id,
          ledger: segment[1] as string,
          action: r.request.action.id,
        });
      }
    const checkpoints = /^ledgers\/([^/]+)\/checkpoints\.jsonl$/.exec(name);
    if (checkpoints) {
      const last = strFromU8(bytes).split('\n').filter(Boolean).at(-1) as string;
      const c = JSON.parse(last) as { seq: number; head: string };
      heads.set(checkpoints[1] as string, { seq: c.seq, head: c.head });
    }
  }
  return { lines, heads };
}

/** FORMAT.md §9 by hand: plain SHA-256, nothing of the workbench. */
function reperform(seed: string, size: number, population: readonly Line[]): (Line & { score: string })[] {
  return population
    .map((l) => ({ ...l, score: sha(`${seed}\n${l.hash}`) }))
    .sort((a, b) => (a.score < b.score ? -1 : a.score > b.score ? 1 : a.hash < b.hash ? -1 : 1))
    .slice(0, size);
}

async function cliSample(
  ...args: string[]
): Promise<{ population: number; items: { hash: string; score: string; receipt: string }[] }> {
  const { code, stdout, stderr } = await runTickmark(['sample', demoZip, ...args, '--json']);
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout) as { population: number; items: { hash: string; score: string; receipt: string }[] };
}

const itemHashes = (page: Page) =>
  page.locator('[data-testid="sample-item"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-hash') ?? ''));

describe('sampling', () => {
  let wb: Workbench;
  let archiveId = '';
  const { lines, heads } = demoLines();
  const FILTER = 'ledger=gw-us-1&action=db.read';
  const population = lines.filter((l) => l.ledger === 'gw-us-1' && l.action === 'db.read');

  beforeAll(async () => {
    wb = await openWorkbench(inject('baseUrl'));
    const { page } = wb;
    archiveId = await openDemo(page);
  });
  afterAll(async () => {
    await wb?.close();
  });

  it('the population: a saved filter of the engagement, made in the receipts explorer', async () => {
    const { page } = wb;
    await page.evaluate((hash) => (window.location.hash = hash), `#/archive/${archiveId}/receipts?${FILTER}`);
    await expect
      .poll(() => page.getByTestId('receipt-result-count').getAttribute('data-rows'))
      .toBe(String(population.length));
    await page.getByTestId('save-filter-open').click();
    await page.getByTestId('save-filter-name').fill('US gateway reads');
    await page.getByTestId('save-filter-submit').click();
    await page.getByTestId('saved-filter-message').waitFor();
  });

  it('sizes: the known cells, the firm table’s confidences, an edited table', async () => {
    const { page } = wb;
    await page.getByTestId('nav-samples').click();
    await page.getByTestId('samples-empty').waitFor();
    await page.getByTestId('new-sample-open').click();
    await page.getByTestId('new-sample').waitFor();
    await expect.poll(() => page.getByTestId('sizing-result').getAttribute('data-size')).toBe('59');
    await page.getByTestId('sizing-tolerable').fill('10');
    await expect.poll(() => page.getByTestId('sizing-result').getAttribute('data-size')).toBe('29');
    // The firm table's confidence at 10% tolerable: 1 − 0.9^n, cut to two decimals.
    const daily = page.locator('[data-testid="firm-row"][data-frequency="Daily"]');
    expect(await daily.getByTestId('firm-confidence-min').textContent()).toBe(`${cut(1 - 0.9 ** 20)}%`);
    expect(await daily.getByTestId('firm-confidence-max').textContent()).toBe(`${cut(1 - 0.9 ** 40)}%`);
    // A bad input says why, and no size is shown.
    await page.getByTestId('sizing-expected').fill('12');
    await expect.poll(() => page.getByTestId('sizing-error').textContent()).toMatch(/must be below the tolerable rate/);
    await page.getByTestId('sizing-expected').fill('0');
    await page.getByTestId('sizing-confidence').fill('100');
    await expect.poll(() => page.getByTestId('sizing-error').textContent()).toMatch(/at least 80 and below 100/);
    await page.getByTestId('sizing-confidence').fill('95');
    await expect.poll(() => page.getByTestId('sizing-result').getAttribute('data-size')).toBe('29');

    // The firm table edited: a refused row says why; a good one is kept (checked after the reload below).
    await page.getByTestId('firm-table-edit').click();
    const dailyMax = page.getByTestId('firm-edit-max').nth(4);
    await dailyMax.fill('10');
    await page.getByTestId('firm-table-save').click();
    expect(await page.getByTestId('firm-table-error').textContent()).toMatch(/Row 5: the smallest size is larger/);
    await dailyMax.fill('30');
    await page.getByTestId('firm-table-save').click();
    await expect.poll(() => daily.locator('td').first().textContent()).toBe('20–30');
    expect(await daily.getByTestId('firm-confidence-max').textContent()).toBe(`${cut(1 - 0.9 ** 30)}%`);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'sampling-new');
  });

  let seed = '';
  let firstSample = '';
  it('draws from the saved filter with the seed bound to the checkpoint heads; equal to plain SHA-256 and tickmark sample', async () => {
    const { page } = wb;
    await page.getByTestId('sample-control').selectOption('decisions-follow-policy');
    await page.locator('[data-testid="population-filter"][data-name="US gateway reads"]').check();
    await expect
      .poll(() => page.getByTestId('population-count').getAttribute('data-count'))
      .toBe(String(population.length));
    seed = await page.getByTestId('sample-seed').inputValue();
    const expectedSeed = `checkpoints ${[...heads.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([ledger, c]) => `${ledger}#${c.seq}=${c.head}`)
      .join(' ')}`;
    expect(seed).toBe(expectedSeed);
    await page.getByTestId('sample-draw').click();
    await page.getByTestId('sample-page').waitFor();
    firstSample = /#\/archive\/[^/]+\/samples\/(\d+)$/.exec(page.url())?.[1] ?? '';
    expect(firstSample).not.toBe('');

    const drawn = await itemHashes(page);
    const byHand = reperform(seed, 29, population);
    expect(drawn).toEqual(byHand.map((l) => l.hash));
    const cli = await cliSample('--seed', seed, '--size', '29', '--ledger', 'gw-us-1', '--action', 'db.read');
    expect(cli.population).toBe(population.length);
    expect(cli.items.map((i) => i.hash)).toEqual(drawn);
    // The command shown re-performs it.
    expect(await page.getByTestId('sample-command').textContent()).toBe(
      `tickmark sample demo.zip --seed '${seed}' --size 29 --ledger gw-us-1 --action db.read --json`,
    );
    expect(await page.getByTestId('completeness-ledger').count()).toBe(2);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'sampling-drawn');
  });

  /** Records `result` for attribute `attribute` (A2 = index 1 …) of item `index` (0-based). */
  const mark = (page: Page, index: number, attribute: string, result: 'pass' | 'fail' | 'not-applicable') =>
    page
      .locator(
        `[data-testid="sample-item"][data-index="${index}"] [data-testid="item-result"][data-attribute="${attribute}"]`,
      )
      .selectOption(result);
  const deviations = (page: Page) => page.getByTestId('deviation-count').getAttribute('data-count');
  let manual: string[] = [];

  it('tests each item: the engine’s attribute pre-filled, the manual ones recorded, deviations counted live', async () => {
    const { page } = wb;
    // Nothing of this population has a DECISION_MISMATCH: the engine passes every item, and it cannot be changed.
    const engine = await page
      .locator('[data-testid="item-engine"]')
      .evaluateAll((cells) => cells.map((c) => c.getAttribute('data-result')));
    expect(engine).toEqual(Array.from({ length: 29 }, () => 'pass'));
    expect(await page.locator('[data-testid="item-engine-manual"]').count()).toBe(0);
    manual = await page
      .locator('[data-testid="sample-item"][data-index="0"] [data-testid="item-result"]')
      .evaluateAll((s) => s.map((x) => x.getAttribute('data-attribute') ?? ''));
    expect(manual).toEqual(['policy-approved-change', 'policy-reflects-intent']);
    for (let i = 0; i < 29; i++) {
      if (i === 4) continue;
      for (const a of manual) await mark(page, i, a, i === 2 && a === manual[0] ? 'fail' : 'pass');
      if (i === 2) await expect.poll(() => deviations(page)).toBe('1');
    }
    for (const a of manual) await mark(page, 4, a, 'not-applicable');
    const note = page.locator('[data-testid="sample-item"][data-index="0"] [data-testid="item-note"]');
    await note.fill('Bundle v2 change ticket CHG-1042 seen, approved 2026-03-28.');
    await note.blur();
    await expect.poll(() => deviations(page)).toBe('1');
    // 28 evaluated (one not applicable), one deviation: the limit of shared evaluateSample, unrounded.
    const expected = evaluateSample(28, 1, '95', '10');
    expect(expected.withinTolerable).toBe(false);
    await expect.poll(() => page.getByTestId('upper-limit').textContent()).toBe(`${expected.upperLimit}%`);
    expect(await page.getByTestId('evaluation').getByTestId('outcome').getAttribute('data-outcome')).toBe(
      'does-not-support',
    );
    expect(await page.getByTestId('evaluation-sentence').textContent()).toContain('above the tolerable rate of 10%');
    await page.getByTestId('conclusion-supports').check();
    await page.getByTestId('conclusion-record').click();
    expect(await page.getByTestId('conclusion-error').textContent()).toMatch(/does not support reliance/);
    await screenshotElement(page.getByTestId('evaluation'), 'sampling-evaluation-28');
  });

  it('a larger sample with the same seed keeps the tested items and their results; then it supports reliance', async () => {
    const { page } = wb;
    await page.getByTestId('extend-size').fill('20');
    await page.getByTestId('extend-submit').click();
    expect(await page.getByTestId('extend-message').textContent()).toMatch(/a larger size keeps them/);
    await page.getByTestId('extend-size').fill('47');
    await page.getByTestId('extend-submit').click();
    await expect
      .poll(() => page.getByTestId('extend-message').textContent())
      .toMatch(
        /Extended from 29 to 47 items with the same seed: the first 29 are the same items, and the results of the 29 tested were kept\. 18 new items to test\./,
      );
    await expect.poll(() => itemHashes(page).then((h) => h.length)).toBe(47);
    expect(await itemHashes(page)).toEqual(reperform(seed, 47, population).map((l) => l.hash));
    const cli = await cliSample('--seed', seed, '--size', '47', '--ledger', 'gw-us-1', '--action', 'db.read');
    expect(cli.items.map((i) => i.hash)).toEqual(await itemHashes(page));
    // Kept: the failed attribute, the note, the not-applicable item.
    expect(
      await page
        .locator(
          `[data-testid="sample-item"][data-index="2"] [data-testid="item-result"][data-attribute="${manual[0]}"]`,
        )
        .inputValue(),
    ).toBe('fail');
    expect(
      await page.locator('[data-testid="sample-item"][data-index="0"] [data-testid="item-note"]').inputValue(),
    ).toMatch(/CHG-1042/);
    expect(await deviations(page)).toBe('1');
    expect(await page.getByTestId('sample-size-change').textContent()).toMatch(/From 29 to 47 items/);
    for (let i = 29; i < 47; i++) for (const a of manual) await mark(page, i, a, 'pass');
    const expected = evaluateSample(46, 1, '95', '10');
    expect(expected.withinTolerable).toBe(true);
    await expect.poll(() => page.getByTestId('upper-limit').textContent()).toBe(`${expected.upperLimit}%`);
    expect(await page.getByTestId('evaluation').getByTestId('outcome').getAttribute('data-outcome')).toBe('supports');
    await page.getByTestId('conclusion-supports').check();
    await page.getByTestId('conclusion-note').fill('One deviation (item 3): change ticket missing, followed up.');
    await page.getByTestId('conclusion-record').click();
    await page.getByTestId('conclusion-recorded').waitFor();
    expect(await page.getByTestId('conclusion-recorded').textContent()).toMatch(/supports reliance on the control/);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'sampling-concluded');
    await screenshotElement(page.getByTestId('sample-facts'), 'sampling-facts');
    await screenshotElement(page.getByTestId('completeness'), 'sampling-completeness');
    await screenshotElement(page.locator('[data-testid="sample-item"]').nth(2), 'sampling-item-deviation');
    await screenshotElement(page.getByTestId('evaluation'), 'sampling-evaluation-46');
  });

  it('the sample and its results as CSV: every item with the seed, hash and score anyone can check', async () => {
    const { page } = wb;
    const file = await captureSave(page, () => page.getByTestId('export-sample').click());
    expect(file.name).toMatch(/^demo-sample-\d+\.csv$/);
    const records = parseCsv(file.text);
    const header = records[0] as string[];
    expect(header.slice(0, 7)).toEqual(['item', 'seed', 'ledger', 'seq', 'receipt id', 'hash', 'score']);
    const rows = records.slice(1);
    expect(rows.length).toBe(47);
    for (const r of rows) {
      expect(r[1]).toBe(seed);
      expect(r[6]).toBe(sha(`${seed}\n${r[5]}`));
    }
    expect(rows.map((r) => r[5])).toEqual(reperform(seed, 47, population).map((l) => l.hash));
    const result = header.indexOf('result');
    expect(rows.map((r) => r[result]).filter((x) => x === 'deviation').length).toBe(1);
    expect(rows[2]?.[result]).toBe('deviation');
    expect(rows[4]?.[result]).toBe('not applicable');
    expect(rows[0]?.[header.indexOf('note')]).toMatch(/CHG-1042/);
    await page.getByTestId('export-message').waitFor();
  });

  it('the engine’s failure counts as a deviation; a size over the population is refused with a sentence', async () => {
    const { page } = wb;
    await page.evaluate(
      (hash) => (window.location.hash = hash),
      `#/archive/${archiveId}/receipts?code=DECISION_MISMATCH`,
    );
    await expect.poll(() => page.getByTestId('receipt-result-count').getAttribute('data-rows')).toBe('1');
    await page.getByTestId('save-filter-open').click();
    await page.getByTestId('save-filter-name').fill('Decision mismatches');
    await page.getByTestId('save-filter-submit').click();
    await page.getByTestId('saved-filter-message').waitFor();
    await page.evaluate((hash) => (window.location.hash = hash), `#/archive/${archiveId}/samples/new`);
    await page.getByTestId('sample-control').selectOption('decisions-follow-policy');
    await page.locator('[data-testid="population-filter"][data-name="Decision mismatches"]').check();
    await expect.poll(() => page.getByTestId('population-count').getAttribute('data-count')).toBe('1');
    await page.getByTestId('sample-draw').click();
    expect(await page.getByTestId('sample-error').textContent()).toMatch(
      /A sample of 59 is more than the population \(1 receipt\)/,
    );
    await page.getByTestId('sample-size').fill('1');
    await page.getByTestId('sample-draw').click();
    await page.getByTestId('sample-page').waitFor();
    const cell = page.getByTestId('item-engine');
    expect(await cell.getAttribute('data-result')).toBe('fail');
    expect(await cell.textContent()).toContain('DECISION_MISMATCH');
    expect(await deviations(page)).toBe('1');
    expect(await page.getByTestId('evaluation').getByTestId('outcome').getAttribute('data-outcome')).toBe(
      'does-not-support',
    );
  });

  it('stratified by action over every receipt: each stratum equals tickmark sample --stratify action', async () => {
    const { page } = wb;
    await page.evaluate((hash) => (window.location.hash = hash), `#/archive/${archiveId}/samples/new`);
    await page.getByTestId('population-all').check();
    await page.getByTestId('stratify-action').check();
    await page.getByTestId('sample-size').fill('3');
    await page.getByTestId('sample-draw').click();
    await page.getByTestId('sample-page').waitFor();
    const cli = (await cliSample('--seed', seed, '--size', '3', '--stratify', 'action')) as unknown as {
      items: { hash: string }[];
      strata: { stratum: string }[];
    };
    expect(await itemHashes(page)).toEqual(cli.items.map((i) => i.hash));
    const actions = [...new Set(lines.map((l) => l.action))].sort();
    expect(cli.strata.map((s) => s.stratum)).toEqual(actions);
    expect(await itemHashes(page)).toEqual(
      actions.flatMap((a) =>
        reperform(
          `${seed}/${a}`,
          3,
          lines.filter((l) => l.action === a),
        ).map((l) => l.hash),
      ),
    );
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('a reload keeps it all: samples, results, notes, the extension, the conclusion, the firm table', async () => {
    const { page } = wb;
    await page.getByTestId('nav-samples').click();
    await page.getByTestId('sample-list').waitFor();
    await page.reload();
    await page.getByTestId('sample-list').waitFor();
    const rows = page.getByTestId('sample-row');
    expect(await rows.count()).toBe(3);
    const first = page.locator(`[data-testid="sample-row"][data-sample="${firstSample}"]`);
    expect(await first.getByTestId('sample-row-conclusion').textContent()).toBe('Supports reliance');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'sampling-list');
    await first.getByTestId('sample-link').click();
    await page.getByTestId('sample-page').waitFor();
    await expect.poll(() => itemHashes(page)).toEqual(reperform(seed, 47, population).map((l) => l.hash));
    expect(await deviations(page)).toBe('1');
    expect(await page.getByTestId('conclusion-recorded').textContent()).toMatch(/followed up/);
    expect(await page.getByTestId('conclusion-stale').count()).toBe(0);
    expect(await page.getByTestId('sample-size-change').textContent()).toMatch(/From 29 to 47 items/);
    expect(
      await page.locator('[data-testid="sample-item"][data-index="0"] [data-testid="item-note"]').inputValue(),
    ).toMatch(/CHG-1042/);
    // A note is kept while typing, without leaving the field.
    const typed = page.locator('[data-testid="sample-item"][data-index="1"] [data-testid="item-note"]');
    await typed.fill('Typed, not left.');
    await page.waitForTimeout(1500);
    await page.reload();
    await expect.poll(() => typed.inputValue()).toBe('Typed, not left.');
    // A result changed after the conclusion: the conclusion says it is stale.
    await mark(page, 10, manual[1] as string, 'fail');
    await page.getByTestId('conclusion-stale').waitFor();
    await mark(page, 10, manual[1] as string, 'pass');
    await expect.poll(() => page.getByTestId('conclusion-stale').count()).toBe(0);
    // The firm table as edited.
    await page.evaluate((hash) => (window.location.hash = hash), `#/archive/${archiveId}/samples/new`);
    const daily = page.locator('[data-testid="firm-row"][data-frequency="Daily"]');
    await expect.poll(() => daily.locator('td').first().textContent()).toBe('20–30');
  });

  it('removing the archive removes its samples and their items', async () => {
    const { page } = wb;
    const before = await storedRowCounts(page);
    expect(before.samples).toBe(3);
    expect(before.sampleItems).toBe(47 + 1 + 3 * new Set(lines.map((l) => l.action)).size);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByTestId('nav-start').click();
    await page.getByRole('button', { name: 'Remove demo.zip' }).click();
    await expect.poll(async () => (await storedRowCounts(page)).sampleItems).toBe(0);
    expect((await storedRowCounts(page)).samples).toBe(0);
    expect(wb.errors).toEqual([]);
  });
});

/** A fraction as a percentage cut (not rounded) to two decimals, trailing zeros dropped, as the screen writes it. */
function cut(fraction: number): string {
  return String(Math.trunc(fraction * 10_000) / 100);
}
