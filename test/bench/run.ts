/**
 * `npm run bench`: performance figures measured side by side in one run, printed as
 * ratios against baselines from the same run. Not a test: nothing here passes or fails.
 *
 *   BENCH_SIZES=100000,300000,1000000 npm run bench     (default 100000,300000)
 *   BENCH_ONLY=explorer npm run bench                     (the explorer's search and filters only)
 *   BENCH_SHAPES=1000,quarter npm run bench               (receipts per segment file: 1,000 (the demo's),
 *                                                          and "quarter": two files per ledger, n/4 each;
 *                                                          also "checkpoint-each": 1,000 per file and a
 *                                                          checkpoint for every receipt)
 *   BENCH_SHAPES=independent,independent-quarter npm run bench  (the same shapes made by
 *                                                          test/bench/independent-producer.py: needs python3
 *                                                          with cryptography; "-ledgers<L>" at the end of the
 *                                                          name: L ledgers, not 2, e.g. independent-ledgers500)
 *   BENCH_ROUNDS=3 npm run bench                          (each end-to-end row 3 times, every other round
 *                                                          verify first; prints each shape's median ratios)
 *   BENCH_SCALE=1000000,10000000 BENCH_ONLY=scale npm run bench  (BENCH_SCALE_MEMORY=1: also without the spill)
 *                                                         (verify's time per receipt and peak memory by size;
 *                                                          off unless asked)
 *   BENCH_APP=100000 BENCH_ONLY=app npm run bench        (the app's import in Chromium against tickmark verify,
 *                                                          BENCH_ROUNDS pairs (3 by default), on the shape
 *                                                          BENCH_APP_SHAPE names as BENCH_SHAPES does
 *                                                          (independent by default); off unless asked)
 */
import { availableParallelism, cpus } from 'node:os';
import { benchDecisionMemo } from './decision-memo.ts';
import { benchEndToEnd, benchShape, shapeArchive } from './end-to-end.ts';
import { benchSignatures } from './signatures.ts';
import { benchManyEntries } from './many-entries.ts';
import { benchExplain, benchPolicyDiff } from './explain.ts';
import { benchExplorerSearch, printExplorerFigures } from './explorer-search.ts';
import { benchEngagement } from './engagement.ts';
import { benchScale } from './scale.ts';
import { benchAppImport } from './app-import.ts';

