/**
 * ZIP containers altered byte by byte, imported through the app: the browser reads ZIPs
 * with its own decompression, so each case must give on screen the findings the engine
 * gives under Node, never a pass and never an import that hangs.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { memoryBytes } from '../../shared/archive/blob.ts';
import { verifyZipBytes } from '../../shared/engine/verify.ts';
import { makeCleanArchive } from '../../shared/producer/demo.ts';
import { nodeCedar } from '../../cli/cedar-node.ts';
import { engineOptions } from '../../cli/engine-options.ts';
import {
  withDataFault,
  withHiddenCopy,
  withLyingSize,
  withMethod,
  withUnicodePathAlias,
} from '../support/container-attacks.ts';
import { SEED, type Files } from '../support/tamper.ts';
import {
  importArchive,
  openWorkbench,
  pinRootKey,
  screenshot,
  seriousViolations,
  shownFindingCodes,
  type Workbench,
} from './browser.ts';

const LEDGER = 'gw-eu-1';
const SEGMENT_1 = `ledgers/${LEDGER}/000001.jsonl`;

const cases: { name: string; make: (files: Files) => Uint8Array; shows: string }[] = [
  { name: 'bzip2', make: (f) => withMethod(f, SEGMENT_1, 12), shows: 'ARCHIVE_UNREADABLE' },
  { name: 'lzma', make: (f) => withMethod(f, SEGMENT_1, 14, 0), shows: 'ARCHIVE_UNREADABLE' },
  { name: 'size-lie', make: (f) => withLyingSize(f, SEGMENT_1, 100), shows: 'ARCHIVE_UNREADABLE' },
  { name: 'hidden-copy', make: (f) => withHiddenCopy(f, SEGMENT_1, 'dos'), shows: 'ENTRY_UNSAFE_PATH' },
  { name: 'unicode-path', make: (f) => withUnicodePathAlias(f, SEGMENT_1), shows: 'ENTRY_UNSAFE_PATH' },
  // Faults in an entry's data: found by the browser's own inflate, named by zip.js reading it again.
  { name: 'crc', make: (f) => withDataFault(f, SEGMENT_1, 'crc'), shows: 'ARCHIVE_UNREADABLE' },
  { name: 'trailing', make: (f) => withDataFault(f, SEGMENT_1, 'trailing'), shows: 'ARCHIVE_UNREADABLE' },
  { name: 'damaged', make: (f) => withDataFault(f, SEGMENT_1, 'damaged'), shows: 'ARCHIVE_UNREADABLE' },
  { name: 'cut', make: (f) => withDataFault(f, SEGMENT_1, 'cut'), shows: 'ARCHIVE_UNREADABLE' },
];

describe('tampered ZIP containers imported in the app', () => {
  let wb: Workbench;
  let dir: string;
  let root: string;
  const zips = new Map<string, string>();
  const expected = new Map<string, string[]>();

  beforeAll(async () => {
    const archive = await makeCleanArchive({ cedar: nodeCedar, receipts: 240, seed: SEED, receiptsPerSegment: 60 });
    root = archive.rootPublicKey;
    dir = mkdtempSync(join(tmpdir(), 'tickmark-containers-'));
    for (const c of cases) {
      const zip = c.make(new Map([...archive.files].map(([k, v]) => [k, v.slice()])));
      const path = join(dir, `${c.name}.zip`);
      writeFileSync(path, zip);
      zips.set(c.name, path);
      const report = await verifyZipBytes(memoryBytes(zip), `${c.name}.zip`, {
        ...engineOptions(),
        trustedRoots: [root],
      });
      expected.set(c.name, [...new Set(report.findings.map((f) => f.code))].sort());
    }
    wb = await openWorkbench(inject('baseUrl'));
    await pinRootKey(wb.page, root, 'Container attacks root');
  });
  afterAll(async () => {
    await wb?.close();
  });

  for (const c of cases) {
    it(`${c.name}: the same findings as the engine under Node, ${c.shows} among them`, async () => {
      const { page } = wb;
      expect(expected.get(c.name)).toContain(c.shows);
      await page.getByTestId('nav-start').click();
      await importArchive(page, zips.get(c.name) as string);
      expect(await shownFindingCodes(page)).toEqual(expected.get(c.name));
      expect(await page.getByTestId('verdict').getAttribute('class')).not.toContain('verdict-good');
      await screenshot(page, `dashboard-container-${c.name}`);
      expect(await seriousViolations(page)).toEqual([]);
    });
  }
});
