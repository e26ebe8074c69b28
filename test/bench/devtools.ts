/**
 * The workbench's production build in Chromium with the browser's DevTools endpoint open, for
 * the measurement scripts that look inside an import (profile-import.ts, trace-import.ts): the
 * build served on localhost, the archive's root key pinned, one WebSocket to the browser with
 * requests answered by id and every event handed to the caller.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { openWorkbench, pinRootKey, repo, type Workbench } from '../e2e/browser.ts';
import { staticServer } from '../e2e/global-setup.ts';

/** The production build the scripts serve (its source maps name profiled functions). */
export const RENDERER_DIST = join(repo, 'dist', 'renderer');

export interface DevToolsMessage {
  readonly id?: number;
  readonly result?: unknown;
  readonly error?: unknown;
  readonly method?: string;
  readonly params?: unknown;
}

export interface WorkbenchDevTools {
  readonly workbench: Workbench;
  /** A DevTools request (to a flat session when `sessionId` is given); resolves with its result or error. */
  send<T = unknown>(method: string, params?: object, sessionId?: string): Promise<T>;
  close(): Promise<void>;
}

/**
 * Opens the workbench with DevTools on `debugPort` and the root key of `archive` (from the
 * e2e suite's `<archive>.json`) pinned as `label`; `onEvent` gets every message that is not
 * an answer.
 */
export async function workbenchWithDevTools(
  archive: string,
  debugPort: number,
  label: string,
  onEvent: (message: DevToolsMessage) => void,
): Promise<WorkbenchDevTools> {
  const rootPublicKey = (JSON.parse(await readFile(`${archive}.json`, 'utf8')) as { rootPublicKey: string })
    .rootPublicKey;
  const server = staticServer(RENDERER_DIST);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  // Beside any flags given by hand (e.g. TICKMARK_E2E_CHROMIUM_ARGS='--js-flags=--trace-deopt').
  process.env.TICKMARK_E2E_CHROMIUM_ARGS = `${process.env.TICKMARK_E2E_CHROMIUM_ARGS ?? ''} --remote-debugging-port=${debugPort}`;
  const workbench = await openWorkbench(`http://127.0.0.1:${port}/`);
  await pinRootKey(workbench.page, rootPublicKey, label);

  const version = (await (await fetch(`http://127.0.0.1:${debugPort}/json/version`)).json()) as {
    webSocketDebuggerUrl: string;
  };
  const socket = new WebSocket(version.webSocketDebuggerUrl);
  await new Promise((resolve) => socket.addEventListener('open', resolve));
  let nextId = 0;
  const answers = new Map<number, (value: unknown) => void>();
  socket.addEventListener('message', (event: MessageEvent) => {
    const message = JSON.parse(String(event.data)) as DevToolsMessage;
    if (message.id === undefined) return onEvent(message);
    answers.get(message.id)?.(message.result ?? message.error);
    answers.delete(message.id);
  });
  return {
    workbench,
    send: <T = unknown>(method: string, params: object = {}, sessionId?: string): Promise<T> =>
      new Promise((resolve) => {
        const id = ++nextId;
        answers.set(id, resolve as (value: unknown) => void);
        socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
      }),
    async close() {
      socket.close();
      await workbench.close();
      server.close();
    },
  };
}

/** A V8 CPU profile as the DevTools protocol's `Profiler.stop` gives it. */
export interface Profile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

interface Mapper {
  originalPositionFor(p: { line: number; column: number }): {
    source: string | null;
    line: number | null;
    name: string | null;
  };
}

const requireHere = createRequire(join(repo, 'package.json'));
const mappers = new Map<string, Mapper | null>();

/** The source map of one built file, or null (names then stay as built). */
async function mapperFor(file: string): Promise<Mapper | null> {
  if (!mappers.has(file)) {
    let mapper: Mapper | null = null;
    try {
      // source-map-js comes with the build tools; without it, names stay as built.
      const { SourceMapConsumer } = requireHere('source-map-js') as {
        SourceMapConsumer: new (map: unknown) => Mapper;
      };
      const assets = join(RENDERER_DIST, 'assets');
      const map = (await readdir(assets)).find((f) => f === `${file}.map`);
      if (map) mapper = new SourceMapConsumer(JSON.parse(await readFile(join(assets, map), 'utf8')));
    } catch {
      mapper = null;
    }
    mappers.set(file, mapper);
  }
  return mappers.get(file) ?? null;
}

/**
 * One thread's profile as lines to print: its busy and idle time and its `top` functions by
 * self time, named through the build's source maps; the profile itself is written to
 * /tmp/tickmark-profile-<thread>-<n>.cpuprofile (DevTools opens it).
 */
