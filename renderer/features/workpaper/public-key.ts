/**
 * A signing key's public half as the auditor hands it out: the raw key in hex (what
 * `tickmark workpaper verify --signer` takes), its SHA-256 fingerprint (as `tickmark
 * keygen` prints it), and a PEM file OpenSSL reads (`openssl pkey -pubin -in key.pem`). Pure.
 */
import { fromHex, toHex } from '../../../shared/format/bytes.ts';
import { sha256Bytes } from '../../../shared/format/hash.ts';
import { toBase64 } from '../../../shared/workpaper/dsse.ts';

/** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): the 32 key bytes follow. */
const SPKI_ED25519_PREFIX = '302a300506032b6570032100';

/** Hex SHA-256 of the raw public key bytes. */
export function keyFingerprint(publicKey: string): string {
  return toHex(sha256Bytes(fromHex(publicKey)));
}

/**
 * A PEM public key file with what it is written above it (OpenSSL reads from the BEGIN
 * line and ignores the text before it).
 */
export function publicKeyFile(publicKey: string, label: string): string {
  const der = fromHex(SPKI_ED25519_PREFIX + publicKey);
  const body = toBase64(der).replace(/.{1,64}/g, '$&\n');
  return (
    `Tickmark workpaper signing key: ${label.replace(/[\r\n]+/g, ' ')}\n` +
    `Ed25519 public key (hex, for tickmark workpaper verify --signer): ${publicKey}\n` +
    `SHA-256 fingerprint: ${keyFingerprint(publicKey)}\n` +
    `-----BEGIN PUBLIC KEY-----\n${body}-----END PUBLIC KEY-----\n`
  );
}

/** A file name for the public key of `label`. */
export function publicKeyFileName(label: string, publicKey: string): string {
  const slug = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `${slug || 'signing-key'}-${publicKey.slice(0, 8)}.pub.pem`;
}

/**
 * The public keys in `text` (one per line, or separated by spaces or commas; spaces inside
 * a grouped key are allowed when the groups make 64 hex digits), and what could not be read.
 */
export function parseSignerList(text: string): { readonly keys: string[]; readonly problems: string[] } {
  const keys: string[] = [];
  const problems: string[] = [];
  for (const raw of text.split(/[\n,;]+/)) {
    const line = raw.trim();
    if (line === '') continue;
    const joined = line.replace(/\s+/g, '').toLowerCase();
    const words = /^[0-9a-f]{64}$/.test(joined) ? [joined] : line.split(/\s+/).map((w) => w.toLowerCase());
    for (const word of words) {
      if (/^[0-9a-f]{64}$/.test(word)) {
        if (!keys.includes(word)) keys.push(word);
      } else
        problems.push(
          `"${word.length > 24 ? `${word.slice(0, 24)}…` : word}" is not a public key (64 hex digits, as the signer gave it)`,
        );
    }
  }
  return { keys, problems };
}
