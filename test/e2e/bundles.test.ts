/**
 * Policy bundles in Chromium, on the built-in demo: the lineage timeline (versions, windows,
 * supersedes, signers, receipts per version counted here in Node from the archive), the diff
 * of v1 → v2 and its decision impact against `tickmark policy-diff --json` on the same file
 * (counts, groups and the changed receipts), a count clicked through to its receipts and one
 * receipt to its reconstruction replayed under the other version; a replay cancelled; a
 * saved filter's receipts only; a
 * proposed file (what-if) against the CLI given the same file; an archive whose texts were
 * not kept says so and still opens. axe on every screen; screenshots in test-results/.
 *
 * Set TICKMARK_E2E_IMPACT_RECEIPTS=1000000 to also time the impact over that many stored
 * receipt lines (the demo's lines repeated into one archive in the store; docs/PERFORMANCE.md),
 * or TICKMARK_E2E_IMPACT_ARCHIVE=/path/archive.zip to import an archive made elsewhere
 * (test/bench/independent-producer.py; its `.json` beside it names rootPublicKey and receipts)
 * and time the impact of its default diff and its receipts per version, as stored by an import
 * (large segment files kept as their stored bytes and resume points, issue 18).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { givenArchive } from './big-archive.ts';
import {
  archiveIdOf,
  demoJson,
  demoZip,
  dropArchiveFiles,
  importArchive,
  openDemo,
  openWorkbench,
  pinRootKey,
  reconstructionShown,
  screenshot,
  seriousViolations,
  type Workbench,
} from './browser.ts';

const SCALE = Number(process.env.TICKMARK_E2E_IMPACT_RECEIPTS ?? 0);
const GIVEN = process.env.TICKMARK_E2E_IMPACT_ARCHIVE ? givenArchive(process.env.TICKMARK_E2E_IMPACT_ARCHIVE) : null;

type Json = Record<string, unknown>;
interface CliImpact {
  evaluated: number;
  unchanged: number;
  error_count: number;
  changed: { receipt: string; ledger: string; seq: number; action: string; kind: string; from: Json; to: Json }[];
  counts: { allow_to_deny: number; deny_to_allow: number; other_policies: number };
  by_policy: Record<string, number>;
  by_action: Record<string, { allow_to_deny: number; deny_to_allow: number; other_policies: number }>;
}
interface CliDiff {
  from: { hash: string };
  to: { hash: string; signature_valid: boolean; signers: { kid: string; valid: boolean | null }[] };
  fields: { field: string; from: string; to: string; changed: boolean }[];
  policies: {
    added: string[];
    removed: string[];
    changed: string[];
    unchanged: string[];
    unchanged_after_formatting: string[];
  };
  impact: CliImpact;
}

async function cliDiff(zip: string, from: string, to: string, root: string): Promise<CliDiff> {
  let out = '';
  const code = await main(['policy-diff', zip, from, to, '--trust-root', root, '--json'], {
    stdout: (s) => void (out += s),
    stderr: () => undefined,
  });
  expect(code).toBeLessThan(2);
  return JSON.parse(out) as CliDiff;
}

/** Receipts per `decision.bundle`, and the policy files, read from the archive here. */
function readDemo() {
  const files = unzipSync(readFileSync(demoZip));
  const counts = new Map<string, number>();
  const actions = new Map<string, number>();
  for (const [path, bytes] of Object.entries(files)) {
    if (!/^ledgers\/[^/]+\/\d{6}\.jsonl$/.test(path)) continue;
    for (const line of strFromU8(bytes).split('\n')) {
      if (!line) continue;
      const r = JSON.parse(line) as { decision: { bundle: string }; request: { action: { id: string } } };
      counts.set(r.decision.bundle, (counts.get(r.decision.bundle) ?? 0) + 1);
      actions.set(r.request.action.id, (actions.get(r.request.action.id) ?? 0) + 1);
    }
  }
  return { counts, actions, v2: strFromU8(files['policies/agents-prod-v2.json'] as Uint8Array) };
}

