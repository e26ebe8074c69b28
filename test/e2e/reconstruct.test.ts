/**
 * Decision reconstruction in Chromium, on the built-in demo: the DECISION_MISMATCH receipt
 * reached by the explorer's filter and by its id, recorded against re-performed with the
 * determining policy marked; a three-step transaction walked with the keyboard; an
 * attachment with its matched badge; a deep link that survives a reload; "Add to
 * workpaper" kept across a reload; an archive whose files were not kept says so and claims
 * nothing. Screenshots of the whole view and an axe check of each screen.
 *
 * Set TICKMARK_E2E_RECONSTRUCT_RECEIPTS=200000 (or 1000000) to also import a demo archive of
 * that size and print how long the view takes to be on screen (docs/PERFORMANCE.md);
 * TICKMARK_E2E_RECONSTRUCT_SEGMENT=250000 makes its segment files that large (issue 18), and
 * TICKMARK_E2E_RECONSTRUCT_ARCHIVE=/path/archive.zip times an archive made elsewhere instead
 * (test/bench/independent-producer.py; its `.json` beside it names rootPublicKey and receipts).
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, strToU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { nodeCedar } from '../../cli/cedar-node.ts';
import { nodeCryptoSigner } from '../../cli/commands/demo.ts';
import { DEFAULT_DEMO_RECEIPTS, DEFAULT_DEMO_SEED, makeDemoArchive } from '../../shared/producer/demo.ts';
import { zipFiles } from '../../shared/producer/zip.ts';
import { bigArchive, givenArchive } from './big-archive.ts';
import {
  archiveIdOf,
  demoJson,
  demoZip,
  dropArchiveFiles,
  importArchive,
  openDemo,
  openWorkbench,
  pinRootKey,
  reconstructionReady as ready,
  reconstructionShown as shown,
  screenshot,
  seriousViolations,
  storedRowCounts,
  type Workbench,
} from './browser.ts';

const GIVEN = process.env.TICKMARK_E2E_RECONSTRUCT_ARCHIVE
  ? givenArchive(process.env.TICKMARK_E2E_RECONSTRUCT_ARCHIVE)
  : null;
const SCALE = GIVEN?.receipts ?? Number(process.env.TICKMARK_E2E_RECONSTRUCT_RECEIPTS ?? 0);
const PER_SEGMENT = Number(process.env.TICKMARK_E2E_RECONSTRUCT_SEGMENT ?? 1000);

interface DemoReceipt {
  id: string;
  seq: number;
  ledger: string;
  txn: { id: string; step: number };
  io: { input: string; reasoning: string; output: string };
  data: { personal: string[]; subjects: string[]; recipient: string | null };
  decision: { effect: string; approval?: { approver: string } };
}

/** Every receipt of the demo archive, read in Node. */
function demoReceipts(): DemoReceipt[] {
  const files = unzipSync(readFileSync(demoZip));
  return Object.entries(files)
    .filter(([path]) => /^ledgers\/[^/]+\/\d{6}\.jsonl$/.test(path))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .flatMap(([, bytes]) =>
      strFromU8(bytes)
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as DemoReceipt),
    );
}

/**
 * From the demo archive itself: a transaction of exactly steps 1, 2, 3 in one ledger whose
 * last step is an allowed receipt with an attachment (the demo attaches reasoning to a few).
 */
function threeStepsWithAttachment(): { steps: DemoReceipt[]; attachment: 'input' | 'reasoning' | 'output' } {
  const attachments = new Set(
    Object.keys(unzipSync(readFileSync(demoZip))).flatMap((p) =>
      p.startsWith('attachments/') ? [`sha256:${p.slice('attachments/'.length)}`] : [],
    ),
  );
  const byTxn = new Map<string, DemoReceipt[]>();
  for (const r of demoReceipts()) {
    const key = `${r.ledger} ${r.txn.id}`;
    byTxn.set(key, [...(byTxn.get(key) ?? []), r]);
  }
  for (const steps of byTxn.values()) {
    if (steps.map((s) => s.txn.step).join() !== '1,2,3') continue;
    const last = steps[2] as DemoReceipt;
    const attachment = (['input', 'reasoning', 'output'] as const).find((k) => attachments.has(last.io[k]));
    if (attachment && last.decision.effect === 'allow') return { steps, attachment };
  }
  throw new Error('the demo has no three-step transaction whose last step carries an attachment');
}

