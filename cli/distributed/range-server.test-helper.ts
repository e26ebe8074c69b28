/**
 * A small HTTP server for tests: serves files from memory (or disk) on loopback with
 * single Range requests (RFC 9110 §14: 206 with Content-Range, 416 past the end), a strong
 * ETag, and If-Match (412 when the file changed). `ranges: false` makes it ignore Range, as
 * some servers do. It records the requests it answered.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RangeServer {
  /** The URL of a served file. */
  url(name: string): string;
  /** Serves other bytes under `name` (a new ETag). */
  set(name: string, bytes: Uint8Array): void;
  /** While on, every read but that of byte 0 answers 503 (a server in trouble; the file itself unchanged). */
  failReads(on: boolean): void;
  readonly requests: { readonly name: string; readonly range: string | null; readonly status: number }[];
  close(): Promise<void>;
}

const etagOf = (bytes: Uint8Array) => `"${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}"`;

export async function startRangeServer(
  files: Record<string, Uint8Array | string>,
  options: { readonly ranges?: boolean } = {},
): Promise<RangeServer> {
  const served = new Map<string, { bytes: Uint8Array; etag: string }>();
  const set = (name: string, bytes: Uint8Array) => served.set(name, { bytes, etag: etagOf(bytes) });
  for (const [name, content] of Object.entries(files))
    set(name, typeof content === 'string' ? new Uint8Array(readFileSync(content)) : content);
  const requests: { name: string; range: string | null; status: number }[] = [];
  let failing = false;

  const answer = (req: IncomingMessage, res: ServerResponse): number => {
    const name = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1));
    const file = served.get(name);
    if (!file || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404).end();
      return 404;
    }
    const { bytes, etag } = file;
    const ifMatch = req.headers['if-match'];
    if (ifMatch !== undefined && ifMatch !== etag) {
      res.writeHead(412).end();
      return 412;
    }
    if (failing && req.headers.range !== 'bytes=0-0') {
      res.writeHead(503).end();
      return 503;
    }
    const headers = { etag, 'accept-ranges': options.ranges === false ? 'none' : 'bytes' };
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (options.ranges === false || !range) {
      res.writeHead(200, { ...headers, 'content-length': bytes.length });
      res.end(req.method === 'HEAD' ? undefined : bytes);
      return 200;
    }
    const first = Number(range[1]);
    const last = Math.min(range[2] === '' ? bytes.length - 1 : Number(range[2]), bytes.length - 1);
    if (first >= bytes.length || last < first) {
      res.writeHead(416, { ...headers, 'content-range': `bytes */${bytes.length}` }).end();
      return 416;
    }
    res.writeHead(206, {
      ...headers,
      'content-range': `bytes ${first}-${last}/${bytes.length}`,
      'content-length': last - first + 1,
    });
    res.end(req.method === 'HEAD' ? undefined : bytes.subarray(first, last + 1));
    return 206;
  };

  const server = createServer((req, res) => {
    const status = answer(req, res);
    requests.push({
      name: decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1)),
      range: req.headers.range ?? null,
      status,
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (name) => `http://127.0.0.1:${port}/${encodeURIComponent(name)}`,
    set,
    failReads: (on) => void (failing = on),
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