const text = async (page: Page, testId: string) => ((await page.getByTestId(testId).first().innerText()) ?? '').trim();
const n = (value: number) => value.toLocaleString('en-US');

/** Waits until receipts per version are counted; a count that failed fails here with its sentence. */
async function countsShown(page: Page, timeout = 30_000): Promise<void> {
  await page.getByTestId('bundles-counted').or(page.getByTestId('bundles-count-failed')).waitFor({ timeout });
  const failed = page.getByTestId('bundles-count-failed');
  expect((await failed.count()) === 0 ? '' : await failed.innerText()).toBe('');
}

async function noSeriousViolations(page: Page): Promise<void> {
  expect(await seriousViolations(page)).toEqual([]);
}

describe('policy bundles', () => {
  let wb: Workbench;
  let archiveId = '';
  let cli: CliDiff;
  const root = (JSON.parse(readFileSync(demoJson, 'utf8')) as { rootPublicKey: string }).rootPublicKey;
  const demo = readDemo();
  const dir = mkdtempSync(join(tmpdir(), 'tickmark-bundles-e2e-'));

  beforeAll(async () => {
    cli = await cliDiff(demoZip, 'agents-prod@1', 'agents-prod@2', root);
    wb = await openWorkbench(inject('baseUrl'));
    const { page } = wb;
    archiveId = await openDemo(page);
  });
  afterAll(async () => {
    await wb?.close();
  });

  it('shows each version on the timeline with its window, supersedes link, signers and receipts governed', async () => {
    const { page } = wb;
    await page.getByTestId('nav-bundles').click();
    await page.getByTestId('bundles-page').waitFor();
    await countsShown(page);
    const lineage = page.locator('[data-testid="bundle-lineage"][data-bundle-id="agents-prod"]');
    const versions = lineage.getByTestId('bundle-version');
    expect(await versions.count()).toBe(2);
    const v1 = versions.nth(0);
    const v2 = versions.nth(1);
    expect(await v1.getAttribute('data-hash')).toBe(cli.from.hash);
    expect(await v2.getAttribute('data-hash')).toBe(cli.to.hash);
    for (const [row, hash] of [
      [v1, cli.from.hash],
      [v2, cli.to.hash],
    ] as const)
      expect(await row.getByTestId('version-receipts').innerText()).toBe(n(demo.counts.get(hash) ?? -1));
    expect(await v1.getByTestId('version-supersedes').innerText()).toBe('nothing');
    expect(await v2.getByTestId('version-supersedes').innerText()).toContain('v1');
    expect(await v2.getByTestId('version-signature').innerText()).toContain('signed, valid');
    expect(await v2.getByTestId('version-signature').innerText()).toContain(cli.to.signers[0]?.kid ?? '?');
    // v1 ends when v2 starts: no overlap, no gap.
    expect(await lineage.locator('[data-flag]').count()).toBe(0);
    expect(await lineage.getByTestId('lineage-clean').count()).toBe(1);
    await noSeriousViolations(page);
    await screenshot(page, 'bundles-timeline');
  });

  it('diffs v1 → v2: fields and policies as the CLI has them, the widened or narrowed scope marked', async () => {
    const { page } = wb;
    await page.getByTestId('diff-previous').click();
    await page.getByTestId('bundle-diff-page').waitFor();
    await page.getByTestId('diff-fields').waitFor({ timeout: 30_000 });
    for (const f of cli.fields) {
      const row = page.locator(`[data-testid="diff-fields"] tr[data-field="${f.field}"]`);
      expect(await row.getAttribute('data-changed')).toBe(String(f.changed));
    }
    const p = cli.policies;
    expect(await text(page, 'diff-policy-counts')).toBe(
      `${p.added.length} added, ${p.removed.length} removed, ${p.changed.length} changed, ${p.unchanged.length} unchanged.`,
    );
    for (const id of p.added)
      expect(await page.locator(`[data-testid="policy-diff"][data-policy="${id}"]`).getAttribute('data-change')).toBe(
        'added',
      );
    for (const id of p.changed) {
      const card = page.locator(`[data-testid="policy-diff"][data-policy="${id}"]`);
      expect(await card.getAttribute('data-change')).toBe('changed');
    }
    // The demo's `search` now needs `resource is Table` and a tier condition: narrower.
    const search = page.locator('[data-testid="policy-diff"][data-policy="search"]');
    expect(await search.getByTestId('scope-resource').innerText()).toContain('narrower');
    expect(await search.getByTestId('scope-conditions').innerText()).toContain('more conditions');
    expect(await search.locator('td[data-side="right"].line-added').count()).toBeGreaterThan(0);
    await noSeriousViolations(page);
    await screenshot(page, 'bundles-diff');
  });

  it('a replay can be cancelled, and nothing of it is shown', async () => {
    const { page } = wb;
    // Both clicks in one go: the workers are still loading Cedar when the cancel lands.
    await page.evaluate(async () => {
      (document.querySelector('[data-testid="impact-run"]') as HTMLButtonElement).click();
      await new Promise((resolve) => setTimeout(resolve, 0));
      (document.querySelector('[data-testid="impact-cancel"]') as HTMLButtonElement).click();
    });
    await page.getByTestId('impact-cancelled').waitFor();
    expect(await page.getByTestId('impact-result').count()).toBe(0);
  });

  it('the decision impact equals the CLI’s; a count lists its receipts; one opens replayed under the other version', async () => {
    const { page } = wb;
    await page.getByTestId('impact-run').click();
    await page.getByTestId('impact-result').waitFor({ timeout: 60_000 });
    const i = cli.impact;
    expect(await text(page, 'impact-evaluated')).toBe(n(i.evaluated));
    expect(await text(page, 'impact-unchanged')).toBe(n(i.unchanged));
    expect(await text(page, 'impact-changed')).toBe(n(i.changed.length));
    expect(await text(page, 'impact-allow-to-deny')).toBe(n(i.counts.allow_to_deny));
    expect(await text(page, 'impact-deny-to-allow')).toBe(n(i.counts.deny_to_allow));
    expect(await text(page, 'impact-other-policies')).toBe(n(i.counts.other_policies));
    expect(await text(page, 'impact-errors')).toBe(n(i.error_count));
    expect(await text(page, 'impact-not-read')).toBe('0');
    // How long it took, never "in 0 s" for a replay under a second.
    expect(await text(page, 'impact-result')).toMatch(
      /stored lines in (under a second|[1-9]\d* (s|min|h)\b.*?) by \d+ workers?/,
    );
    for (const [policy, count] of Object.entries(i.by_policy))
      expect(await text(page, `impact-policy-${policy}`)).toBe(n(count));
    await noSeriousViolations(page);
    await screenshot(page, 'bundles-impact');

    // One action's allow → deny: the count is a link to exactly those receipts, in ledger order.
    const [action, byAction] = Object.entries(i.by_action).find(([, c]) => c.allow_to_deny > 0) ?? [];
    expect(action).toBeDefined();
    await page.getByTestId(`impact-action-${action}-a2d`).click();
    await page.getByTestId('impact-list').waitFor();
    expect(page.url()).toContain('list=allow-to-deny');
    const expected = i.changed.filter((c) => c.action === action && c.kind === 'allow-to-deny');
    expect(await page.getByTestId('impact-list-count').getAttribute('data-count')).toBe(
      String(byAction?.allow_to_deny),
    );
    const shown = await page
      .getByTestId('impact-receipt')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-receipt')));
    expect(shown).toEqual(expected.slice(0, 50).map((c) => c.receipt));
    await noSeriousViolations(page);
    await screenshot(page, 'bundles-impact-list');

    // The first one, reconstructed and replayed under v2 (it was recorded under v1 and allowed).
    const first = expected[0] as CliImpact['changed'][number];
    await page.getByTestId('impact-open-to').first().click();
    await page.getByTestId('replayed-under').waitFor();
    expect(page.url()).toContain(`bundle=${encodeURIComponent(cli.to.hash)}`);
    await page.getByTestId('replayed-under-effect').waitFor({ timeout: 30_000 });
    expect((await text(page, 'replayed-under-effect')).toLowerCase()).toBe(String(first.to.effect));
    expect(await text(page, 'replayed-under-policies')).toBe(`by ${(first.to.policies as string[]).join(', ')}`);
    expect(await text(page, 'replayed-under-banner')).toContain('Recorded under agents-prod v1');
    // The reconstruction itself is there, for the same receipt.
    await reconstructionShown(page, first.receipt);
    await noSeriousViolations(page);
    await screenshot(page, 'bundles-replayed-under');

    // Back: the impact is kept (not replayed again) and the list is still there.
    await page.goBack();
    await page.getByTestId('impact-list').waitFor({ timeout: 30_000 });
  });

  it('a saved filter’s receipts only: the same outcomes as the CLI’s for that population', async () => {
    const { page } = wb;
    // A saved filter of the engagement (as the explorer saves one): the db.read receipts.
    await page.evaluate(
      (id) =>
        new Promise<void>((resolve, reject) => {
          const open = indexedDB.open('tickmark');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const db = open.result;
            const read = db.transaction('archives').objectStore('archives').get(id);
            read.onsuccess = () => {
              const engagementId = (read.result as { engagementId: string }).engagementId;
              const tx = db.transaction('savedFilters', 'readwrite');
              tx.objectStore('savedFilters').add({
                engagementId,
                name: 'db.read only',
                query: 'action=db.read',
                createdAt: new Date().toISOString(),
              });
              tx.oncomplete = () => {
                db.close();
                resolve();
              };
              tx.onerror = () => reject(tx.error);
            };
          };
        }),
      archiveId,
    );
    await page.goto(
      `${inject('baseUrl')}#/archive/${archiveId}/bundles/diff?from=${encodeURIComponent(cli.from.hash)}&to=${encodeURIComponent(cli.to.hash)}`,
    );
    await page.reload();
    await page.getByTestId('impact-population').waitFor();
    await page.getByTestId('impact-population').selectOption({ label: 'saved filter: db.read only' });
    await page.getByTestId('impact-idle').waitFor();
    expect(page.url()).toMatch(/filter=\d+/);
    await page.getByTestId('impact-run').click();
    await page.getByTestId('impact-result').waitFor({ timeout: 60_000 });
    const reads = demo.actions.get('db.read') ?? 0;
    const changed = cli.impact.changed.filter((c) => c.action === 'db.read');
    expect(reads).toBeGreaterThan(0);
    expect(await text(page, 'impact-evaluated')).toBe(n(reads));
    expect(await text(page, 'impact-changed')).toBe(n(changed.length));
    await page.getByTestId('impact-changed').click();
    await page.getByTestId('impact-list').waitFor();
    const shown = await page
      .getByTestId('impact-receipt')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-receipt')));
    expect(shown).toEqual(changed.slice(0, 50).map((c) => c.receipt));
  });

  it('what-if: a proposed file not in the archive, its signature shown (not required), diffed and replayed as the CLI does', async () => {
    const { page } = wb;
    const file = JSON.parse(demo.v2) as { bundle: Json & { cedar: { policies: Record<string, string> } } };
    const policies = file.bundle.cedar.policies;
    // A layout-only edit, and a new forbid: support agents may no longer search.
    policies['tier-read'] = (policies['tier-read'] as string).replace(/\s+/g, '  ').replace('when', '\nwhen');
    policies['no-support-search'] =
      'forbid(principal, action == Action::"kb.search", resource) when { principal.role == "support" };';
    file.bundle.version = 3;
    const proposed = join(dir, 'agents-prod-v3-proposed.json');
    writeFileSync(proposed, JSON.stringify(file, null, 2));
    const expected = await cliDiff(demoZip, 'agents-prod@2', proposed, root);

    await page.goto(`${inject('baseUrl')}#/archive/${archiveId}/bundles`);
    await page.getByTestId('bundles-page').waitFor();
    await page.getByTestId('whatif-file').setInputFiles(proposed);
    await page.getByTestId('whatif-base').selectOption(cli.to.hash);
    await page.getByTestId('whatif-open').click();
    await page.getByTestId('whatif-banner').waitFor();
    // The old signature no longer matches the edited body: checked and shown, not required.
    expect(await text(page, 'whatif-banner')).toContain('signature NOT valid');
    expect(await text(page, 'whatif-banner')).toContain('INVALID');
    await page.getByTestId('diff-fields').waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-testid="policy-diff"][data-policy="tier-read"]').getAttribute('data-change')).toBe(
      'unchanged-after-formatting',
    );
    expect(expected.policies.unchanged_after_formatting).toEqual(['tier-read']);
    expect(
      await page.locator('[data-testid="policy-diff"][data-policy="no-support-search"]').getAttribute('data-change'),
    ).toBe('added');
    await page.getByTestId('impact-run').click();
    await page.getByTestId('impact-result').waitFor({ timeout: 60_000 });
    expect(await text(page, 'impact-evaluated')).toBe(n(expected.impact.evaluated));
    expect(await text(page, 'impact-changed')).toBe(n(expected.impact.changed.length));
    expect(await text(page, 'impact-allow-to-deny')).toBe(n(expected.impact.counts.allow_to_deny));
    expect(expected.impact.changed.length).toBeGreaterThan(0);
    await noSeriousViolations(page);
    await screenshot(page, 'bundles-whatif');
    // A receipt replayed under the proposed file, from the impact's list.
    await page.getByTestId('impact-changed').click();
    await page.getByTestId('impact-open-to').first().click();
    await page.getByTestId('replayed-under-effect').waitFor({ timeout: 30_000 });
    expect(await text(page, 'replayed-under')).toContain('a proposed file, not in the archive');
    // After a reload the proposed file is gone, and the screen says so.
    await page.goBack();
    await page.reload();
    await page.getByTestId('diff-side-missing').waitFor({ timeout: 30_000 });
    expect(await text(page, 'diff-side-missing')).toContain('held in memory only');
  });

  it.skipIf(SCALE === 0)(`times the impact over ${SCALE} stored receipt lines`, { timeout: 1_800_000 }, async () => {
    const { page } = wb;
    // A copy of the demo archive in the store whose ledgers hold the demo's lines repeated: the
    // demo's segment lines, ledger by ledger in file order, read from the archive itself (the
    // store keeps small segment files as their stored bytes, not their lines).
    const demoFiles = unzipSync(readFileSync(demoZip));
    const texts = Object.keys(demoFiles)
      .filter((path) => /^ledgers\/[^/]+\/\d+\.jsonl$/.test(path))
      .sort()
      .flatMap((path) =>
        strFromU8(demoFiles[path] as Uint8Array)
          .split('\n')
          .filter((line) => line !== ''),
      );
    expect(texts.length).toBeGreaterThan(1000);
    const id = await page.evaluate(
      async ({ source, receipts, texts }) => {
        const open = await new Promise<IDBDatabase>((resolve, reject) => {
          const r = indexedDB.open('tickmark');
          r.onsuccess = () => resolve(r.result);
          r.onerror = () => reject(r.error);
        });
        const read = <T>(store: string, query: IDBKeyRange | string) =>
          new Promise<T[]>((resolve, reject) => {
            const r = open.transaction(store).objectStore(store).getAll(query);
            r.onsuccess = () => resolve(r.result as T[]);
            r.onerror = () => reject(r.error);
          });
        const write = (store: string, rows: unknown[]) =>
          new Promise<void>((resolve, reject) => {
            const tx = open.transaction(store, 'readwrite');
            for (const row of rows) tx.objectStore(store).put(row);
            tx.oncomplete = () => resolve();
            tx.onerror = () => reject(tx.error);
          });
        const [archive] = await read<Record<string, unknown>>('archives', source);
        const copy = `impact-scale-${receipts}`;
        const perLedger = receipts / 2;
        for (const ledger of ['gw-eu-1', 'gw-us-1'])
          for (let chunkNo = 0; chunkNo * 1000 < perLedger; chunkNo++) {
            const lines = Array.from({ length: Math.min(1000, perLedger - chunkNo * 1000) }, (_, k) => {
              const at = (chunkNo * 1000 + k) % texts.length;
              return texts[at] as string;
            });
            await write('receiptLines', [
              { archiveId: copy, ledger, chunkNo, texts: lines, hashes: lines.map(() => '') },
            ]);
          }
        const files = await read<Record<string, unknown>>(
          'archiveFiles',
          IDBKeyRange.bound([source, ''], [source, '\uffff']),
        );
        await write(
          'archiveFiles',
          files.map((f) => ({ ...f, archiveId: copy })),
        );
        await write('archives', [
          {
            ...archive,
            id: copy,
            name: `demo lines × ${receipts}`,
            rowsByLedger: { 'gw-eu-1': perLedger, 'gw-us-1': perLedger },
            // The copy's chunks above hold 1,000 lines, whatever the source archive's held.
            linesPerChunk: 1000,
          },
        ]);
        open.close();
        return copy;
      },
      { source: archiveId, receipts: SCALE, texts },
    );
    // Its index blocks were not copied: the screen's table has no columns, the plan needs none.
    await page.goto(`${inject('baseUrl')}#/archive/${id}/bundles/diff`);
    await page.getByTestId('impact-run').waitFor({ timeout: 60_000 });
    const started = Date.now();
    await page.getByTestId('impact-run').click();
    // Progress as for imports: receipts done of all, while the cancel button is there.
    await expect
      .poll(
        () =>
          page
            .getByTestId('impact-progress-lines')
            .textContent()
            .catch(() => ''),
        { timeout: 60_000 },
      )
      .toMatch(new RegExp(`^[\\d,]+ of ${n(SCALE)}$`));
    expect(await page.getByTestId('impact-cancel').isEnabled()).toBe(true);
    await page.getByTestId('impact-result').waitFor({ timeout: 1_800_000 });
    const wall = (Date.now() - started) / 1000;
    const ms = Number(await page.getByTestId('impact-result').getAttribute('data-ms'));
    const readMs = Number(await page.getByTestId('impact-result').getAttribute('data-read-ms'));
    console.log(
      `impact over ${SCALE} stored lines: ${(ms / 1000).toFixed(1)} s in the workers (${wall.toFixed(1)} s to screen), ` +
        `${Math.round((SCALE * 1000) / ms)} receipts/s; waiting for the store ${(readMs / 1000).toFixed(1)} s summed over the workers; evaluated ${await text(page, 'impact-evaluated')}, changed ${await text(page, 'impact-changed')}`,
    );
    expect(await text(page, 'impact-evaluated')).toBe(n(SCALE));
    await screenshot(page, 'bundles-impact-scale');
    // Receipts per version on the bundles screen: every stored line read once more.
    const counting = Date.now();
    await page.goto(`${inject('baseUrl')}#/archive/${id}/bundles`);
    await countsShown(page, 600_000);
    await screenshot(page, 'bundles-scale-timeline');
    console.log(
      `receipts per version over ${SCALE} stored lines: ${((Date.now() - counting) / 1000).toFixed(1)} s to screen`,
    );
    const governed = await page
      .getByTestId('version-receipts')
      .evaluateAll((cells) => cells.map((c) => Number((c.textContent ?? '').replace(/,/g, ''))));
    expect(governed.reduce((a, b) => a + b, 0)).toBe(SCALE);
  });

  it.skipIf(!GIVEN)(
    `times the impact over an imported archive (${GIVEN?.path ?? 'none given'})`,
    { timeout: 1_800_000 },
    async () => {
      const big = GIVEN as NonNullable<typeof GIVEN>;
      const { page } = wb;
      await page.goto(inject('baseUrl'));
      await page.getByTestId('start-page').waitFor();
      await pinRootKey(page, big.rootPublicKey, `given ${big.receipts}`);
      const importing = Date.now();
      await importArchive(page, big.path).catch(async () => {
        await page.getByTestId('dashboard').waitFor({ timeout: 1_500_000 });
      });
      const importS = (Date.now() - importing) / 1000;
      const id = archiveIdOf(page);
      await page.goto(`${inject('baseUrl')}#/archive/${id}/bundles/diff`);
      await page.getByTestId('impact-run').waitFor({ timeout: 60_000 });
      const started = Date.now();
      await page.getByTestId('impact-run').click();
      await page.getByTestId('impact-result').waitFor({ timeout: 1_800_000 });
      const wall = (Date.now() - started) / 1000;
      const ms = Number(await page.getByTestId('impact-result').getAttribute('data-ms'));
      const readMs = Number(await page.getByTestId('impact-result').getAttribute('data-read-ms'));
      console.log(
        `impact over ${big.path} (import ${importS.toFixed(0)} s): ${(ms / 1000).toFixed(1)} s in the workers (${wall.toFixed(1)} s to screen), ` +
          `${Math.round((big.receipts * 1000) / ms)} receipts/s; waiting for the store ${(readMs / 1000).toFixed(1)} s summed over the workers; evaluated ${await text(page, 'impact-evaluated')}, changed ${await text(page, 'impact-changed')}`,
      );
      expect(await text(page, 'impact-evaluated')).toBe(n(big.receipts));
      const counting = Date.now();
      await page.goto(`${inject('baseUrl')}#/archive/${id}/bundles`);
      await countsShown(page, 600_000);
      console.log(`receipts per version over ${big.path}: ${((Date.now() - counting) / 1000).toFixed(1)} s to screen`);
      const governed = await page
        .getByTestId('version-receipts')
        .evaluateAll((cells) => cells.map((c) => Number((c.textContent ?? '').replace(/,/g, ''))));
      expect(governed.reduce((a, b) => a + b, 0)).toBe(big.receipts);
      expect(wb.errors).toEqual([]);
    },
  );

  it('an archive whose policy texts were not kept says so, offers a re-import, and still shows what the report has', async () => {
    const { page } = wb;
    await dropArchiveFiles(page, archiveId);
    await page.goto(`${inject('baseUrl')}#/archive/${archiveId}/bundles`);
    await page.reload();
    await page.getByTestId('bundles-not-kept').waitFor({ timeout: 30_000 });
    expect(await text(page, 'bundles-not-kept')).toContain('The policy texts of this archive were not kept');
    // The demo, after a reload (the file is no longer in this window): opened again from the start page.
    expect(await page.getByTestId('bundles-reopen-demo').count()).toBe(1);
    expect(await text(page, 'lineage-partly-checked')).toContain('supersedes links not checked');
    const versions = page.getByTestId('bundle-version');
    expect(await versions.count()).toBe(2);
    expect(await versions.nth(1).getByTestId('version-supersedes').innerText()).toContain('not known');
    await countsShown(page);
    expect(await versions.nth(0).getByTestId('version-receipts').innerText()).toBe(
      n(demo.counts.get(cli.from.hash) ?? -1),
    );
    await noSeriousViolations(page);
    await screenshot(page, 'bundles-not-kept');
    await page.goto(`${inject('baseUrl')}#/archive/${archiveId}/bundles/diff`);
    await page.getByTestId('bundles-not-kept').waitFor();
    expect(wb.errors).toEqual([]);
  });
});
