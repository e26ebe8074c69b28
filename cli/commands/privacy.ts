/**
 * `tickmark privacy <archive> [--trust-root <hex>]... [--json]`: per data subject (hashed)
 * and personal-data category, which agents touched it, with which actions, sent to which
 * recipients, when. Built from the same verification pass as `verify`, so the report says
 * whether the evidence it rests on holds up.
 */
import { createPrivacyCollector } from '../../shared/controls/privacy.ts';
import { renderPrivacyJson, renderPrivacyText } from '../../shared/controls/privacy-render.ts';
import { UsageError, parseArgs, parseTrustRoots, type CommandIo } from '../args.ts';
import { verifyPath } from './verify.ts';

const USAGE = 'usage: tickmark privacy <archive.zip | archive-dir> [--trust-root <64-hex public key>]... [--json]';

export async function runPrivacy(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseArgs(argv, { multi: ['trust-root'], flags: ['json'], usage: USAGE });
  if (args.positional.length !== 1) throw new UsageError(`privacy takes exactly one archive\n${USAGE}`);
  const trustedRoots = parseTrustRoots(args.multi['trust-root']);
  const collector = createPrivacyCollector();
  const report = await verifyPath(args.positional[0] as string, {
    trustedRoots,
    controls: [() => collector],
  });
  const integrity = report.summary.integrity_findings;
  const privacy = collector.report();
  if (args.flags.json) {
    const body = JSON.parse(renderPrivacyJson(privacy)) as Record<string, unknown>;
    io.stdout(
      JSON.stringify({ ...body, evidence: { trusted: report.summary.trusted, integrity_findings: integrity } }) + '\n',
    );
  } else {
    if (!report.summary.trusted || integrity > 0) {
      io.stdout(
        `WARNING: the evidence behind this report is not sound (${integrity} integrity finding${integrity === 1 ? '' : 's'}, trust anchored: ${report.summary.trusted ? 'yes' : 'no'}); run tickmark verify for details.\n\n`,
      );
    }
    io.stdout(renderPrivacyText(privacy));
  }
  return 0;
}
