/**
 * An archive's manifest and keys.json rows read once for every receipt walked
 * (archive-documents.ts): the same rows for each walk, read from the store once; the last two
 * archives kept; an archive forgotten (removed, imported again) read again.
 */
import 'fake-indexeddb/auto';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { forgetLoadedArchive } from '../../app/loaded-archives.ts';
import { db, type ArchiveFileRow } from '../../store/db.ts';
import { documentRows, documentsIdOf, documentsOf } from './archive-documents.ts';

const row = (archiveId: string, path: string, text: string): ArchiveFileRow => ({
  archiveId,
  path,
  kind: path === 'keys.json' ? 'keys' : 'manifest',
  size: text.length,
  sha256: `sha256:${archiveId}-${path}`,
  kept: true,
  text,
});

afterEach(() => vi.restoreAllMocks());
afterAll(() => db.delete());

describe('documentRows', () => {
  it('reads an archive’s manifest and keys.json once for every walk, and names them by the archive and their hashes', async () => {
    await db.archiveFiles.bulkPut([
      row('a', 'manifest.json', '{"files":[]}'),
      row('a', 'keys.json', '{"keys":[]}'),
      row('b', 'manifest.json', '{}'),
    ]);
    const get = vi.spyOn(db.archiveFiles, 'get');
    const first = await documentRows('a');
    expect(first.manifest?.text).toBe('{"files":[]}');
    expect(first.keys?.text).toBe('{"keys":[]}');
    expect(await documentRows('a')).toBe(first);
    expect(get).toHaveBeenCalledTimes(2);
    const b = await documentRows('b');
    expect(b.keys).toBeUndefined();
    expect(documentsIdOf('b', b)).toBe('b\nsha256:b-manifest.json\nno keys');
    expect(documentsOf('a', first)).toEqual({
      manifestText: '{"files":[]}',
      keys: { keys: [] },
      documentsId: 'a\nsha256:a-manifest.json\nsha256:a-keys.json',
    });
  });

  it('keeps the last two archives, and reads an archive again once it is forgotten', async () => {
    const get = vi.spyOn(db.archiveFiles, 'get');
    await documentRows('a');
    await documentRows('b');
    expect(get).toHaveBeenCalledTimes(0);
    await documentRows('c'); // a third: the least recently used (a) is dropped
    await documentRows('b');
    expect(get).toHaveBeenCalledTimes(2);
    await documentRows('a');
    expect(get).toHaveBeenCalledTimes(4);
    forgetLoadedArchive('a');
    await db.archiveFiles.put(row('a', 'manifest.json', '{"files":[1]}'));
    expect((await documentRows('a')).manifest?.text).toBe('{"files":[1]}');
    expect(get).toHaveBeenCalledTimes(6);
  });
});
