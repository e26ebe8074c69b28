/** The recent-archives store (electron/main/recent-archives.ts) on a temporary userData folder. */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  MAX_RECENT_ARCHIVES,
  RECENT_ARCHIVES_FILE,
  addRecentArchive,
  findRecentArchive,
  readRecentArchives,
  recentArchiveId,
  removeRecentArchive,
} from '../../electron/main/recent-archives.ts';

let userData: string;
let file: string;

beforeEach(async () => {
  userData = await mkdtemp(path.join(tmpdir(), 'tickmark-userdata-'));
  file = path.join(userData, RECENT_ARCHIVES_FILE);
});
afterEach(async () => {
  await rm(userData, { recursive: true, force: true });
});

const archive = (n: number) => ({ path: `/archives/a${n}.zip`, name: `a${n}.zip`, size: n * 100 });
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 9, minute));

describe('recent archives', () => {
  it('starts empty when the file does not exist', async () => {
    expect(await readRecentArchives(file)).toEqual([]);
  });

  it('adds newest first and persists across reads', async () => {
    await addRecentArchive(file, archive(1), at(1));
    const list = await addRecentArchive(file, archive(2), at(2));
    expect(list.map((a) => a.name)).toEqual(['a2.zip', 'a1.zip']);
    expect(await readRecentArchives(file)).toEqual(list);
    expect(list[0]).toEqual({
      id: recentArchiveId('/archives/a2.zip'),
      name: 'a2.zip',
      path: '/archives/a2.zip',
      size: 200,
      lastOpenedAt: '2026-01-01T09:02:00.000Z',
    });
  });

  it('moves a reopened archive to the top instead of duplicating it', async () => {
    await addRecentArchive(file, archive(1), at(1));
    await addRecentArchive(file, archive(2), at(2));
    const list = await addRecentArchive(file, { ...archive(1), size: 999 }, at(3));
    expect(list.map((a) => [a.name, a.size])).toEqual([
      ['a1.zip', 999],
      ['a2.zip', 200],
    ]);
  });

  it(`keeps at most ${MAX_RECENT_ARCHIVES}`, async () => {
    for (let i = 0; i < MAX_RECENT_ARCHIVES + 3; i++) await addRecentArchive(file, archive(i), at(i));
    const list = await readRecentArchives(file);
    expect(list).toHaveLength(MAX_RECENT_ARCHIVES);
    expect(list[0]?.name).toBe(`a${MAX_RECENT_ARCHIVES + 2}.zip`);
  });

  it('finds and removes by id', async () => {
    await addRecentArchive(file, archive(1), at(1));
    await addRecentArchive(file, archive(2), at(2));
    const id = recentArchiveId('/archives/a1.zip');
    expect((await findRecentArchive(file, id))?.path).toBe('/archives/a1.zip');
    expect((await removeRecentArchive(file, id)).map((a) => a.name)).toEqual(['a2.zip']);
    expect(await findRecentArchive(file, id)).toBeUndefined();
    expect((await removeRecentArchive(file, id)).map((a) => a.name)).toEqual(['a2.zip']);
  });

  it('treats a corrupt file as empty and recovers on the next add', async () => {
    await writeFile(file, '{ this is not json');
    expect(await readRecentArchives(file)).toEqual([]);
    await addRecentArchive(file, archive(1), at(1));
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ version: 1, archives: [{ name: 'a1.zip' }] });
  });

  it('drops hand-edited entries that do not fit the schema, keeps the rest', async () => {
    const good = {
      id: recentArchiveId('/x.zip'),
      name: 'x.zip',
      path: '/x.zip',
      size: 1,
      lastOpenedAt: '2026-01-01T00:00:00.000Z',
    };
    await writeFile(file, JSON.stringify({ version: 1, archives: [good, { id: 'bad', name: 1 }, 'junk'] }));
    expect(await readRecentArchives(file)).toEqual([good]);
    await writeFile(file, JSON.stringify({ version: 2, archives: [good] }));
    expect(await readRecentArchives(file)).toEqual([]);
  });

  it('writes atomically: no temporary file is left behind', async () => {
    await addRecentArchive(file, archive(1), at(1));
    expect(await readdir(userData)).toEqual([RECENT_ARCHIVES_FILE]);
  });

  it('creates the userData folder if it does not exist yet', async () => {
    const nested = path.join(userData, 'not-yet', RECENT_ARCHIVES_FILE);
    await addRecentArchive(nested, archive(1), at(1));
    expect(await readRecentArchives(nested)).toHaveLength(1);
  });
});
