/**
 * `tickmark explain <archive> <receipt-id | ledger#seq> [--trust-root <hex>]... [--json]`:
 * the decision reconstruction of one receipt, without verifying the whole archive.
 * Exit 0: the receipt and its decision hold; 1: a finding touches them; 2: could not run.
 * `tickmark explain <archive> --list` prints every receipt as `ledger#seq<TAB>id`.
 *
 * An ExecLayer log (docs/FORMAT-EXECLAYER.md), recognised by content as `verify` does:
 * `tickmark explain <log | journal folder> --line N | --receipt <id> [--hmac-secret-hex <hex>]
 * [--issuer <id>]... [--json]` reconstructs one line (its intent, rule trace, verdict, and what
 * the log's verification found on it); `--list` prints its lines. Same exit statuses.
 */
import { readLines } from '../../shared/archive/lines.ts';
import { DEFAULT_LIMITS } from '../../shared/archive/source.ts';
import type { ArchiveSource } from '../../shared/archive/source.ts';
import { explainReceipt } from '../../shared/explain/explain.ts';
import { explanationJson } from '../../shared/explain/json.ts';
import type { CedarFormatting } from '../../shared/decisions/policy-status.ts';
import { decodeUtf8Strict } from '../../shared/format/bytes.ts';
import { SEGMENT_PATH } from '../../shared/format/layout.ts';
import { UsageError, parseArgs, parseTrustRoots, type CommandIo, type ParsedArgs } from '../args.ts';
import { nodeCedar } from '../cedar-node.ts';
import { gatherMaterials, ReceiptNotFoundError } from '../explain/gather.ts';
import { formatExplanation } from '../explain/render.ts';
import { nativeStrictVerifier } from '../native-ed25519.ts';
import { useNativeSha256 } from '../native-sha256.ts';
import { openArchiveForCommand } from '../open-archive.ts';
import {
  detectExeclayer,
  explainExeclayerPath,
  LineNotFoundError,
  listExeclayerLines,
  type ExeclayerLog,
  type LineLocator,
} from '../execlayer.ts';
import { formatExeclayerExplanation } from '../explain/render-execlayer.ts';
import { execlayerExplanationJson, lineHolds } from '../../shared/execlayer/explain.ts';
import { fromHex } from '../../shared/format/bytes.ts';

export const EXPLAIN_USAGE =
  'usage: tickmark explain <archive.zip | archive-dir> <receipt-id | ledger#seq> [--trust-root <64-hex public key>]... [--json]\n' +
  '       tickmark explain <archive.zip | archive-dir> --list      (every receipt as ledger#seq and id)\n' +
  '       tickmark explain <execlayer log | v4 journal folder> (--line <N> | --receipt <id>) [--hmac-secret-hex <hex>] [--issuer <id>]... [--json]\n' +
  '       tickmark explain <execlayer log | v4 journal folder> --list      (every line as line, outcome, receipt)';

export async function runExplain(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseArgs(argv, {
    multi: ['trust-root', 'issuer'],
    single: ['line', 'receipt', 'hmac-secret-hex'],
    flags: ['json', 'list'],
    usage: EXPLAIN_USAGE,
  });
  const [path, locator, ...extra] = args.positional;
  const execlayerOnly = ['line', 'receipt', 'hmac-secret-hex'].filter((k) => args.single[k] !== undefined);
  if ((args.multi.issuer ?? []).length > 0) execlayerOnly.push('issuer');
  if (path !== undefined) {
    const log = await detectExeclayer(path);
    if (log) return explainExeclayer(path, log, args, io);
    if (execlayerOnly.length > 0)
      throw new UsageError(
        `${execlayerOnly.map((k) => `--${k}`).join(', ')} ${execlayerOnly.length === 1 ? 'applies' : 'apply'} to ExecLayer logs; ${path} is not one\n${EXPLAIN_USAGE}`,
      );
  }
  if (path === undefined || (args.flags.list ? locator !== undefined : locator === undefined) || extra.length > 0)
    throw new UsageError(`explain takes one archive and one receipt (or --list)\n${EXPLAIN_USAGE}`);
  const trustedRoots = parseTrustRoots(args.multi['trust-root']);
  useNativeSha256();
  const source = await openArchiveForCommand(path);
  try {
    if (args.flags.list) {
      await listReceipts(source, io);
      return 0;
    }
    let materials;
    try {
      materials = await gatherMaterials(source, locator as string);
    } catch (error) {
      if (!(error instanceof ReceiptNotFoundError)) throw error;
      io.stderr(
        `tickmark explain: ${error.message}.\n` +
          `Name a receipt by its id (the "id" member of its line) or as <ledger>#<seq>; ` +
          `list them with: tickmark explain ${path} --list\n`,
      );
      return 2;
    }
    const explanation = await explainReceipt(materials, {
      cedar: nodeCedar as CedarFormatting,
      verifier: nativeStrictVerifier,
      trustedRoots,
    });
    io.stdout(args.flags.json ? JSON.stringify(explanationJson(explanation)) + '\n' : formatExplanation(explanation));
    return explanation.holds ? 0 : 1;
  } finally {
    await source.close();
  }
}

