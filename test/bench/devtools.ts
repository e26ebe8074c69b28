/**
 * The workbench's production build in Chromium with the browser's DevTools endpoint open, for
 * the measurement scripts that look inside an import (profile-import.ts, trace-import.ts): the
 * build served on localhost, the archive's root key pinned, one WebSocket to the browser with
 * requests answered by id and every event handed to the caller.
 */
import { readFile } from 'node:fs/promises';
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
