/**
 * End to end, side by side on the same archive in one run:
 * - a bare single-thread loop that only parses each receipt line, canonicalizes it
 *   without `sig` and verifies the signature natively (the baseline);
 * - `tickmark verify` with every check (canonical form, hashes, signatures, chain,
 *   checkpoints, Cedar, controls), in its own process, with its peak memory.
 * - the bare loop again, W processes at once (each over every W-th segment file): the most
 *   W threads of this machine give for the bare loop's work, which bounds any verify / bare
 *   ratio here (two logical cores may share one core's units, or a quota may cap them).
 * Targets (issues 14, 18): verify / bare ≥ 1.4 at 100k, ≥ 1.6 at 1M; peak memory < 512 MiB at 1M.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLines } from '../../shared/archive/lines.ts';
import { canonicalize } from '../../shared/format/canonical.ts';
import { fromHex, utf8 } from '../../shared/format/bytes.ts';
import { nativeStrictVerifier } from '../../cli/native-ed25519.ts';
import { openArchivePath } from '../../cli/open-archive.ts';
import { HAS_PYTHON, independentArchiveAt, makeIndependentArchive } from '../support/independent-producer.ts';

const ROOT_DIR = fileURLToPath(new URL('../../', import.meta.url));
const CACHE = join(tmpdir(), 'tickmark-bench');

export interface EndToEndFigures {
  readonly receipts: number;
  readonly perFile: number;
  readonly generateSeconds: number | null;
  readonly bareRate: number;
  /** The bare loop in `workers` processes at once: receipts over the wall time of all. */
  readonly parallelBareRate: number;
  readonly fullRate: number;
  readonly fullSeconds: number;
  readonly maxRssMiB: number;
  readonly workers: number;
  readonly findings: string;
}

/** Who made a bench archive: this project's `tickmark demo`, or the independent producer (Python, FORMAT.md only). */
export type Producer = 'demo' | 'independent';

/**
 * An archive of `n` receipts made by test/bench/independent-producer.py, a second producer
 * written from FORMAT.md alone in Python (OpenSSL's Ed25519 through `cryptography`), cached
 * like the demo's. Throws, saying what to install, where python3 or its `cryptography` is missing.
 */
export function ensureIndependentArchive(
  n: number,
  perFile = 1000,
  ledgers = 2,
): { path: string; root: string; generateSeconds: number | null } {
  mkdirSync(CACHE, { recursive: true });
  const path = join(
    CACHE,
    `independent-${n}${perFile === 1000 ? '' : `-seg${perFile}`}${ledgers === 2 ? '' : `-l${ledgers}`}.zip`,
  );
  if (existsSync(path) && existsSync(`${path}.json`)) return { ...independentArchiveAt(path), generateSeconds: null };
  if (!HAS_PYTHON)
    throw new Error(
      'the "independent" shapes need python3 with the cryptography package (Debian: apt-get install -y python3-cryptography)',
    );
  const start = performance.now();
  const made = makeIndependentArchive(
    path,
    ['--receipts', String(n), '--segment-receipts', String(perFile), '--ledgers', String(ledgers)],
    { progress: true },
  );
  return { ...made, generateSeconds: (performance.now() - start) / 1000 };
}

/**
 * A demo archive of `n` receipts, `perFile` receipts per segment file (the demo's 1,000 by
 * default; a producer may write far larger files) and a checkpoint every `checkpointEvery`
 * receipts (the demo's 100 by default; a producer may checkpoint every receipt), made once and
 * cached in the temp folder.
 */
