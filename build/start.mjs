#!/usr/bin/env node
/**
 * `npm start`: builds the workbench and opens it.
 *
 *  1. `npm run -s build:renderer` builds dist/renderer (stops here if that fails).
 *  2. If Electron's binary is installed (`findElectronBinary` in build/build-electron.ts),
 *     bundles main + preload and launches the desktop app.
 *  3. Otherwise serves dist/renderer on http://127.0.0.1:<port>/ for a browser, with the
 *     same request handler, CSP and path checks as the app's tickmark:// scheme.
 *
 * Options: --port N (default 5178, or the next free port when the default is taken);
 *          --no-build (use the existing dist/renderer as it is).
 *
 * Plain Node ESM so it runs before anything is built. The TypeScript modules it
 * reuses (electron/main/security.ts for serving, build/build-electron.ts) are loaded
 * through tsx's API (a dev dependency the renderer build already uses), so there is
 * no JavaScript copy of the path checks to drift out of date.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RENDERER_ROOT = path.join(ROOT, 'dist', 'renderer');
const DEFAULT_PORT = 5178;
const PORTS_TO_TRY = 20;
const HOST = '127.0.0.1';

/** @returns {{ port: number | null, build: boolean }} */
function parseArguments(argv) {
  let port = null;
  let build = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = arg === '--port' ? argv[++i] : arg.startsWith('--port=') ? arg.slice('--port='.length) : undefined;
    if (arg === '--help' || arg === '-h') {
      console.log(
        'Usage: npm start -- [--port N] [--no-build]\n\n' +
          'Builds the workbench and opens it in Electron, or in your browser when Electron is not installed.\n' +
          '  --port N     port of the browser fallback (default 5178, or the next free one)\n' +
          '  --no-build   skip `npm run build:renderer` and use the existing dist/renderer',
      );
      process.exit(0);
    } else if (arg === '--no-build') {
      build = false;
    } else if (value !== undefined) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1 || n > 65535)
        fail(`--port must be a whole number from 1 to 65535 (got ${JSON.stringify(value ?? '')})`);
      port = n;
    } else {
      fail(`unknown option ${arg} (try --help)`);
    }
  }
  return { port, build };
}

function fail(message) {
  console.error(`tickmark start: ${message}`);
  process.exit(1);
}

/** Runs an npm script with inherited output; resolves to its exit code. */
function runNpmScript(script) {
  // Under `npm start`, npm_execpath is npm's own CLI: run it with this Node (works on
  // Windows without a shell). Run directly, fall back to `npm` on PATH.
  const npmCli = process.env.npm_execpath;
  const [command, args] =
    npmCli && /\.c?js$/.test(npmCli)
      ? [process.execPath, [npmCli, 'run', '-s', script]]
      : ['npm', ['run', '-s', script]];
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      stdio: 'inherit',
      shell: process.platform === 'win32' && command === 'npm',
    });
    child.on('error', (error) => {
      console.error(`tickmark start: could not run npm (${error.message})`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** Loads a TypeScript module of this repository through tsx. */
async function importTypeScript(relativePath) {
  const { tsImport } = await import('tsx/esm/api');
  return tsImport(pathToRootUrl(relativePath), import.meta.url);
}

function pathToRootUrl(relativePath) {
  return new URL(relativePath, new URL('../', import.meta.url)).href;
}

async function launchElectron(binary) {
  const { buildElectron } = await importTypeScript('build/build-electron.ts');
  const { main } = await buildElectron();
  console.log('Starting Tickmark in Electron…');
  const child = spawn(binary, [main], { cwd: ROOT, stdio: 'inherit' });
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

/** Adapts a node:http request to the app's web-standard handler and writes the response. */
async function respond(handler, port, request, response) {
  // Only our own Host: refuses DNS-rebinding pages that point a name at 127.0.0.1.
  const allowedHosts = new Set([`${HOST}:${port}`, `localhost:${port}`, ...(port === 80 ? [HOST, 'localhost'] : [])]);
  const target = request.url ?? '/';
  if (!allowedHosts.has(String(request.headers.host ?? '').toLowerCase()) || !target.startsWith('/')) {
    response.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Bad request');
    return;
  }
  // The handler serves tickmark://app/…; map the request path onto that origin.
  const appResponse = await handler(new Request(`tickmark://app${target}`, { method: request.method }));
  const headers = Object.fromEntries(appResponse.headers);
  response.writeHead(appResponse.status, headers);
  response.end(request.method === 'HEAD' ? undefined : Buffer.from(await appResponse.arrayBuffer()));
}

function listen(server, port) {
  return new Promise((resolve, reject) => {
    const onError = (error) => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, HOST);
  });
}

async function serveInBrowser(requestedPort, reason) {
  const { createAppRequestHandler } = await importTypeScript('electron/main/security.ts');
  const handler = createAppRequestHandler(RENDERER_ROOT);
  let port = requestedPort ?? DEFAULT_PORT;
  const server = http.createServer((request, response) => {
    respond(handler, port, request, response).catch((error) => {
      console.error(`tickmark start: ${request.url}: ${error.message}`);
      if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('Internal error');
    });
  });
  // --port N means that port or nothing; the default may move up to the next free one.
  for (let attempt = 0; ; attempt++) {
    try {
      await listen(server, port);
      break;
    } catch (error) {
      if (error.code !== 'EADDRINUSE' || requestedPort !== null || attempt >= PORTS_TO_TRY - 1) {
        fail(
          error.code === 'EADDRINUSE'
            ? `port ${port} is in use${requestedPort === null ? ` (tried ${DEFAULT_PORT}-${port})` : ''}`
            : error.message,
        );
      }
      port++;
    }
  }
  console.log(`Electron's binary is not installed on this machine (${reason}).`);
  console.log(`Serving the same workbench in your browser instead: http://${HOST}:${port}/`);
  console.log('Press Ctrl+C to stop.');
  const stop = () => {
    console.log('\nStopped.');
    server.close();
    server.closeAllConnections();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function main() {
  const { port, build } = parseArguments(process.argv.slice(2));
  if (build) {
    console.log('Building the workbench (npm run build:renderer)…');
    const code = await runNpmScript('build:renderer');
    if (code !== 0) {
      fail(
        `the renderer build failed (npm run build:renderer exited with code ${code}; its messages are above), so there is nothing to start.`,
      );
    }
  }
  if (!existsSync(path.join(RENDERER_ROOT, 'index.html'))) {
    fail(
      `dist/renderer/index.html is missing${build ? ' after the renderer build' : ' (run without --no-build)'}, so there is nothing to start.`,
    );
  }
  const { findElectronBinary } = await importTypeScript('build/build-electron.ts');
  const electron = findElectronBinary();
  if ('path' in electron) await launchElectron(electron.path);
  else await serveInBrowser(port, electron.reason);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => fail(error.stack ?? String(error)));
}
