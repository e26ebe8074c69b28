/**
 * ============================================================================
 *  DO NOT CHANGE without consulting docs/SECURITY.md.
 *
 *  Every hardening decision of the desktop app lives in this one file: window
 *  preferences, navigation and window.open, permissions, the network filter, the
 *  app:// scheme that serves the UI (with its path checks and CSP), and the fuses
 *  flipped at package time. docs/SECURITY.md ticks the Electron security checklist
 *  item by item against the functions below and the tests that prove them
 *  (test/electron/security.test.ts).
 * ============================================================================
 *
 * Policy in one sentence: the window is a sandboxed page that can reach nothing but
 * its own files under `tickmark://app/`, and the host only through the typed bridge.
 *
 * Only type imports from `electron`: the functions take Electron's objects as
 * parameters, so this module loads under plain Node (tests, build/start.mjs, the
 * electron-builder fuse hook) without an Electron binary.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type {
  CustomScheme,
  HandlerDetails,
  Protocol,
  Session,
  WebContents,
  WebPreferences,
  WindowOpenHandlerResponse,
} from 'electron';
import type { FuseV1Options } from '@electron/fuses';

/** The custom scheme the UI is served from (never `file://`, never http). */
export const APP_SCHEME = 'tickmark';
/** The one host of {@link APP_SCHEME}; any other host is refused. */
export const APP_HOST = 'app';
/** The page the window loads. */
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/**
 * The Content-Security-Policy of every response of the app scheme (and of the browser
 * fallback in build/start.mjs). Cedar is WebAssembly, hence `'wasm-unsafe-eval'` (wasm
 * compilation only; JavaScript eval stays forbidden). Workers may be blob: because
 * bundlers wrap module workers that way. No `connect-src` beyond 'self': the page has
 * no network.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every app-scheme response, whatever its status. */
export const RESPONSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  // A .json or .zip must never be sniffed into script.
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  // With COOP, makes the page cross-origin isolated: SharedArrayBuffer, which the segment
  // workers share Cedar's decisions through (shared/decisions/shared-memo.ts). Every resource
  // is the app's own, so nothing else is refused.
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-cache',
});

// ---------------------------------------------------------------------------
// Window preferences
// ---------------------------------------------------------------------------

export interface WindowSecurityOptions {
  /** Absolute path of the bundled preload (dist/electron/preload.cjs). */
  readonly preload: string;
  /** DevTools only in development (`!app.isPackaged`). */
  readonly devTools: boolean;
}

/**
 * The `webPreferences` of every window. Each line restates a default on purpose: a
 * future Electron that changes a default, or a colleague who adds a window, must not
 * silently weaken it.
 *
 * @example new BrowserWindow({ webPreferences: webPreferences({ preload, devTools: !app.isPackaged }) })
 */
export function webPreferences(options: WindowSecurityOptions): WebPreferences {
  if (typeof options.preload !== 'string' || options.preload === '')
    throw new TypeError('webPreferences: "preload" must be a path');
  return {
    preload: options.preload,
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    plugins: false,
    enableWebSQL: false,
    // Dropping a file on the window must reach the page's drop handler, never
    // navigate the window to file://.
    navigateOnDragDrop: false,
    // Chromium's spellchecker downloads dictionaries; the app is offline.
    spellcheck: false,
    safeDialogs: true,
    devTools: options.devTools,
  };
}

// ---------------------------------------------------------------------------
// The app scheme: privileges, URL checks, file resolution, responses
// ---------------------------------------------------------------------------

/**
 * Privileges of {@link APP_SCHEME}, registered before `app.ready`. `standard` gives the
 * page a real origin (IndexedDB and localStorage need one), `secure` makes it a secure
 * context (WebCrypto), `supportFetchAPI` + `corsEnabled` let the page fetch its own
 * wasm and load module scripts and workers. `bypassCSP` stays false so the CSP header
 * applies.
 */