export async function summarizeProfile(profile: Profile, thread: string, n: number, top: number): Promise<string[]> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const [i, id] of profile.samples.entries()) {
    const frame = (byId.get(id) as Profile['nodes'][number]).callFrame;
    const dt = profile.timeDeltas[i] ?? 0;
    if (frame.functionName === '(idle)') {
      idle += dt;
      continue;
    }
    let name = frame.functionName || '(anonymous)';
    const mapper = frame.url === '' ? null : await mapperFor(frame.url.split('/').pop() ?? '');
    if (mapper && frame.lineNumber >= 0) {
      const at = mapper.originalPositionFor({ line: frame.lineNumber + 1, column: frame.columnNumber });
      name = `${at.name ?? name} ${(at.source ?? '').replace(/^(\.\.\/)+/, '')}:${at.line ?? '?'}`;
    }
    self.set(name, (self.get(name) ?? 0) + dt);
    busy += dt;
  }
  const path = `/tmp/tickmark-profile-${thread}-${n}.cpuprofile`;
  await writeFile(path, JSON.stringify(profile));
  const out = [`== ${thread}: busy ${(busy / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s (${path})`];
  for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top))
    out.push(`${((100 * us) / busy).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${name}`);
  return out;
}

/**
 * V8's sampling profiler in the workbench's threads over DevTools' flat sessions: every worker
 * that starts (the workers they start too) waits until its profiler is started, when
 * `profiling()` says so, then runs; the page's main thread is profiled from {@link
 * ThreadProfiler.profilePage}. Hand {@link ThreadProfiler.onEvent} to
 * {@link workbenchWithDevTools}, then {@link ThreadProfiler.bind} what it returns.
 */
export interface ThreadProfiler {
  onEvent(message: DevToolsMessage): void;
  bind(devtools: WorkbenchDevTools): void;
  /** Attaches to the page, its workers to be attached as they start; returns its session. */
  attachPage(): Promise<string>;
  /** Starts the page's main thread's profiler (named "window"). */
  profilePage(pageSession: string): Promise<void>;
  /** Stops every profiler started; each thread's summary ({@link summarizeProfile}). */
  stopAll(top: number): Promise<string[]>;
}

export function threadProfiler(profiling: () => boolean = () => true): ThreadProfiler {
  const autoAttach = { autoAttach: true, waitForDebuggerOnStart: true, flatten: true };
  const threads = new Map<string, string>();
  let bound: WorkbenchDevTools | null = null;
  const send = <T = unknown>(method: string, params: object = {}, sessionId?: string): Promise<T> => {
    if (!bound) throw new Error('threadProfiler: bind() the DevTools connection first');
    return bound.send<T>(method, params, sessionId);
  };
  const start = async (sessionId: string, thread: string) => {
    threads.set(sessionId, thread);
    await send('Profiler.enable', {}, sessionId);
    await send('Profiler.setSamplingInterval', { interval: 500 }, sessionId);
    await send('Profiler.start', {}, sessionId);
  };
  return {
    onEvent(message) {
      const params = message.params as { sessionId: string; targetInfo: { type: string; url: string } } | undefined;
      if (message.method !== 'Target.attachedToTarget' || !params) return;
      const { sessionId, targetInfo } = params;
      void (async () => {
        if (targetInfo.type === 'worker' && profiling())
          await start(sessionId, targetInfo.url.split('/').pop() ?? targetInfo.url);
        // Nested workers (the import's pool starts inside the verify worker) are attached too.
        await send('Target.setAutoAttach', autoAttach, sessionId);
        await send('Runtime.runIfWaitingForDebugger', {}, sessionId);
      })();
    },
    bind(devtools) {
      bound = devtools;
    },
    async attachPage() {
      const targets = await send<{ targetInfos: { type: string; targetId: string }[] }>('Target.getTargets');
      const page = targets.targetInfos.find((t) => t.type === 'page');
      if (!page) throw new Error('no page target');
      const { sessionId } = await send<{ sessionId: string }>('Target.attachToTarget', {
        targetId: page.targetId,
        flatten: true,
      });
      await send('Target.setAutoAttach', autoAttach, sessionId);
      return sessionId;
    },
    profilePage: (pageSession) => start(pageSession, 'window'),
    async stopAll(top) {
      const out: string[] = [];
      let n = 0;
      for (const [sessionId, thread] of threads) {
        const stopped = await send<{ profile?: Profile }>('Profiler.stop', {}, sessionId);
        if (!stopped?.profile) out.push(`${thread}: no profile (the worker had ended)`);
        else out.push(...(await summarizeProfile(stopped.profile, thread, ++n, top)));
      }
      return out;
    },
  };
}