/** Every receipt line as `ledger#seq<TAB>id`, in ledger and stored order; unreadable lines named as such. */
async function listReceipts(source: ArchiveSource, io: CommandIo): Promise<void> {
  const segments = (await source.entries())
    .filter((e) => !e.isDirectory && !e.unsupported && !e.invalidName && SEGMENT_PATH.test(e.name))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of segments) {
    const ledger = (SEGMENT_PATH.exec(entry.name) as RegExpExecArray)[1] as string;
    let batch = '';
    for await (const read of readLines(source.read(entry), DEFAULT_LIMITS.maxLineBytes)) {
      let value: { seq?: unknown; id?: unknown } | null = null;
      if (read.kind !== 'too-long') {
        try {
          value = JSON.parse(decodeUtf8Strict(read.bytes) ?? '') as { seq?: unknown; id?: unknown };
        } catch {
          value = null;
        }
      }
      batch +=
        value && typeof value.seq === 'number' && typeof value.id === 'string'
          ? `${ledger}#${value.seq}\t${value.id}\n`
          : `${ledger}#?\t(unreadable line ${read.line} of ${entry.name})\n`;
      if (batch.length > 65_536) {
        io.stdout(batch);
        batch = '';
      }
    }
    io.stdout(batch);
  }
}

/** `explain` on an ExecLayer log: one line reconstructed (or `--list`), from the log's own verification. */
async function explainExeclayer(path: string, log: ExeclayerLog, args: ParsedArgs, io: CommandIo): Promise<number> {
  const [, positional, ...extra] = args.positional;
  const lineText = args.single.line;
  const receipt = args.single.receipt ?? positional;
  const given = [lineText !== undefined, args.single.receipt !== undefined, positional !== undefined].filter(Boolean);
  if (extra.length > 0 || (args.flags.list ? given.length > 0 : given.length !== 1))
    throw new UsageError(
      `explain takes one ExecLayer log and one line (--line N, or --receipt <id>), or --list\n${EXPLAIN_USAGE}`,
    );
  if ((args.multi['trust-root'] ?? []).length > 0)
    throw new UsageError(
      `--trust-root applies to evidence archives; ${path} is an ExecLayer log, which has no keys to pin`,
    );
  if (args.flags.list) {
    await listExeclayerLines(log, io.stdout);
    return 0;
  }
  if (lineText !== undefined && !/^[1-9]\d{0,14}$/.test(lineText))
    throw new UsageError(`--line must be a line number (1 or more), got "${lineText}"`);
  const secretHex = args.single['hmac-secret-hex'];
  if (secretHex !== undefined && !/^(?:[0-9a-fA-F]{2})+$/.test(secretHex))
    throw new UsageError("--hmac-secret-hex must be the secret's bytes in hex (an even number of hex digits)");
  const locator: LineLocator = lineText !== undefined ? { line: Number(lineText) } : { receipt: receipt as string };
  let explanation;
  try {
    explanation = await explainExeclayerPath(
      path,
      log,
      {
        hmacSecret: secretHex === undefined ? null : fromHex(secretHex.toLowerCase()),
        issuers: args.multi.issuer && args.multi.issuer.length > 0 ? args.multi.issuer : null,
      },
      locator,
    );
  } catch (error) {
    if (!(error instanceof LineNotFoundError)) throw error;
    io.stderr(
      `tickmark explain: ${error.message}.\n` +
        `Name a line by its number (--line N) or by the receipt it holds (--receipt <id>); ` +
        `list them with: tickmark explain ${path} --list\n`,
    );
    return 2;
  }
  io.stdout(
    args.flags.json
      ? JSON.stringify(execlayerExplanationJson(explanation)) + '\n'
      : formatExeclayerExplanation(explanation),
  );
  return lineHolds(explanation) ? 0 : 1;
}
