/**
 * `tickmark demo <out.zip | out-dir/> [--receipts N] [--segment-receipts N] [--checkpoint-every N] [--seed TEXT] [--unsealed] [--clean]`
 *
 * Writes a demo archive (shared/producer/demo.ts) with a known set of planted control
 * failures, streaming it to disk, and prints the root key to trust and what was planted.
 * Signing uses node:crypto's Ed25519 (same RFC 8032 bytes as noble, about 20 times faster).
 */
import { createPrivateKey, sign as nodeSign, type KeyObject } from 'node:crypto';
import { toHex } from '../../shared/format/bytes.ts';
import {
  DEFAULT_DEMO_RECEIPTS,
  DEFAULT_DEMO_SEED,
  MIN_DEMO_RECEIPTS,
  writeCleanArchive,
  writeDemoArchive,
  type DemoSummary,
} from '../../shared/producer/demo.ts';
import type { Signer } from '../../shared/producer/keys.ts';
import { parseArgs, UsageError, type CommandIo } from '../args.ts';
import { nodeCedar } from '../cedar-node.ts';
import { openArchiveWriter } from '../write-archive.ts';

const USAGE = `Usage: tickmark demo <out.zip | out-dir/> [--receipts N] [--segment-receipts N] [--checkpoint-every N] [--seed TEXT] [--unsealed] [--clean]

Writes a signed demo evidence archive (a ZIP when the path ends in .zip, otherwise a folder).
  --receipts N   receipts over both ledgers (default ${DEFAULT_DEMO_RECEIPTS})
  --segment-receipts N  receipts per segment file (default 1000; a producer may write larger files)
  --checkpoint-every N  a checkpoint every N receipts and one sealing each ledger (default 100; 1: one for every receipt)
  --seed TEXT    every key, id and value derives from it (default "${DEFAULT_DEMO_SEED}")
  --unsealed     leave the last receipts of gw-us-1 after its last checkpoint (a warning)
  --clean        plant no control failure
`;

/** PKCS#8 DER header of an Ed25519 private key (RFC 8410); the 32-byte seed follows it. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * An Ed25519 {@link Signer} backed by node:crypto. Key objects are made once per secret:
 * the demo signs with a handful of keys a million times.
 */
export function nodeCryptoSigner(): Signer {
  const keys = new Map<string, KeyObject>();
  return (message, secretKey) => {
    const id = toHex(secretKey);
    let key = keys.get(id);
    if (!key) {
      key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, secretKey]), format: 'der', type: 'pkcs8' });
      keys.set(id, key);
    }
    return new Uint8Array(nodeSign(null, message, key));
  };
}

/**
 * Runs `tickmark demo`; returns the exit status (0 written, 1 could not write, 2 bad usage).
 * @throws UsageError for bad options (cli/main.ts maps it to exit 2).
 */
