/**
 * What fresh memory and storing cost on this machine, for reading the app's import figures
 * (docs/PERFORMANCE.md, "What memory costs on this machine"): the first touch of a page is a
 * page fault, whose cost depends on the machine (a virtual machine may take many times what
 * zeroing the page takes), and an import moves every receipt line through several new buffers
 * and into IndexedDB.
 *
 * Prints, side by side in one run:
 *  - Node: filling buffers already touched against allocating and filling new ones, per MiB,
 *    with the page faults the process took (process.resourceUsage);
 *  - Chromium, a dedicated worker: allocating and filling typed arrays of several sizes, per MiB;
 *  - Chromium, IndexedDB: storing rows like the import's line chunks (about 370 KB, and a
 *    quarter of that), CPU seconds of Chromium's processes and page faults per MB stored.
 *
 * Not part of `npm test` or `npm run bench` (a measurement to read, not a check):
 *   node --import tsx test/bench/memory-cost.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_FLAGS } from '../e2e/browser.ts';
import { chromiumCpuSeconds, chromiumThreads } from '../e2e/process-cpu.ts';

const MiB = 1024 * 1024;

function nodeFigures(): string[] {
  const out: string[] = [];
  const size = 4 * MiB;
  const rounds = 64;
  const reused = new Uint8Array(size);
  reused.fill(1);
  let faults = process.resourceUsage().minorPageFault;
  let start = performance.now();
  for (let i = 0; i < rounds; i++) reused.fill(i & 255);
  const reusedMs = performance.now() - start;
  const reusedFaults = process.resourceUsage().minorPageFault - faults;
  faults = process.resourceUsage().minorPageFault;
  start = performance.now();
  let keep: Uint8Array[] = [];
  for (let i = 0; i < rounds; i++) {
    const fresh = new Uint8Array(size);
    fresh.fill(i & 255);
    // Kept a while, as a pipeline holds its buffers, so the allocator cannot hand the same memory back at once.
    keep.push(fresh);
    if (keep.length > 8) keep = keep.slice(1);
  }
  const freshMs = performance.now() - start;
  const freshFaults = process.resourceUsage().minorPageFault - faults;
  const mib = (rounds * size) / MiB;
  out.push(
    `Node ${process.version}, 4 MiB buffers, ${mib} MiB in all:`,
    `  filling a buffer already touched: ${(reusedMs / mib).toFixed(3)} ms per MiB, ${Math.round(reusedFaults / mib)} page faults per MiB`,
    `  a new buffer, then filling it:    ${(freshMs / mib).toFixed(3)} ms per MiB, ${Math.round(freshFaults / mib)} page faults per MiB`,
  );
  return out;
}

const WORKER_SOURCE = `
onmessage = (event) => {
  const out = [];
  for (const size of event.data.sizes) {
    const total = 128 * 1024 * 1024;
    const n = Math.max(8, Math.floor(total / size));
    let keep = [];
    const start = performance.now();
    for (let i = 0; i < n; i++) {
      const a = new Uint8Array(size);
      a.fill(i & 255);
      keep.push(a);
      if (keep.length > 8) keep.shift();
    }
    out.push({ size, msPerMiB: (performance.now() - start) / ((n * size) / 1048576) });
  }
  const reused = new Uint8Array(4 * 1048576);
  const start = performance.now();
  for (let i = 0; i < 32; i++) reused.fill(i & 255);
  out.push({ size: 0, msPerMiB: (performance.now() - start) / 128 });
  postMessage(out);
};`;

/** Rows of `rowBytes` receipt-like bytes, put four to a transaction, as the import stores line chunks. */
async function storeRows(
  page: import('playwright-core').Page,
  rows: number,
  rowBytes: number,
): Promise<{ writeMs: number }> {
  return page.evaluate(
    async ([n, size]) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open(`rows-${size}-${Math.random()}`, 1);
        open.onupgradeneeded = () => open.result.createObjectStore('rows');
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      // JSON-like text with hex, as receipt lines are (compressible about as much).
      const alphabet = '0123456789abcdef{}":,_- abcdefghijklmnopqrstuvwxyz';
      const start = performance.now();
      for (let i = 0; i < n; i += 4) {
        const tx = db.transaction('rows', 'readwrite');
        for (let k = i; k < i + 4 && k < n; k++) {
          const bytes = new Uint8Array(size);
          let x = k * 2654435761;
          for (let j = 0; j < size; j++) {
            x = (x * 1103515245 + 12345) >>> 0;
            bytes[j] = alphabet.charCodeAt((x >>> 16) % alphabet.length);
          }
          tx.objectStore('rows').put({ lines: { bytes, ends: new Uint32Array(250) } }, k);
        }
        await new Promise((resolve, reject) => {
          tx.oncomplete = resolve;
          tx.onerror = () => reject(tx.error);
        });
      }
      const writeMs = performance.now() - start;
      db.close();
      return { writeMs };
    },
    [rows, rowBytes] as const,
  );
}

async function chromiumFigures(): Promise<string[]> {
  const out: string[] = [];
  // IndexedDB needs an origin: an empty page on the loopback.
  const server = createServer((_request, response) => response.end('<!doctype html><title>memory cost</title>'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const profile = await mkdtemp(join(tmpdir(), 'tickmark-memory-cost-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [...CHROMIUM_FLAGS],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const sizes = [64 * 1024, 370_000, 4 * MiB];
    const allocations = await page.evaluate(
      ([source, list]) =>
        new Promise<{ size: number; msPerMiB: number }[]>((resolve) => {
          const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
          worker.onmessage = (event) => {
            resolve(event.data as { size: number; msPerMiB: number }[]);
            worker.terminate();
          };
          worker.postMessage({ sizes: list });
        }),
      [WORKER_SOURCE, sizes] as const,
    );
    out.push(`Chromium (${context.browser()?.version() ?? 'version unknown'}), a dedicated worker, 128 MiB each:`);
    for (const { size, msPerMiB } of allocations)
      out.push(
        size === 0
          ? `  filling a 4 MiB array already touched: ${msPerMiB.toFixed(3)} ms per MiB`
          : `  new typed arrays of ${(size / 1024).toFixed(0)} KiB, then filling them: ${msPerMiB.toFixed(3)} ms per MiB`,
      );
    const faultsNow = () => [...(chromiumThreads(profile)?.values() ?? [])].reduce((sum, t) => sum + t.faults, 0);
    out.push(
      'Chromium, IndexedDB: 200 rows put four to a transaction (CPU of all its processes; faults of live threads):',
    );
    for (const rowBytes of [370_000, 92_500, 370_000, 92_500]) {
      const cpu = chromiumCpuSeconds(profile) ?? Number.NaN;
      const faults = faultsNow();
      const { writeMs } = await storeRows(page, 200, rowBytes);
      const mb = (200 * rowBytes) / 1e6;
      const spent = (chromiumCpuSeconds(profile) ?? Number.NaN) - cpu;
      out.push(
        `  rows of ${(rowBytes / 1000).toFixed(1)} KB (${mb.toFixed(1)} MB): ${writeMs.toFixed(0)} ms, ` +
          `${((spent * 1000) / mb).toFixed(1)} ms of CPU per MB (including making the rows), ` +
          `${Math.round((faultsNow() - faults) / mb)} page faults per MB`,
      );
    }
  } finally {
    await context.close();
    server.close();
    await rm(profile, { recursive: true, force: true });
  }
  return out;
}

console.log([...nodeFigures(), ...(await chromiumFigures())].join('\n'));
