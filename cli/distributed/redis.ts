/**
 * The Redis behind the queue: the `--queue redis://host:port` address, how it is shown
 * (never with its password), and the connection settings each side uses.
 *
 * Policy: `tickmark verify` must not hang on a Redis it cannot reach. It first connects
 * once with no retry and a short connect timeout ({@link probeRedis}) and stops with
 * "cannot reach Redis at …" (exit 2); after that its connections retry for a few seconds
 * only ({@link runConnection}). A worker is a long-running service: it also refuses to
 * start without Redis, but once running it reconnects for as long as it takes
 * ({@link workerConnection}).
 */
import type { RedisOptions as QueueConnection } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { UsageError } from '../args.ts';

/** The queue's address, parsed. */
export interface RedisAddress {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly tls: boolean;
  readonly username: string | undefined;
  readonly password: string | undefined;
  /** The address as shown in messages and in the report: no user name or password. */
  readonly display: string;
}

export const REDIS_URL_FORM = 'redis://host:port (or rediss:// for TLS; redis://:password@host:port/db)';

/**
 * Parses `redis://[user[:password]@]host[:port][/db]` (`rediss://` for TLS).
 * @throws UsageError naming the value when it is not such an address.
 */
export function parseRedisUrl(text: string): RedisAddress {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--queue must be ${REDIS_URL_FORM}, got "${text}"`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw new UsageError(`--queue must be ${REDIS_URL_FORM}, got a ${url.protocol.slice(0, -1)} address`);
  if (url.hostname === '') throw new UsageError(`--queue must name a host: ${REDIS_URL_FORM}`);
  const port = url.port === '' ? 6379 : Number(url.port);
  const dbText = url.pathname.replace(/^\//, '');
  if (!/^\d{0,2}$/.test(dbText)) throw new UsageError(`--queue: the database must be a number, got "/${dbText}"`);
  if (url.search !== '' || url.hash !== '')
    throw new UsageError(`--queue takes no query or fragment: ${REDIS_URL_FORM}`);
  const db = dbText === '' ? 0 : Number(dbText);
  const tls = url.protocol === 'rediss:';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    host,
    port,
    db,
    tls,
    username: url.username === '' ? undefined : decodeURIComponent(url.username),
    password: url.password === '' ? undefined : decodeURIComponent(url.password),
    display: `${url.protocol}//${url.host}${db === 0 ? '' : `/${db}`}`,
  };
}

function baseOptions(address: RedisAddress): RedisOptions {
  return {
    host: address.host,
    port: address.port,
    db: address.db,
    ...(address.username === undefined ? {} : { username: address.username }),
    ...(address.password === undefined ? {} : { password: address.password }),
    ...(address.tls ? { tls: { servername: address.host } } : {}),
    connectTimeout: 5_000,
  };
}

/** What ioredis or Redis said, in one line. */
export function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]?.trim() || 'no reason given';
}

/**
 * Connects once, with no retry, and asks PING.
 * @throws UsageError "cannot reach Redis at <address>: <reason>" (exit 2), within the connect timeout.
 */
export async function probeRedis(address: RedisAddress, timeoutMs = 5_000): Promise<void> {
  const client = new Redis({
    ...baseOptions(address),
    connectTimeout: timeoutMs,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  let lastError: unknown = null;
  client.on('error', (error: unknown) => void (lastError = error));
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      (async () => {
        await client.connect();
        await client.ping();
      })(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs + 500);
      }),
    ]);
  } catch (error) {
    throw new UsageError(`cannot reach Redis at ${address.display}: ${reasonOf(lastError ?? error)}`);
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

/**
 * Settings for the connections of one `verify --queue` run: a lost connection is retried
 * for about ten seconds, then given up, and the run fails with what Redis last said.
 * `blocking` for the connection that waits on the event stream (BullMQ requires no limit
 * of retries per request there: the wait itself is the request).
 */
export function runConnection(address: RedisAddress, blocking = false): QueueConnection {
  return {
    ...baseOptions(address),
    maxRetriesPerRequest: blocking ? null : 3,
    retryStrategy: (times: number) => (times > 10 ? null : Math.min(250 * times, 1_000)),
  };
}

/** Settings for a worker's connections: reconnect without end (BullMQ needs `maxRetriesPerRequest: null`). */
export function workerConnection(address: RedisAddress): QueueConnection {
  return {
    ...baseOptions(address),
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(500 * times, 10_000),
  };
}
