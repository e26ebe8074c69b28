/**
 * Scale measurement, not a pass/fail gate on time: a synthetic 1,000,000-receipt archive
 * written straight into the workbench's IndexedDB in the stored layout (column blocks,
 * findings, the report), then reopened and filtered through the UI. Prints the times; the
 * assertions check that the UI shows what was stored: every filter's exact row count, counted
 * from the same seeded data as it was generated.
 *
 *   npx vitest run --project e2e test/e2e/scale.test.ts
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openWorkbench, screenshot, type Workbench } from './browser.ts';

const RECEIPTS = 1_000_000;
const ID = 'synthetic-1m';

describe('a 1,000,000-receipt archive', () => {
  let wb: Workbench;
  beforeAll(async () => {
    wb = await openWorkbench(inject('baseUrl'));
  });
  afterAll(async () => {
    await wb?.close();
  });

  it('is stored in the chunked layout, reopens and filters; times are printed', async () => {
    const { page } = wb;
    const written = await page.evaluate(
      async ({ receipts, id }) => {
        const ROWS_PER_BLOCK = 65_536;
        const LINES_PER_CHUNK = 1000;
        const database = await new Promise<IDBDatabase>((resolve, reject) => {
          const request = indexedDB.open('tickmark');
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
        const done = (tx: IDBTransaction) =>
          new Promise<void>((resolve, reject) => {
            tx.oncomplete = () => resolve();
            tx.onerror = () => reject(tx.error);
          });
        const ledgers = ['gw-eu-1', 'gw-us-1'];
        const perLedger = receipts / ledgers.length;
        const agents = ['', ...Array.from({ length: 40 }, (_, i) => `agent-${i}`)];
        const actions = ['', ...Array.from({ length: 12 }, (_, i) => `action.${i}`)];
        const resources = ['', ...Array.from({ length: 5000 }, (_, i) => `Table::t${i}`)];
        const paths = [
          '',
          ...ledgers.flatMap((l) =>
            Array.from(
              { length: Math.ceil(perLedger / 1000) },
              (_, s) => `ledgers/${l}/${String(s + 1).padStart(6, '0')}.jsonl`,
            ),
          ),
        ];
        let seed = 7;
        const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
        const blocks: unknown[] = [];
        // What each filter below must return, counted here from the same seeded data.
        const expected = { deny: 0, agent3Ok: 0, usAllowAction2: 0 };
        ledgers.forEach((ledger, li) => {
          for (let start = 0, blockNo = 0; start < perLedger; start += ROWS_PER_BLOCK, blockNo++) {
            const count = Math.min(ROWS_PER_BLOCK, perLedger - start);
            const b = {
              archiveId: id,
              ledger,
              blockNo,
              start,
              count,
              seq: new Float64Array(count),
              ts: new Float64Array(count),
              agent: new Uint32Array(count),
              action: new Uint32Array(count),
              resource: new Uint32Array(count),
              path: new Uint32Array(count),
              line: new Uint32Array(count),
              effect: new Uint8Array(count),
              status: new Uint8Array(count),
            };
            for (let i = 0; i < count; i++) {
              const local = start + i;
              b.seq[i] = local + 1;
              b.ts[i] = Date.UTC(2026, 3, 1) + local * 7_000;
              b.agent[i] = 1 + Math.floor(random() * 40);
              b.action[i] = 1 + Math.floor(random() * 12);
              b.resource[i] = 1 + Math.floor(random() * 5000);
              b.path[i] = 1 + li * Math.ceil(perLedger / 1000) + Math.floor(local / 1000);
              b.line[i] = (local % 1000) + 1;
              b.effect[i] = random() < 0.2 ? 2 : 1;
              b.status[i] = b.effect[i] === 2 ? 3 : random() < 0.02 ? 2 : 1;
              // Indices into the dictionaries: effect 2 = deny, 1 = allow; status 1 = ok;
              // agents[4] = agent-3; actions[3] = action.2.
              if (b.effect[i] === 2) expected.deny++;
              if (b.agent[i] === 4 && b.status[i] === 1) expected.agent3Ok++;
              if (li === 1 && b.effect[i] === 1 && b.action[i] === 3) expected.usAllowAction2++;
            }
            blocks.push(b);
          }
        });
        const findings = Array.from({ length: 2000 }, (_, i) => ({
          code: i % 2 ? 'TIER_VIOLATION' : 'SIGNATURE_INVALID',
          severity: i % 2 ? 'high' : 'critical',
          message: `synthetic finding ${i}`,
          ledger: 'gw-eu-1',
          path: paths[1 + Math.floor((i * 250) / 1000)],
          line: ((i * 250) % 1000) + 1,
          seq: i * 250 + 1,
        }));
        const ledgerSummary = (ledger: string) => ({
          ledger,
          receipts: perLedger,
          segments: [],
          firstSeq: 1,
          lastSeq: perLedger,
          sealedSeq: perLedger,
          checkpoints: perLedger / 100,
          state: 'verified',
          stateReason: 'Synthetic data for a scale measurement.',
          claimed: {
            from: '2026-04-01T00:00:00.000Z',
            to: new Date(Date.UTC(2026, 3, 1) + (perLedger - 1) * 7_000).toISOString(),
          },
          proven: {
            from: '2026-04-01T00:00:00.000Z',
            to: new Date(Date.UTC(2026, 3, 1) + (perLedger - 1) * 7_000).toISOString(),
          },
        });
        const report = {
          format: 'tickmark.evidence.v1',
          source: 'synthetic',
          archive: {
            archive_id: 'synthetic',
            organization: 'Scale test',
            created_at: '2026-07-01T00:00:00Z',
            period: { from: '2026-04-01T00:00:00Z', to: '2026-06-30T00:00:00Z' },
            producer: { name: 'scale.test.ts', version: '1' },
          },
          ledgers: ledgers.map(ledgerSummary),
          bundles: [],
          checks: [{ check: 'Synthetic: nothing was verified', status: 'not checked', reason: 'measurement data' }],
          summary: {
            receipts,
            ledgers: 2,
            bundles: 0,
            integrity_findings: 1000,
            control_findings: 1000,
            trusted: false,
          },
        };

        // Raw lines: 100 chunks of 1,000 lines of ~600 bytes, to time the write path.
        const line = JSON.stringify({ pad: 'x'.repeat(580) });
        const texts = Array.from({ length: LINES_PER_CHUNK }, () => line);
        const hashes = Array.from({ length: LINES_PER_CHUNK }, (_, i) => `sha256:${String(i).padStart(64, '0')}`);
        const linesStarted = performance.now();
        for (let chunkNo = 0; chunkNo < 100; chunkNo++) {
          const tx = database.transaction(['receiptLines'], 'readwrite');
          tx.objectStore('receiptLines').put({ archiveId: id, ledger: 'gw-eu-1', chunkNo, texts, hashes });
          await done(tx);
        }
        const linesMs = performance.now() - linesStarted;

        const started = performance.now();
        const tx = database.transaction(['archives', 'receiptIndex', 'findings', 'engagements'], 'readwrite');
        tx.objectStore('engagements').put({
          id: 'default',
          name: 'Current engagement',
          createdAt: new Date().toISOString(),
        });
        for (const b of blocks) tx.objectStore('receiptIndex').put(b);
        tx.objectStore('findings').put({ archiveId: id, chunkNo: 0, items: findings });
        tx.objectStore('archives').put({
          id,
          engagementId: 'default',
          name: 'synthetic-1m (measurement)',
          size: 0,
          origin: 'file',
          status: 'complete',
          startedAt: new Date().toISOString(),
          completedAt: new Date().toISOString(),
          trustedRoots: [],
          report,
          rowsByLedger: Object.fromEntries(ledgers.map((l) => [l, perLedger])),
          dictionaries: { agents, actions, resources, paths },
          findingCount: findings.length,
        });
        await done(tx);
        database.close();
        return {
          indexMs: performance.now() - started,
          blocks: blocks.length,
          expected,
          linesMs,
          linesPerSecond: (100 * LINES_PER_CHUNK) / (linesMs / 1000),
        };
      },
      { receipts: RECEIPTS, id: ID },
    );
    console.log(
      `scale: wrote ${written.blocks} column blocks in ${written.indexMs.toFixed(0)} ms; raw lines at ${Math.round(written.linesPerSecond).toLocaleString('en-US')} lines/s (100,000 lines of ~600 bytes, one chunk per transaction, ${written.linesMs.toFixed(0)} ms)`,
    );

    const reopen = async (label: string) => {
      const started = Date.now();
      await page.goto(new URL(`#/archive/${ID}`, inject('baseUrl')).href);
      await page.getByTestId('dashboard').waitFor({ timeout: 60_000 });
      const loadMs = Number(await page.getByTestId('dashboard').getAttribute('data-load-ms'));
      console.log(
        `scale: ${label}: archive read and table built in ${loadMs} ms; dashboard shown ${Date.now() - started} ms after navigation`,
      );
      return loadMs;
    };
    await reopen('first open');
    expect(await page.getByTestId('receipt-count').textContent()).toBe('1,000,000');
    await screenshot(page, 'scale-dashboard');
    await page.reload();
    await reopen('reopen after reload');

    const query = async (search: string) => {
      const started = Date.now();
      await page.goto(new URL(`#/archive/${ID}/receipts?${search}`, inject('baseUrl')).href);
      const count = page.getByTestId('receipt-result-count');
      await count.waitFor();
      const ms = await count.getAttribute('data-query-ms');
      const rows = Number(await count.getAttribute('data-rows'));
      console.log(
        `scale: filter ${search}: ${rows.toLocaleString('en-US')} rows in ${ms} ms (screen ${Date.now() - started} ms)`,
      );
      return rows;
    };
    // Exact counts (the data is seeded), each a sizeable share of the million.
    expect(written.expected.deny).toBeGreaterThan(100_000);
    expect(written.expected.agent3Ok).toBeGreaterThan(1_000);
    expect(written.expected.usAllowAction2).toBeGreaterThan(1_000);
    expect(await query('effect=deny')).toBe(written.expected.deny);
    expect(await query('agent=agent-3&status=ok')).toBe(written.expected.agent3Ok);
    expect(await query('code=SIGNATURE_INVALID')).toBe(1000);
    expect(await query('ledger=gw-us-1&effect=allow&action=action.2')).toBe(written.expected.usAllowAction2);
    await page.getByTestId('receipt-grid').focus();
    await page.keyboard.press('End');
    await expect.poll(() => page.getByTestId('receipt-detail').count()).toBe(1);
    await screenshot(page, 'scale-receipts');
  });
});
