/**
 * Tampering with a producer-built archive, as a forger would: change something, then
 * re-sign and re-chain whatever the forger holds keys for, so that exactly the targeted
 * check is left to catch it.
 */
import { canonicalize } from '../../shared/format/canonical.ts';
import { hashOf, ZERO_HASH } from '../../shared/format/hash.ts';
import { keyFromSeed, signCanonical, type ProducerKey } from '../../shared/producer/keys.ts';

export type Files = Map<string, Uint8Array>;
type Json = Record<string, unknown>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const SEED = 'tamper';
export const keys = {
  root: keyFromSeed(`${SEED}/root`),
  policy: keyFromSeed(`${SEED}/policy`),
  archive: keyFromSeed(`${SEED}/archive`),
  gate: (ledger: string) => keyFromSeed(`${SEED}/gate/${ledger}`),
  retired: keyFromSeed(`${SEED}/gate/retired-2025`),
  stranger: keyFromSeed('not-in-this-archive'),
};

export const text = (files: Files, path: string): string => decoder.decode(files.get(path));
export const json = (files: Files, path: string): Json => JSON.parse(text(files, path)) as Json;
export const setText = (files: Files, path: string, content: string): void =>
  void files.set(path, encoder.encode(content));
export const setJson = (files: Files, path: string, value: unknown): void => setText(files, path, canonicalize(value));

/** Re-signs `object` (its `sig` member) with `key`, setting `kid` first when it has one. */
export function sign<T extends Json>(object: T, key: ProducerKey): T {
  const { sig: _old, ...body } = object;
  const withKid = 'kid' in body ? { ...body, kid: key.kid } : body;
  return { ...withKid, sig: signCanonical(withKid, key) } as unknown as T;
}

/** The manifest re-made over the current files and re-signed by the archive key. */
export function resignManifest(files: Files): void {
  const manifest = json(files, 'manifest.json');
  const listed = [...files.entries()]
    .filter(([path]) => path !== 'manifest.json')
    .map(([path, bytes]) => ({ bytes: bytes.length, path, sha256: hashOf(bytes) }))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
  setJson(files, 'manifest.json', sign({ ...manifest, files: listed }, keys.archive));
}

export const segmentsOf = (files: Files, ledger: string): string[] =>
  [...files.keys()].filter((p) => p.startsWith(`ledgers/${ledger}/`) && /\d{6}\.jsonl$/.test(p)).sort();

/** All receipts of a ledger as objects, in order, with the segment each is in. */
export function receiptsOf(files: Files, ledger: string): { path: string; receipt: Json }[] {
  return segmentsOf(files, ledger).flatMap((path) =>
    text(files, path)
      .split('\n')
      .filter(Boolean)
      .map((line) => ({ path, receipt: JSON.parse(line) as Json })),
  );
}

export interface RewriteOptions {
  /** Serializes one receipt; canonical by default. */
  readonly serialize?: (receipt: Json, index: number) => string;
  /** Re-sign this receipt with this key (default: the ledger's gate key, every receipt). */
  readonly signer?: (receipt: Json, index: number) => ProducerKey | null;
  /** Recompute prev links (default true). */
  readonly relink?: boolean;
}

/**
 * Writes a ledger's receipts back after `edit`, re-linking, re-signing and re-sealing as a
 * forger holding the gate key would, then re-signs the manifest.
 */
export function rewriteLedger(
  files: Files,
  ledger: string,
  edit: (receipts: { path: string; receipt: Json }[]) => { path: string; receipt: Json }[],
  options: RewriteOptions = {},
): void {
  const gate = keys.gate(ledger);
  const rows = edit(receiptsOf(files, ledger));
  const lines = new Map<string, string[]>(segmentsOf(files, ledger).map((p) => [p, []]));
  const hashes = new Map<number, string>();
  let prev = ZERO_HASH;
  rows.forEach(({ path, receipt }, index) => {
    let r = options.relink === false ? receipt : { ...receipt, prev };
    const signer = options.signer ? options.signer(r, index) : gate;
    if (signer) r = sign(r, signer);
    const line = options.serialize ? options.serialize(r, index) : canonicalize(r);
    prev = hashOf(line);
    hashes.set(r.seq as number, prev);
    (lines.get(path) ?? lines.set(path, []).get(path))?.push(line);
  });
  for (const [path, list] of lines) setText(files, path, list.map((l) => l + '\n').join(''));
  // Re-seal: every checkpoint over a receipt still present gets its head and signature anew.
  const cpPath = `ledgers/${ledger}/checkpoints.jsonl`;
  const checkpoints = text(files, cpPath)
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Json);
  setText(
    files,
    cpPath,
    checkpoints
      .map(
        (cp) =>
          canonicalize(hashes.has(cp.seq as number) ? sign({ ...cp, head: hashes.get(cp.seq as number) }, gate) : cp) +
          '\n',
      )
      .join(''),
  );
  resignManifest(files);
}
