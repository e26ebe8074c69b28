/**
 * The `tickmark` command line. Each command is a function of (argv, io) returning an exit
 * status, so tests call it in-process; this file only dispatches and maps errors to exits.
 */
import { UsageError, type CommandIo } from './args.ts';
import { runVerify } from './commands/verify.ts';

const USAGE = `usage: tickmark <command> [options]

commands:
  verify <archive.zip | archive-dir> [--trust-root <hex>]... [--json]
      verify an evidence archive (exit 0: no findings, 1: findings, 2: could not run)
  privacy <archive.zip | archive-dir> [--trust-root <hex>]... [--json]
      who touched which personal data, how, sent where and when
  explain <archive.zip | archive-dir> <receipt-id | ledger#seq> [--trust-root <hex>]... [--json]
      walk one receipt: intent, data, inputs, decision replayed policy by policy, approval,
      signature, chain, checkpoint, transaction, findings (exit 0: it holds, 1: findings, 2: could not run)
  explain <execlayer log | v4 journal folder> (--line <n> | --receipt <id>) [--hmac-secret-hex <hex>] [--issuer <id>]... [--json]
      one line of an ExecLayer log: intent, rule trace, verdict as written, its hash, link, HMAC checks
  policy-diff <archive.zip | archive-dir> <from> <to> [--trust-root <hex>]... [--json] [--workers N]
      what changed between two bundle versions (id@version, hash prefix or a bundle file) and
      which recorded decisions it flips (exit 0: none, 1: some, 2: could not run)
  sample <archive.zip | archive-dir> --seed <text> --size <n> [--stratify ledger|agent|action] [--json] [--workers N]
      a reproducible sample (FORMAT.md §9: ranked by SHA-256 of seed and receipt hash)
  sample-size --confidence <pct> --tolerable <pct> --expected <pct> [--json]
      attribute sample size for a test of controls (exact binomial)
  evaluate --size <n> --deviations <k> --confidence <pct> [--tolerable <pct>] [--json]
      upper deviation limit of a tested sample (Clopper-Pearson)
  keygen <out.pem>
      an Ed25519 key for signing workpapers (PKCS#8 PEM, as openssl genpkey writes)
  workpaper build <archive.zip> --trust-root <hex>... --key <pem> --preparer <name> --out <file> [--pdf <file>] ...
  workpaper review <file> --key <pem> --reviewer <name> --out <file>
  workpaper verify <file> --signer <hex>... [--archive <archive.zip>] [--pdf <file>] [--json]
      the signed workpaper (DSSE envelope of an in-toto statement): build, sign off, verify anywhere
  demo <out.zip | out-dir> [--receipts N] [--segment-receipts N] [--checkpoint-every N] [--seed TEXT] [--unsealed] [--clean]
      write a realistic demo archive and print its root key
  verify <archive.zip | http(s) URL> --queue redis://host:port [--worker-archive <path | URL>] [--json] ...
      verify with the segments checked by tickmark workers through Redis (docs/DISTRIBUTED.md)
  worker --queue redis://host:port [--concurrency N] [--lock-duration ms] [--stalled-interval ms]
      take segment tasks of verify --queue until stopped (SIGINT or SIGTERM)
`;

type Command = (argv: readonly string[], io: CommandIo) => Promise<number>;

async function loadCommand(name: string): Promise<Command | undefined> {
  switch (name) {
    case 'verify':
      return runVerify;
    case 'privacy':
      return (await import('./commands/privacy.ts')).runPrivacy;
    case 'explain':
      return (await import('./commands/explain.ts')).runExplain;
    case 'policy-diff':
      return (await import('./commands/policy-diff.ts')).runPolicyDiff;
    case 'sample':
      return (await import('./commands/sampling.ts')).runSample;
    case 'sample-size':
      return (await import('./commands/sampling.ts')).runSampleSize;
    case 'evaluate':
      return (await import('./commands/sampling.ts')).runEvaluate;
    case 'keygen':
      return (await import('./commands/workpaper.ts')).runKeygen;
    case 'workpaper':
      return (await import('./commands/workpaper.ts')).runWorkpaper;
    case 'demo':
      return (await import('./commands/demo.ts')).runDemo;
    case 'worker':
      return (await import('./commands/worker.ts')).runWorker;
    default:
      return undefined;
  }
}

/** Runs the command line; returns the exit status. */
export async function main(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(USAGE);
    return name ? 0 : 2;
  }
  const command = await loadCommand(name);
  if (!command) {
    io.stderr(`tickmark: unknown command "${name}"\n${USAGE}`);
    return 2;
  }
  try {
    return await command(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`tickmark ${name}: ${error.message}\n`);
      return 2;
    }
    io.stderr(`tickmark ${name}: internal error: ${(error as Error).stack ?? String(error)}\n`);
    return 2;
  }
}

const io: CommandIo = { stdout: (t) => void process.stdout.write(t), stderr: (t) => void process.stderr.write(t) };
if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('cli/main.ts')) {
  // A reader that stops early (`| head`) closes the pipe: that ends the output, not in an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  main(process.argv.slice(2), io).then((code) => {
    process.exitCode = code;
  });
}