export function ensureArchive(
  n: number,
  perFile = 1000,
  container: 'zip' | 'folder' = 'zip',
  checkpointEvery = 100,
): { path: string; root: string; generateSeconds: number | null } {
  mkdirSync(CACHE, { recursive: true });
  const stem = `demo-${n}${perFile === 1000 ? '' : `-seg${perFile}`}${checkpointEvery === 100 ? '' : `-cp${checkpointEvery}`}`;
  // A folder where the archive would pass what a ZIP without ZIP64 holds (the demo writes none).
  const path = join(CACHE, container === 'zip' ? `${stem}.zip` : stem);
  const meta = `${path}.json`;
  if (existsSync(path) && existsSync(meta))
    return { ...(JSON.parse(readFileSync(meta, 'utf8')) as { root: string }), path, generateSeconds: null };
  // A folder left by a generation that did not finish (no meta) is made again.
  if (container === 'folder') rmSync(path, { recursive: true, force: true });
  const start = performance.now();
  const out = execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'cli/main.ts',
      'demo',
      container === 'zip' ? path : `${path}/`,
      '--receipts',
      String(n),
      '--segment-receipts',
      String(perFile),
      '--checkpoint-every',
      String(checkpointEvery),
    ],
    { cwd: ROOT_DIR, encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  const generateSeconds = (performance.now() - start) / 1000;
  const root = /--trust-root ([0-9a-f]{64})/.exec(out)?.[1];
  if (!root) throw new Error(`demo did not print a root key:\n${out}`);
  writeFileSync(meta, JSON.stringify({ root }));
  return { path, root, generateSeconds };
}

/**
 * The baseline: parse, canonicalize without sig, verify natively. Nothing else. With `share`,
 * only every `of`-th segment file from the `part`-th (for W loops at once).
 */
export async function bareLoop(
  path: string,
  share: { part: number; of: number } = { part: 0, of: 1 },
): Promise<{ receipts: number; ms: number; startedAt: number; endedAt: number }> {
  const source = await openArchivePath(path);
  const entries = await source.entries();
  const keys = new Map<string, Uint8Array>();
  const keySet = entries.find((e) => e.name === 'keys.json');
  if (keySet) {
    const chunks: Uint8Array[] = [];
    for await (const c of source.read(keySet)) chunks.push(c);
    for (const k of (
      JSON.parse(Buffer.concat(chunks).toString('utf8')) as { keys: { kid: string; public_key: string }[] }
    ).keys)
      keys.set(k.kid, fromHex(k.public_key));
  }
  let receipts = 0;
  const startedAt = Date.now();
  const start = performance.now();
  const segments = entries.filter((e) => /^ledgers\/[^/]+\/\d{6}\.jsonl$/.test(e.name));
  for (const entry of segments.filter((_, i) => i % share.of === share.part)) {
    for await (const read of readLines(source.read(entry), 1 << 20)) {
      if (read.kind === 'too-long') continue;
      const { sig, ...rest } = JSON.parse(
        Buffer.from(read.bytes.buffer, read.bytes.byteOffset, read.bytes.length).toString('utf8'),
      ) as { sig: string; kid: string };
      nativeStrictVerifier.verify(fromHex(sig), utf8(canonicalize(rest)), keys.get(rest.kid) as Uint8Array);
      receipts++;
    }
  }
  const ms = performance.now() - start;
  const endedAt = Date.now();
  await source.close();
  return { receipts, ms, startedAt, endedAt };
}

/** The bare loop in `w` processes at once: all their receipts over the wall time from first start to last end. */
async function parallelBareRate(path: string, w: number): Promise<number> {
  const run = promisify(execFile);
  const outs = await Promise.all(
    Array.from({ length: w }, (_, part) =>
      run(process.execPath, ['--import', 'tsx', 'test/bench/bare-child.ts', path, String(part), String(w)], {
        cwd: ROOT_DIR,
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      }),
    ),
  );
  const shares = outs.map(
    (o) =>
      JSON.parse(o.stdout.trim().split('\n').at(-1) as string) as {
        receipts: number;
        startedAt: number;
        endedAt: number;
      },
  );
  const receipts = shares.reduce((sum, s) => sum + s.receipts, 0);
  const wallMs = Math.max(...shares.map((s) => s.endedAt)) - Math.min(...shares.map((s) => s.startedAt));
  return Math.round((receipts * 1000) / wallMs);
}

/** What test/bench/verify-child.ts prints of one full `tickmark verify` in its own process. */
export interface VerifyChildFigures {
  readonly ms: number;
  readonly maxRssKiB: number;
  /** CPU of all its threads (user + system). */
  readonly cpuMs: number;
  readonly receipts: number;
  readonly integrity: number;
  readonly control: number;
}

/**
 * One full `tickmark verify` of `path` in its own process (so its peak memory is its own);
 * `memory`: no spill to disk, whatever the size.
 */
