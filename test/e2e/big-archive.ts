/**
 * A demo archive large enough that verifying it takes a while in the browser (to cancel
 * it or close the window mid-way), made once per size with the project's producer.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeCedar } from '../../cli/cedar-node.ts';
import { nodeCryptoSigner } from '../../cli/commands/demo.ts';
import { zipSync } from 'fflate';
import { makeDemoArchive } from '../../shared/producer/demo.ts';
import { zipFiles } from '../../shared/producer/zip.ts';

export interface BigArchive {
  readonly path: string;
  readonly rootPublicKey: string;
  readonly receipts: number;
  /** Finding codes the producer planted (each must be reported). */
  readonly plantedCodes: readonly string[];
}

/**
 * `receiptsPerSegment`: the demo's 1,000 by default; a producer may write far larger files (issue 18).
 * `stored`: every entry stored, not deflated (ZIP method 0, which FORMAT.md allows as well).
 */
export async function bigArchive(receipts: number, receiptsPerSegment = 1000, stored = false): Promise<BigArchive> {
  const dir = join(tmpdir(), 'tickmark-e2e-archives');
  const path = join(
    dir,
    `demo-${receipts}${receiptsPerSegment === 1000 ? '' : `-seg${receiptsPerSegment}`}${stored ? '-stored' : ''}.zip`,
  );
  const meta = `${path}.json`;
  if (existsSync(path) && existsSync(meta)) {
    const saved = JSON.parse(await readFile(meta, 'utf8')) as { rootPublicKey: string; plantedCodes?: string[] };
    if (saved.plantedCodes)
      return { path, receipts, rootPublicKey: saved.rootPublicKey, plantedCodes: saved.plantedCodes };
  }
  await mkdir(dir, { recursive: true });
  const demo = await makeDemoArchive({
    cedar: nodeCedar,
    receipts,
    seed: 'tickmark-e2e-big',
    sign: nodeCryptoSigner(),
    unsealed: true,
    receiptsPerSegment,
  });
  // fflate stores an entry (method 0) at level 0 in `zipSync`; the project's writer always deflates.
  await writeFile(
    `${path}.tmp`,
    stored ? zipSync(Object.fromEntries(demo.files), { level: 0 }) : zipFiles(demo.files, { level: 1 }),
  );
  await rename(`${path}.tmp`, path);
  const plantedCodes = [...new Set(demo.plantedFailures.map((f) => f.code))].sort();
  await writeFile(meta, JSON.stringify({ rootPublicKey: demo.rootPublicKey, plantedCodes }));
  return { path, receipts, rootPublicKey: demo.rootPublicKey, plantedCodes };
}

/**
 * An archive made elsewhere (another producer), described by `<path>.json`: its root key
 * (`rootPublicKey`), its receipt count (`receipts`) and the finding codes it must give
 * (`plantedCodes`; none when absent: the archive must verify clean).
 * @throws Error naming the file and what is missing.
 */
export function givenArchive(path: string): BigArchive {
  const meta = `${path}.json`;
  let saved: { rootPublicKey?: unknown; receipts?: unknown; plantedCodes?: unknown };
  try {
    saved = JSON.parse(readFileSync(meta, 'utf8')) as typeof saved;
  } catch (error) {
    throw new Error(`${meta}: cannot read the archive's description (${(error as Error).message})`);
  }
  if (typeof saved.rootPublicKey !== 'string' || !/^[0-9a-f]{64}$/.test(saved.rootPublicKey))
    throw new Error(`${meta}: rootPublicKey must be 64 hex digits`);
  if (!Number.isSafeInteger(saved.receipts) || (saved.receipts as number) <= 0)
    throw new Error(`${meta}: receipts must be a positive integer`);
  const codes = saved.plantedCodes ?? [];
  if (!Array.isArray(codes) || !codes.every((c) => typeof c === 'string'))
    throw new Error(`${meta}: plantedCodes must be a list of finding codes`);
  return { path, rootPublicKey: saved.rootPublicKey, receipts: saved.receipts as number, plantedCodes: codes };
}
