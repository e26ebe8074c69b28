/**
 * The fenced hardening module (electron/main/security.ts), item by item. Each block
 * names the Electron security-checklist item it proves (docs/SECURITY.md).
 */
import { EventEmitter } from 'node:events';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FuseV1Options } from '@electron/fuses';
import {
  APP_ENTRY_URL,
  APP_SCHEME_PRIVILEGES,
  CONTENT_SECURITY_POLICY,
  ELECTRON_FUSES,
  contentTypeFor,
  createAppRequestHandler,
  denyPermissionCheck,
  denyPermissionRequest,
  denyWindowOpen,
  hardenSession,
  hardenWebContents,
  isAppUrl,
  isNavigationAllowed,
  isRequestAllowed,
  registerAppScheme,
  resolveAppFile,
  webPreferences,
  type HardenableSession,
  type HardenableWebContents,
} from '../../electron/main/security.ts';

describe('webPreferences (checklist 2, 3, 4, 6, 8, 9, 10, 12)', () => {
  const prefs = webPreferences({ preload: '/app/dist/electron/preload.cjs', devTools: false });

  it.each([
    ['sandbox', true],
    ['contextIsolation', true],
    ['nodeIntegration', false],
    ['nodeIntegrationInWorker', false],
    ['nodeIntegrationInSubFrames', false],
    ['webSecurity', true],
    ['allowRunningInsecureContent', false],
    ['experimentalFeatures', false],
    ['webviewTag', false],
    ['plugins', false],
    ['navigateOnDragDrop', false],
    ['spellcheck', false],
    ['devTools', false],
  ] as const)('sets %s to %s', (key, value) => {
    expect(prefs[key]).toBe(value);
  });

  it('never enables Blink features', () => {
    expect(prefs).not.toHaveProperty('enableBlinkFeatures');
  });

  it('passes the preload path and the devTools choice through', () => {
    expect(prefs.preload).toBe('/app/dist/electron/preload.cjs');
    expect(webPreferences({ preload: '/p.cjs', devTools: true }).devTools).toBe(true);
  });

  it('throws on a missing preload path (programmer misuse)', () => {
    expect(() => webPreferences({ preload: '', devTools: false })).toThrow(/preload/);
  });
});

describe('app scheme registration (checklist 18)', () => {
  it('registers tickmark as standard + secure + fetch, without bypassing CSP', () => {
    const registerSchemesAsPrivileged = vi.fn();
    registerAppScheme({ registerSchemesAsPrivileged });
    expect(registerSchemesAsPrivileged).toHaveBeenCalledOnce();
    const [schemes] = registerSchemesAsPrivileged.mock.calls[0] as [typeof APP_SCHEME_PRIVILEGES];
    expect(schemes).toHaveLength(1);
    expect(schemes[0]).toMatchObject({
      scheme: 'tickmark',
      privileges: { standard: true, secure: true, supportFetchAPI: true, bypassCSP: false, allowServiceWorkers: false },
    });
    // Electron receives a mutable copy; the constant stays frozen.
    expect(Object.isFrozen(schemes[0]?.privileges)).toBe(false);
    expect(Object.isFrozen(APP_SCHEME_PRIVILEGES[0]?.privileges)).toBe(true);
  });

  it('loads the UI from the app origin', () => {
    expect(APP_ENTRY_URL).toBe('tickmark://app/index.html');
  });
});

describe('isAppUrl / isNavigationAllowed (checklist 13)', () => {
  it.each([
    ['tickmark://app/index.html', true],
    ['tickmark://app/', true],
    ['tickmark://app', true],
    ['tickmark://APP/index.html', true],
    ['tickmark://app/route?q=1#x', true],
    ['tickmark://evil/index.html', false],
    ['tickmark://app.evil/index.html', false],
    ['tickmark://app:8080/index.html', false],
    ['tickmark://user:pw@app/index.html', false],
    ['https://app/index.html', false],
    ['http://127.0.0.1:5178/', false],
    ['file:///etc/passwd', false],
    ['javascript:alert(1)', false],
    ['about:blank', false],
    ['not a url', false],
    ['', false],
  ])('%s → %s', (url, allowed) => {
    expect(isAppUrl(url)).toBe(allowed);
    expect(isNavigationAllowed(url)).toBe(allowed);
  });
});

