/**
 * The commands that open an archive (explain, policy-diff, sample) say the same thing, and exit
 * 2, when the path is not there or the file is not a readable ZIP.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from './args.ts';
import { main } from './main.ts';
import { openArchiveForCommand } from './open-archive.ts';

let dir: string;
let notZip: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickmark-open-'));
  notZip = join(dir, 'not-a-zip.zip');
  await writeFile(notZip, 'this is not a ZIP archive\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function run(argv: string[]) {
  let stderr = '';
  const code = await main(argv, { stdout: () => {}, stderr: (t) => void (stderr += t) });
  return { code, stderr };
}

describe('openArchiveForCommand', () => {
  it('a missing path: UsageError "cannot open <path>: no such file or directory"', async () => {
    const missing = join(dir, 'missing.zip');
    const error = await openArchiveForCommand(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(`cannot open ${missing}: no such file or directory`);
  });

  it('a file that is not a ZIP: UsageError "cannot read <path>: …"', async () => {
    const error = await openArchiveForCommand(notZip).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(new RegExp(`^cannot read ${notZip}: .+`));
  });

  it.each([
    ['explain', ['explain', '%', 'gw-eu-1#1']],
    ['policy-diff', ['policy-diff', '%', 'a@1', 'a@2']],
    ['sample', ['sample', '%', '--seed', 's', '--size', '1']],
  ])('%s exits 2 with the same words', async (name, argv) => {
    const missing = join(dir, 'missing.zip');
    const gone = await run(argv.map((a) => (a === '%' ? missing : a)));
    expect(gone.code).toBe(2);
    expect(gone.stderr).toBe(`tickmark ${name}: cannot open ${missing}: no such file or directory\n`);
    const bad = await run(argv.map((a) => (a === '%' ? notZip : a)));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(new RegExp(`^tickmark ${name}: cannot read ${notZip}: .+\\n$`));
  });
});