export const APP_SCHEME_PRIVILEGES: readonly CustomScheme[] = Object.freeze([
  Object.freeze({
    scheme: APP_SCHEME,
    privileges: Object.freeze({
      standard: true,
      secure: true,
      supportFetchAPI: true,
      corsEnabled: true,
      codeCache: true,
      bypassCSP: false,
      allowServiceWorkers: false,
      stream: false,
    }),
  }),
]);

/** Registers the app scheme's privileges. Must run before `app.ready` (Electron's rule). */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  // Electron wants mutable objects; hand it copies of the frozen constants.
  protocol.registerSchemesAsPrivileged(
    APP_SCHEME_PRIVILEGES.map((s) => ({ scheme: s.scheme, privileges: { ...s.privileges } })),
  );
}

/**
 * True if `url` is on the app origin `tickmark://app` (no credentials, no port).
 * Compares scheme and host by hand: Node's URL gives non-special schemes an opaque
 * `origin` of "null", and Chromium lowercases hosts of standard schemes.
 */
export function isAppUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (
    parsed.protocol === `${APP_SCHEME}:` &&
    parsed.hostname.toLowerCase() === APP_HOST &&
    parsed.port === '' &&
    parsed.username === '' &&
    parsed.password === ''
  );
}

/** The window may only ever show the app's own pages. */
export function isNavigationAllowed(url: string): boolean {
  return isAppUrl(url);
}

export interface RequestFilterOptions {
  /** Allow `devtools://` (the DevTools front end), only when not packaged. */
  readonly devtools?: boolean;
}

/**
 * The network filter: true only for requests that stay inside the app. Everything
 * else (http, https, ws, wss, ftp, file, other custom schemes, other hosts of ours)
 * is cancelled, so the app has no network at all.
 *
 * `data:` is allowed because it carries no request (the CSP limits it to images);
 * `blob:` only when the blob belongs to the app origin.
 *
 * @example isRequestAllowed('tickmark://app/assets/cedar.wasm') // true
 * @example isRequestAllowed('https://example.com/')           // false
 */
export function isRequestAllowed(url: string, options: RequestFilterOptions = {}): boolean {
  if (typeof url !== 'string') return false;
  const scheme = url.slice(0, url.indexOf(':') + 1).toLowerCase();
  switch (scheme) {
    case `${APP_SCHEME}:`:
      return isAppUrl(url);
    case 'data:':
      return true;
    case 'blob:':
      return isAppUrl(url.slice('blob:'.length));
    case 'devtools:':
      return options.devtools === true;
    default:
      return false;
  }
}

/** Windows device names that open a device instead of a file, whatever the folder. */
const WINDOWS_DEVICE_NAME = /^(con|prn|aux|nul|com\d|lpt\d|conin\$|conout\$)(\..*)?$/i;

/** The parts of `node:path` that {@link resolveAppFile} uses (lets tests pass `path.win32`). */
export type PathApi = Pick<typeof path, 'resolve' | 'relative' | 'isAbsolute' | 'join'>;

/**
 * Maps an app-scheme URL to a file under `root`, or `null` if it must be refused.
 *
 * Refused: other schemes or hosts; segments that are `.` or `..` (also when
 * percent-encoded, `%2e%2e`); encoded separators (`%2f`, `%5c`) or backslashes, which
 * Windows reads as separators; `:` (drive letters, NTFS streams); NUL and other control
 * characters; malformed percent-encoding; Windows device names. The result is checked
 * to lie strictly inside `root` as a last line of defence. `/` maps to `index.html`.
 *
 * @throws {TypeError} if `root` is not an absolute path (a programming error).
 * @example resolveAppFile('/opt/tickmark/dist/renderer', 'tickmark://app/assets/a.js') // '/opt/…/assets/a.js'
 * @example resolveAppFile('/opt/tickmark/dist/renderer', 'tickmark://app/%2e%2e/secret') // null
 */
