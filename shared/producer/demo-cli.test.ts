/**
 * `tickmark demo` end to end (cli/commands/demo.ts and cli/write-archive.ts): the one
 * demo-size run (the default 2,400 receipts), streamed to a ZIP with node:crypto signing,
 * must be byte for byte the ZIP of the in-memory archive signed with noble.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../cli/args.ts';
import { nodeCedar } from '../../cli/cedar-node.ts';
import { runDemo } from '../../cli/commands/demo.ts';
import { writeArchive } from '../../cli/write-archive.ts';
import { decodeUtf8Strict } from '../format/bytes.ts';
import { makeDemoArchive } from './demo.ts';
import { zipFiles } from './zip.ts';

let dir: string;
beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), 'tickmark-demo-'))));
afterAll(async () => rm(dir, { recursive: true, force: true }));

function capture() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t) } };
}

describe('tickmark demo', () => {
  it('streams the default demo to a ZIP identical to the in-memory archive, and says what to trust', async () => {
    const { out, io } = capture();
    const target = join(dir, 'nested', 'demo.zip');
    expect(await runDemo([target], io)).toBe(0);
    const expected = await makeDemoArchive({ cedar: nodeCedar });
    const written = new Uint8Array(await readFile(target));
    expect(written).toEqual(zipFiles(expected.files));
    expect(expected.receipts).toBe(2400);

    expect(out.stdout).toContain(`--trust-root ${expected.rootPublicKey}`);
    expect(out.stdout).toMatch(/took \d+\.\d s/);
    for (const f of expected.plantedFailures) expect(out.stdout).toContain(f.receipt);
    expect(await readdir(join(dir, 'nested'))).toEqual(['demo.zip']); // no partial file left behind
    const entries = unzipSync(written);
    expect(JSON.parse(decodeUtf8Strict(entries['manifest.json']!)!).files).toHaveLength(
      Object.keys(entries).length - 1,
    );
  }, 120_000);

  it('writes a folder when the path does not end in .zip, and refuses a folder that is not empty', async () => {
    const target = join(dir, 'folder');
    const { out, io } = capture();
    expect(await runDemo([target, '--receipts', '60', '--seed', 'cli', '--unsealed'], io)).toBe(0);
    expect(out.stdout).toContain('unsealed');
    const expected = await makeDemoArchive({ cedar: nodeCedar, receipts: 60, seed: 'cli', unsealed: true });
    for (const [path, bytes] of expected.files)
      expect(new Uint8Array(await readFile(join(target, ...path.split('/'))))).toEqual(bytes);

    const again = capture();
    expect(await runDemo([target, '--receipts', '60'], again.io)).toBe(2);
    expect(again.out.stderr).toContain('not empty');
  });

  it.each([
    [[]],
    [['a', 'b']],
    [['x.zip', '--receipts', '39']],
    [['x.zip', '--receipts', '1e3']],
    [['x.zip', '--bogus']],
  ])('refuses bad usage %j', async (argv) => {
    await expect(runDemo(argv, capture().io)).rejects.toThrow(UsageError);
  });

  it('writes a clean archive with --clean', async () => {
    const { out, io } = capture();
    expect(await runDemo([join(dir, 'clean.zip'), '--clean', '--receipts', '10'], io)).toBe(0);
    expect(out.stdout).toContain('none (clean archive)');
  });
});

describe('writeArchive', () => {
  it('writes a files map as a ZIP or a folder, creating parent folders', async () => {
    const files = new Map([
      ['keys.json', new TextEncoder().encode('{}')],
      ['ledgers/a/000001.jsonl', new TextEncoder().encode('{"x":1}\n')],
    ]);
    await writeArchive(join(dir, 'w', 'x', 'a.zip'), files);
    expect(Object.keys(unzipSync(new Uint8Array(await readFile(join(dir, 'w', 'x', 'a.zip'))))).sort()).toEqual([
      ...files.keys(),
    ]);
    await writeArchive(join(dir, 'w', 'folder'), files);
    expect(await readFile(join(dir, 'w', 'folder', 'ledgers', 'a', '000001.jsonl'), 'utf8')).toBe('{"x":1}\n');
  });

  it('refuses an unsafe path in folder mode and removes a partial ZIP on failure', async () => {
    await expect(writeArchive(join(dir, 'bad'), [['../escape', new Uint8Array(1)]])).rejects.toThrow(/refusing/);
    // A producer that fails half-way: the first file is already in the ZIP stream.
    function* failing(): Generator<readonly [string, Uint8Array]> {
      yield ['keys.json', new Uint8Array(10)];
      throw new Error('producer failure');
    }
    await expect(writeArchive(join(dir, 'bad.zip'), failing())).rejects.toThrow(/producer failure/);
    expect((await readdir(dir)).filter((n) => n.startsWith('bad.zip'))).toEqual([]);
  });
});
