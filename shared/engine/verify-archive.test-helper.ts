/**
 * Small whole archives for the verifier's rule tests (verify-*.test.ts): real Ed25519 keys
 * (a root, and certified archive, policy and gate keys), one signed policy bundle, one ledger
 * of receipts from the control fixtures (`buildLedger`), gate-signed checkpoints and a manifest
 * signed over whatever files the test leaves, so each test changes one thing and compares the
 * whole report. `entrySource` serves hand-made entry listings (duplicates, unsupported entries,
 * directories) and reader failures that `memorySource` cannot.
 */
import { ArchiveUnreadableError, type ArchiveSource, type RawEntry } from '../archive/source.ts';
import { memorySource } from '../archive/memory.ts';
import { utf8 } from '../format/bytes.ts';
import { FORMAT_ID } from '../format/layout.ts';
import { canonicalize } from '../format/canonical.ts';
import { hashOf } from '../format/hash.ts';
import { buildLedger, GATE_KEY, testBundleBody, type ReceiptSpec } from '../controls/fixtures.test-helper.ts';
import { keyFromSecret, keyFromSeed, signCanonical, type ProducerKey } from '../producer/keys.ts';
import { certifiedKeyEntry, keysJson, rootKeyEntry } from '../producer/keyset.ts';
import { signBundle, type SignedBundle } from '../producer/policy.ts';
import type { BundleBody } from '../format/schema.ts';

export type Files = Map<string, Uint8Array>;
type Json = Record<string, unknown>;

const VALIDITY = { notBefore: '2026-01-01T00:00:00Z', notAfter: '2027-01-01T00:00:00Z' };

export const ROOT = keyFromSeed('verify-rules/root');
export const ARCHIVE_KEY = keyFromSeed('verify-rules/archive');
export const POLICY_KEY = keyFromSeed('verify-rules/policy');
/** The gate key the fixture receipts are signed with. */
export const GATE = keyFromSecret(GATE_KEY.secretKey);
export const TRUSTED = [ROOT.publicKey];

export const KEYS_TEXT = keysJson([
  rootKeyEntry(ROOT, VALIDITY),
  certifiedKeyEntry(ARCHIVE_KEY, ['archive'], VALIDITY, ROOT),
  certifiedKeyEntry(POLICY_KEY, ['policy'], VALIDITY, ROOT),
  certifiedKeyEntry(GATE, ['gate'], VALIDITY, ROOT),
]).text;

export const bundleOf = (changes: Partial<BundleBody> = {}): SignedBundle =>
  signBundle(testBundleBody(changes), [POLICY_KEY]);
export const BUNDLE = bundleOf();
export const BUNDLE_PATH = 'policies/agents-test-v1.json';

export const segPath = (ledger: string, n: number) => `ledgers/${ledger}/${String(n).padStart(6, '0')}.jsonl`;
export const cpPath = (ledger: string) => `ledgers/${ledger}/checkpoints.jsonl`;

/** The stored lines of `count` clean receipts of `ledger` (seq 1.., one second apart from 2026-04-02T00:00:01Z). */
export function receiptLines(ledger: string, count: number, specs: ReceiptSpec[] = []): string[] {
  const all = Array.from({ length: count }, (_, i) => specs[i] ?? {});
  const bundle = {
    path: BUNDLE_PATH,
    hash: BUNDLE.hash,
    body: BUNDLE.file.bundle,
    signatureValid: true,
    policiesUsable: true,
    effectiveFrom: null as never,
    effectiveUntil: null,
  };
  return buildLedger(ledger, bundle, all).map((r) => r.line);
}

/** A checkpoint line of `ledger` sealing the receipt line `line` at `seq`, signed by `key`. */
export function checkpointLine(ledger: string, seq: number, line: string, key: ProducerKey = GATE, over: Json = {}) {
  const unsigned = { head: hashOf(line), kid: key.kid, ledger, seq, ts: JSON.parse(line).ts as string, ...over };
  return canonicalize({ ...unsigned, sig: signCanonical(unsigned, key) });
}

export const joinLines = (lines: readonly string[]) => lines.map((l) => `${l}\n`).join('');

export interface ArchiveParts {
  /** Receipts per ledger, split into segments of this many lines (default: one segment). */
  readonly perSegment?: number;
}

/**
 * The files of a valid archive: keys, the bundle, ledger `L` of `receipts` receipts sealed
 * by one checkpoint at its last seq, and an attachment; the manifest is not yet added.
 */