describe('isRequestAllowed: the network filter (checklist 1)', () => {
  it.each([
    ['tickmark://app/index.html', true],
    ['tickmark://app/assets/cedar.wasm', true],
    ['data:image/png;base64,AAAA', true],
    ['blob:tickmark://app/6f1c2a52-1b1a-4b8f-9d7e-0c3f2f3e9a11', true],
    ['http://example.com/', false],
    ['https://example.com/', false],
    ['HTTPS://EXAMPLE.COM/', false],
    ['ws://127.0.0.1:9222/', false],
    ['wss://example.com/socket', false],
    ['ftp://example.com/file', false],
    ['file:///etc/passwd', false],
    ['tickmark://other/index.html', false],
    ['blob:https://example.com/6f1c2a52', false],
    ['chrome://settings', false],
    ['chrome-extension://abc/x.js', false],
    ['devtools://devtools/bundled/inspector.html', false],
    ['mailto:a@b.c', false],
    ['', false],
  ])('%s → %s', (url, allowed) => {
    expect(isRequestAllowed(url)).toBe(allowed);
  });

  it('allows the DevTools front end only when asked to (unpackaged builds)', () => {
    expect(isRequestAllowed('devtools://devtools/bundled/inspector.html', { devtools: true })).toBe(true);
    expect(isRequestAllowed('https://example.com/', { devtools: true })).toBe(false);
  });
});

