import { createHash } from 'node:crypto';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { decodeUtf8Strict, fromHex, utf8 } from '../format/bytes.ts';
import { parseCanonical, signedText } from '../format/canonical.ts';
import { nobleStrictVerifier } from '../format/ed25519.ts';
import { ManifestSchema, validate } from '../format/schema.ts';
import { ArchiveBuilder, collectingSink, unsafePathReason } from './archive.ts';
import { keyFromSeed } from './keys.ts';
import { dosTimeFor, ZipStreamWriter, zipFiles } from './zip.ts';

const archiveKey = keyFromSeed('archive-test/archive');
const info = {
  archive_id: 'ar_0000000000000001',
  organization: 'Example Corp',
  created_at: '2026-07-01T00:00:00.000Z',
  period: { from: '2026-04-01T00:00:00.000Z', to: '2026-06-30T23:59:59.000Z' },
  producer: { name: 'test', version: '1' },
};
const sha = (bytes: Uint8Array) => 'sha256:' + createHash('sha256').update(bytes).digest('hex');

describe('ArchiveBuilder', () => {
  it('signs a manifest listing every other file once with its size and SHA-256', async () => {
    const files = new Map<string, Uint8Array>();
    const builder = new ArchiveBuilder(collectingSink(files));
    await builder.add('keys.json', '{"keys":[],"revocations":[]}');
    await builder.add('ledgers/a/000001.jsonl', utf8('{"x":1}\n'));
    const attachment = await builder.addAttachment('reasoning record');
    expect(await builder.addAttachment('reasoning record')).toBe(attachment);
    const { text } = await builder.finish(archiveKey, info);

    expect(files.get('manifest.json')).toEqual(utf8(text));
    expect(parseCanonical(text).ok).toBe(true);
    expect(text.endsWith('\n')).toBe(false);
    const manifest = JSON.parse(text);
    expect(validate(ManifestSchema, manifest).ok).toBe(true);
    expect(manifest.format).toBe('tickmark.evidence.v1');
    expect(
      nobleStrictVerifier.verify(fromHex(manifest.sig), utf8(signedText(manifest)), fromHex(archiveKey.publicKey)),
    ).toBe(true);
    const listed = new Map(manifest.files.map((f: { path: string }) => [f.path, f]));
    expect([...listed.keys()].sort()).toEqual([...files.keys()].filter((p) => p !== 'manifest.json').sort());
    for (const [path, bytes] of files) {
      if (path === 'manifest.json') continue;
      expect(listed.get(path)).toEqual({ path, bytes: bytes.length, sha256: sha(bytes) });
    }
    expect(attachment).toBe(sha(utf8('reasoning record')));
    expect(files.has(`attachments/${attachment.slice(7)}`)).toBe(true);
  });

  it.each([
    ['', 'empty'],
    ['/etc/passwd', 'absolute'],
    ['a/../b', 'segment'],
    ['a\\b', 'backslash'],
    ['C:/x', 'drive'],
    ['a//b', 'segment'],
    ['dir/', 'directory'],
    ['a\0b', 'NUL'],
  ])('refuses the unsafe path %j', async (path, reason) => {
    expect(unsafePathReason(path)).toContain(reason);
    await expect(new ArchiveBuilder(() => undefined).add(path, 'x')).rejects.toThrow(TypeError);
  });

  it('refuses duplicates, a hand-written manifest and additions after finish', async () => {
    const builder = new ArchiveBuilder(() => undefined);
    await builder.add('keys.json', '{}');
    await expect(builder.add('keys.json', '{}')).rejects.toThrow(/already/);
    await expect(builder.add('manifest.json', '{}')).rejects.toThrow(/finish/);
    await builder.finish(archiveKey, info);
    await expect(builder.add('x.json', '{}')).rejects.toThrow(/finished/);
  });
});

describe('ZIP writer', () => {
  const files = new Map<string, Uint8Array>([
    ['keys.json', utf8('{"keys":[]}')],
    ['ledgers/gw/000001.jsonl', utf8('{"a":1}\n'.repeat(5000))],
    ['attachments/00', new Uint8Array(0)],
  ]);

  it('round-trips through fflate unzipSync', () => {
    const unzipped = unzipSync(zipFiles(files));
    expect(Object.keys(unzipped).sort()).toEqual([...files.keys()].sort());
    for (const [path, bytes] of files) expect(unzipped[path]).toEqual(bytes);
  });

  it('streams chunks in order and flags only the last one final', () => {
    const chunks: { size: number; final: boolean }[] = [];
    const writer = new ZipStreamWriter((chunk, final) => void chunks.push({ size: chunk.length, final }));
    for (const [path, bytes] of files) writer.add(path, bytes);
    expect(chunks.length).toBeGreaterThan(1); // entries leave before the ZIP is ended
    expect(chunks.some((c) => c.final)).toBe(false);
    writer.end();
    expect(chunks.filter((c) => c.final)).toHaveLength(1);
    expect(chunks.at(-1)!.final).toBe(true);
    expect(writer.bytesWritten).toBe(chunks.reduce((n, c) => n + c.size, 0));
  });

  it('writes the same bytes twice (fixed entry times)', () => {
    expect(zipFiles(files)).toEqual(zipFiles(files));
  });

  it('stores entry times so that the local calendar fields equal the UTC ones in any time zone', () => {
    const d = dosTimeFor('2026-07-01T23:30:10Z');
    expect([d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()]).toEqual([
      2026, 6, 1, 23, 30, 10,
    ]);
  });

  it('produces text entries that decode to the same canonical text', () => {
    const unzipped = unzipSync(zipFiles(files));
    expect(decodeUtf8Strict(unzipped['keys.json']!)).toBe('{"keys":[]}');
  });
});

describe('ArchiveBuilder without a sink', () => {
  it('keeps the files, manifest included, in memory', async () => {
    const builder = new ArchiveBuilder();
    await builder.add('keys.json', '{}');
    await builder.finish(archiveKey, info);
    expect([...builder.files.keys()]).toEqual(['keys.json', 'manifest.json']);
  });
});
