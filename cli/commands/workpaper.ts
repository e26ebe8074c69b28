/**
 * The signed workpaper on the command line:
 * - `tickmark keygen <out.pem>`: an Ed25519 key as `openssl genpkey -algorithm ed25519` writes it (PKCS#8 PEM, mode 0600).
 * - `tickmark workpaper build <archive.zip> --trust-root <hex>... --key <pem> --preparer <name>
 *   [--client <name>] [--period-from <date> --period-to <date>] [--sample-seed <text> --sample-size <n>]...
 *   [--confidence <pct>] [--tolerable <pct>] --out <file> [--pdf <file>]`
 * - `tickmark workpaper review <file> --key <pem> --reviewer <name> [--decision approved|returned] [--note <text>] --out <file>`
 * - `tickmark workpaper verify <file> --signer <hex>... [--archive <archive.zip>] [--pdf <file>] [--json]`:
 *   exit 0 when every signature is by a named signer and the content is intact (and the files
 *   given are the ones it names), 1 when not (saying which), 2 when it could not run.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as cryptoSign,
  type KeyObject,
} from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { VerifyReport } from '../../shared/engine/types.ts';
import { evaluateSample, SamplingInputError } from '../../shared/sampling/attribute.ts';
import { buildPredicate, type SampleRecord } from '../../shared/workpaper/content.ts';
import type { DsseEnvelope, EnvelopeSigner } from '../../shared/workpaper/dsse.ts';
import { renderWorkpaperPdf } from '../../shared/workpaper/pdf.ts';
import {
  checkWorkpaper,
  signReview,
  signWorkpaper,
  workpaperFile,
  workpaperHash,
} from '../../shared/workpaper/workpaper.ts';
import { UsageError, parseArgs, parseTrustRoots, type CommandIo } from '../args.ts';
import { readArchiveDocs, readWhole } from '../archive-docs.ts';
import { nativeStrictVerifier } from '../native-ed25519.ts';
import { openArchivePath } from '../open-archive.ts';
import { drawSample, pickedReceiptId } from './sampling.ts';
import { verifyPath } from './verify.ts';

const KEYGEN_USAGE = 'usage: tickmark keygen <out.pem>';
const BUILD_USAGE =
  'usage: tickmark workpaper build <archive.zip> --trust-root <hex>... --key <pem> --preparer <name> [--client <name>] ' +
  '[--period-from <YYYY-MM-DD> --period-to <YYYY-MM-DD>] [--sample-seed <text> --sample-size <n>]... [--confidence <pct>] [--tolerable <pct>] --out <file> [--pdf <file>]';
const REVIEW_USAGE =
  'usage: tickmark workpaper review <workpaper> --key <pem> --reviewer <name> [--decision approved|returned] [--note <text>] --out <file>';
const VERIFY_USAGE =
  'usage: tickmark workpaper verify <workpaper> --signer <64-hex public key>... [--archive <archive.zip>] [--pdf <file>] [--json]';

/** The raw 32-byte public key of an Ed25519 KeyObject, as hex. */
function rawPublicKey(key: KeyObject): string {
  const der = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return Buffer.from(der.subarray(der.length - 32)).toString('hex');
}