export function verifyInChild(path: string, root: string, workers: number, memory = false): VerifyChildFigures {
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', 'test/bench/verify-child.ts', path, root, String(workers), ...(memory ? ['memory'] : [])],
    { cwd: ROOT_DIR, encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  return JSON.parse(out.trim().split('\n').at(-1) as string) as VerifyChildFigures;
}

/**
 * A shape as `BENCH_SHAPES` and `BENCH_APP_SHAPE` name it: "1000" or another number of receipts per
 * segment file; "quarter", two files per ledger (n/4 receipts each); "checkpoint-each", 1,000 per
 * file and a checkpoint for every receipt; "independent", "independent-quarter" and
 * "independent-<n>", the same from the second producer, which writes two ledgers unless the name
 * ends in "-ledgers<L>" ("independent-ledgers500": 500 ledgers, files of 1,000).
 */
export interface BenchShape {
  readonly producer: Producer;
  readonly perFile: number;
  readonly checkpointEvery: number;
  readonly quarter: boolean;
  readonly ledgers: number;
}

/** The shape `name` stands for at `n` receipts; throws on a name it does not know. */
export function benchShape(name: string, n: number): BenchShape {
  const each = name === 'checkpoint-each';
  const independent = name.startsWith('independent');
  const ledgersAt = independent ? /-ledgers(\d+)$/.exec(name) : null;
  const ledgers = ledgersAt ? Number(ledgersAt[1]) : 2;
  const kept = ledgersAt ? name.slice(0, ledgersAt.index) : name;
  const cut = independent ? kept.slice('independent-'.length) || '1000' : kept;
  const quarter = cut === 'quarter';
  const perFile = quarter ? Math.max(1, Math.floor(n / ledgers / 2)) : each ? 1000 : Number(cut);
  if (!Number.isSafeInteger(perFile) || perFile < 1 || !Number.isSafeInteger(ledgers) || ledgers < 1)
    throw new Error(`no bench shape is called "${name}"`);
  const producer = independent ? 'independent' : 'demo';
  return { producer, perFile, checkpointEvery: each ? 1 : 100, quarter, ledgers };
}

/** The cached archive of `n` receipts of that shape, made first if it is not there. */
export function shapeArchive(
  n: number,
  shape: BenchShape,
): { path: string; root: string; generateSeconds: number | null } {
  return shape.producer === 'independent'
    ? ensureIndependentArchive(n, shape.perFile, shape.ledgers)
    : ensureArchive(n, shape.perFile, 'zip', shape.checkpointEvery);
}

/**
 * The bare loop, the bare loop in `workers` processes at once, and `tickmark verify`, one after
 * another; `reversed` runs them the other way round (verify first), so that over several rounds
 * a machine speeding up or slowing down does not favour one side.
 */
export async function benchEndToEnd(
  n: number,
  workers: number,
  shape: BenchShape,
  reversed = false,
): Promise<EndToEndFigures> {
  const archive = shapeArchive(n, shape);
  let full: VerifyChildFigures | null = reversed ? verifyInChild(archive.path, archive.root, workers) : null;
  const bare = reversed ? null : await bareLoop(archive.path);
  const parallel = await parallelBareRate(archive.path, workers);
  full ??= verifyInChild(archive.path, archive.root, workers);
  const bareRun = bare ?? (await bareLoop(archive.path));
  return figuresOf(n, shape.perFile, workers, archive.generateSeconds, bareRun, parallel, full);
}

function figuresOf(
  n: number,
  perFile: number,
  workers: number,
  generateSeconds: number | null,
  bare: { receipts: number; ms: number },
  parallel: number,
  full: VerifyChildFigures,
): EndToEndFigures {
  return {
    receipts: full.receipts,
    perFile,
    generateSeconds,
    bareRate: Math.round((bare.receipts * 1000) / bare.ms),
    parallelBareRate: parallel,
    fullRate: Math.round((full.receipts * 1000) / full.ms),
    fullSeconds: full.ms / 1000,
    maxRssMiB: Math.round(full.maxRssKiB / 1024),
    workers,
    findings: `${full.integrity} integrity, ${full.control} control`,
  };
}