export function resolveAppFile(root: string, url: string, pathApi: PathApi = path): string | null {
  if (typeof root !== 'string' || !pathApi.isAbsolute(root))
    throw new TypeError('resolveAppFile: "root" must be an absolute path');
  if (typeof url !== 'string' || !isAppUrl(url)) return null;
  const segments: string[] = [];
  for (const raw of new URL(url).pathname.split('/')) {
    if (raw === '') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (segment === '.' || segment === '..') return null;
    if (/[/\\:\u0000-\u001f\u007f]/.test(segment)) return null;
    if (WINDOWS_DEVICE_NAME.test(segment)) return null;
    segments.push(segment);
  }
  if (segments.length === 0) segments.push('index.html');
  const base = pathApi.resolve(root);
  const file = pathApi.resolve(base, pathApi.join(...segments));
  const relative = pathApi.relative(base, file);
  if (relative === '' || relative.startsWith('..') || pathApi.isAbsolute(relative)) return null;
  return file;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.zip': 'application/zip',
  '.jsonl': 'application/x-ndjson',
});

/** The Content-Type for a file name; `application/octet-stream` when unknown (never sniffed). */
export function contentTypeFor(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  const ext = dot < 0 ? '' : fileName.slice(dot).toLowerCase();
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}

/** A path with no `.` in its last segment is a client-side route: serve index.html. */
function isRouteUrl(url: string): boolean {
  const last = new URL(url).pathname.split('/').pop() ?? '';
  return !last.includes('.');
}

/** Reads `file` if it is a regular file whose real path is still inside `root` (no symlink escapes). */
async function readFileInside(root: string, file: string): Promise<Uint8Array<ArrayBuffer> | null> {
  try {
    const [realRoot, realFile] = await Promise.all([realpath(root), realpath(file)]);
    const relative = path.relative(realRoot, realFile);
    if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return null;
    if (!(await stat(realFile)).isFile()) return null;
    return new Uint8Array(await readFile(realFile));
  } catch {
    return null;
  }
}

function textResponse(status: number, text: string): Response {
  return new Response(text, { status, headers: { ...RESPONSE_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' } });
}

/**
 * The request handler of the app scheme: GET/HEAD of files under `root`, with the
 * CSP and nosniff headers on every response. Used by `protocol.handle` in Electron and
 * by the browser fallback in build/start.mjs, so both serve the same bytes and headers.
 *
 * @throws {TypeError} if `root` is not an absolute path.
 */
export function createAppRequestHandler(root: string): (request: Request) => Promise<Response> {
  if (typeof root !== 'string' || !path.isAbsolute(root))
    throw new TypeError('createAppRequestHandler: "root" must be an absolute path');
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return textResponse(405, 'Method not allowed');
    let file = resolveAppFile(root, request.url);
    if (file === null) return textResponse(404, 'Not found');
    let body = await readFileInside(root, file);
    if (body === null && isRouteUrl(request.url)) {
      file = path.join(root, 'index.html');
      body = await readFileInside(root, file);
    }
    if (body === null) return textResponse(404, 'Not found');
    const headers = {
      ...RESPONSE_HEADERS,
      'Content-Type': contentTypeFor(file),
      'Content-Length': String(body.byteLength),
    };
    return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers });
  };
}

/** Serves `root` (dist/renderer) on the app scheme. Call after `app.ready`. */
export function serveAppScheme(protocol: Pick<Protocol, 'handle'>, root: string): void {
  protocol.handle(APP_SCHEME, createAppRequestHandler(root));
}

// ---------------------------------------------------------------------------
// Navigation, new windows, webviews
// ---------------------------------------------------------------------------

/** `setWindowOpenHandler`: no page ever opens a window (links to the web included; the app is offline). */
export function denyWindowOpen(_details?: HandlerDetails): WindowOpenHandlerResponse {
  return { action: 'deny' };
}

interface NavigationEvent {
  readonly url: string;
  preventDefault(): void;
}

