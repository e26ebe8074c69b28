/**
 * Bad input never crashes or hangs the verifier: each case gives findings naming the
 * file, line and problem, and the rest of the archive is still read.
 */
import { describe, expect, it } from 'vitest';
import { memoryBytes } from '../archive/blob.ts';
import { zipOf } from '../../test/support/zip.ts';
import { verifyZipBytes } from './verify.ts';
import type { VerifyReport } from './types.ts';

const verify = (bytes: Uint8Array, limits = {}): Promise<VerifyReport> =>
  verifyZipBytes(memoryBytes(bytes), 'case.zip', { trustedRoots: [], limits });
const codes = (r: VerifyReport) => r.findings.map((f) => f.code);

describe('bad containers', () => {
  it('a file that is not a ZIP is ARCHIVE_UNREADABLE', async () => {
    const r = await verify(new TextEncoder().encode('this is a text file, not a zip archive'));
    expect(codes(r)).toEqual(['ARCHIVE_UNREADABLE']);
    expect(r.findings[0]?.message).toMatch(/not a readable ZIP/);
  });

  it('a truncated ZIP is ARCHIVE_UNREADABLE', async () => {
    const zip = zipOf({ 'manifest.json': '{}', 'keys.json': '{"keys":[],"revocations":[]}' });
    const r = await verify(zip.subarray(0, zip.length - 30));
    expect(codes(r)).toEqual(['ARCHIVE_UNREADABLE']);
  });

  it('an empty file is ARCHIVE_UNREADABLE', async () => {
    expect(codes(await verify(new Uint8Array(0)))).toEqual(['ARCHIVE_UNREADABLE']);
  });

  it.each([
    ['../escape.json', /".." segment/],
    ['/etc/passwd', /absolute path/],
    ['C:/windows.json', /drive letter/],
    ['ledgers\\x\\000001.jsonl', /backslash/],
  ])('entry %s is refused as ENTRY_UNSAFE_PATH and never read', async (name, why) => {
    const r = await verify(zipOf({ [name]: 'secret', 'keys.json': '{"keys":[],"revocations":[]}' }));
    const unsafe = r.findings.filter((f) => f.code === 'ENTRY_UNSAFE_PATH');
    expect(unsafe).toHaveLength(1);
    expect(unsafe[0]?.message).toMatch(why);
    // The rest is still read: the missing manifest is reported too.
    expect(codes(r)).toContain('MANIFEST_MISSING');
  });

  it('a decompression bomb is refused with ENTRY_TOO_LARGE stating the limit', async () => {
    const bomb = new Uint8Array(64 * 1024 * 1024); // 64 MiB of zeros deflates ~1000:1
    const r = await verify(zipOf({ 'ledgers/l/000001.jsonl': bomb }, 9));
    const tooLarge = r.findings.filter((f) => f.code === 'ENTRY_TOO_LARGE');
    expect(tooLarge).toHaveLength(1);
    expect(tooLarge[0]?.path).toBe('ledgers/l/000001.jsonl');
    expect(tooLarge[0]?.message).toMatch(/ratio passed the limit of 200:1/);
  });

  it('the per-entry and total limits are enforced on bytes produced', async () => {
    const r = await verify(
      zipOf({ 'attachments/a': new Uint8Array(300_000).fill(7), 'attachments/b': new Uint8Array(300_000).fill(8) }, 0),
      { maxEntryBytes: 200_000 },
    );
    expect(r.findings.filter((f) => f.code === 'ENTRY_TOO_LARGE').map((f) => f.path)).toEqual([
      'attachments/a',
      'attachments/b',
    ]);
    const total = await verify(
      zipOf({ 'attachments/a': new Uint8Array(300_000).fill(7), 'attachments/b': new Uint8Array(300_000).fill(8) }, 0),
      { maxTotalBytes: 400_000 },
    );
    expect(
      total.findings
        .filter((f) => f.code === 'ENTRY_TOO_LARGE')
        .map((f) => f.message)
        .join(),
    ).toMatch(/total limit of 400000/);
  });
});

describe('bad lines', () => {
  const segment = 'ledgers/l/000001.jsonl';

  it('a 20 MB line is RECORD_MALFORMED and the next line is still read', async () => {
    const huge = new Uint8Array(20 * 1024 * 1024 + 2);
    for (let i = 0; i < huge.length; i++) huge[i] = 97 + (i % 26);
    huge[huge.length - 1] = 10;
    const next = new TextEncoder().encode('{"v":1}\n');
    const content = new Uint8Array(huge.length + next.length);
    content.set(huge);
    content.set(next, huge.length);
    const r = await verify(zipOf({ [segment]: content }, 0));
    const lines = r.findings.filter((f) => f.path === segment).map((f) => [f.code, f.line]);
    expect(lines).toContainEqual(['RECORD_MALFORMED', 1]);
    expect(lines).toContainEqual(['RECORD_MALFORMED', 2]); // {"v":1} is read, and is not a receipt
    expect(r.findings.find((f) => f.line === 1)?.message).toMatch(/over the limit/);
  });

  it('invalid UTF-8 is RECORD_MALFORMED for that line only', async () => {
    const bad = new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d, 0x0a]);
    const r = await verify(zipOf({ [segment]: bad }));
    const f = r.findings.find((x) => x.path === segment);
    expect(f).toMatchObject({ code: 'RECORD_MALFORMED', line: 1 });
    expect(f?.message).toMatch(/UTF-8/);
  });

  it('wrong JSON types are RECORD_MALFORMED naming the field', async () => {
    const line = JSON.stringify({ seq: 'one', v: 1 });
    const r = await verify(zipOf({ [segment]: line + '\n' }));
    const f = r.findings.find((x) => x.path === segment);
    expect(f).toMatchObject({ code: 'RECORD_MALFORMED', line: 1 });
    expect(f?.message).toMatch(/field "seq"/);
  });

  it('not JSON, and a line that is not canonical, each get their own code', async () => {
    const r = await verify(zipOf({ [segment]: '{"v":\n{ "v": 1 }\n' }));
    const found = r.findings.filter((x) => x.path === segment).map((f) => [f.code, f.line]);
    expect(found).toContainEqual(['RECORD_MALFORMED', 1]);
    expect(found).toContainEqual(['RECORD_NONCANONICAL', 2]);
  });
});
