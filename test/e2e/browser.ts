/**
 * Shared end-to-end helpers: launch Debian's Chromium with a fresh profile, drive the
 * workbench like a person would, check accessibility with axe-core, take screenshots.
 */
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { strFromU8, unzipSync } from 'fflate';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { expect, inject } from 'vitest';
import { chromiumArgs } from '../../electron/main/chromium-switches.ts';
import { SAMPLES_DIR } from '../support/shared-dir.ts';

export const repo = fileURLToPath(new URL('../../', import.meta.url));
/** ../shared/samples (or TICKMARK_SHARED_DIR's samples/: see test/support/shared-dir.ts). */
export const samplesDir = SAMPLES_DIR;
export const resultsDir = join(repo, 'test-results');
/** The built-in demo archive and what it plants, as the renderer build writes them. */
export const demoZip = join(repo, 'dist', 'renderer', 'demo', 'demo.zip');
export const demoJson = join(repo, 'dist', 'renderer', 'demo', 'demo.json');
const CHROMIUM = '/usr/bin/chromium';

export interface Workbench {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors and page errors seen so far. */
  readonly errors: string[];
  /** The browser's profile folder (`--user-data-dir`), which names its processes. */
  readonly profile: string;
  close(): Promise<void>;
}

/** How every test starts Chromium here: headless, and nothing reaching out to the network. */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** A persistent profile (so reload and reopen keep IndexedDB), removed on close. */
export async function openWorkbench(baseUrl: string): Promise<Workbench> {
  const profile = await mkdtemp(join(tmpdir(), 'tickmark-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    // The app's own switches (electron/main/chromium-switches.ts), as Electron gives them, unless
    // TICKMARK_E2E_APP_SWITCHES=0 (to measure what they give). For profiling a run by hand, e.g.
    // TICKMARK_E2E_CHROMIUM_ARGS='--js-flags=--prof' (docs/PERFORMANCE.md).
    args: chromiumArgs(
      CHROMIUM_FLAGS,
      process.env.TICKMARK_E2E_CHROMIUM_ARGS?.split(' ').filter((a) => a !== '') ?? [],
      process.env.TICKMARK_E2E_APP_SWITCHES !== '0',
    ),
    viewport: { width: 1440, height: 900 },
    acceptDownloads: false,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // TICKMARK_E2E_CONSOLE=1: the page's console in the test's output (a look at a measurement).
    if (process.env.TICKMARK_E2E_CONSOLE) console.log(`page: ${message.text()}`);
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  // Nothing may leave the machine: any request not to the local server fails the test.
  await context.route(/^(?!http:\/\/127\.0\.0\.1)[a-z]+:\/\//, (route) => {
    errors.push(`blocked request: ${route.request().url()}`);
    return route.abort();
  });
  await page.goto(baseUrl);
  await page.getByTestId('start-page').waitFor();
  return {
    context,
    page,
    errors,
    profile,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

export async function pinRootKey(page: Page, publicKey: string, label: string): Promise<void> {
  await page.getByTestId('nav-trust').click();
  await page.getByTestId('pin-label').fill(label);
  await page.getByTestId('pin-key').fill(publicKey);
  await page.getByTestId('pin-note').fill('Given in cases.json of the reference samples.');
  await page.getByTestId('pin-submit').click();
  await page.getByTestId('pin-message').waitFor();
  await page.getByTestId('nav-start').click();
}

/** Opens `file` through the "Open evidence archive…" button and its file chooser. */
export async function startImport(page: Page, file: string): Promise<void> {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId('open-archive').click()]);
  await chooser.setFiles(file);
}

/** Imports `file` and waits for its dashboard. */
export async function importArchive(page: Page, file: string): Promise<void> {
  await startImport(page, file);
  await page.getByTestId('dashboard').waitFor({ timeout: 90_000 });
}

/** The archive id in the page's address (`#/archive/<id>/…`). */
export function archiveIdOf(page: Page): string {
  const match = /#\/archive\/([^/?]+)/.exec(page.url());
  if (!match) throw new Error(`not an archive's address: ${page.url()}`);
  return decodeURIComponent(match[1] as string);
}

/** Opens the built-in demo from the start page, waits for its dashboard and returns its archive id. */
export async function openDemo(page: Page): Promise<string> {
  await page.getByTestId('open-demo').click();
  await page.getByTestId('dashboard').waitFor({ timeout: 90_000 });
  return archiveIdOf(page);
}

/** Deletes one member of a stored archive row, as an import made before the workbench kept it left the row. */
export async function dropArchiveField(page: Page, archiveId: string, field: string): Promise<void> {
  await page.evaluate(
    async ({ id, member }) => {
      const database = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open('tickmark');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const tx = database.transaction('archives', 'readwrite');
      const store = tx.objectStore('archives');
      // Resolved when the transaction has committed, not when the put succeeded: a reload right
      // after a put's success can abort the transaction, and the field is then still there.
      await new Promise<void>((resolve, reject) => {
        const get = store.get(id);
        get.onsuccess = () => {
          const row = get.result as Record<string, unknown>;
          delete row[member];
          store.put(row);
        };
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error ?? new Error('the transaction was aborted'));
      });
      database.close();
    },
    { id: archiveId, member: field },
  );
}

