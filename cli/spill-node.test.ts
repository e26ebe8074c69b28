/**
 * The command line's spill folder: made under TMPDIR for the run, gone after it however it
 * ends; and a verification that spills gives exactly the report of one that does not, on a
 * demo archive with its planted failures (a duplicated output among them) and a reused id.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeDemoArchive } from '../shared/producer/demo.ts';
import { zipFiles } from '../shared/producer/zip.ts';
import { nodeCedar } from './cedar-node.ts';
import { verifyPath } from './commands/verify.ts';
import { folderSpillStore, withTempSpill } from './spill-node.ts';

let savedTmp: string | undefined;
let tmp: string;

beforeEach(() => {
  savedTmp = process.env.TMPDIR;
  tmp = mkdtempSync(join(tmpdir(), 'tickmark-spill-test-'));
  process.env.TMPDIR = tmp;
});

afterEach(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
});

describe('the spill folder', () => {
  it('is made under TMPDIR for the run and deleted after it, also when the run throws', async () => {
    let seen = '';
    const bytes = await withTempSpill(async (spill) => {
      const file = spill?.create('ids-0');
      file?.append(new Uint8Array([1, 2]));
      file?.append(new Uint8Array([3]));
      seen = readdirSync(tmp)[0] ?? '';
      return file?.readAll();
    });
    expect(seen).toMatch(/^tickmark-spill-/);
    expect([...(bytes ?? [])]).toEqual([1, 2, 3]);
    expect(readdirSync(tmp)).toEqual([]);
    await expect(
      withTempSpill(async (spill) => {
        spill?.create('x').append(new Uint8Array(10));
        throw new Error('stopped');
      }),
    ).rejects.toThrow('stopped');
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('is deleted when the process is stopped by SIGINT or SIGTERM, which then ends it as the signal would', async () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const script = join(tmp, `stopped-${signal}.mts`);
      writeFileSync(
        script,
        `import { withTempSpill } from ${JSON.stringify(join(process.cwd(), 'cli/spill-node.ts'))};\n` +
          "await withTempSpill(async (spill) => { spill?.create('ids-0').append(new Uint8Array(8)); console.log('ready'); await new Promise(() => setInterval(() => {}, 1000)); });\n",
      );
      const child = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, TMPDIR: tmp } });
      await new Promise<void>((ready) =>
        child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && ready()),
      );
      expect(readdirSync(tmp).filter((n) => n.startsWith('tickmark-spill-'))).toHaveLength(1);
      const ended = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, how) => resolve(how)));
      child.kill(signal);
      expect(await ended).toBe(signal);
      expect(readdirSync(tmp).filter((n) => n.startsWith('tickmark-spill-'))).toEqual([]);
    }
  }, 30_000);

  it('runs without a spill where no folder can be made', async () => {
    process.env.TMPDIR = join(tmp, 'missing', 'deeper');
    expect(await withTempSpill(async (spill) => spill)).toBeUndefined();
  });

  it('refuses to make a file twice, and removes one it is told to', () => {
    const folder = mkdtempSync(join(tmp, 'store-'));
    const store = folderSpillStore(folder);
    const file = store.create('a');
    expect(() => store.create('a')).toThrow(/EEXIST/);
    file.remove();
    expect(existsSync(join(folder, 'a'))).toBe(false);
  });
});

describe('verify with receipt ids and outputs spilled to disk', () => {
  it('gives the report of a run that keeps them in memory, with the pool and without', async () => {
    const demo = await makeDemoArchive({ cedar: nodeCedar, receipts: 2400, receiptsPerSegment: 300 });
    // A receipt id reused in another ledger: RECEIPT_ID_DUPLICATE, known only when the spill is read back.
    const us = 'ledgers/gw-us-1/000002.jsonl';
    const eu = new TextDecoder().decode(demo.files.get('ledgers/gw-eu-1/000001.jsonl'));
    const euId = /"id":"(rc_[0-9a-f]+)"/.exec(eu)?.[1] as string;
    const usText = new TextDecoder().decode(demo.files.get(us));
    demo.files.set(us, new TextEncoder().encode(usText.replace(/"id":"rc_[0-9a-f]+"/, `"id":"${euId}"`)));
    const zip = join(mkdtempSync(join(tmp, 'archive-')), 'demo.zip');
    writeFileSync(zip, zipFiles(demo.files));

    const trustedRoots = [demo.rootPublicKey];
    const memory = await verifyPath(zip, { trustedRoots }, { workers: 1 });
    const codes = new Set(memory.findings.map((f) => f.code));
    expect(codes).toContain('RECEIPT_ID_DUPLICATE');
    expect(codes).toContain('NONDETERMINISTIC_OUTPUT');
    for (const workers of [1, 2]) {
      const spilled = await verifyPath(zip, { trustedRoots, spillMinBytes: 0, segmentRunnerMinBytes: 0 }, { workers });
      expect(spilled.findings).toEqual(memory.findings);
      expect(spilled.ledgers).toEqual(memory.ledgers);
      expect(spilled.summary).toEqual(memory.summary);
    }
    // Only the archive's folder is left: the spill folders are gone.
    expect(readdirSync(tmp).filter((name) => name.startsWith('tickmark-spill-'))).toEqual([]);
  });
});
