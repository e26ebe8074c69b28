import { execFileSync } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keyFingerprint, parseSignerList, publicKeyFile, publicKeyFileName } from './public-key.ts';

const { publicKey } = generateKeyPairSync('ed25519');
const der = publicKey.export({ format: 'der', type: 'spki' });
const hex = Buffer.from(der.subarray(der.length - 32)).toString('hex');

describe('a public key handed out', () => {
  it('fingerprint: the SHA-256 of the raw key bytes, as tickmark keygen prints it', () => {
    expect(keyFingerprint(hex)).toBe(createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex'));
  });

  it('the PEM file is the key node:crypto reads, text above it notwithstanding', () => {
    const file = publicKeyFile(hex, 'A. Auditor\nsecond line');
    expect(file.split('\n').slice(0, 3)).toEqual([
      'Tickmark workpaper signing key: A. Auditor second line',
      `Ed25519 public key (hex, for tickmark workpaper verify --signer): ${hex}`,
      `SHA-256 fingerprint: ${keyFingerprint(hex)}`,
    ]);
    const pem = file.slice(file.indexOf('-----BEGIN'));
    const read = createPublicKey(pem);
    expect(read.asymmetricKeyType).toBe('ed25519');
    expect(Buffer.from(read.export({ format: 'der', type: 'spki' })).equals(der)).toBe(true);
  });

  it.skipIf(!existsSync('/usr/bin/openssl'))('OpenSSL reads the file as it is saved', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tickmark-pub-'));
    try {
      const path = join(dir, 'key.pub.pem');
      await writeFile(path, publicKeyFile(hex, 'A. Auditor'));
      const out = execFileSync('openssl', ['pkey', '-pubin', '-in', path, '-outform', 'DER']);
      expect(Buffer.from(out).equals(der)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a file name from the key’s name', () => {
    expect(publicKeyFileName('R. Reviewer (QA)', 'abcdef0123' + '0'.repeat(54))).toBe('r-reviewer-qa-abcdef01.pub.pem');
    expect(publicKeyFileName('***', hex)).toBe(`signing-key-${hex.slice(0, 8)}.pub.pem`);
  });
});

describe('signers pasted', () => {
  it('reads keys one per line, grouped or not, upper or lower case, once each', () => {
    const grouped = hex.replace(/(.{4})/g, '$1 ').trim();
    expect(parseSignerList(`${hex}\n\n${grouped.toUpperCase()}\n${'ab'.repeat(32)}, ${'cd'.repeat(32)}`)).toEqual({
      keys: [hex, 'ab'.repeat(32), 'cd'.repeat(32)],
      problems: [],
    });
  });

  it('says which text is not a key', () => {
    expect(parseSignerList(`${hex} nope\n${'ab'.repeat(31)}`)).toEqual({
      keys: [hex],
      problems: [
        '"nope" is not a public key (64 hex digits, as the signer gave it)',
        `"${'ab'.repeat(12)}…" is not a public key (64 hex digits, as the signer gave it)`,
      ],
    });
  });
});