export function archiveFiles(receipts = 3, { perSegment = receipts }: ArchiveParts = {}): Files {
  const files: Files = new Map();
  files.set('keys.json', utf8(KEYS_TEXT));
  files.set(BUNDLE_PATH, utf8(BUNDLE.text));
  const lines = receiptLines('L', receipts);
  for (let i = 0, n = 1; i < lines.length; i += perSegment, n++)
    files.set(segPath('L', n), utf8(joinLines(lines.slice(i, i + perSegment))));
  if (receipts > 0) files.set(cpPath('L'), utf8(`${checkpointLine('L', receipts, lines.at(-1) as string)}\n`));
  files.set(`attachments/${ATTACHMENT_HEX}`, ATTACHMENT);
  return files;
}

export const ATTACHMENT = utf8('an attachment');
export const ATTACHMENT_HEX = hashOf(ATTACHMENT).slice('sha256:'.length);

export const MANIFEST_INFO = {
  archive_id: 'ar_verify_rules',
  created_at: '2026-06-30T00:00:00Z',
  organization: 'Example Corp',
  period: { from: '2026-04-01T00:00:00Z', to: '2026-06-30T00:00:00Z' },
  producer: { name: 'verify-rules', version: '1.0.0' },
};

/** The manifest over `files` (every file but itself, or those `listed` gives), signed by `key`. */
export function manifestText(files: Files, key: ProducerKey = ARCHIVE_KEY, listed?: Json[]): string {
  const entries =
    listed ??
    [...files.entries()]
      .filter(([path]) => path !== 'manifest.json')
      .map(([path, bytes]) => ({ bytes: bytes.length, path, sha256: hashOf(bytes) }))
      .sort((a, b) => (a.path < b.path ? -1 : 1));
  const unsigned = { ...MANIFEST_INFO, files: entries, format: FORMAT_ID, kid: key.kid };
  return canonicalize({ ...unsigned, sig: signCanonical(unsigned, key) });
}

/** `files` with a manifest signed over them (replacing any). */
export function sealed(files: Files): Files {
  files.delete('manifest.json');
  files.set('manifest.json', utf8(manifestText(files)));
  return files;
}

export const source = (files: Files, name = 'case.zip') => memorySource(files, name);

export interface EntrySpec extends Partial<RawEntry> {
  readonly name: string;
  /** The bytes read; omitted for a directory or an entry never read. */
  readonly bytes?: Uint8Array;
  /** Thrown by the read after its bytes (after the first `failAfter` of them, when set). */
  readonly fails?: Error;
  readonly failAfter?: number;
  /** Read in chunks of this many bytes (default: one chunk). */
  readonly chunk?: number;
  /** Each chunk is given in one buffer that the next chunk overwrites, as some readers do. */
  readonly reuse?: boolean;
}

/** An archive source over hand-made entries; `closed` counts calls to `close`. */
export function entrySource(specs: readonly EntrySpec[], name = 'case.zip'): ArchiveSource & { closed: number } {
  const entries: RawEntry[] = specs.map(({ bytes, fails: _f, failAfter: _a, chunk: _c, reuse: _r, ...entry }) => ({
    declaredSize: bytes?.length ?? 0,
    compressedSize: null,
    isDirectory: false,
    ...entry,
  }));
  const out = {
    name,
    closed: 0,
    entries: async () => entries,
    async *read(entry: RawEntry): AsyncIterable<Uint8Array> {
      const spec = specs.find((s) => s.name === entry.name && s.bytes !== undefined);
      if (!spec?.bytes) throw new ArchiveUnreadableError(`${entry.name} has no bytes in this test`);
      const bytes = spec.fails && spec.failAfter !== undefined ? spec.bytes.subarray(0, spec.failAfter) : spec.bytes;
      const step = spec.chunk ?? Math.max(bytes.length, 1);
      const reused = new Uint8Array(step);
      for (let at = 0; at < bytes.length; at += step) {
        const part = bytes.subarray(at, at + step);
        if (!spec.reuse) yield part;
        else {
          reused.fill(0);
          reused.set(part);
          yield reused.subarray(0, part.length);
        }
      }
      if (spec.fails) throw spec.fails;
    },
    close: async () => {
      out.closed++;
    },
  };
  return out;
}

/** Entry specs for every file of `files`, in the order of the map. */
export const specsOf = (files: Files): EntrySpec[] => [...files].map(([name, bytes]) => ({ name, bytes }));
