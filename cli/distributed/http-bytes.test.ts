/**
 * Archives over HTTP Range requests (http-bytes.ts), against a loopback server: exact
 * bytes, the same ZIP as on disk, and a clear refusal from a server that ignores Range or
 * a file that changes while it is read.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipSync } from 'fflate';
import { openZip } from '../../shared/archive/zip.ts';
import { memoryBytes } from '../../shared/archive/blob.ts';
import { recordingFailures, sha256OfBytes } from './archive-location.ts';
import { httpBytes } from './http-bytes.ts';
import { startRangeServer, type RangeServer } from './range-server.test-helper.ts';

const bytes = new Uint8Array(50_000).map((_, i) => (i * 7919) % 251);
const zip = zipSync({
  'manifest.json': new TextEncoder().encode('{"a":1}'),
  'ledgers/l/000001.jsonl': new TextEncoder().encode('{"x":1}\n'.repeat(5_000)),
});

let server: RangeServer;
let ignoring: RangeServer;
beforeAll(async () => {
  server = await startRangeServer({ 'data.bin': bytes, 'a.zip': zip, 'empty.bin': new Uint8Array(0) });
  ignoring = await startRangeServer({ 'data.bin': bytes }, { ranges: false });
});
afterAll(async () => {
  await server.close();
  await ignoring.close();
});

describe('RandomAccessBytes over HTTP Range requests', () => {
  it('reads exactly the bytes asked for, and clamps at the end of the file', async () => {
    const remote = await httpBytes(server.url('data.bin'));
    expect(remote.size).toBe(bytes.length);
    expect(await remote.read(0, 10)).toEqual(bytes.subarray(0, 10));
    expect(await remote.read(12_345, 4_000)).toEqual(bytes.subarray(12_345, 16_345));
    expect(await remote.read(bytes.length - 3, 100)).toEqual(bytes.subarray(bytes.length - 3));
    expect(await remote.read(bytes.length, 10)).toEqual(new Uint8Array(0));
    expect(server.requests.filter((r) => r.name === 'data.bin').every((r) => r.status === 206)).toBe(true);
  });

  it('an empty file has size 0', async () => {
    expect((await httpBytes(server.url('empty.bin'))).size).toBe(0);
  });

  it('openZip over HTTP reads the same entries and bytes as from memory', async () => {
    const local = await openZip(memoryBytes(zip), 'a.zip');
    const remote = await openZip(await httpBytes(server.url('a.zip')), 'a.zip');
    const names = (entries: readonly { name: string }[]) => entries.map((e) => e.name);
    expect(names(await remote.entries())).toEqual(names(await local.entries()));
    const read = async (source: typeof local, name: string) => {
      const entry = (await source.entries()).find((e) => e.name === name);
      const chunks: Uint8Array[] = [];
      for await (const chunk of source.read(entry as never)) chunks.push(chunk.slice());
      return Buffer.concat(chunks);
    };
    expect(await read(remote, 'ledgers/l/000001.jsonl')).toEqual(await read(local, 'ledgers/l/000001.jsonl'));
  });

  it('hashes the whole file through the same reads', async () => {
    const remote = await httpBytes(server.url('data.bin'));
    expect(await sha256OfBytes(remote)).toBe(`sha256:${createHash('sha256').update(bytes).digest('hex')}`);
  });

  it('a server that ignores Range is refused with a message naming the URL', async () => {
    await expect(httpBytes(ignoring.url('data.bin'))).rejects.toThrow(
      /cannot read http:\/\/127\.0\.0\.1:\d+\/data\.bin \(its size\): the server answers Range requests with the whole file \(HTTP 200/,
    );
  });

  it('a file replaced on the server while it is read is refused, not mixed', async () => {
    const changing = await startRangeServer({ 'f.bin': bytes });
    try {
      const remote = await httpBytes(changing.url('f.bin'));
      expect(await remote.read(0, 4)).toEqual(bytes.subarray(0, 4));
      changing.set(
        'f.bin',
        bytes.map((b) => b ^ 1),
      );
      await expect(remote.read(0, 4)).rejects.toThrow(/the file changed on the server while it was read \(HTTP 412/);
    } finally {
      await changing.close();
    }
  });

  it('a missing file and a server that is not there say so', async () => {
    await expect(httpBytes(server.url('nothing.zip'))).rejects.toThrow(/HTTP 404/);
    const gone = await startRangeServer({});
    const url = gone.url('a.zip');
    await gone.close();
    await expect(httpBytes(url)).rejects.toThrow(/cannot read http:\/\/127\.0\.0\.1:\d+\/a\.zip/);
  });

  it('a failed read is remembered, so the worker can tell its network from the evidence', async () => {
    const changing = await startRangeServer({ 'f.bin': bytes });
    try {
      const recorded = recordingFailures(await httpBytes(changing.url('f.bin')));
      await recorded.bytes.read(0, 4);
      expect(recorded.failure()).toBeNull();
      changing.set('f.bin', new Uint8Array(3));
      await expect(recorded.bytes.read(0, 4)).rejects.toThrow();
      expect(recorded.failure()?.message).toMatch(/changed on the server/);
    } finally {
      await changing.close();
    }
  });
});
