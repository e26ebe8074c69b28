/**
 * File → Open Archive… and its shortcut, in Chromium: the window's half of the path that
 * test/electron/menu-command.test.ts follows from the menu item under Node.
 *
 * * Browser host: Ctrl+O on any screen opens the file chooser of the start page's
 *   "Open evidence archive…" button, and the chosen archive is imported.
 * * Electron host: the page gets the desktop preload's real bridge over a stand-in IPC
 *   (test/e2e/stub-electron-preload.ts). A menu command on `tickmark:menu-command` makes
 *   the workbench ask the host's open dialog, and the archive it returns (read through
 *   the bridge's token reads) is imported to its dashboard. A producer's large segment files,
 *   relayed so, are kept as the bytes the engine read and resume points, and read back.
 */
import type { FileChooser } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { strFromU8, unzipSync } from 'fflate';
import { bigArchive } from './big-archive.ts';
import {
  archiveIdOf,
  demoZip,
  expectLinesReadBack,
  openWorkbench,
  pinRootKey,
  repo,
  rowsAddedBy,
  segmentLinesOf,
  storedRowCounts,
  type Workbench,
} from './browser.ts';

interface Stub {
  sendMenuCommand(command: unknown): number;
  menuListeners(): number;
  invokedChannels(): string[];
}

async function stubPreloadScript(): Promise<string> {
  const result = await build({
    entryPoints: [join(repo, 'test', 'e2e', 'stub-electron-preload.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    write: false,
    logLevel: 'warning',
  });
  return result.outputFiles[0]!.text;
}

/**
 * Presses Ctrl+O until Chromium shows a file chooser, up to three times: under load it may
 * still be closing an earlier chooser (or settling focus) when the key comes, and then shows
 * none. The shortcut itself is what is tested: three presses without a chooser fail.
 */
async function pressUntilChooser(page: Workbench['page'], where: string): Promise<FileChooser> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const [chooser] = await Promise.all([
      page.waitForEvent('filechooser', { timeout: 10_000 }).catch(() => null),
      page.keyboard.press('Control+O'),
    ]);
    if (chooser) return chooser;
  }
  throw new Error(`Ctrl+O on ${where} opened no file chooser in three tries`);
}