/** Deletes the archive's stored files (archiveFiles rows, and the checkpoint pieces cut from them), as an import made before they were kept. */
export async function dropArchiveFiles(page: Page, archiveId: string): Promise<void> {
  await page.evaluate(
    (id) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('tickmark');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          // The files, their checkpoint pieces and the row's summary of them: none existed then.
          const tx = open.result.transaction(['archiveFiles', 'checkpointPieces', 'archives'], 'readwrite');
          for (const name of ['archiveFiles', 'checkpointPieces'])
            tx.objectStore(name).index('archiveId').openCursor(IDBKeyRange.only(id)).onsuccess = (event) => {
              const cursor = (event.target as IDBRequest<IDBCursorWithValue | null>).result;
              if (cursor) {
                cursor.delete();
                cursor.continue();
              }
            };
          const archives = tx.objectStore('archives');
          const get = archives.get(id);
          get.onsuccess = () => {
            const row = get.result as Record<string, unknown> | undefined;
            if (!row) return;
            delete row['checkpointPieces'];
            archives.put(row);
          };
          tx.oncomplete = () => {
            open.result.close();
            resolve();
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
    archiveId,
  );
}

/**
 * Runs `action` and returns what the browser host saved: the Blob it makes a URL for is
 * kept, and its download anchor's click is intercepted (the page's CSP rightly forbids
 * fetching the blob: URL back, and the test browser does not keep downloads). `text` is
 * the bytes decoded as UTF-8, as Blob.text() decodes them.
 */
export async function captureSave(
  page: Page,
  action: () => Promise<void>,
): Promise<{ name: string; bytes: Buffer; text: string }> {
  await page.evaluate(() => {
    const w = window as unknown as { __saved?: Promise<{ name: string; base64: string }> };
    const createObjectURL = URL.createObjectURL.bind(URL);
    const click = HTMLAnchorElement.prototype.click;
    let blob: Blob | null = null;
    URL.createObjectURL = (object: Blob | MediaSource) => {
      if (object instanceof Blob) blob = object;
      return createObjectURL(object);
    };
    w.__saved = new Promise((resolve, reject) => {
      HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
        if (!this.download) return click.call(this);
        HTMLAnchorElement.prototype.click = click;
        URL.createObjectURL = createObjectURL;
        if (!blob) return reject(new Error('a download without a Blob'));
        const name = this.download;
        const reader = new FileReader();
        reader.onload = () => resolve({ name, base64: String(reader.result).split(',')[1] ?? '' });
        reader.onerror = () => reject(reader.error);
        reader.readAsDataURL(blob);
      };
    });
  });
  await action();
  const saved = await page.evaluate(
    () => (window as unknown as { __saved: Promise<{ name: string; base64: string }> }).__saved,
  );
  const bytes = Buffer.from(saved.base64, 'base64');
  return { name: saved.name, bytes, text: new TextDecoder().decode(bytes) };
}

/** RFC 4180 records (quoted fields may hold commas, quotes and line breaks), read apart from the writer. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      fields.push(field);
      records.push(fields);
      fields = [];
      field = '';
      i++;
    } else field += c;
  }
  expect(fields.length === 0 && field === '', 'the file ends with CRLF').toBe(true);
  return records;
}

/** Finding codes shown in the dashboard's per-code tables. */
export async function shownFindingCodes(page: Page): Promise<string[]> {
  const ids = await page
    .locator('[data-testid^="finding-code-"]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-testid') ?? ''));
  return ids.map((id) => id.replace('finding-code-', '')).sort();
}

let axeSource: string | null = null;

