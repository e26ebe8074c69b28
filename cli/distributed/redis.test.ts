/** The queue's Redis address (redis.ts): parsed, shown without its password, refused clearly. */
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../args.ts';
import { parseRedisUrl, probeRedis } from './redis.ts';

describe('--queue redis://host:port', () => {
  it('parses host, port, database, TLS and credentials, and never shows the password', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6390')).toMatchObject({
      host: '127.0.0.1',
      port: 6390,
      db: 0,
      tls: false,
      display: 'redis://127.0.0.1:6390',
    });
    expect(parseRedisUrl('redis://queue.internal')).toMatchObject({ port: 6379, display: 'redis://queue.internal' });
    const secret = parseRedisUrl('rediss://ops:s%40cret@queue.internal:6380/2');
    expect(secret).toMatchObject({ tls: true, db: 2, username: 'ops', password: 's@cret' });
    expect(secret.display).toBe('rediss://queue.internal:6380/2');
    expect(parseRedisUrl('redis://[::1]:7000')).toMatchObject({ host: '::1', port: 7000 });
  });

  it.each([
    ['not a URL', 'localhost:6379', /--queue must be redis:\/\/host:port/],
    ['another scheme', 'http://localhost:6379', /got a http address/],
    ['a database that is not a number', 'redis://localhost/queue', /the database must be a number/],
    ['a query', 'redis://localhost?password=x', /no query/],
  ])('refuses %s as bad usage', (_what, text, message) => {
    expect(() => parseRedisUrl(text)).toThrow(UsageError);
    expect(() => parseRedisUrl(text)).toThrow(message);
  });

  it('a Redis that is not there: "cannot reach Redis at …" at once, no reconnect loop', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = s.address() as AddressInfo;
        s.close(() => resolve(p));
      });
    });
    const error = await probeRedis(parseRedisUrl(`redis://:hunter2@127.0.0.1:${port}`)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(
      new RegExp(`^cannot reach Redis at redis://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`),
    );
    expect((error as Error).message).not.toMatch(/hunter2/);
  });

  it('a server that accepts but never answers: refused after the timeout', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      await expect(probeRedis(parseRedisUrl(`redis://127.0.0.1:${port}`), 1_000)).rejects.toThrow(
        new RegExp(`cannot reach Redis at redis://127\\.0\\.0\\.1:${port}: `),
      );
    } finally {
      silent.close();
    }
  });
});
