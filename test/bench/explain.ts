/**
 * `tickmark explain` on a large archive, side by side with the bare cost of reading the
 * archive's ledger bytes once (the same ZIP reader, two segments at a time, nothing
 * parsed): explain must find the receipt, check it, its neighbours, its transaction and
 * its seal without a full verification. Each explain runs in its own process, start-up
 * included, as a CI job would run it. Target: < 15 s at 1,000,000 receipts on 2 cores.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openArchivePath } from '../../cli/open-archive.ts';
import { SEGMENT_PATH } from '../../shared/format/layout.ts';
import { ensureArchive } from './end-to-end.ts';

const ROOT_DIR = fileURLToPath(new URL('../../', import.meta.url));

export interface ExplainFigures {
  readonly receipts: number;
  readonly readSeconds: number;
  readonly cases: readonly { readonly what: string; readonly seconds: number; readonly exit: number }[];
}

/** Streams every segment's bytes once, two at a time, as explain's first pass does. */
export async function bareRead(path: string): Promise<number> {
  const start = performance.now();
  const source = await openArchivePath(path);
  const segments = (await source.entries()).filter((e) => SEGMENT_PATH.test(e.name));
  let next = 0;
  let bytes = 0;
  await Promise.all(
    [0, 1].map(async () => {
      for (let i = next++; i < segments.length; i = next++)
        for await (const chunk of source.read(segments[i] as (typeof segments)[number])) bytes += chunk.length;
    }),
  );
  await source.close();
  if (bytes === 0) throw new Error('no ledger bytes read');
  return (performance.now() - start) / 1000;
}

function timeExplain(path: string, locator: string, root: string): { seconds: number; exit: number } {
  const start = performance.now();
  let exit = 0;
  try {
    execFileSync(
      process.execPath,
      ['--import', 'tsx', 'cli/main.ts', 'explain', path, locator, '--trust-root', root, '--json'],
      {
        cwd: ROOT_DIR,
        maxBuffer: 1 << 26,
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
  } catch (error) {
    exit = (error as { status?: number }).status ?? -1;
    if (exit === 2) throw error;
  }
  return { seconds: (performance.now() - start) / 1000, exit };
}

export async function benchExplain(receipts: number): Promise<ExplainFigures> {
  const { path, root } = ensureArchive(receipts);
  const list = execFileSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'explain', path, '--list'], {
    cwd: ROOT_DIR,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  })
    .trim()
    .split('\n');
  const [lastLocator, lastId] = (list.at(-1) as string).split('\t') as [string, string];
  const middle = (list[Math.floor(list.length / 2)] as string).split('\t')[1] as string;
  const readSeconds = await bareRead(path);
  const cases = [
    {
      what: `first receipt, by ledger#seq (${(list[0] as string).split('\t')[0]})`,
      ...timeExplain(path, (list[0] as string).split('\t')[0] as string, root),
    },
    { what: `middle receipt, by id (${middle})`, ...timeExplain(path, middle, root) },
    { what: `last receipt of the last ledger, by id (${lastId}, ${lastLocator})`, ...timeExplain(path, lastId, root) },
  ];
  return { receipts, readSeconds, cases };
}

export interface PolicyDiffFigures {
  readonly receipts: number;
  readonly readSeconds: number;
  readonly seconds: number;
  readonly changed: number;
  readonly cedarCalls: number;
}

/** `tickmark policy-diff` of the demo's two versions: every recorded request replayed under both. Target < 60 s at 1M. */
export async function benchPolicyDiff(receipts: number): Promise<PolicyDiffFigures> {
  const { path, root } = ensureArchive(receipts);
  const readSeconds = await bareRead(path);
  const start = performance.now();
  let out = '';
  try {
    out = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'cli/main.ts',
        'policy-diff',
        path,
        'agents-prod@1',
        'agents-prod@2',
        '--trust-root',
        root,
        '--json',
      ],
      { cwd: ROOT_DIR, maxBuffer: 1 << 30, encoding: 'utf8' },
    );
  } catch (error) {
    const e = error as { status?: number; stdout?: string };
    if (e.status !== 1) throw error;
    out = e.stdout ?? '';
  }
  const seconds = (performance.now() - start) / 1000;
  const body = JSON.parse(out) as { impact: { changed: unknown[]; cedar_calls: number } };
  return { receipts, readSeconds, seconds, changed: body.impact.changed.length, cedarCalls: body.impact.cedar_calls };
}
