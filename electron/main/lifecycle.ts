/**
 * The application's life: one instance, start once Electron is ready, a window again
 * when macOS activates the app with none open, and a clean exit when start-up fails.
 * A plain function of the parts of `app` it uses, so tests drive it with a fake app
 * (test/electron/lifecycle.test.ts); main.ts passes the real one.
 */

/** The part of Electron's `app` the life cycle uses. */
export interface LifecycleApp {
  requestSingleInstanceLock(): boolean;
  releaseSingleInstanceLock(): void;
  whenReady(): Promise<unknown>;
  quit(): void;
  exit(exitCode?: number): void;
  on(event: 'second-instance' | 'window-all-closed' | 'activate', listener: () => void): unknown;
}

export interface LifecycleOptions {
  readonly app: LifecycleApp;
  /** `process.platform`: on macOS the app stays open with no window, as the platform expects. */
  readonly platform: NodeJS.Platform;
  /** Everything that needs a ready app (session, protocol, IPC, menu) and the first window. */
  readonly start: () => void | Promise<void>;
  /** How many windows are open (`BrowserWindow.getAllWindows().length`). */
  readonly windowCount: () => number;
  readonly createWindow: () => void;
  /** A second launch: bring the existing window forward. */
  readonly focusWindow: () => void;
  /** `dialog.showErrorBox` (safe before ready; on Linux before ready it writes to stderr). */
  readonly showError: (title: string, content: string) => void;
  readonly log: (message: string, error: unknown) => void;
}

export const START_FAILURE_TITLE = 'Tickmark could not start';

/**
 * Runs the life cycle. Resolves once start-up has finished or failed (tests await it;
 * main.ts does not need to).
 *
 * * Without the single-instance lock (another Tickmark runs), quits at once: the other
 *   instance gets `second-instance` and focuses its window.
 * * `activate` (macOS: dock click, relaunch) is registered only after `start()` has
 *   finished: a window cannot be created before the app is ready, and at first launch
 *   macOS sends `activate` too, which must not open a second window.
 * * If `start()` throws (or rejects, or Electron never gets ready), the user is told why
 *   and the process exits with status 1. `exit`, not `quit`: no windowless app may keep
 *   running and holding the single-instance lock, which would make every later launch
 *   quit silently. The lock is released explicitly first.
 */
export async function runLifecycle(options: LifecycleOptions): Promise<void> {
  const { app } = options;
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('second-instance', () => options.focusWindow());
  app.on('window-all-closed', () => {
    if (options.platform !== 'darwin') app.quit();
  });
  try {
    await app.whenReady();
    await options.start();
  } catch (error) {
    failStart(options, error);
    return;
  }
  app.on('activate', () => {
    if (options.windowCount() === 0) options.createWindow();
  });
}

function failStart(options: LifecycleOptions, error: unknown): void {
  options.log('tickmark: failed to start', error);
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  try {
    options.showError(START_FAILURE_TITLE, `Tickmark stopped while starting:\n\n${detail}`);
  } catch (dialogError) {
    options.log('tickmark: could not show the start-up error', dialogError);
  }
  try {
    options.app.releaseSingleInstanceLock();
  } finally {
    options.app.exit(1);
  }
}