describe('resolveAppFile: path traversal refused (checklist 18)', () => {
  const root = '/opt/tickmark/dist/renderer';

  it.each([
    ['tickmark://app/', 'index.html'],
    ['tickmark://app/index.html', 'index.html'],
    ['tickmark://app/assets/app-1a2b.js', 'assets/app-1a2b.js'],
    ['tickmark://app/assets/cedar%20policy.wasm', 'assets/cedar policy.wasm'],
    ['tickmark://app//assets//x.js', 'assets/x.js'],
    ['tickmark://app/index.html?x=1#frag', 'index.html'],
    // The URL standard treats `..`, `.%2e`, `%2e%2e` (any case) as dot segments and
    // resolves them while parsing (Chromium before the handler, Node's URL here): they
    // climb no higher than the URL's own root, which is the app root.
    ['tickmark://app/a/../index.html', 'index.html'],
    ['tickmark://app/../../etc/passwd', 'etc/passwd'],
    ['tickmark://app/%2e%2e/%2e%2e/etc/passwd', 'etc/passwd'],
    ['tickmark://app/%2E%2e/secret', 'secret'],
    ['tickmark://app/.%2e/assets/.%2E/secret', 'secret'],
    ['tickmark://app/%2e/index.html', 'index.html'],
    // Decoded exactly once: a double-encoded dot-dot is a file literally named "%2e%2e".
    ['tickmark://app/%252e%252e/secret', '%2e%2e/secret'],
  ])('%s → <root>/%s', (url, relative) => {
    expect(resolveAppFile(root, url)).toBe(path.join(root, relative));
  });

  it.each([
    ['dot-dot with encoded slash', 'tickmark://app/..%2f..%2fetc%2fpasswd'],
    ['encoded dot-dot with encoded slash', 'tickmark://app/%2e%2e%2f%2e%2e%2fsecret'],
    ['encoded slash', 'tickmark://app/assets%2f..%2f..%2fsecret'],
    ['encoded backslash', 'tickmark://app/..%5c..%5csecret'],
    ['raw backslash', 'tickmark://app/..\\..\\secret'],
    ['NUL', 'tickmark://app/index.html%00.png'],
    ['control character', 'tickmark://app/a%0ab'],
    ['absolute POSIX path in a segment', 'tickmark://app/%2fetc%2fpasswd'],
    ['Windows drive', 'tickmark://app/C:/Windows/win.ini'],
    ['encoded Windows drive', 'tickmark://app/C%3a%5cWindows%5cwin.ini'],
    ['UNC path', 'tickmark://app/%5c%5cserver%5cshare'],
    ['NTFS stream', 'tickmark://app/index.html::$DATA'],
    ['Windows device name', 'tickmark://app/CON'],
    ['Windows device name with extension', 'tickmark://app/nul.txt'],
    ['malformed percent-encoding', 'tickmark://app/%E0%A4%A'],
    ['other host', 'tickmark://evil/index.html'],
    ['other scheme', 'file:///opt/tickmark/dist/renderer/index.html'],
    ['http', 'http://app/index.html'],
    ['not a URL', '../../etc/passwd'],
  ])('refuses %s', (_case, url) => {
    expect(resolveAppFile(root, url)).toBeNull();
  });

  it('refuses the same attacks against a Windows root', () => {
    const winRoot = 'C:\\Program Files\\Tickmark\\resources\\renderer';
    expect(resolveAppFile(winRoot, 'tickmark://app/assets/a.js', path.win32)).toBe(`${winRoot}\\assets\\a.js`);
    for (const url of [
      'tickmark://app/..%5c..%5cwin.ini',
      'tickmark://app/%2e%2e%5cx',
      'tickmark://app/D:/x',
      'tickmark://app/aux',
      'tickmark://app/x%5c..%5c..%5cy',
    ]) {
      expect(resolveAppFile(winRoot, url, path.win32)).toBeNull();
    }
  });

  it('never returns a path outside the root, whatever the URL path (property)', () => {
    const pieces = [
      '..',
      '.',
      '%2e%2e',
      '%2E.',
      '.%2e',
      '%2f',
      '%5c',
      '\\',
      '/',
      '//',
      'C:',
      '%00',
      '%0a',
      'a',
      'index.html',
      '%',
      '%2',
      'con',
      '~',
      ' ',
    ];
    // Counted, so that a resolver refusing everything (null for every path) cannot pass.
    let resolved = 0;
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 12 }), (parts) => {
        for (const [api, base] of [
          [path.posix, root],
          [path.win32, 'C:\\Tickmark\\renderer'],
        ] as const) {
          const file = resolveAppFile(base, `tickmark://app/${parts.join('')}`, api);
          if (file === null) continue;
          resolved++;
          const relative = api.relative(base, file);
          expect(relative === '' || relative.startsWith('..') || api.isAbsolute(relative)).toBe(false);
        }
      }),
      { numRuns: 2000 },
    );
    expect(resolved).toBeGreaterThan(100);
    // And known-safe paths resolve, inside the root, on both path flavours.
    for (const [api, base] of [
      [path.posix, root],
      [path.win32, 'C:\\Tickmark\\renderer'],
    ] as const) {
      for (const safe of ['index.html', 'assets/app.js', 'a/b/c.css']) {
        const file = resolveAppFile(base, `tickmark://app/${safe}`, api);
        expect(file, safe).toBe(api.join(base, ...safe.split('/')));
      }
    }
  });

  it('throws for a relative root (programmer misuse)', () => {
    expect(() => resolveAppFile('dist/renderer', 'tickmark://app/')).toThrow(TypeError);
  });
});

describe('contentTypeFor', () => {
  it.each([
    ['index.html', 'text/html; charset=utf-8'],
    ['a.js', 'text/javascript; charset=utf-8'],
    ['worker.mjs', 'text/javascript; charset=utf-8'],
    ['cedar_wasm_bg.wasm', 'application/wasm'],
    ['style.CSS', 'text/css; charset=utf-8'],
    ['demo.zip', 'application/zip'],
    ['icon.svg', 'image/svg+xml'],
    ['LICENSE', 'application/octet-stream'],
    ['x.unknown', 'application/octet-stream'],
  ])('%s → %s', (name, type) => {
    expect(contentTypeFor(name)).toBe(type);
  });
});

