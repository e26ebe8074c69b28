/**
 * The app's life cycle (electron/main/lifecycle.ts) with a fake `app`: one instance,
 * `activate` only once started, and a start-up failure that is shown and exits with
 * the single-instance lock released (a windowless app holding the lock would make every
 * later launch quit silently).
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { runLifecycle, START_FAILURE_TITLE, type LifecycleOptions } from '../../electron/main/lifecycle.ts';

function fakeApp(options: { lock?: boolean } = {}) {
  const emitter = new EventEmitter();
  let ready!: () => void;
  let notReady!: (error: Error) => void;
  const readyPromise = new Promise<void>((resolve, reject) => {
    ready = resolve;
    notReady = reject;
  });
  const app = {
    requestSingleInstanceLock: vi.fn(() => options.lock ?? true),
    releaseSingleInstanceLock: vi.fn(),
    whenReady: vi.fn(() => readyPromise),
    quit: vi.fn(),
    exit: vi.fn(),
    on: vi.fn((event: string, listener: () => void) => emitter.on(event, listener)),
  };
  return { app, emitter, ready, notReady };
}

function setup(overrides: Partial<LifecycleOptions> = {}, lock = true) {
  const fake = fakeApp({ lock });
  let windows = 0;
  const options = {
    app: fake.app,
    platform: 'darwin' as NodeJS.Platform,
    start: vi.fn(() => {
      windows += 1;
    }),
    windowCount: vi.fn(() => windows),
    createWindow: vi.fn(() => {
      windows += 1;
    }),
    focusWindow: vi.fn(),
    showError: vi.fn(),
    log: vi.fn(),
    ...overrides,
  } satisfies LifecycleOptions;
  return { ...fake, options, closeAll: () => (windows = 0) };
}

const registered = (app: ReturnType<typeof fakeApp>['app']) => app.on.mock.calls.map(([event]) => event);

describe('runLifecycle', () => {
  it('a second instance quits at once and registers nothing', async () => {
    const { app, options } = setup({}, false);
    await runLifecycle(options);
    expect(app.quit).toHaveBeenCalledOnce();
    expect(app.whenReady).not.toHaveBeenCalled();
    expect(app.on).not.toHaveBeenCalled();
    expect(options.start).not.toHaveBeenCalled();
  });

  it('registers activate only after start() has run, never before ready', async () => {
    const { app, options, ready, emitter } = setup();
    const running = runLifecycle(options);
    expect(registered(app)).toEqual(['second-instance', 'window-all-closed']);
    // macOS may send activate at launch, before ready: nothing listens yet, no window is made.
    emitter.emit('activate');
    expect(options.createWindow).not.toHaveBeenCalled();
    ready();
    await running;
    expect(options.start).toHaveBeenCalledOnce();
    expect(registered(app)).toEqual(['second-instance', 'window-all-closed', 'activate']);
  });

  it('activate opens a window only when none is open', async () => {
    const { options, ready, emitter, closeAll } = setup();
    const running = runLifecycle(options);
    ready();
    await running;
    emitter.emit('activate');
    expect(options.createWindow).not.toHaveBeenCalled();
    closeAll();
    emitter.emit('activate');
    expect(options.createWindow).toHaveBeenCalledOnce();
  });

  it('a second launch focuses the window', async () => {
    const { options, ready, emitter } = setup();
    const running = runLifecycle(options);
    ready();
    await running;
    emitter.emit('second-instance');
    expect(options.focusWindow).toHaveBeenCalledOnce();
  });

  it.each([
    ['linux', 1],
    ['win32', 1],
    ['darwin', 0],
  ] as const)('%s: closing the last window quits %i time(s)', async (platform, quits) => {
    const { app, options, ready, emitter } = setup({ platform });
    const running = runLifecycle(options);
    ready();
    await running;
    emitter.emit('window-all-closed');
    expect(app.quit).toHaveBeenCalledTimes(quits);
  });

  it('start() throwing: shows the error, releases the lock, exits 1, registers no activate', async () => {
    const failure = new Error('the app scheme could not be served');
    const { app, options, ready } = setup({
      start: vi.fn(() => {
        throw failure;
      }),
    });
    const running = runLifecycle(options);
    ready();
    await running;
    expect(options.showError).toHaveBeenCalledOnce();
    expect(vi.mocked(options.showError).mock.calls[0]?.[0]).toBe(START_FAILURE_TITLE);
    expect(vi.mocked(options.showError).mock.calls[0]?.[1]).toContain('the app scheme could not be served');
    expect(options.log).toHaveBeenCalledWith('tickmark: failed to start', failure);
    expect(app.releaseSingleInstanceLock).toHaveBeenCalledOnce();
    expect(app.exit).toHaveBeenCalledWith(1);
    expect(app.releaseSingleInstanceLock.mock.invocationCallOrder[0]).toBeLessThan(
      app.exit.mock.invocationCallOrder[0] as number,
    );
    expect(registered(app)).not.toContain('activate');
  });

  it('start() rejecting exits the same way', async () => {
    const { app, options, ready } = setup({ start: vi.fn(async () => Promise.reject(new Error('IPC'))) });
    const running = runLifecycle(options);
    ready();
    await running;
    expect(options.showError).toHaveBeenCalledOnce();
    expect(app.exit).toHaveBeenCalledWith(1);
  });

  it('exits even when the error dialog itself fails, and when Electron never gets ready', async () => {
    const { app, options, notReady } = setup({
      showError: vi.fn(() => {
        throw new Error('no display');
      }),
    });
    const running = runLifecycle(options);
    notReady(new Error('GPU process crashed'));
    await running;
    expect(options.start).not.toHaveBeenCalled();
    expect(options.log).toHaveBeenCalledTimes(2);
    expect(app.exit).toHaveBeenCalledWith(1);
  });
});