async function signerFromPem(path: string): Promise<EnvelopeSigner> {
  let key: KeyObject;
  try {
    key = createPrivateKey(await readFile(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read the key ${path}: ${(error as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new UsageError(`${path} is a ${key.asymmetricKeyType} key; an Ed25519 key is needed`);
  return {
    publicKey: rawPublicKey(key),
    sign: async (message) => new Uint8Array(cryptoSign(null, message, key)),
  };
}

export async function runKeygen(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseArgs(argv, { usage: KEYGEN_USAGE });
  const [out, ...extra] = args.positional;
  if (out === undefined || extra.length > 0) throw new UsageError(KEYGEN_USAGE);
  if (existsSync(out)) throw new UsageError(`${out} exists; keygen never overwrites a key`);
  const { privateKey } = generateKeyPairSync('ed25519');
  await writeFile(out, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
  const publicKey = rawPublicKey(privateKey);
  io.stdout(
    `Wrote ${out} (PKCS#8 PEM, mode 0600).\npublic key ${publicKey}\nfingerprint SHA-256 ${createHash('sha256').update(Buffer.from(publicKey, 'hex')).digest('hex')}\n`,
  );
  return 0;
}

export async function runWorkpaper(argv: readonly string[], io: CommandIo): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'build':
      return build(rest, io);
    case 'review':
      return review(rest, io);
    case 'verify':
      return verify(rest, io);
    case undefined:
    default:
      throw new UsageError(`workpaper takes build, review or verify\n${BUILD_USAGE}\n${REVIEW_USAGE}\n${VERIFY_USAGE}`);
  }
}

async function sha256File(path: string): Promise<{ sha256: string; bytes: number }> {
  const bytes = await readFile(path);
  return { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
}

async function build(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseArgs(argv, {
    single: ['key', 'preparer', 'client', 'period-from', 'period-to', 'out', 'pdf', 'confidence', 'tolerable', 'name'],
    multi: ['trust-root', 'sample-seed', 'sample-size'],
    usage: BUILD_USAGE,
  });
  const [archivePath, ...extra] = args.positional;
  if (archivePath === undefined || extra.length > 0)
    throw new UsageError(`workpaper build takes one archive file\n${BUILD_USAGE}`);
  for (const name of ['key', 'preparer', 'out'] as const)
    if (args.single[name] === undefined) throw new UsageError(`--${name} is required\n${BUILD_USAGE}`);
  const trustedRoots = parseTrustRoots(args.multi['trust-root']);
  const seeds = args.multi['sample-seed'] ?? [];
  const sizes = (args.multi['sample-size'] ?? []).map((s) => {
    if (!/^\d{1,7}$/.test(s) || Number(s) < 1)
      throw new UsageError(`--sample-size must be a whole number of at least 1, got "${s}"`);
    return Number(s);
  });
  if (seeds.length !== sizes.length) throw new UsageError('give one --sample-size for each --sample-seed');
  const info = await stat(archivePath).catch(() => null);
  if (!info) throw new UsageError(`cannot open ${archivePath}: no such file`);
  if (!info.isFile())
    throw new UsageError(
      `${archivePath} is not a file: a workpaper names the archive file by its SHA-256, so build it from the ZIP`,
    );
  const signer = await signerFromPem(args.single.key as string);
  const confidence = args.single.confidence ?? '95';
  const tolerable = args.single.tolerable;
  try {
    evaluateSample(1, 0, confidence, tolerable);
  } catch (error) {
    if (error instanceof SamplingInputError) throw new UsageError(error.message);
    throw error;
  }

  const report: VerifyReport = await verifyPath(archivePath, { trustedRoots });
  const file = await sha256File(archivePath);
  const source = await openArchivePath(archivePath);
  let manifestSha256: string | null = null;
  const samples: SampleRecord[] = [];
  try {
    const docs = await readArchiveDocs(source);
    const manifestEntry = docs.entries.get('manifest.json');
    const manifestBytes = manifestEntry ? await readWhole(source, manifestEntry, 64 * 1024 * 1024) : null;
    if (manifestBytes) manifestSha256 = createHash('sha256').update(manifestBytes).digest('hex');
    for (const [i, seed] of seeds.entries()) {
      const size = sizes[i] as number;
      const drawn = await drawSample(source, docs, { seed, size, filter: {} });
      const picked = [...drawn.selectors.values()][0]?.result() ?? [];
      const findingsOn = new Map<string, string[]>();
      for (const f of report.findings)
        if (f.receipt) findingsOn.set(f.receipt, [...(findingsOn.get(f.receipt) ?? []), f.code]);
      const items = picked.map((c) => {
        const receipt = pickedReceiptId(c.item);
        const codes = receipt ? (findingsOn.get(receipt) ?? []) : ['RECORD_MALFORMED'];
        return {
          receipt,
          ledger: c.item.ledger,
          hash: c.hash,
          score: c.score,
          // Automated attribute: no finding of any kind on the receipt in the full verification.
          results: { no_finding: codes.length === 0 ? 'pass' : 'fail' },
          note: codes.length ? `findings: ${[...new Set(codes)].join(', ')}` : '',
        };
      });
      const deviations = items.filter((it) => it.results.no_finding === 'fail').length;
      const e = evaluateSample(items.length, deviations, confidence, tolerable);
      samples.push({
        control:
          'every receipt is free of findings (automated attribute only; manual attributes are tested in the app)',
        population: {
          definition: 'all receipt lines of the archive',
          count: drawn.population,
          completeness: {
            ledgers: report.ledgers.map((l) => ({
              ledger: l.ledger,
              state: l.state,
              receipts: l.receipts,
              sealed_seq: l.sealedSeq,
              proven: l.proven,
            })),
            lines_not_read: drawn.unreadableLines,
            segments_not_read: drawn.notRead,
          },
        },
        seed,
        method: 'FORMAT.md section 9: score = hex SHA-256(seed + "\\n" + receipt hash); the n lowest scores',
        size: items.length,
        sizing: null,
        items,
        evaluation: {
          deviations,
          confidence,
          tolerable_rate: tolerable ?? null,
          upper_deviation_limit: e.upperLimit,
          within_tolerable: e.withinTolerable,
        },
      });
    }
  } finally {
    await source.close();
  }
  const predicate = buildPredicate({
    tool: { name: 'tickmark', version: await toolVersion() },
    createdAt: new Date().toISOString(),
    engagement: {
      name: args.single.name ?? basename(archivePath),
      client: args.single.client ?? '',
      periodFrom: args.single['period-from'] ?? null,
      periodTo: args.single['period-to'] ?? null,
    },
    preparer: args.single.preparer as string,
    archive: { name: basename(archivePath), sha256: file.sha256, bytes: file.bytes, manifestSha256 },
    trustedRoots,
    report,
    reconstructions: [],
    policyDiffs: [],
    samples,
    conclusions: [],
  });
  const hash = workpaperHash(predicate);
  const pdf = await renderWorkpaperPdf(predicate, hash);
  const pdfName = args.single.pdf ? basename(args.single.pdf) : 'workpaper.pdf';
  const envelope = await signWorkpaper(
    predicate,
    [
      { name: basename(archivePath), sha256: file.sha256 },
      { name: pdfName, sha256: createHash('sha256').update(pdf).digest('hex') },
    ],
    signer,
  );
  await writeFile(args.single.out as string, workpaperFile([envelope]));
  if (args.single.pdf) await writeFile(args.single.pdf, pdf);
  io.stdout(
    `Workpaper ${hash}\n  signed by ${signer.publicKey} (${args.single.preparer})\n  archive ${basename(archivePath)} sha256 ${file.sha256}\n` +
      `  wrote ${args.single.out}${args.single.pdf ? ` and ${args.single.pdf}` : ''}\n`,
  );
  return 0;
}

async function toolVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return pkg.version ?? 'unknown';
}

async function readEnvelopes(path: string): Promise<DsseEnvelope[]> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot open ${path}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  try {
    return text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as DsseEnvelope);
  } catch (error) {
    throw new UsageError(`${path} is not a workpaper (one JSON envelope per line): ${(error as Error).message}`);
  }
}

async function review(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseArgs(argv, { single: ['key', 'reviewer', 'decision', 'note', 'out'], usage: REVIEW_USAGE });
  const [path, ...extra] = args.positional;
  if (path === undefined || extra.length > 0) throw new UsageError(REVIEW_USAGE);
  for (const name of ['key', 'reviewer', 'out'] as const)
    if (args.single[name] === undefined) throw new UsageError(`--${name} is required\n${REVIEW_USAGE}`);
  const decision = args.single.decision ?? 'approved';
  if (decision !== 'approved' && decision !== 'returned')
    throw new UsageError('--decision must be approved or returned');
  const envelopes = await readEnvelopes(path);
  if (envelopes.length !== 1)
    throw new UsageError(
      `${path} must hold exactly the preparer's envelope to be reviewed (it holds ${envelopes.length})`,
    );
  const signer = await signerFromPem(args.single.key as string);
  const reviewEnvelope = await signReview(
    envelopes[0] as DsseEnvelope,
    {
      reviewer: args.single.reviewer as string,
      reviewedAt: new Date().toISOString(),
      decision,
      note: args.single.note ?? '',
    },
    signer,
  );
  await writeFile(args.single.out as string, workpaperFile([envelopes[0] as DsseEnvelope, reviewEnvelope]));
  io.stdout(`Review (${decision}) signed by ${signer.publicKey} (${args.single.reviewer}); wrote ${args.single.out}\n`);
  return 0;
}

async function verify(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseArgs(argv, { single: ['archive', 'pdf'], multi: ['signer'], flags: ['json'], usage: VERIFY_USAGE });
  const [path, ...extra] = args.positional;
  if (path === undefined || extra.length > 0) throw new UsageError(VERIFY_USAGE);
  const signers = parseTrustRoots(args.multi.signer);
  if (signers.length === 0) throw new UsageError(`name at least one --signer public key\n${VERIFY_USAGE}`);
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot open ${path}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  // Each file is matched to a subject by the SHA-256 of its bytes, whatever its name.
  const given: { option: 'archive' | 'pdf'; path: string; name: string; sha256: string }[] = [];
  for (const option of ['archive', 'pdf'] as const) {
    const file = args.single[option];
    if (file === undefined) continue;
    if (!existsSync(file)) throw new UsageError(`cannot open ${file}: no such file`);
    given.push({ option, path: file, name: basename(file), sha256: (await sha256File(file)).sha256 });
  }
  const check = checkWorkpaper(text, { signers, files: given, verifier: nativeStrictVerifier });
  const givenAs = (index: number) => `--${given[index]?.option} ${given[index]?.path}`;
  if (args.flags.json)
    io.stdout(
      JSON.stringify({
        ok: check.ok,
        problems: check.problems,
        workpaper_hash: check.workpaperHash,
        prepared_by: check.preparedBy,
        review: check.review,
        subjects: check.subjects.map((s) => ({
          name: s.name,
          sha256: s.sha256,
          status: s.file === null ? 'not checked: file not given' : 'matches',
          file: s.file === null ? null : { option: given[s.file]?.option, path: given[s.file]?.path },
        })),
        files: check.files.map((f, i) => ({
          option: given[i]?.option,
          path: given[i]?.path,
          sha256: f.sha256,
          subject: f.subject,
        })),
        summary: (check.predicate?.verification as { summary?: unknown } | undefined)?.summary ?? null,
      }) + '\n',
    );
  else {
    io.stdout(
      check.ok
        ? `Workpaper ${check.workpaperHash} holds.\n`
        : `Workpaper does NOT hold:\n${check.problems.map((p) => `  - ${p}`).join('\n')}\n`,
    );
    io.stdout(`  prepared and signed by ${check.preparedBy.join(', ') || 'nobody valid'}\n`);
    io.stdout(
      check.review
        ? `  reviewed (${check.review.decision}) by ${check.review.reviewer}, signed by ${check.review.signers.join(', ')}\n`
        : '  not reviewed\n',
    );
    for (const s of check.subjects)
      io.stdout(
        `  subject ${s.name} sha256 ${s.sha256}: ${s.file === null ? 'not checked: file not given' : `matches ${givenAs(s.file)}`}\n`,
      );
    for (const [i, f] of check.files.entries())
      if (f.subject === null) io.stdout(`  ${givenAs(i)}: matches no subject of the workpaper\n`);
  }
  return check.ok ? 0 : 1;
}