describe('createAppRequestHandler: the app scheme (checklist 7, 18)', () => {
  let dir: string;
  let root: string;
  let handle: (request: Request) => Promise<Response>;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tickmark-scheme-'));
    root = path.join(dir, 'renderer');
    await mkdir(path.join(root, 'assets'), { recursive: true });
    await writeFile(path.join(root, 'index.html'), '<!doctype html><title>Tickmark</title>');
    await writeFile(path.join(root, 'assets', 'app.js'), 'export {};');
    await writeFile(path.join(root, 'assets', 'cedar.wasm'), new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    await writeFile(path.join(dir, 'secret.txt'), 'outside the root');
    await symlink(path.join(dir, 'secret.txt'), path.join(root, 'assets', 'link.txt'));
    handle = createAppRequestHandler(root);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const get = (url: string, method = 'GET') => handle(new Request(url, { method }));

  it('serves a file with its type and the strict CSP', async () => {
    const response = await get('tickmark://app/assets/app.js');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toBe('export {};');
  });

  it('serves WebAssembly as application/wasm (streaming compilation needs it)', async () => {
    const response = await get('tickmark://app/assets/cedar.wasm');
    expect(response.headers.get('content-type')).toBe('application/wasm');
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  });

  it('the CSP is exactly the documented policy', () => {
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; style-src 'self'; " +
        "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/'unsafe-eval'|'unsafe-inline'|https?:|\*/);
  });

  it('falls back to index.html for client-side routes, not for missing assets', async () => {
    const route = await get('tickmark://app/findings/42');
    expect(route.status).toBe(200);
    expect(route.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect((await get('tickmark://app/assets/missing.js')).status).toBe(404);
  });

  it('refuses traversal, with the CSP on the refusal too', async () => {
    const response = await get('tickmark://app/%2e%2e/secret.txt');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });

  it('refuses a symbolic link that points outside the root', async () => {
    expect((await get('tickmark://app/assets/link.txt')).status).toBe(404);
  });

  it('refuses other hosts', async () => {
    expect((await get('tickmark://evil/index.html')).status).toBe(404);
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await get('tickmark://app/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await get('tickmark://app/index.html', 'POST')).status).toBe(405);
  });
});

describe('hardenWebContents (checklist 12, 13, 14)', () => {
  function fakeContents() {
    const emitter = new EventEmitter();
    const setWindowOpenHandler = vi.fn();
    const contents = Object.assign(emitter, { setWindowOpenHandler }) as unknown as HardenableWebContents &
      EventEmitter;
    hardenWebContents(contents);
    return { contents, setWindowOpenHandler };
  }
  const navigation = (url: string) => ({ url, preventDefault: vi.fn() });

  it.each(['will-navigate', 'will-frame-navigate', 'will-redirect'])(
    '%s: cancels leaving the app, allows staying',
    (eventName) => {
      const { contents } = fakeContents();
      const away = navigation('https://example.com/phish');
      const file = navigation('file:///etc/passwd');
      const home = navigation('tickmark://app/index.html');
      contents.emit(eventName, away);
      contents.emit(eventName, file);
      contents.emit(eventName, home);
      expect(away.preventDefault).toHaveBeenCalled();
      expect(file.preventDefault).toHaveBeenCalled();
      expect(home.preventDefault).not.toHaveBeenCalled();
    },
  );

  it('denies every window.open', () => {
    const { setWindowOpenHandler } = fakeContents();
    const handler = setWindowOpenHandler.mock.calls[0]?.[0] as typeof denyWindowOpen;
    expect(handler).toBe(denyWindowOpen);
    expect(denyWindowOpen()).toEqual({ action: 'deny' });
  });

  it('prevents any <webview> from attaching', () => {
    const { contents } = fakeContents();
    const event = { preventDefault: vi.fn() };
    contents.emit('will-attach-webview', event, {}, {});
    expect(event.preventDefault).toHaveBeenCalled();
  });
});

describe('hardenSession (checklist 1, 5)', () => {
  function fakeSession() {
    const emitter = new EventEmitter();
    const calls = {
      permissionRequest: vi.fn(),
      permissionCheck: vi.fn(),
      devicePermission: vi.fn(),
      spellChecker: vi.fn(),
      beforeRequest: vi.fn(),
    };
    const session = Object.assign(emitter, {
      setPermissionRequestHandler: calls.permissionRequest,
      setPermissionCheckHandler: calls.permissionCheck,
      setDevicePermissionHandler: calls.devicePermission,
      setSpellCheckerEnabled: calls.spellChecker,
      webRequest: { onBeforeRequest: calls.beforeRequest },
    }) as unknown as HardenableSession & EventEmitter;
    return { session, calls };
  }

  it('refuses every permission request and check', () => {
    const { session, calls } = fakeSession();
    hardenSession(session);
    expect(calls.permissionRequest).toHaveBeenCalledWith(denyPermissionRequest);
    expect(calls.permissionCheck).toHaveBeenCalledWith(denyPermissionCheck);
    expect(calls.devicePermission).toHaveBeenCalledWith(denyPermissionCheck);
    for (const permission of [
      'media',
      'notifications',
      'clipboard-read',
      'geolocation',
      'openExternal',
      'fileSystem',
    ]) {
      const callback = vi.fn();
      denyPermissionRequest({}, permission, callback);
      expect(callback).toHaveBeenCalledWith(false);
    }
    expect(denyPermissionCheck()).toBe(false);
  });

  it('cancels every request outside the app and lets the app through', () => {
    const { session, calls } = fakeSession();
    hardenSession(session);
    const listener = calls.beforeRequest.mock.calls[0]?.[0] as (
      d: { url: string },
      cb: (r: { cancel: boolean }) => void,
    ) => void;
    const verdict = (url: string) => {
      const callback = vi.fn();
      listener({ url }, callback);
      return callback.mock.calls[0]?.[0];
    };
    expect(verdict('https://example.com/')).toEqual({ cancel: true });
    expect(verdict('wss://example.com/')).toEqual({ cancel: true });
    expect(verdict('tickmark://app/index.html')).toEqual({ cancel: false });
    expect(verdict('devtools://devtools/x')).toEqual({ cancel: true });
  });

  it('lets DevTools load only when the option says so', () => {
    const { session, calls } = fakeSession();
    hardenSession(session, { devtools: true });
    const listener = calls.beforeRequest.mock.calls[0]?.[0] as (
      d: { url: string },
      cb: (r: { cancel: boolean }) => void,
    ) => void;
    const callback = vi.fn();
    listener({ url: 'devtools://devtools/x' }, callback);
    expect(callback).toHaveBeenCalledWith({ cancel: false });
  });

  it('refuses downloads and turns off the (downloading) spellchecker', () => {
    const { session, calls } = fakeSession();
    hardenSession(session);
    const event = { preventDefault: vi.fn() };
    session.emit('will-download', event, {}, {});
    expect(event.preventDefault).toHaveBeenCalled();
    expect(calls.spellChecker).toHaveBeenCalledWith(false);
  });
});

describe('ELECTRON_FUSES (checklist 19)', () => {
  it('decides every fuse @electron/fuses knows', () => {
    const known = Object.keys(FuseV1Options).filter((k) => Number.isNaN(Number(k)));
    expect(Object.keys(ELECTRON_FUSES).sort()).toEqual(known.sort());
  });

  it.each([
    ['RunAsNode', false],
    ['EnableNodeOptionsEnvironmentVariable', false],
    ['EnableNodeCliInspectArguments', false],
    ['EnableEmbeddedAsarIntegrityValidation', true],
    ['OnlyLoadAppFromAsar', true],
    ['GrantFileProtocolExtraPrivileges', false],
    ['EnableCookieEncryption', true],
    ['LoadBrowserProcessSpecificV8Snapshot', false],
  ] as const)('%s is %s', (fuse, value) => {
    expect(ELECTRON_FUSES[fuse]).toBe(value);
  });

  it('build/fuses.cjs flips exactly these fuses through electron-builder', async () => {
    // A computed specifier: the hook is plain CommonJS without type declarations.
    const hookUrl = new URL('../../build/fuses.cjs', import.meta.url).href;
    const hook = (await import(hookUrl)) as { afterPack(context: unknown): Promise<void> };
    const addElectronFuses = vi.fn(async () => undefined);
    const context = { electronPlatformName: 'linux', arch: 1, packager: { addElectronFuses } };
    await hook.afterPack(context);
    expect(addElectronFuses).toHaveBeenCalledOnce();
    const [passedContext, config] = addElectronFuses.mock.calls[0] as unknown as [unknown, Record<string, unknown>];
    expect(passedContext).toBe(context);
    expect(config).toMatchObject({ version: '1', resetAdHocDarwinSignature: false });
    expect(Object.keys(config).filter((k) => /^\d+$/.test(k))).toHaveLength(Object.keys(ELECTRON_FUSES).length);
    for (const [name, value] of Object.entries(ELECTRON_FUSES)) {
      expect(config[FuseV1Options[name as keyof typeof FuseV1Options]]).toBe(value);
    }
  });
});