const sizes = (process.env.BENCH_SIZES ?? '100000,300000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const workers = Number(process.env.BENCH_WORKERS ?? availableParallelism());
const f = (n: number) => n.toLocaleString('en-US');
const ratio = (a: number, b: number) => (a / b).toFixed(2);
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

console.log(`# Tickmark benchmark, ${new Date().toISOString()}`);
console.log(`Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${workers} workers\n`);

if (process.env.BENCH_EXPLORER !== '0' && (!process.env.BENCH_ONLY || process.env.BENCH_ONLY === 'explorer')) {
  console.log('## Receipts explorer: search box and filters on the in-memory table');
  printExplorerFigures(benchExplorerSearch(Number(process.env.BENCH_EXPLORER_ROWS ?? 1_000_000)));
  console.log('');
}
if (process.env.BENCH_ONLY === 'explorer') process.exit(0);

if (process.env.BENCH_EXPLAIN !== '0' && (!process.env.BENCH_ONLY || process.env.BENCH_ONLY === 'explain')) {
  const explainSizes = (process.env.BENCH_EXPLAIN ?? String(sizes.at(-1) ?? 100000)).split(',').map(Number);
  console.log('## tickmark explain (one receipt, own process) vs one bare read of every ledger byte');
  console.log(
    '| receipts | bare read (s) | receipt | explain (s) | explain / bare read | exit |\n|---|---|---|---|---|---|',
  );
  for (const n of explainSizes) {
    const e = await benchExplain(n);
    for (const c of e.cases)
      console.log(
        `| ${f(e.receipts)} | ${e.readSeconds.toFixed(1)} | ${c.what} | ${c.seconds.toFixed(1)} | ${ratio(c.seconds, e.readSeconds)} | ${c.exit} |`,
      );
  }
  console.log('');
  console.log('## tickmark policy-diff (every recorded request replayed under both versions) vs one bare read');
  console.log(
    '| receipts | bare read (s) | policy-diff (s) | policy-diff / bare read | changed outcomes | Cedar calls |\n|---|---|---|---|---|---|',
  );
  for (const n of explainSizes) {
    const d = await benchPolicyDiff(n);
    console.log(
      `| ${f(d.receipts)} | ${d.readSeconds.toFixed(1)} | ${d.seconds.toFixed(1)} | ${ratio(d.seconds, d.readSeconds)} | ${f(d.changed)} | ${f(d.cedarCalls)} |`,
    );
  }
  console.log('');
  console.log(
    '## tickmark sample and workpaper build (own process each) vs one bare read, and vs tickmark verify of the same archive',
  );
  console.log('| receipts | command | time (s) | baseline (s) | / baseline | exit |\n|---|---|---|---|---|---|');
  for (const n of explainSizes) {
    const g = await benchEngagement(n);
    for (const c of g.cases) {
      const base = c.baseline === 'read' ? g.readSeconds : g.verifySeconds;
      console.log(
        `| ${f(g.receipts)} | ${c.what} | ${c.seconds.toFixed(1)} | ${c.baseline === 'read' ? 'bare read' : 'verify'} ${base.toFixed(1)} | ${ratio(c.seconds, base)} | ${c.exit} |`,
      );
    }
  }
  console.log('');
}
if (process.env.BENCH_ONLY === 'explain') process.exit(0);

if (process.env.BENCH_SCALE) {
  const scaleSizes = process.env.BENCH_SCALE.split(',')
    .map(Number)
    .filter((n) => n > 0);
  console.log('## Time and memory against size: tickmark verify (every check) on demo archive folders');
  console.log(
    `| receipts | ids and outputs | generate (s) | verify (s) | µs per receipt | µs per receipt / at ${f(scaleSizes[0] ?? 0)} | CPU µs per receipt | CPU / at ${f(scaleSizes[0] ?? 0)} | peak RSS (MiB) | findings |\n|---|---|---|---|---|---|---|---|---|---|`,
  );
  const first = new Map<string, number>();
  const firstCpu = new Map<string, number>();
  for (const g of benchScale(scaleSizes, workers, process.env.BENCH_SCALE_MEMORY === '1')) {
    if (!first.has(g.mode)) first.set(g.mode, g.microsPerReceipt);
    if (!firstCpu.has(g.mode)) firstCpu.set(g.mode, g.cpuMicrosPerReceipt);
    const generated = g.mode === 'memory' ? '—' : g.generateSeconds === null ? 'cached' : g.generateSeconds.toFixed(0);
    console.log(
      `| ${f(g.receipts)} | ${g.mode === 'spill' ? 'spilled to disk' : 'in memory'} | ${generated} | ${g.verifySeconds.toFixed(1)} | ${g.microsPerReceipt.toFixed(0)} | ${ratio(g.microsPerReceipt, first.get(g.mode) ?? 0)} | ${g.cpuMicrosPerReceipt.toFixed(0)} | ${ratio(g.cpuMicrosPerReceipt, firstCpu.get(g.mode) ?? 0)} | ${f(g.maxRssMiB)} | ${g.findings} |`,
    );
  }
  console.log('(1.00 is linear: the same time per receipt at every size.)\n');
}
if (process.env.BENCH_ONLY === 'scale') process.exit(0);

if (process.env.BENCH_APP) {
  // BENCH_APP=100000[,1000000]: the app's import against the command line (issue 14: ≤ 1.15×),
  // on the shape BENCH_APP_SHAPE names as BENCH_SHAPES does ("independent" by default), BENCH_ROUNDS pairs.
  const appShape = process.env.BENCH_APP_SHAPE ?? 'independent';
  const appRounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
  console.log('## App import (verify + store + index, Chromium, through the UI) vs tickmark verify --json');
  console.log(
    "App: the window's measure of the import, nothing driving the page; CPU of every Chromium process. Command line: the whole command in its own process, timed from outside.",
  );
  console.log(
    '| receipts | shape | round (first) | app import (s) | app CPU (s) | tickmark verify (s) | its CPU (s) | app / CLI | CPU app / CLI | findings (integrity, control), both |\n|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const n of process.env.BENCH_APP.split(',')
    .map(Number)
    .filter((m) => m > 0)) {
    const shape = benchShape(appShape, n);
    const archive = shapeArchive(n, shape);
    const times: number[] = [];
    const cpus: number[] = [];
    const byThread: string[] = [];
    await benchAppImport(archive, n, appRounds, (r, i) => {
      byThread.push(
        `round ${i + 1}: ${
          r.appThreads
            .filter(([, use]) => use.seconds >= 0.5)
            .map(([name, use]) => `${name} ${use.seconds.toFixed(1)} (system ${use.systemSeconds.toFixed(1)})`)
            .join(', ') || 'not measured'
        }`,
      );
      times.push(r.appSeconds / r.cliSeconds);
      if (r.appCpuSeconds !== null && r.cliCpuSeconds !== null) cpus.push(r.appCpuSeconds / r.cliCpuSeconds);
      const cpu = (s: number | null) => (s === null ? 'not measured' : s.toFixed(1));
      console.log(
        `| ${f(n)} | ${appShape} | ${i + 1} (${r.first}) | ${r.appSeconds.toFixed(1)} | ${cpu(r.appCpuSeconds)} | ${r.cliSeconds.toFixed(1)} (exit ${r.cliExit}) | ${cpu(r.cliCpuSeconds)} | ${ratio(r.appSeconds, r.cliSeconds)} | ${r.appCpuSeconds !== null && r.cliCpuSeconds !== null ? ratio(r.appCpuSeconds, r.cliCpuSeconds) : '—'} | ${r.findings.integrity}, ${r.findings.control} |`,
      );
    });
    const range = (v: number[]) => `${Math.min(...v).toFixed(2)}–${Math.max(...v).toFixed(2)}`;
    console.log(
      `\n${f(n)} receipts: app / CLI median ${median(times).toFixed(2)} (${range(times)}), CPU ${cpus.length > 0 ? `median ${median(cpus).toFixed(2)} (${range(cpus)})` : 'not measured'}; target ≤ 1.15`,
    );
    console.log(
      `The app's CPU by thread (s), threads of 0.5 s or more:\n${byThread.map((t) => `  ${t}`).join('\n')}\n`,
    );
  }
}
if (process.env.BENCH_ONLY === 'app') process.exit(0);

const sig = await benchSignatures(20_000, workers);
console.log('## Ed25519 verification (strict RFC 8032)');
console.log(`| path | signatures/s |\n|---|---|`);
console.log(`| @noble/ed25519, one thread | ${f(sig.nobleRate)} |`);
console.log(`| node:crypto + strict checks, one thread | ${f(sig.nativeRate)} |`);
console.log(`| node:crypto + strict checks, pool of ${sig.workers} | ${f(sig.poolRate)} |`);
console.log(`\nnative / noble: ${ratio(sig.nativeRate, sig.nobleRate)}×`);
console.log(`pool / (W × native one thread): ${ratio(sig.poolRate, sig.workers * sig.nativeRate)} (target ≥ 0.80)\n`);

console.log('## Cedar decisions');
await benchDecisionMemo({ passes: 4 });
console.log('');

console.log(
  '## End to end: tickmark verify (every check) vs the bare loop (parse + canonicalize + native verify, one thread)',
);
console.log(
  'Shapes: receipts per segment file; "2 per ledger" is few, large files (n/4 receipts each), as some producers write.',
);
console.log(
  `"bare × ${workers} at once": the bare loop in ${workers} processes at the same time, each over one segment file in ${workers}; its ratio to one bare loop is what ${workers} threads of this machine give, the ceiling of verify / bare here.`,
);
console.log(
  `| receipts | receipts per file | generate (s) | bare loop (receipts/s) | bare × ${workers} at once (receipts/s) | machine's ceiling (× bare) | tickmark verify (receipts/s) | verify / bare | verify / ceiling | verify time (s) | µs per receipt | peak RSS (MiB) | findings |`,
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
const shapes = (process.env.BENCH_SHAPES ?? '1000,quarter').split(',');
// BENCH_ROUNDS=r: every size and shape r times, the rounds of all shapes taken in turn and every
// other round in the reverse order (verify first), then the median of each shape's ratios.
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
const ratios = new Map<string, { bare: number[]; ceiling: number[] }>();
for (const n of sizes) {
  for (let round = 1; round <= rounds; round++) {
    for (const shape of shapes) {
      const cut = benchShape(shape, n);
      const { producer, perFile, checkpointEvery, quarter, ledgers } = cut;
      const each = checkpointEvery === 1;
      const independent = producer === 'independent';
      const e = await benchEndToEnd(n, workers, cut, round % 2 === 0);
      // The bare loop verifies the receipts' signatures only: with a checkpoint for every receipt,
      // verify checks twice as many signatures.
      // A ledger holds n / ledgers receipts: with many ledgers, its one file may hold fewer than asked.
      const written = Math.min(perFile, Math.ceil(n / ledgers));
      const perFileText =
        (quarter ? `${f(written)} (2 per ledger)` : each ? `${f(written)}, a checkpoint each` : f(written)) +
        (independent ? `, independent producer${ledgers === 2 ? '' : `, ${f(ledgers)} ledgers`}` : '');
      const key = `${f(n)} receipts, ${perFileText} receipts per file`;
      const seen = ratios.get(key) ?? { bare: [], ceiling: [] };
      seen.bare.push(e.fullRate / e.bareRate);
      seen.ceiling.push(e.fullRate / e.parallelBareRate);
      ratios.set(key, seen);
      console.log(
        `| ${f(e.receipts)}${rounds > 1 ? ` (round ${round}${round % 2 === 0 ? ', verify first' : ''})` : ''} | ${perFileText} | ${e.generateSeconds === null ? 'cached' : e.generateSeconds.toFixed(0)} | ${f(e.bareRate)} | ${f(e.parallelBareRate)} | ${ratio(e.parallelBareRate, e.bareRate)} | ${f(e.fullRate)} | ${ratio(e.fullRate, e.bareRate)} | ${ratio(e.fullRate, e.parallelBareRate)} | ${e.fullSeconds.toFixed(1)} | ${((e.fullSeconds * 1e6) / e.receipts).toFixed(0)} | ${f(e.maxRssMiB)} | ${e.findings} |`,
      );
    }
  }
}
if (rounds > 1) {
  const spread = (values: number[]) =>
    `median ${median(values).toFixed(2)} (${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)})`;
  console.log(`\nOver ${rounds} rounds:`);
  for (const [key, seen] of ratios)
    console.log(`  ${key}: verify / bare ${spread(seen.bare)}; verify / ceiling ${spread(seen.ceiling)}`);
}

if (process.env.BENCH_ENTRIES !== '0') {
  const entrySizes = (process.env.BENCH_ENTRIES ?? '5000,20000').split(',').map(Number);
  console.log('\n## Many small entries: tickmark verify of a small archive plus N one-byte unlisted entries');
  console.log('| entries | verify (s) | ms per entry | peak RSS (MiB) |\n|---|---|---|---|');
  const costs = await benchManyEntries(entrySizes);
  for (const c of costs) {
    console.log(
      `| ${f(c.entries)} | ${c.seconds.toFixed(1)} | ${((c.seconds * 1000) / c.entries).toFixed(2)} | ${f(c.maxRssMiB)} |`,
    );
  }
  const [a, b] = [costs[0], costs.at(-1)];
  if (a && b && a !== b) {
    console.log(
      `\nms per entry at ${f(b.entries)} / at ${f(a.entries)}: ${ratio(b.seconds / b.entries, a.seconds / a.entries)} (1.00 is linear)`,
    );
  }
}