/** Cancels a navigation or redirect that would leave the app origin. */
export function guardNavigation(event: NavigationEvent): void {
  if (!isNavigationAllowed(event.url)) event.preventDefault();
}

/** The events {@link hardenWebContents} listens to. */
export type HardenableWebContents = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;

/**
 * Hardens every web contents the app creates (wired to `app.on('web-contents-created')`):
 * navigation and redirects away from the app origin are cancelled, `window.open` is
 * denied, and `<webview>` can never attach.
 */
export function hardenWebContents(contents: HardenableWebContents): void {
  contents.on('will-navigate', guardNavigation);
  contents.on('will-frame-navigate', guardNavigation);
  contents.on('will-redirect', guardNavigation);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(denyWindowOpen);
}

// ---------------------------------------------------------------------------
// Session: permissions, devices, network, downloads
// ---------------------------------------------------------------------------

/** `setPermissionRequestHandler`: every request (camera, notifications, clipboard-read, …) is refused. */
export function denyPermissionRequest(
  _webContents: unknown,
  _permission: string,
  callback: (granted: boolean) => void,
): void {
  callback(false);
}

/** `setPermissionCheckHandler` / `setDevicePermissionHandler`: every check answers "not granted". */
export function denyPermissionCheck(): boolean {
  return false;
}

/** The parts of a session {@link hardenSession} configures. */
export type HardenableSession = Pick<
  Session,
  | 'setPermissionRequestHandler'
  | 'setPermissionCheckHandler'
  | 'setDevicePermissionHandler'
  | 'setSpellCheckerEnabled'
  | 'on'
> & { readonly webRequest: Pick<Session['webRequest'], 'onBeforeRequest'> };

/**
 * Hardens a session (wire to `session.defaultSession` after `app.ready`): all
 * permissions refused, every request outside the app cancelled, downloads refused
 * (exports go through the bridge's `saveFile`, which asks the user where), spellcheck
 * off (it would download dictionaries).
 */
export function hardenSession(session: HardenableSession, options: RequestFilterOptions = {}): void {
  session.setPermissionRequestHandler(denyPermissionRequest);
  session.setPermissionCheckHandler(denyPermissionCheck);
  session.setDevicePermissionHandler(denyPermissionCheck);
  session.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !isRequestAllowed(details.url, options) });
  });
  session.on('will-download', (event) => event.preventDefault());
  session.setSpellCheckerEnabled(false);
}

// ---------------------------------------------------------------------------
// Fuses (flipped at package time by build/fuses.cjs)
// ---------------------------------------------------------------------------

/**
 * The Electron fuses of the packaged app, one decision per fuse. Typed as a complete
 * record of `@electron/fuses`' options, so a new fuse in a future version is a compile
 * error here until someone decides it. build/fuses.cjs flips them in electron-builder's
 * afterPack hook, before signing.
 */
export const ELECTRON_FUSES: Readonly<Record<keyof typeof FuseV1Options, boolean>> = Object.freeze({
  // ELECTRON_RUN_AS_NODE would turn the signed app into a general-purpose Node.
  RunAsNode: false,
  // The app sets no cookies; encrypting the store costs nothing and closes a door.
  EnableCookieEncryption: true,
  // NODE_OPTIONS / --inspect would let anyone with a shell inject code into the app.
  EnableNodeOptionsEnvironmentVariable: false,
  EnableNodeCliInspectArguments: false,
  // The app code must be the signed app.asar, unmodified. Effective on macOS and Windows
  // only: electron-builder embeds the header hash there and Electron checks it there; on
  // Linux nothing checks it (docs/SECURITY.md, item 19).
  EnableEmbeddedAsarIntegrityValidation: true,
  OnlyLoadAppFromAsar: true,
  LoadBrowserProcessSpecificV8Snapshot: false,
  // The UI is served from tickmark://, so file:// needs no extra privileges.
  GrantFileProtocolExtraPrivileges: false,
});
