/**
 * Import is all or nothing: cancelling mid-way, or closing the window mid-way, leaves no
 * row of the archive behind (checked in IndexedDB itself, not only on screen).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bigArchive, type BigArchive } from './big-archive.ts';
import {
  archiveIdOf,
  expectLinesReadBack,
  openWorkbench,
  pinRootKey,
  reconstructionShown,
  screenshot,
  segmentLinesOf,
  seriousViolations,
  shownFindingCodes,
  startImport,
  rowsAddedBy,
  storedRowCounts,
  type Workbench,
} from './browser.ts';

const RECEIPTS = 30_000;

async function receiptsVerified(page: Page): Promise<number> {
  const text = (await page.getByTestId('import-receipts').textContent()) ?? '0';
  return Number(text.replace(/,/g, ''));
}

function totalRows(counts: Record<string, number>, except: string[] = ['trustedRoots', 'engagements']): number {
  return Object.entries(counts)
    .filter(([name]) => !except.includes(name))
    .reduce((n, [, c]) => n + c, 0);
}

describe('import lifecycle', () => {
  let wb: Workbench;
  let archive: BigArchive;
  beforeAll(async () => {
    archive = await bigArchive(RECEIPTS);
    wb = await openWorkbench(inject('baseUrl'));
    await pinRootKey(wb.page, archive.rootPublicKey, 'End-to-end demo root');
  });
  afterAll(async () => {
    await wb?.close();
  });

  it("the start page starts the next import's verify worker ahead, and the import takes that one", async () => {
    const { page } = wb;
    await page.getByTestId('start-page').waitFor();
    const verifyWorkers = () => page.workers().filter((w) => w.url().includes('verify.worker'));
    // Before any archive is chosen: one worker, loading what a verification needs first.
    await expect.poll(() => verifyWorkers().length, { timeout: 10_000 }).toBe(1);
    const warm = verifyWorkers()[0];
    const started: string[] = [];
    const onWorker = (worker: { url(): string }) => void started.push(worker.url());
    page.on('worker', onWorker);
    try {
      await startImport(page, archive.path);
      await expect.poll(() => receiptsVerified(page), { timeout: 60_000 }).toBeGreaterThan(0);
      // The import verifies in that worker: no other verify worker was started for it.
      expect(started.filter((url) => url.includes('verify.worker'))).toEqual([]);
      expect(verifyWorkers()).toEqual([warm]);
      await page.getByTestId('cancel-import').click();
      await page.getByTestId('import-cancelled').waitFor({ timeout: 30_000 });
    } finally {
      page.off('worker', onWorker);
    }
    expect(totalRows(await storedRowCounts(page))).toBe(0);
    // Back on the start page after the import: the next one's worker is started again, and is
    // the only one (the cancelled import's may still be listed for a moment after it ended).
    await expect
      .poll(() => verifyWorkers().length === 1 && verifyWorkers()[0] !== warm, { timeout: 10_000 })
      .toBe(true);
  });

  it('shows progress while verifying, and cancelling keeps nothing', async () => {
    const { page } = wb;
    await startImport(page, archive.path);
    await page.getByTestId('import-page').waitFor();
    await expect.poll(() => receiptsVerified(page), { timeout: 60_000 }).toBeGreaterThan(2_000);
    // Something is half-stored at this point: the test would prove nothing otherwise.
    const during = await storedRowCounts(page);
    expect(during.archives).toBe(1);
    expect(during.receiptLines).toBeGreaterThan(0);
    await screenshot(page, 'import-progress');
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByTestId('cancel-import').click();
    await page.getByTestId('import-cancelled').waitFor({ timeout: 30_000 });
    const after = await storedRowCounts(page);
    expect(totalRows(after)).toBe(0);
    await page.getByTestId('no-archives').waitFor();
    expect(wb.errors).toEqual([]);
  });

  it('a window closed mid-import leaves nothing once the workbench starts again', async () => {
    const { page } = wb;
    await startImport(page, archive.path);
    await expect.poll(() => receiptsVerified(page), { timeout: 60_000 }).toBeGreaterThan(2_000);
    const during = await storedRowCounts(page);
    expect(during.receiptLines).toBeGreaterThan(0);
    await page.goto(page.url().replace(/#.*$/, '#/'));
    await page.reload();
    await page.getByTestId('cleanup-note').waitFor();
    const after = await storedRowCounts(page);
    expect(totalRows(after)).toBe(0);
    await screenshot(page, 'start-after-interrupted-import');
  });

  it(`verifies the whole ${RECEIPTS.toLocaleString('en-US')}-receipt archive and reports its planted failures`, async () => {
    const { page } = wb;
    const started = Date.now();
    await startImport(page, archive.path);
    await page.getByTestId('dashboard').waitFor({ timeout: 240_000 });
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `e2e: imported ${RECEIPTS} receipts in ${seconds.toFixed(1)} s (${Math.round(RECEIPTS / seconds)} receipts/s, verification and storage)`,
    );
    await expect.poll(() => page.getByTestId('receipt-count').textContent()).toBe(RECEIPTS.toLocaleString('en-US'));
    const shown = await shownFindingCodes(page);
    expect(archive.plantedCodes.length).toBeGreaterThan(0);
    // Exactly the planted failures, plus the unsealed tail the archive was made with.
    expect([...new Set(shown)].sort()).toEqual([...new Set([...archive.plantedCodes, 'CHAIN_UNSEALED'])].sort());
    // This much ledger data goes to the pool of segment workers, and the report says so.
    const checks = await page.getByTestId('check-row').allTextContents();
    expect(
      checks.some((c) => /Segments checked by a pool of \d+ Web Workers? \(receipt signatures: .+\)/.test(c)),
    ).toBe(true);
    const counts = await storedRowCounts(page);
    expect(counts.archives).toBe(1);
    // Two ledgers of 15,000 receipts: 120 chunks of 250 lines each (LINES_PER_CHUNK).
    expect(counts.receiptLines).toBe(120);
    // The 30 segment files of 1,000 lines are kept as their stored bytes, not their lines
    // (renderer/store/line-files.ts), as parts of one copy of the archive file (they are more
    // than nine tenths of it: renderer/workers/kept-files.ts), which has a row of its own; a
    // line read back is the file's own: the last line of one file and the first of the next,
    // in the explorer's detail.
    expect(counts.segmentFiles).toBe(30 + 1);
    // The first ledger's files come first in path order: its first file's last line, its second's first.
    const { lineOf } = segmentLinesOf(archive.path);
    await expectLinesReadBack(page, archiveIdOf(page), [
      [999, lineOf(0, 1000)],
      [1000, lineOf(1, 1)],
    ]);
    await screenshot(page, 'dashboard-big-demo');
  });

  it.each([
    ['deflated (read back from resume points)', false],
    ['stored, not deflated (ZIP method 0: a piece is a slice, no resume point)', true],
  ] as const)(
    "a producer's large segment files, %s, are kept as their stored bytes: a line read back is the file's own",
    async (_, stored) => {
      const { page } = wb;
      // Two ledgers of 6,000 receipts in files of 4,000 (about 5.6 MB inflated: read back from
      // resume points a piece at a time, or a slice of a stored file) and 2,000 (2.8 MB: kept
      // whole, as the demo's files are).
      const large = await bigArchive(12_000, 4_000, stored);
      expect(large.rootPublicKey).toBe(archive.rootPublicKey);
      const added = await rowsAddedBy(page, () => importFromStart(page, large.path, '12,000'));
      expect(added('segmentFiles')).toBe(4);
      if (stored) expect(added('resumePoints')).toBe(0);
      else expect(added('resumePoints')).toBeGreaterThan(0);
      // No line of either kind of file is in the line chunks: 48 chunks of 250, all empty of lines.
      expect(added('receiptLines')).toBe(48);
      const { lineOf } = segmentLinesOf(large.path);
      // Files in order: the first ledger's of 4,000 and 2,000, then the second's; the second read
      // follows a reload (nothing of the import is in memory then).
      await expectLinesReadBack(
        page,
        archiveIdOf(page),
        [
          [0, lineOf(0, 1)],
          [2_718, lineOf(0, 2_719)],
          [3_999, lineOf(0, 4_000)],
          [4_000, lineOf(1, 1)],
          [6_000 + 3_210, lineOf(2, 3_211)],
        ],
        1,
      );
      expect(wb.errors).toEqual([]);
    },
  );

  it("a producer's small segment files (ten receipts each) are parts of the archive's copy with no row of their own: a line read back is the file's own", async () => {
    const { page } = wb;
    // Two ledgers of 1,500 receipts in files of 10: 300 files, each chunk of 250 lines naming 25.
    const small = await bigArchive(3_000, 10);
    const added = await rowsAddedBy(page, () => importFromStart(page, small.path, '3,000'));
    // The archive's copy only: each line chunk says where its files lie in it (ChunkFiles.parts).
    expect(added('segmentFiles')).toBe(1);
    expect(added('receiptLines')).toBe(12);
    const { paths, lineOf } = segmentLinesOf(small.path);
    expect(paths).toHaveLength(300);
    // Files in path order: the first ledger's 150, then the second's; one read after a reload.
    await expectLinesReadBack(
      page,
      archiveIdOf(page),
      [
        [0, lineOf(0, 1)],
        [9, lineOf(0, 10)],
        [10, lineOf(1, 1)],
        [1_234, lineOf(123, 5)],
        [1_499, lineOf(149, 10)],
        [1_500, lineOf(150, 1)],
        [2_999, lineOf(299, 10)],
      ],
      3,
    );
    // A decision walked from a reload on its address, then across a file boundary: the view reads
    // the lines from the places the chunks give (no row is there to read ahead by path).
    const receipt = (file: number, n: number) => JSON.parse(lineOf(file, n) as string) as { id: string; seq: number };
    const last = receipt(123, 10);
    const next = receipt(124, 1);
    await page.goto(`${inject('baseUrl')}#/archive/${archiveIdOf(page)}/receipt/${last.id}`);
    await page.reload();
    await reconstructionShown(page, last.id);
    await page.keyboard.press(']');
    await reconstructionShown(page, next.id);
    expect(next.seq).toBe(last.seq + 1);
    expect(await page.getByTestId('chain-previous-linked').getAttribute('data-value')).toBe('true');
    expect(await page.getByTestId('evidence-signature').innerText()).toContain('valid');
    expect(await page.getByTestId('evidence-file').innerText()).toContain(paths[124]);
    expect(await page.getByTestId('recon-checks').innerText()).toMatch(/ran\s+Its decision re-evaluated/);
    await page.keyboard.press('[');
    await reconstructionShown(page, last.id);
    expect(await page.getByTestId('evidence-file').innerText()).toContain(paths[123]);
    expect(wb.errors).toEqual([]);
  });
});

/** Imports `path` from the start page, up to its dashboard showing `receipts` (as the page writes the count). */
async function importFromStart(page: Page, path: string, receipts: string): Promise<void> {
  await page.goto(`${inject('baseUrl')}#/`);
  await page.getByTestId('start-page').waitFor();
  await startImport(page, path);
  await page.getByTestId('dashboard').waitFor({ timeout: 120_000 });
  await expect.poll(() => page.getByTestId('receipt-count').textContent()).toBe(receipts);
}
