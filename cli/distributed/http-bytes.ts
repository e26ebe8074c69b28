/**
 * An archive file read over HTTP(S) by Range requests (RFC 9110 §14), with Node's fetch:
 * the {@link RandomAccessBytes} that `openZip` reads, so a worker reads the central
 * directory and then only the segments it is given, never the whole file (except once, to
 * hash it: see archive-location.ts).
 *
 * Policy: a response is used only when it is exactly the bytes asked for — status 206
 * with a `Content-Range` naming that range of a file of the size first seen. A server that
 * ignores Range (200), answers another range, or changes the file's length is refused
 * with a message naming the URL. When the server gives a strong ETag, every read carries
 * `If-Match` with it, so a file replaced while it is read is refused (412) instead of
 * mixing two files' bytes.
 */
import type { RandomAccessBytes } from '../../shared/archive/source.ts';

/** What identifies the file's current version: its length and the validators the server gave. */
export interface HttpVersion {
  readonly size: number;
  readonly etag: string | null;
  readonly lastModified: string | null;
}

export interface HttpBytes extends RandomAccessBytes {
  readonly url: string;
  readonly version: HttpVersion;
}

/** Reads that fail for a passing reason (a connection reset, a 503) are tried this many times. */
const ATTEMPTS = 3;

class HttpReadError extends Error {
  override name = 'HttpReadError';
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** The URL as shown in messages: no user name, password, query or fragment. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return url;
  }
}

/** `bytes first-last/total` or `bytes *\/total`. */
function parseContentRange(header: string | null): { first: number; last: number; total: number } | null {
  const m = header ? /^bytes (?:(\d+)-(\d+)|\*)\/(\d+)$/.exec(header.trim()) : null;
  if (!m) return null;
  return {
    first: m[1] === undefined ? -1 : Number(m[1]),
    last: m[2] === undefined ? -1 : Number(m[2]),
    total: Number(m[3]),
  };
}

/** A strong ETag may be sent in If-Match (a weak one never matches there). */
function strong(etag: string | null): string | null {
  return etag !== null && !etag.startsWith('W/') ? etag : null;
}

async function fetchRange(
  url: string,
  first: number,
  last: number,
  ifMatch: string | null,
): Promise<{ response: Response; body: Uint8Array }> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { range: `bytes=${first}-${last}`, ...(ifMatch ? { 'if-match': ifMatch } : {}) },
      redirect: 'follow',
    });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    throw new HttpReadError(`${(error as Error).message}${cause ? ` (${cause})` : ''}`, true);
  }
  let body: Uint8Array;
  try {
    body = new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    throw new HttpReadError(`the response was cut short: ${(error as Error).message}`, true);
  }
  return { response, body };
}

async function withRetries<T>(what: string, url: string, attempt: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      const retryable = error instanceof HttpReadError && error.retryable;
      if (!retryable || i >= ATTEMPTS)
        throw new Error(`cannot read ${displayUrl(url)} (${what}): ${(error as Error).message}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 200 * i));
    }
  }
}

function statusError(response: Response, asked: string): HttpReadError {
  if (response.status === 200)
    return new HttpReadError(
      `the server answers Range requests with the whole file (HTTP 200 to ${asked}): serve it from a server that supports Range`,
      false,
    );
  if (response.status === 412)
    return new HttpReadError('the file changed on the server while it was read (HTTP 412 to If-Match)', false);
  return new HttpReadError(`HTTP ${response.status} ${response.statusText} to ${asked}`, response.status >= 500);
}

/** The file's current length and validators, from a request for its first byte. */
export async function httpVersion(url: string): Promise<HttpVersion> {
  return withRetries('its size', url, async () => {
    const { response } = await fetchRange(url, 0, 0, null);
    const range = parseContentRange(response.headers.get('content-range'));
    // An empty file has no byte 0: 416 with `bytes */0`.
    if (response.status === 416 && range?.total === 0)
      return { size: 0, etag: response.headers.get('etag'), lastModified: response.headers.get('last-modified') };
    if (response.status !== 206) throw statusError(response, 'a request for bytes 0-0');
    if (!range || range.first !== 0 || range.last !== 0)
      throw new HttpReadError(
        `the answer to bytes 0-0 has Content-Range "${response.headers.get('content-range')}"`,
        false,
      );
    return {
      size: range.total,
      etag: response.headers.get('etag'),
      lastModified: response.headers.get('last-modified'),
    };
  });
}

/**
 * Random access to the file at `url`.
 * @throws Error naming the URL when it cannot be read by Range requests.
 */
export async function httpBytes(url: string): Promise<HttpBytes> {
  const version = await httpVersion(url);
  const ifMatch = strong(version.etag);
  return {
    url,
    version,
    size: version.size,
    async read(offset: number, length: number): Promise<Uint8Array> {
      const end = Math.min(offset + length, version.size);
      if (!(Number.isSafeInteger(offset) && offset >= 0) || end <= offset) return new Uint8Array(0);
      const asked = `bytes ${offset}-${end - 1}`;
      return withRetries(asked, url, async () => {
        const { response, body } = await fetchRange(url, offset, end - 1, ifMatch);
        if (response.status !== 206) throw statusError(response, `a request for ${asked}`);
        const range = parseContentRange(response.headers.get('content-range'));
        if (!range || range.first !== offset || range.last !== end - 1)
          throw new HttpReadError(
            `the answer to ${asked} has Content-Range "${response.headers.get('content-range')}"`,
            false,
          );
        if (range.total !== version.size)
          throw new HttpReadError(
            `the file is now ${range.total} bytes long, not ${version.size}: it changed on the server`,
            false,
          );
        if (body.length !== end - offset)
          throw new HttpReadError(`the answer to ${asked} holds ${body.length} bytes`, true);
        return body;
      });
    },
    close: async () => undefined,
  };
}