/** Serious and critical axe-core violations on the page as it is now. */
export async function seriousViolations(
  page: Page,
): Promise<{ id: string; impact: string; help: string; targets: string[] }[]> {
  axeSource ??= await readFile(join(repo, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  const loaded = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe !== 'undefined');
  // The page's CSP refuses inline <script> (page.addScriptTag), as it should; evaluating the
  // source through the DevTools protocol is not page script and is not subject to it.
  if (!loaded) await page.evaluate(`${axeSource};void 0`);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(
            context?: unknown,
            options?: unknown,
          ): Promise<{
            violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[];
          }>;
        };
      }
    ).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? 'unknown',
      help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => JSON.stringify(n.target)),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(resultsDir, { recursive: true });
  const path = join(resultsDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Runs `act` (an import, say) and gives how many rows each store table gained by it. */
export async function rowsAddedBy(page: Page, act: () => Promise<void>): Promise<(table: string) => number> {
  const before = await storedRowCounts(page);
  await act();
  const after = await storedRowCounts(page);
  return (table) => (after[table] ?? 0) - (before[table] ?? 0);
}

/** Rows per object store of the workbench database, read straight from IndexedDB. */
export async function storedRowCounts(page: Page): Promise<Record<string, number>> {
  return page.evaluate(async () => {
    const database = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('tickmark');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const names = [...database.objectStoreNames];
    const out: Record<string, number> = {};
    const tx = database.transaction(names, 'readonly');
    await Promise.all(
      names.map(
        (name) =>
          new Promise<void>((resolve, reject) => {
            const request = tx.objectStore(name).count();
            request.onsuccess = () => {
              out[name] = request.result;
              resolve();
            };
            request.onerror = () => reject(request.error);
          }),
      ),
    );
    database.close();
    return out;
  });
}

/** A screenshot of one element (at full resolution, for a close look at one part of a screen). */
export async function screenshotElement(locator: Locator, name: string): Promise<string> {
  await mkdir(resultsDir, { recursive: true });
  const path = join(resultsDir, `${name}.png`);
  await locator.screenshot({ path });
  return path;
}

/**
 * The segment files of an archive on disk, by path in order: `lineOf(k, n)` is line `n`
 * (1-based) of the `k`-th file (undefined past its end).
 */
export function segmentLinesOf(archivePath: string): {
  readonly paths: readonly string[];
  lineOf(file: number, n: number): string | undefined;
} {
  const zip = unzipSync(readFileSync(archivePath), { filter: (f) => /^ledgers\/[^/]+\/\d+\.jsonl$/.test(f.name) });
  const paths = Object.keys(zip).sort();
  const split = new Map<number, string[]>();
  return {
    paths,
    lineOf(file, n) {
      let lines = split.get(file);
      if (!lines) split.set(file, (lines = strFromU8(zip[paths[file] as string] ?? new Uint8Array(0)).split('\n')));
      return lines[n - 1];
    },
  };
}

/**
 * Opens each row of an imported archive in the explorer and expects its stored line, in the
 * detail, to be `expected` (the archive's own); the read at `reloadAt` follows a reload, when
 * nothing of the import is in memory.
 */
export async function expectLinesReadBack(
  page: Page,
  archiveId: string,
  cases: readonly (readonly [row: number, expected: string | undefined])[],
  reloadAt?: number,
): Promise<void> {
  for (const [i, [row, expected]] of cases.entries()) {
    expect(expected, `row ${row}`).toBeTruthy();
    await page.goto(`${inject('baseUrl')}#/archive/${archiveId}/receipts?row=${row}`);
    if (i === reloadAt) await page.reload();
    await expect.poll(() => page.getByTestId('detail-canonical').textContent(), { timeout: 30_000 }).toBe(expected);
  }
}

/** Waits until the reconstruction view shows a receipt and is not busy; says what the page shows instead when it does not. */
export async function reconstructionReady(page: Page): Promise<void> {
  try {
    await page
      .locator('[data-testid="reconstruct-page"][data-busy="false"][data-pending="false"][data-ready-row]')
      .waitFor({ timeout: 60_000 });
  } catch (error) {
    const text = await page
      .locator('main')
      .innerText()
      .catch(() => '(no main)');
    throw new Error(`the reconstruction was not shown; the page says: ${text.slice(0, 600)}`, { cause: error });
  }
}

/** Waits until the reconstruction view shows `receiptId` and is not busy. */
export async function reconstructionShown(page: Page, receiptId: string): Promise<void> {
  await expect
    .poll(
      () =>
        page
          .getByTestId('recon-receipt-id')
          .textContent()
          .catch(() => null),
      { timeout: 60_000 },
    )
    .toContain(receiptId);
  await reconstructionReady(page);
}

/**
 * Loads one of the project's modules into the page, bundled with esbuild, as `globalThis[name]`
 * (its exports), to run the app's own code in Chromium. Evaluated through the DevTools protocol,
 * as axe is: the page's CSP (rightly) refuses inline scripts.
 * @param modulePath the module's path from the repository's root
 */
export async function loadModuleInPage(page: Page, modulePath: string, name: string): Promise<void> {
  const bundled = await build({
    entryPoints: [join(repo, modulePath)],
    bundle: true,
    format: 'iife',
    globalName: name,
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  await page.evaluate(`${bundled.outputFiles[0]?.text ?? ''};globalThis.${name} = ${name};void 0`);
}