describe('File → Open Archive… / Ctrl+O', () => {
  let wb: Workbench | undefined;
  afterEach(async () => {
    await wb?.close();
    wb = undefined;
  });

  it('browser host: Ctrl+O on the start page and on another screen opens the file chooser; the archive is imported', async () => {
    wb = await openWorkbench(inject('baseUrl'));
    const { page } = wb;
    // The shortcut is live once interrupted imports are cleaned up (the page says so).
    await page.locator('html[data-open-shortcut="on"]').waitFor({ state: 'attached' });
    // Focus in the page, as a person's click would leave it.
    await page.getByRole('heading', { name: 'Open evidence' }).click();
    const first = await pressUntilChooser(page, 'the start page');
    // Several files may be chosen together: a v4 ExecLayer journal is its ledger.jsonl and dag_head.json.
    expect(first.isMultiple()).toBe(true);
    await first.setFiles([]);

    await page.getByTestId('nav-trust').click();
    await page.getByTestId('pin-label').waitFor();
    await page.getByTestId('pin-label').focus();
    const chooser = await pressUntilChooser(page, 'the trust page');
    await chooser.setFiles(demoZip);
    await page.getByTestId('dashboard').waitFor({ timeout: 90_000 });
    expect(wb.errors).toEqual([]);
  });

  it('Electron host: a menu command through the real bridge opens the host dialog and imports what it returns', async () => {
    const script = await stubPreloadScript();
    wb = await openWorkbench(inject('baseUrl'));
    const { page } = wb;
    // From the next load on, the stand-in preload runs before the page's own script, as a
    // preload does; the workbench then picks its Electron host.
    await wb.context.addInitScript(script);
    await page.reload();
    await page.getByTestId('start-page').waitFor();
    expect(await page.evaluate(() => typeof (window as unknown as { tickmark?: unknown }).tickmark)).toBe('object');
    const stub = () =>
      page.evaluate(() => (window as unknown as { __tickmarkStub: Stub }).__tickmarkStub.invokedChannels());

    // The workbench subscribed to menu commands once it was ready (one listener, not one per render).
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { __tickmarkStub: Stub }).__tickmarkStub.menuListeners()))
      .toBe(1);
    // Under Electron the menu's accelerator is the shortcut: the page itself does not take Ctrl+O.
    await page.getByRole('heading', { name: 'Open evidence' }).click();
    await page.keyboard.press('Control+O');
    await page.waitForTimeout(300);
    expect(await stub()).not.toContain('tickmark:open-evidence-dialog');

    // Commands the page does not know do nothing.
    await page.evaluate(() => (window as unknown as { __tickmarkStub: Stub }).__tickmarkStub.sendMenuCommand('quit'));
    await page.waitForTimeout(300);
    expect(await stub()).not.toContain('tickmark:open-evidence-dialog');

    const delivered = await page.evaluate(() =>
      (window as unknown as { __tickmarkStub: Stub }).__tickmarkStub.sendMenuCommand('open-archive'),
    );
    expect(delivered).toBe(1);
    await page.getByTestId('dashboard').waitFor({ timeout: 90_000 });
    const channels = await stub();
    expect(channels.filter((c) => c === 'tickmark:open-evidence-dialog')).toHaveLength(1);
    expect(channels).toContain('tickmark:read-archive-chunk');
    expect(channels).toContain('tickmark:add-recent');
    expect(await page.getByTestId('dashboard').innerText()).toContain('menu-demo.zip');

    // Relayed bytes keep small segment files too (renderer/workers/kept-files.ts records what the
    // engine read): every segment file of the demo is stored as its stored bytes, none of its
    // lines in the line chunks, and a receipt's line read back is the file's own.
    const zip = unzipSync(readFileSync(demoZip), { filter: (f) => /^ledgers\/[^/]+\/\d+\.jsonl$/.test(f.name) });
    const paths = Object.keys(zip).sort();
    expect((await storedRowCounts(page)).segmentFiles).toBe(paths.length);
    const firstLine = strFromU8(zip[paths[0] as string] as Uint8Array).split('\n')[0];
    await page.goto(`${inject('baseUrl')}#/archive/${archiveIdOf(page)}/receipts?row=0`);
    await expect.poll(() => page.getByTestId('detail-canonical').textContent(), { timeout: 30_000 }).toBe(firstLine);
    expect(wb.errors).toEqual([]);
  });
  it('Electron host: large segment files relayed through the bridge are kept as the bytes read and resume points, and read back', async () => {
    // Two ledgers of 6,000 receipts in files of 4,000 (read back from resume points a piece at a
    // time) and 2,000 (kept whole), as the browser host's case in import-lifecycle.test.ts.
    const large = await bigArchive(12_000, 4_000);
    const script = await stubPreloadScript();
    wb = await openWorkbench(inject('baseUrl'));
    const { page } = wb;
    await pinRootKey(page, large.rootPublicKey, 'large files');
    // The host's dialog picks this archive: served to the stub from the test, at the page's origin.
    await page.route('**/__stub-archive/large.zip', (route) =>
      route.fulfill({ path: large.path, contentType: 'application/zip' }),
    );
    await wb.context.addInitScript(
      `${script};window.__tickmarkStubArchive = { url: '/__stub-archive/large.zip', name: 'relayed-large.zip' };`,
    );
    await page.reload();
    await page.getByTestId('start-page').waitFor();
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { __tickmarkStub: Stub }).__tickmarkStub.menuListeners()))
      .toBe(1);
    const added = await rowsAddedBy(page, async () => {
      await page.evaluate(() =>
        (window as unknown as { __tickmarkStub: Stub }).__tickmarkStub.sendMenuCommand('open-archive'),
      );
      await page.getByTestId('dashboard').waitFor({ timeout: 120_000 });
      await expect.poll(() => page.getByTestId('receipt-count').textContent()).toBe('12,000');
    });
    expect(await page.getByTestId('dashboard').innerText()).toContain('relayed-large.zip');
    const channels = await page.evaluate(() =>
      (window as unknown as { __tickmarkStub: Stub }).__tickmarkStub.invokedChannels(),
    );
    expect(channels).toContain('tickmark:read-archive-chunk');
    expect(added('segmentFiles')).toBe(4);
    expect(added('resumePoints')).toBeGreaterThan(0);
    const { lineOf } = segmentLinesOf(large.path);
    // Files in order: the first ledger's of 4,000 and 2,000, then the second's. Read after a
    // reload too (the second case): nothing of the import is in memory then.
    await expectLinesReadBack(
      page,
      archiveIdOf(page),
      [
        [1_234, lineOf(0, 1_235)],
        // The last line of a large file: its piece is inflated to the stream's end.
        [3_999, lineOf(0, 4_000)],
        [4_000, lineOf(1, 1)],
        [6_000 + 3_999, lineOf(2, 4_000)],
      ],
      1,
    );
    expect(wb.errors).toEqual([]);
  });
});