/**
 * Imports the default demo archive with `tamper` applied to its files, through the start page,
 * and returns the stored archive's id.
 */
async function importTamperedDemo(
  page: Workbench['page'],
  name: string,
  tamper: (files: Map<string, Uint8Array>) => void,
) {
  const demo = await makeDemoArchive({
    cedar: nodeCedar,
    seed: DEFAULT_DEMO_SEED,
    receipts: DEFAULT_DEMO_RECEIPTS,
    sign: nodeCryptoSigner(),
  });
  const files = new Map(demo.files);
  tamper(files);
  const dir = await mkdtemp(join(tmpdir(), 'tickmark-reconstruct-'));
  const file = join(dir, name);
  await writeFile(file, zipFiles(files));
  try {
    await page.goto(inject('baseUrl'));
    await page.getByTestId('start-page').waitFor();
    await importArchive(page, file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return archiveIdOf(page);
}

describe('decision reconstruction', () => {
  let wb: Workbench;
  let archiveId = '';
  let mismatch = '';
  let mismatchAt = '';
  let demoPlanted: { code: string; receipt: string }[] = [];
  let gap = '';
  let STEPS: string[] = [];
  let walked: ReturnType<typeof threeStepsWithAttachment>;
  beforeAll(async () => {
    wb = await openWorkbench(inject('baseUrl'));
    const demo = JSON.parse(readFileSync(demoJson, 'utf8')) as {
      plantedFailures: { code: string; receipt: string; ledger: string; seq: number }[];
    };
    demoPlanted = demo.plantedFailures;
    const planted = demo.plantedFailures.find((f) => f.code === 'DECISION_MISMATCH');
    mismatch = planted?.receipt ?? '';
    mismatchAt = `${planted?.ledger}#${planted?.seq}`;
    gap = demo.plantedFailures.find((f) => f.code === 'TXN_STEP_GAP')?.receipt ?? '';
    walked = threeStepsWithAttachment();
    STEPS = walked.steps.map((s) => s.id);
    archiveId = await openDemo(wb.page);
  });
  afterAll(async () => {
    await wb?.close();
  });

  it('reaches the DECISION_MISMATCH receipt by the explorer filter: recorded vs replayed, determining policy marked', async () => {
    const { page } = wb;
    expect(mismatch).toMatch(/^rc_/);
    await page.goto(`${inject('baseUrl')}#/archive/${archiveId}/receipts?code=DECISION_MISMATCH`);
    await page.getByTestId('receipt-row').first().waitFor();
    expect(await page.getByTestId('receipt-row').count()).toBe(1);
    await page.getByTestId('receipt-row').first().click();
    await page.getByTestId('detail-walk').click();
    await shown(page, mismatch);
    // The address names the receipt by id (a link by row gets its id).
    expect(decodeURIComponent(page.url())).toContain(`/receipt/${mismatch}`);

    expect(await page.getByTestId('recon-verdict').getAttribute('data-holds')).toBe('false');
    const recorded = page.getByTestId('outcome-recorded');
    const replayed = page.getByTestId('outcome-replayed');
    expect(await recorded.innerText()).toMatch(/allow/i);
    expect(await page.getByTestId('recorded-policies').innerText()).toBe('tier-read');
    expect(await replayed.innerText()).toMatch(/deny/i);
    expect(await page.getByTestId('replayed-policies').innerText()).toBe('no-legacy');
    const differs = page.getByTestId('decision-differs');
    expect(await differs.getAttribute('role')).toBe('alert');
    expect(await differs.innerText()).toContain('DIFFERS');

    const determining = page.locator('[data-testid="policy"][data-policy="no-legacy"]');
    expect(await determining.getAttribute('data-status')).toBe('determining');
    expect(await determining.innerText()).toContain('DETERMINING');
    expect(await determining.getAttribute('class')).toContain('policy-determining');
    expect(await determining.locator('pre').innerText()).toContain('principal == Agent::"legacy-bot"');
    expect(await page.locator('[data-testid="policy"][data-policy="tier-read"]').getAttribute('data-status')).toBe(
      'satisfied',
    );
    expect(await page.locator('[data-testid="policy"][data-status="determining"]').count()).toBe(1);
    const onReceipt = page.getByTestId('findings-receipt');
    expect(await onReceipt.locator('[data-code="DECISION_MISMATCH"]').count()).toBe(1);
    expect(await onReceipt.innerText()).toContain('What it means');
    expect(await onReceipt.innerText()).toContain('CC6.1');
    // Reconstruction never claims a segment comparison it did not make.
    expect(await page.getByTestId('evidence-file').innerText()).toContain('during the full verification at import');
    await screenshot(page, 'reconstruct-decision-mismatch');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('reaches it by its id through the explorer search and by a deep link that survives a reload', async () => {
    const { page } = wb;
    await page.goto(`${inject('baseUrl')}#/archive/${archiveId}/receipts`);
    await page.getByTestId('receipt-search').fill(mismatch);
    await page.getByTestId('receipt-search-submit').click();
    await expect.poll(() => page.url()).toContain(`q=${mismatch}`);
    await expect.poll(() => page.getByTestId('receipt-row').count()).toBe(1);
    await page.getByTestId('receipt-row').first().click();
    await page.getByTestId('detail-walk').click();
    await shown(page, mismatch);

    const deep = `${inject('baseUrl')}#/archive/${archiveId}/receipt/${mismatch}`;
    await page.goto(deep);
    await shown(page, mismatch);
    // The archive is in memory (the explorer read it): the view reads its table.
    expect(await page.getByTestId('reconstruct-page').getAttribute('data-source')).toBe('table');
    await page.reload();
    await shown(page, mismatch);
    // After a reload nothing is in memory: the receipt is found through the stored point index.
    expect(await page.getByTestId('reconstruct-page').getAttribute('data-source')).toBe('store');
    expect(await page.getByTestId('recon-ledger-seq').innerText()).toBe(mismatchAt);
    expect(await page.getByTestId('decision-differs').count()).toBe(1);
    // Read from the demo's segment files kept as their stored bytes (renderer/store/line-files.ts):
    // the import stored none of their lines in the line chunks.
    const stored = await storedRowCounts(page);
    expect(stored.segmentFiles).toBeGreaterThan(0);
  });

  it('the explorer has the reconstruction worker load Cedar before a receipt is walked', async () => {
    const { page } = wb;
    // Cedar's WebAssembly (cedar_wasm_bg-<hash>.wasm in the build).
    const wasm: string[] = [];
    const onRequest = (request: { url(): string }) => {
      if (/\/cedar_wasm_bg[^/]*\.wasm(\?|$)/.test(request.url())) wasm.push(request.url());
    };
    page.on('request', onRequest);
    try {
      await page.goto(`${inject('baseUrl')}#/archive/${archiveId}/receipts?code=DECISION_MISMATCH`);
      await page.reload();
      await page.getByTestId('receipt-row').first().click();
      await page.getByTestId('receipt-detail').waitFor();
      // Asked for by the explorer (warmExplainWorkerWhenIdle), no receipt walked yet.
      await expect.poll(() => wasm.length).toBeGreaterThan(0);
      const before = wasm.length;
      await page.getByTestId('detail-walk').click();
      await shown(page, mismatch);
      await ready(page);
      // The worker the explorer started judges the receipt: Cedar is not loaded again.
      expect(wasm.length).toBe(before);
      expect(await page.getByTestId('decision-differs').count()).toBe(1);
      expect(wb.errors).toEqual([]);
    } finally {
      page.off('request', onRequest);
    }
  });

  it('while Cedar loads, the receipt is shown judged without it, with no verdict; the replay follows', async () => {
    const { page } = wb;
    // Cedar's WebAssembly is held back until the first view has been looked at.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let asked = 0;
    await page.route('**/*.wasm', async (route) => {
      asked++;
      await held;
      await route.continue();
    });
    try {
      await page.goto(`${inject('baseUrl')}#/archive/${archiveId}/receipt/${mismatch}`);
      await page.reload();
      await page.locator('[data-testid="reconstruct-page"][data-pending="true"][data-shown-row]').waitFor();
      expect(asked).toBeGreaterThan(0);
      const verdict = page.getByTestId('recon-verdict');
      expect(await verdict.getAttribute('data-holds')).toBe('pending');
      expect(await verdict.innerText()).toContain('Checking: the decision is being re-performed with Cedar');
      expect(await page.getByTestId('recon-ledger-seq').innerText()).toBe(mismatchAt);
      expect(await page.getByTestId('replay-pending').innerText()).toContain('Cedar is still loading');
      expect(await page.getByTestId('decision-differs').count()).toBe(0);
      expect(await page.getByTestId('decision-agrees').count()).toBe(0);
      expect(await page.getByTestId('policy').count()).toBe(0);
      // Judged without Cedar: the signature and the chain; the stored findings are all there.
      expect(await page.getByTestId('evidence-signature').innerText()).toContain('valid');
      expect(await page.getByTestId('chain-previous-linked').getAttribute('data-value')).toBe('true');
      expect(await page.getByTestId('findings-receipt').locator('[data-code="DECISION_MISMATCH"]').count()).toBe(1);
      const checks = await page.getByTestId('recon-checks').innerText();
      expect(checks).toMatch(
        /not checked\s+Its decision re-evaluated, its bundle’s policies parsed \(Cedar is still loading/,
      );
      expect(checks).not.toMatch(/ran\s+Its decision re-evaluated/);
      expect(await page.getByTestId('reconstruct-page').getAttribute('data-ready-row')).toBeNull();
      await screenshot(page, 'reconstruct-pending');
      expect(await seriousViolations(page)).toEqual([]);

      release();
      await ready(page);
      expect(await verdict.getAttribute('data-holds')).toBe('false');
      expect(await page.getByTestId('decision-differs').count()).toBe(1);
      expect(await page.getByTestId('replay-pending').count()).toBe(0);
      expect(await page.getByTestId('recon-checks').innerText()).toMatch(/ran\s+Its decision re-evaluated/);
      expect(Number(await page.getByTestId('reconstruct-page').getAttribute('data-shown-ms'))).toBeLessThan(
        Number(await page.getByTestId('reconstruct-page').getAttribute('data-ready-ms')),
      );
      expect(wb.errors).toEqual([]);
    } finally {
      release();
      await page.unroute('**/*.wasm');
    }
  });

  it('walks a three-step transaction with the keyboard, and the ledger with [ and ]', async () => {
    const { page } = wb;
    await page.goto(`${inject('baseUrl')}#/archive/${archiveId}/receipt/${STEPS[0]}`);
    // Walked from the store (a reload leaves nothing in memory), as after opening a shared link.
    await page.reload();
    await shown(page, STEPS[0] as string);
    expect(await page.getByTestId('reconstruct-page').getAttribute('data-source')).toBe('store');
    expect(await page.getByTestId('txn-step').count()).toBe(3);
    expect(await page.getByTestId('txn-gap').count()).toBe(0);
    expect(await page.locator('[data-testid="txn-step"][aria-current="step"]').getAttribute('data-receipt')).toBe(
      STEPS[0],
    );
    expect(await page.getByTestId('walk-prev-step').isDisabled()).toBe(true);
    await page.keyboard.press('ArrowRight');
    await shown(page, STEPS[1] as string);
    await page.keyboard.press('ArrowRight');
    await shown(page, STEPS[2] as string);
    expect(await page.locator('[data-testid="txn-step"][aria-current="step"]').getAttribute('data-step')).toBe('3');
    expect(await page.getByTestId('walk-next-step').isDisabled()).toBe(true);
    await page.keyboard.press('ArrowLeft');
    await shown(page, STEPS[1] as string);
    // Back goes where the walk came from.
    await page.goBack();
    await shown(page, STEPS[2] as string);

    // The receipt after it in the ledger, and back.
    const last = walked.steps[2] as DemoReceipt;
    await page.keyboard.press(']');
    await expect.poll(() => page.getByTestId('recon-ledger-seq').innerText()).toBe(`${last.ledger}#${last.seq + 1}`);
    await page.keyboard.press('[');
    await shown(page, STEPS[2] as string);
    expect(await page.getByTestId('recon-ledger-seq').innerText()).toBe(`${last.ledger}#${last.seq}`);
  });

  it('follows the ledger in stored order across segments: first receipt, segment boundary', async () => {
    const { page } = wb;
    const receipts = demoReceipts().filter((r) => r.ledger === (walked.steps[0] as DemoReceipt).ledger);
    const first = receipts[0] as DemoReceipt;
    expect(first.seq).toBe(1);
    await page.goto(`${inject('baseUrl')}#/archive/${archiveId}/receipt/${first.id}`);
    await shown(page, first.id);
    expect(await page.getByTestId('chain-first').getAttribute('data-value')).toBe('true');
    expect(await page.getByTestId('walk-prev-receipt').isDisabled()).toBe(true);
    // The last line of segment 000001 and the first of 000002 (the demo's segments hold 1,000 lines).
    const last = receipts[999] as DemoReceipt;
    const next = receipts[1000] as DemoReceipt;
    await page.goto(`${inject('baseUrl')}#/archive/${archiveId}/receipt/${last.id}`);
    await shown(page, last.id);
    await page.keyboard.press(']');
    await shown(page, next.id);
    expect(await page.getByTestId('recon-ledger-seq').innerText()).toBe(`${next.ledger}#${last.seq + 1}`);
    expect(await page.getByTestId('chain-previous-linked').getAttribute('data-value')).toBe('true');
    await page.keyboard.press('[');
    await shown(page, last.id);
  });

  it('shows an attachment with its matched badge, on an allowed receipt that holds', async () => {
    const { page } = wb;
    await page.goto(`${inject('baseUrl')}#/archive/${archiveId}/receipt/${STEPS[2]}`);
    await shown(page, STEPS[2] as string);
    expect(await page.getByTestId('recon-verdict').getAttribute('data-holds')).toBe('true');
    expect(await page.getByTestId('decision-agrees').count()).toBe(1);
    const card = page.getByTestId(`io-${walked.attachment}`);
    expect(await card.getByTestId('attachment-matched').innerText()).toContain('SHA-256 matched');
    // The demo's attachments are JSON that name their receipt: shown indented.
    expect(await card.getByTestId('attachment-content').innerText()).toContain(`"receipt": "${STEPS[2]}"`);
    expect(await page.getByTestId('evidence-checkpoint').innerText()).toContain('sealed');
    await screenshot(page, 'reconstruct-allowed-attachment');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('marks a missing step of a transaction as a gap', async () => {
    const { page } = wb;
    // TXN_STEP_GAP planted in the demo: a transaction that goes from step 2 to step 4.
    await page.goto(`${inject('baseUrl')}#/archive/${archiveId}/receipt/${gap}`);
    await shown(page, gap);
    expect(await page.locator('[data-testid="txn-gap"]').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('findings-receipt').locator('[data-code="TXN_STEP_GAP"]').count()).toBe(1);
    await screenshot(page, 'reconstruct-step-gap');
  });

  it('shows a signed human approval and a recipient with personal data as the evidence has them', async () => {
    const { page } = wb;
    const receipts = demoReceipts();
    const approved = receipts.find((r) => r.decision.approval) as DemoReceipt;
    await page.goto(`${inject('baseUrl')}#/archive/${archiveId}/receipt/${approved.id}`);
    await shown(page, approved.id);
    expect(await page.getByTestId('approval-present').innerText()).toContain(approved.decision.approval?.approver);
    expect(await page.getByTestId('recon-approval').innerText()).toMatch(/Approval signature\s+valid/);
    expect(await page.getByTestId('recon-approval').innerText()).toMatch(/Approver key[\s\S]*pinned by you/);
    await screenshot(page, 'reconstruct-approval');
    expect(await seriousViolations(page)).toEqual([]);

    const shared = receipts.find((r) => r.data.recipient && r.data.personal.length > 0 && r.data.subjects.length > 0);
    if (!shared) throw new Error('the demo shares no personal data');
    await page.goto(`${inject('baseUrl')}#/archive/${archiveId}/receipt/${shared.id}`);
    await shown(page, shared.id);
    expect(await page.getByTestId('data-personal').innerText()).toContain(shared.data.personal[0]);
    expect(await page.getByTestId('data-subjects').innerText()).toContain(shared.data.subjects[0]);
    expect(await page.getByTestId('recipient-approved').getAttribute('data-value')).toBe('true');

    const unapproved = demoPlanted.find((f) => f.code === 'RECIPIENT_UNAPPROVED')?.receipt as string;
    await page.goto(`${inject('baseUrl')}#/archive/${archiveId}/receipt/${unapproved}`);
    await shown(page, unapproved);
    expect(await page.getByTestId('recipient-approved').getAttribute('data-value')).toBe('false');
    expect(await page.getByTestId('recipient-approved').innerText()).toContain('NOT approved');
  });

  it('a tampered copy of the demo: a line that is not a receipt, an attachment whose content was changed', async () => {
    const { page } = wb;
    const segment = 'ledgers/gw-eu-1/000001.jsonl';
    const last = walked.steps[2] as DemoReceipt;
    const tamperedId = await importTamperedDemo(page, 'demo-tampered.zip', (files) => {
      const lines = strFromU8(files.get(segment) as Uint8Array).split('\n');
      lines[4] = '{"not":"a receipt"}';
      files.set(segment, strToU8(lines.join('\n')));
      files.set(`attachments/${last.io[walked.attachment].slice('sha256:'.length)}`, strToU8('changed after the fact'));
    });

    await page.goto(`${inject('baseUrl')}#/archive/${tamperedId}/receipts?code=RECORD_MALFORMED`);
    await expect.poll(() => page.getByTestId('receipt-row').count()).toBe(1);
    await page.getByTestId('receipt-row').first().click();
    await page.getByTestId('detail-walk').click();
    await ready(page);
    expect(await page.getByTestId('recon-receipt-id').innerText()).toBe('A stored line that is not a valid receipt');
    expect(await page.getByTestId('recon-malformed').innerText()).toMatch(/not valid/i);
    expect(await page.getByTestId('recon-verdict').getAttribute('data-holds')).toBe('false');
    expect(await page.getByTestId('evidence-not-receipt').innerText()).toContain(`${segment} line 5`);
    expect(await page.getByTestId('findings-receipt').locator('[data-code="RECORD_MALFORMED"]').count()).toBe(1);
    expect(await page.getByTestId('workpaper').count()).toBe(0);
    // Its segment's bytes are not those the manifest lists: shown with the evidence it rests on.
    expect(await page.getByTestId('findings-evidence').locator('[data-code="FILE_HASH_MISMATCH"]').count()).toBe(1);
    expect(await page.getByTestId('recon-checks').innerText()).toContain('the line is not a valid receipt');
    await screenshot(page, 'reconstruct-not-a-receipt');
    expect(await seriousViolations(page)).toEqual([]);

    await page.goto(`${inject('baseUrl')}#/archive/${tamperedId}/receipt/${last.id}`);
    await shown(page, last.id);
    const card = page.getByTestId(`io-${walked.attachment}`);
    expect(await card.getByTestId('attachment-mismatch').innerText()).toContain('DOES NOT MATCH');
    expect(await card.getByTestId('attachment-matched').count()).toBe(0);
    expect(await card.getByTestId('attachment-content').innerText()).toContain('changed after the fact');
    expect(await page.getByTestId('findings-receipt').locator('[data-code="ATTACHMENT_HASH_MISMATCH"]').count()).toBe(
      1,
    );
    expect(await page.getByTestId('recon-verdict').getAttribute('data-holds')).toBe('false');
  });

  it('a forged manifest signature: the explorer has the worker check the documents ahead, and the walk still says the manifest is not trusted', async () => {
    const { page } = wb;
    const forgedId = await importTamperedDemo(page, 'demo-forged-manifest.zip', (files) => {
      const manifest = JSON.parse(strFromU8(files.get('manifest.json') as Uint8Array)) as { sig: string };
      manifest.sig = (manifest.sig[0] === '0' ? '1' : '0') + manifest.sig.slice(1);
      files.set('manifest.json', strToU8(JSON.stringify(manifest)));
    });
    await page.goto(`${inject('baseUrl')}#/archive/${forgedId}/receipts`);
    await page.getByTestId('receipt-row').first().waitFor();
    // The documents are handed to the worker once the window is idle (at the latest 2 s after the
    // explorer opened), and checked before the walk below is judged.
    await page.waitForTimeout(2500);
    await page.getByTestId('receipt-row').nth(3).click();
    await page.getByTestId('detail-walk').click();
    await ready(page);
    expect(await page.getByTestId('recon-verdict').getAttribute('data-holds')).toBe('false');
    // The walk's own check of the manifest (the import's findings would name it either way).
    expect(await page.getByTestId('evidence-manifest').innerText()).toMatch(/signature\s+INVALID/);
  });

  it('"Add to workpaper" keeps a reference across a reload, and removes it', async () => {
    const { page } = wb;
    await page.goto(`${inject('baseUrl')}#/archive/${archiveId}/receipt/${mismatch}`);
    await shown(page, mismatch);
    await page.getByTestId('workpaper-add').click();
    await page.getByTestId('workpaper-added').waitFor();
    expect(await page.getByTestId('workpaper-added').innerText()).toContain('Added to workpaper ✓');
    await page.reload();
    await shown(page, mismatch);
    await page.getByTestId('workpaper-added').waitFor();
    const stored = await page.evaluate(
      () =>
        new Promise<unknown[]>((resolve, reject) => {
          const open = indexedDB.open('tickmark');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const request = open.result.transaction('workpaperRefs').objectStore('workpaperRefs').getAll();
            request.onsuccess = () => resolve(request.result as unknown[]);
            request.onerror = () => reject(request.error);
          };
        }),
    );
    expect(stored).toHaveLength(1);
    const [ledger, seq] = mismatchAt.split('#');
    expect(stored[0]).toMatchObject({ archiveId, receiptId: mismatch, ledger, seq: Number(seq) });
    expect((stored[0] as { hash: string }).hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    await page.getByTestId('workpaper-remove').click();
    await page.getByTestId('workpaper-add').waitFor();
  });

  it('an archive whose files were not kept at import says so and claims no check it could not make', async () => {
    const { page } = wb;
    // As an import made before reconstruction existed: no archiveFiles rows.
    await dropArchiveFiles(page, archiveId);
    await page.goto(`${inject('baseUrl')}#/archive/${archiveId}/receipt/${mismatch}`);
    await page.reload();
    await shown(page, mismatch);
    expect(await page.getByTestId('recon-no-files').innerText()).toContain('import it again');
    expect(await page.getByTestId('decision-no-files').count()).toBe(1);
    expect(await page.getByTestId('evidence-no-files').count()).toBe(1);
    expect(await page.getByTestId('not-replayed').innerText()).toContain('not kept at import');
    expect(await page.getByTestId('evidence-signature').count()).toBe(0);
    expect(await page.getByTestId('evidence-checkpoint').count()).toBe(0);
    const checks = await page.getByTestId('recon-checks').innerText();
    expect(checks).toContain('not checked Its key and signature');
    expect(checks).not.toMatch(/ran\s+The receipt: stored form, schema, key, signature/);
    // The chain link is judged from the stored lines alone, so it is still shown.
    expect(await page.getByTestId('chain-previous-linked').getAttribute('data-value')).toBe('true');
    // The findings of the full verification are still there.
    expect(await page.getByTestId('findings-receipt').locator('[data-code="DECISION_MISMATCH"]').count()).toBe(1);
    await screenshot(page, 'reconstruct-no-files');
    expect(await seriousViolations(page)).toEqual([]);
    expect(wb.errors).toEqual([]);
  });

  it.skipIf(!SCALE)(
    `is on screen quickly for a receipt of a ${SCALE}-receipt stored archive`,
    { timeout: 1_800_000 },
    async () => {
      const big = GIVEN ?? (await bigArchive(SCALE, PER_SEGMENT));
      const { page } = wb;
      await page.goto(inject('baseUrl'));
      await page.getByTestId('start-page').waitFor();
      await pinRootKey(page, big.rootPublicKey, `demo ${SCALE}`);
      const started = Date.now();
      await importArchive(page, big.path).catch(async () => {
        await page.getByTestId('dashboard').waitFor({ timeout: 1_500_000 });
      });
      const importS = (Date.now() - started) / 1000;
      const bigId = archiveIdOf(page);
      const times: Record<string, number[]> = {
        'cold, by row': [],
        'cold, by id': [],
        'from the explorer': [],
        'from the explorer, a second on': [],
        'previous receipt': [],
        'next receipt': [],
      };
      // When the receipt was first on screen (judged without Cedar when Cedar was still loading).
      const firstShown: Record<string, number[]> = {};
      // When that first view was painted (the frame's layout and paint done).
      const firstPainted: Record<string, number[]> = {};
      const measure = async (kind: string, row: number, go: () => Promise<unknown>) => {
        await go();
        const el = page.locator(
          `[data-testid="reconstruct-page"][data-busy="false"][data-pending="false"][data-ready-row="${row}"][data-ready-ms]`,
        );
        await el.waitFor({ timeout: 60_000 });
        (times[kind] as number[]).push(Number(await el.getAttribute('data-ready-ms')));
        (firstShown[kind] ??= []).push(Number(await el.getAttribute('data-shown-ms')));
        const painted = page.locator('[data-testid="reconstruct-page"][data-painted-ms]');
        await painted.waitFor({ timeout: 10_000 });
        (firstPainted[kind] ??= []).push(Number(await painted.getAttribute('data-painted-ms')));
        parts.push(
          `${kind}: store open ${await el.getAttribute('data-source-ready-ms')}, from ${await el.getAttribute('data-gather-from-ms')}, ${await el.getAttribute('data-gather-ms')}/${await el.getAttribute('data-worker-ms')}, answered ${await el.getAttribute('data-answered-ms')} ${await el.getAttribute('data-source')} (${await el.getAttribute('data-worker-timings')}) [gather: ${await el.getAttribute('data-gather-phases')}]`,
        );
      };
      const parts: string[] = [];
      // The explorer after a reload, until the chosen receipt's detail is on screen (ms, as the test saw it).
      const explorerOpen: number[] = [];
      const openExplorer = async () => {
        const from = Date.now();
        await page.reload();
        await page.getByTestId('receipt-detail').waitFor({ timeout: 60_000 });
        explorerOpen.push(Date.now() - from);
      };
      // Receipts spread over the archive: inside each ledger and at its end (a ledger's first only
      // where its ledgers are small).
      // Of the receipts imported: an archive past the reader's entry limit is imported without
      // the entries it refused (the dashboard says which).
      const receipts = Number((await page.getByTestId('receipt-count').textContent())?.replaceAll(',', ''));
      expect(receipts).toBeGreaterThan(0);
      const rows = [
        Math.floor(receipts / 4),
        Math.floor(receipts / 2) - 1,
        Math.floor((3 * receipts) / 4),
        receipts - 1,
      ];
      for (const row of rows) {
        // Cold: after a reload, the stored archive is read again (report, columns) before the receipt.
        await page.goto(`${inject('baseUrl')}#/archive/${bigId}/receipt/?row=${row}`);
        await measure('cold, by row', row, () => page.reload());
        // By id alone (a shared link): the point index finds its row.
        const id = (await page.getByTestId('recon-receipt-id').locator('.mono').textContent())?.trim() ?? '';
        await page.goto(`${inject('baseUrl')}#/archive/${bigId}/receipt/${id}`);
        await measure('cold, by id', row, () => page.reload());
        // As an auditor comes to it: the explorer opened (after a reload), the receipt chosen, its walk followed.
        await page.goto(`${inject('baseUrl')}#/archive/${bigId}/receipts?row=${row}`);
        await openExplorer();
        await measure('from the explorer', row, () => page.getByTestId('detail-walk').click());
        // The same after a second on the receipt's detail, as an auditor reads it before walking it.
        await page.goto(`${inject('baseUrl')}#/archive/${bigId}/receipts?row=${row}`);
        await openExplorer();
        await page.waitForTimeout(1000);
        await measure('from the explorer, a second on', row, () => page.getByTestId('detail-walk').click());
        // Warm: the archive is in memory (as when coming from the explorer or walking). At a
        // ledger's first receipt (an archive of many small ledgers), forward and back instead.
        if (await page.getByTestId('walk-prev-receipt').isDisabled()) {
          await measure('next receipt', row + 1, () => page.keyboard.press(']'));
          await measure('previous receipt', row, () => page.keyboard.press('['));
        } else {
          await measure('previous receipt', row - 1, () => page.keyboard.press('['));
          await measure('next receipt', row, () => page.keyboard.press(']'));
        }
      }
      console.log(
        `reconstruct ${SCALE} receipts (${GIVEN ? GIVEN.path : `demo, files of ${PER_SEGMENT}`}; import ${importS.toFixed(0)} s): every check on screen, ms ` +
          Object.entries(times)
            .map(([k, v]) => `${k} [${v.map((x) => x.toFixed(0)).join(', ')}]`)
            .join('; ') +
          `\nfirst on screen (the decision's replay still to come when Cedar was loading), ms ` +
          Object.entries(firstShown)
            .map(([k, v]) => `${k} [${v.map((x) => x.toFixed(0)).join(', ')}]`)
            .join('; ') +
          `\nthe explorer open, its receipt's detail on screen after a reload, ms [${explorerOpen.join(', ')}]` +
          `\nfirst painted, ms ` +
          Object.entries(firstPainted)
            .map(([k, v]) => `${k} [${v.map((x) => x.toFixed(0)).join(', ')}]`)
            .join('; ') +
          `\n(gather/worker ms, in order:\n${parts.join('\n')})`,
      );
      for (const t of times['next receipt'] as number[]) expect(t).toBeLessThan(5000);
    },
  );
});