export async function runDemo(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseArgs(argv, {
    single: ['receipts', 'segment-receipts', 'checkpoint-every', 'seed'],
    flags: ['unsealed', 'clean', 'help'],
    usage: USAGE,
  });
  if (args.flags.help || argv.includes('-h')) {
    io.stdout(USAGE);
    return 0;
  }
  if (args.positional.length !== 1) throw new UsageError(`give exactly one output path\n${USAGE}`);
  const clean = args.flags.clean === true;
  const min = clean ? 2 : MIN_DEMO_RECEIPTS;
  const receiptsText = args.single.receipts ?? String(DEFAULT_DEMO_RECEIPTS);
  const receipts = Number(receiptsText);
  if (!/^\d+$/.test(receiptsText) || !Number.isSafeInteger(receipts) || receipts < min) {
    throw new UsageError(`--receipts must be a whole number of at least ${min}`);
  }
  const perSegmentText = args.single['segment-receipts'] ?? '1000';
  const receiptsPerSegment = Number(perSegmentText);
  if (!/^\d+$/.test(perSegmentText) || !Number.isSafeInteger(receiptsPerSegment) || receiptsPerSegment < 1) {
    throw new UsageError('--segment-receipts must be a whole number of at least 1');
  }
  const everyText = args.single['checkpoint-every'] ?? '100';
  const checkpointEvery = Number(everyText);
  if (!/^\d+$/.test(everyText) || !Number.isSafeInteger(checkpointEvery) || checkpointEvery < 1) {
    throw new UsageError('--checkpoint-every must be a whole number of at least 1');
  }
  const seed = args.single.seed ?? DEFAULT_DEMO_SEED;
  if (seed.length === 0) throw new UsageError('--seed must not be empty');

  let writer;
  try {
    writer = await openArchiveWriter(args.positional[0]!);
  } catch (error) {
    io.stderr(`tickmark demo: ${(error as Error).message}\n`);
    return 2;
  }

  const started = performance.now();
  let nextReport = 0.1;
  const options = {
    cedar: nodeCedar,
    receipts,
    seed,
    unsealed: args.flags.unsealed === true,
    receiptsPerSegment,
    checkpointEvery,
    sign: nodeCryptoSigner(),
    onProgress: (done: number, total: number) => {
      if (total >= 100_000 && done / total >= nextReport) {
        io.stderr(
          `  ${Math.round((done / total) * 100)}% (${done.toLocaleString('en-US')} receipts, ${seconds(started)} s)\n`,
        );
        nextReport += 0.1;
      }
    },
  };
  let summary: DemoSummary;
  try {
    summary = clean ? await writeCleanArchive(options, writer.sink) : await writeDemoArchive(options, writer.sink);
    await writer.close();
  } catch (error) {
    await writer.abort().catch(() => undefined);
    io.stderr(`tickmark demo: could not write the archive: ${(error as Error).message}\n`);
    return 1;
  }
  io.stdout(report(summary, writer.target, writer.kind, writer.bytesWritten(), started));
  return 0;
}

function seconds(started: number): string {
  return ((performance.now() - started) / 1000).toFixed(1);
}

function report(
  summary: DemoSummary,
  target: string,
  kind: 'zip' | 'directory',
  bytes: number,
  started: number,
): string {
  const elapsed = (performance.now() - started) / 1000;
  const rate = Math.round(summary.receipts / Math.max(elapsed, 0.001)).toLocaleString('en-US');
  const ledgers = summary.ledgers
    .map(
      (l) =>
        `${l.ledger} ${l.receipts.toLocaleString('en-US')}${l.sealedSeq < l.receipts ? ` (sealed to seq ${l.sealedSeq}, ${l.receipts - l.sealedSeq} unsealed)` : ''}`,
    )
    .join(', ');
  const lines = [
    `Wrote ${kind === 'zip' ? 'ZIP archive' : 'archive folder'} ${target}`,
    `  ${summary.receipts.toLocaleString('en-US')} receipts (${ledgers}), ${summary.manifest.files.length + 1} files, ${(bytes / 1024 / 1024).toFixed(1)} MiB`,
    `  took ${elapsed.toFixed(1)} s (${rate} receipts/s)`,
    '',
    `Root public key: ${summary.rootPublicKey}`,
    `Trust it with:   --trust-root ${summary.rootPublicKey}`,
    `Verify with:     tickmark verify ${target} --trust-root ${summary.rootPublicKey}`,
    '',
  ];
  if (summary.plantedFailures.length === 0) {
    lines.push('Planted control failures: none (clean archive).');
  } else {
    lines.push(`Planted control failures (${summary.plantedFailures.length}):`);
    for (const f of summary.plantedFailures) {
      lines.push(`  ${f.code.padEnd(24)} ${f.ledger} seq ${String(f.seq).padEnd(7)} ${f.receipt}`, `      ${f.why}`);
    }
  }
  if (summary.ledgers.some((l) => l.sealedSeq < l.receipts))
    lines.push('', 'Expect a CHAIN_UNSEALED warning for the unsealed tail.');
  return lines.join('\n') + '\n';
}
