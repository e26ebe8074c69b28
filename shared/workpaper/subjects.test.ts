/**
 * Files given to `checkWorkpaper` are matched to the statement's subjects by the SHA-256 of
 * their bytes, never by name: a renamed copy matches, a file of the subject's name with other
 * bytes does not, and a subject no file matched is "not checked", never passed.
 */
import { describe, expect, it } from 'vitest';
import { nobleStrictVerifier, publicKeyOf, randomSecretKey, signBytes } from '../format/ed25519.ts';
import { toHex } from '../format/bytes.ts';
import { checkWorkpaper, matchSubjects, signWorkpaper, workpaperFile } from './workpaper.ts';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'c'.repeat(64);
const subjects = [
  { name: 'evidence.zip', sha256: A },
  { name: 'wp.pdf', sha256: B },
];

describe('matchSubjects', () => {
  it('matches by bytes whatever the names, and says which file each subject is', () => {
    expect(matchSubjects(subjects, [{ name: 'renamed.pdf', sha256: B }])).toEqual({
      subjects: [
        { name: 'evidence.zip', sha256: A, file: null },
        { name: 'wp.pdf', sha256: B, file: 0 },
      ],
      files: [{ name: 'renamed.pdf', sha256: B, subject: 'wp.pdf' }],
    });
  });

  it('a file with a subject’s name but other bytes matches nothing', () => {
    const { subjects: s, files } = matchSubjects(subjects, [{ name: 'evidence.zip', sha256: C }]);
    expect(s.map((x) => x.file)).toEqual([null, null]);
    expect(files[0]?.subject).toBeNull();
  });

  it('hex in either case is the same digest', () => {
    expect(matchSubjects(subjects, [{ name: 'x', sha256: A.toUpperCase() }]).files[0]?.subject).toBe('evidence.zip');
  });
});

describe('checkWorkpaper with files given', () => {
  const secret = randomSecretKey();
  const signer = { publicKey: toHex(publicKeyOf(secret)), sign: async (m: Uint8Array) => signBytes(m, secret) };
  const check = async (files: { name: string; sha256: string }[]) =>
    checkWorkpaper(workpaperFile([await signWorkpaper({ format: 'x' }, subjects, signer)]), {
      signers: [signer.publicKey],
      files,
      verifier: nobleStrictVerifier,
    });

  it('renamed copies hold; the subject not given is reported as not checked', async () => {
    const result = await check([{ name: 'copy-of-evidence.zip', sha256: A }]);
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.subjects.map((s) => [s.name, s.file])).toEqual([
      ['evidence.zip', 0],
      ['wp.pdf', null],
    ]);
  });

  it('a file that is no subject is a problem naming its digest and the subjects', async () => {
    const result = await check([{ name: 'evidence.zip', sha256: C }]);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      `evidence.zip is not a file the workpaper names: its SHA-256 is ${C}, which no subject has (evidence.zip ${A}; wp.pdf ${B})`,
    ]);
    expect(result.files).toEqual([{ name: 'evidence.zip', sha256: C, subject: null }]);
  });
});
