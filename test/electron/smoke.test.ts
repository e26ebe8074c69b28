/**
 * Launches the real desktop app with Playwright and looks at what the page can reach:
 * the title, the bridge, and the absence of Node (`require`, `process`).
 *
 * Runs wherever Electron's binary is installed. Where it is not (the binary downloads
 * from outside the npm registry), the test is reported as skipped with the reason.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron, type ElectronApplication } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildElectron, findElectronBinary } from '../../build/build-electron.ts';
import { APP_FEATURES, APP_JS_FLAGS } from '../../electron/main/chromium-switches.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const electron = findElectronBinary();
const hasElectron = 'path' in electron;
if (!hasElectron) console.warn(`Electron smoke test skipped: ${electron.reason}`);

describe('desktop app smoke test', () => {
  let app: ElectronApplication | undefined;
  let userData: string | undefined;

  beforeAll(async () => {
    if (!('path' in electron)) return;
    if (!existsSync(path.join(ROOT, 'dist/renderer/index.html'))) {
      const built = spawnSync('npm', ['run', '-s', 'build:renderer'], {
        cwd: ROOT,
        stdio: 'inherit',
        shell: process.platform === 'win32',
      });
      if (built.status !== 0) throw new Error('npm run build:renderer failed; the smoke test needs dist/renderer');
    }
    const { main } = await buildElectron();
    userData = await mkdtemp(path.join(tmpdir(), 'tickmark-smoke-'));
    app = await _electron.launch({
      executablePath: electron.path,
      args: [main, `--user-data-dir=${userData}`],
      cwd: ROOT,
    });
  });

  afterAll(async () => {
    await app?.close();
    if (userData) await rm(userData, { recursive: true, force: true });
  });

  it.skipIf(!hasElectron)('opens one Tickmark window whose page has the bridge and no Node', async () => {
    const window = await app!.firstWindow();
    await window.waitForLoadState('domcontentloaded');
    expect(window.url()).toBe('tickmark://app/index.html');
    expect(await window.title()).toMatch(/Tickmark/);
    const globals = await window.evaluate(() => ({
      bridge: typeof (window as unknown as { tickmark?: unknown }).tickmark,
      openArchiveDialog: typeof (window as unknown as { tickmark?: { openArchiveDialog?: unknown } }).tickmark
        ?.openArchiveDialog,
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
      module: typeof (globalThis as { module?: unknown }).module,
    }));
    expect(globals).toEqual({
      bridge: 'object',
      openArchiveDialog: 'function',
      require: 'undefined',
      process: 'undefined',
      module: 'undefined',
    });
    expect(app!.windows()).toHaveLength(1);
  });

  // Not run on the build machine either: Electron 45's V8 with these switches was never started here.
  it.skipIf(!hasElectron)("Chromium got the app's switches, and a worker runs with them", async () => {
    const switches = await app!.evaluate(({ app: electronApp }) => ({
      jsFlags: electronApp.commandLine.getSwitchValue('js-flags'),
      features: electronApp.commandLine.getSwitchValue('enable-features'),
    }));
    expect(switches.jsFlags.split(' ')).toEqual(expect.arrayContaining([...APP_JS_FLAGS]));
    expect(switches.features.split(',')).toEqual(expect.arrayContaining([...APP_FEATURES]));
    // A worker's isolate compiles and runs hot code: the compilers' zones come from V8's pool.
    const window = await app!.firstWindow();
    const sum = await window.evaluate(async () => {
      const source = 'let s = 0; for (let i = 0; i < 5e6; i++) s = (s + i * 7) % 1000003; postMessage(s);';
      const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
      const value = await new Promise<number>((resolve, reject) => {
        worker.onmessage = (event) => resolve(event.data as number);
        worker.onerror = (event) => reject(new Error(event.message));
      });
      worker.terminate();
      return value;
    });
    let expected = 0;
    for (let i = 0; i < 5e6; i++) expected = (expected + i * 7) % 1000003;
    expect(sum).toBe(expected);
  });

  it.skipIf(!hasElectron)('the page has no network: a fetch to the web fails', async () => {
    const window = await app!.firstWindow();
    const outcome = await window.evaluate(async () => {
      try {
        await fetch('https://example.com/');
        return 'reached the network';
      } catch {
        return 'blocked';
      }
    });
    expect(outcome).toBe('blocked');
  });

  // Not run on the build machine (no Electron binary): written against Electron 45's typings.
  it.skipIf(!hasElectron)('File → Open Archive… reaches the page, which asks for the open dialog', async () => {
    const window = await app!.firstWindow();
    // The start page shows once the workbench is ready, which is when it subscribes to menu commands.
    await window.getByTestId('start-page').waitFor();
    // Stand in for the native dialog: count the calls and cancel, so nothing waits for a person.
    await app!.evaluate(({ dialog }) => {
      const counter = globalThis as { tickmarkOpenDialogs?: number };
      counter.tickmarkOpenDialogs = 0;
      dialog.showOpenDialog = (async () => {
        counter.tickmarkOpenDialogs = (counter.tickmarkOpenDialogs ?? 0) + 1;
        return { canceled: true, filePaths: [] };
      }) as unknown as typeof dialog.showOpenDialog;
    });
    await app!.evaluate(({ Menu }) => {
      Menu.getApplicationMenu()?.getMenuItemById('open-archive')?.click();
    });
    await expect
      .poll(() => app!.evaluate(() => (globalThis as { tickmarkOpenDialogs?: number }).tickmarkOpenDialogs))
      .toBe(1);
  });
});
