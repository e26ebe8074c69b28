/**
 * Electron's main process: wiring only. Every decision lives in a module with tests:
 * security.ts (hardening), ipc.ts (validation), handlers.ts (what calls do),
 * archive-files.ts, recent-archives.ts, menu.ts (and where menu commands go),
 * lifecycle.ts (single instance, start, activate, start-up failure).
 *
 * Bundled to dist/electron/main.cjs by build/build-electron.ts (CommonJS, because the
 * sandboxed preload must be CommonJS and one format for both keeps the build simple);
 * `__dirname` is therefore dist/electron, and the UI is its sibling dist/renderer.
 */
import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, safeStorage, session } from 'electron';
import { OpenedFiles } from './archive-files.ts';
import { createIpcHandlers } from './handlers.ts';
import { registerIpcHandlers } from './ipc.ts';
import { runLifecycle } from './lifecycle.ts';
import { applyAppSwitches } from './chromium-switches.ts';
import { buildMenuTemplate, menuCommandSender } from './menu.ts';
import { RECENT_ARCHIVES_FILE } from './recent-archives.ts';
import { SIGNING_KEYS_FILE } from './signing-keys.ts';
import {
  APP_ENTRY_URL,
  hardenSession,
  hardenWebContents,
  registerAppScheme,
  serveAppScheme,
  webPreferences,
} from './security.ts';

const PRODUCT_NAME = 'Tickmark';
const RENDERER_ROOT = path.join(__dirname, '..', 'renderer');
const PRELOAD = path.join(__dirname, 'preload.cjs');

// Unpackaged runs (`electron dist/electron/main.cjs`) would otherwise be named
// "Electron" and keep their userData in the wrong folder.
app.setName(PRODUCT_NAME);
// Before ready, as Electron requires. Every renderer sandboxed, whatever its preferences.
registerAppScheme(protocol);
app.enableSandbox();
// Before ready too: Chromium reads its switches as it starts its processes (chromium-switches.ts).
applyAppSwitches(app.commandLine);
app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));

const files = new OpenedFiles();
let mainWindow: BrowserWindow | null = null;

const sendMenuCommand = menuCommandSender(() => BrowserWindow.getFocusedWindow() ?? mainWindow);

function documentsFolder(): string {
  try {
    return app.getPath('documents');
  } catch {
    return app.getPath('home');
  }
}

function createWindow(): void {
  const window = new BrowserWindow({
    title: PRODUCT_NAME,
    width: 1280,
    height: 820,
    minWidth: 720,
    minHeight: 480,
    show: false,
    webPreferences: webPreferences({ preload: PRELOAD, devTools: !app.isPackaged }),
  });
  const ownerId = window.webContents.id;
  window.once('ready-to-show', () => window.show());
  // A reload or a new page starts with no open files: the old tokens die with the page.
  window.webContents.on('did-navigate', () => void files.closeAllFor(ownerId));
  window.webContents.once('destroyed', () => void files.closeAllFor(ownerId));
  window.on('closed', () => {
    if (mainWindow === window) mainWindow = null;
  });
  mainWindow = window;
  void window.loadURL(APP_ENTRY_URL);
}

function start(): void {
  hardenSession(session.defaultSession, { devtools: !app.isPackaged });
  serveAppScheme(protocol, RENDERER_ROOT);
  registerIpcHandlers(
    ipcMain,
    createIpcHandlers({
      dialog,
      files,
      recentFile: path.join(app.getPath('userData'), RECENT_ARCHIVES_FILE),
      saveDirectory: documentsFolder(),
      windowFor: (sender) => BrowserWindow.fromWebContents(sender),
      signingKeys: {
        file: path.join(app.getPath('userData'), SIGNING_KEYS_FILE),
        safeStorage,
        platform: process.platform,
      },
    }),
  );
  app.setAboutPanelOptions({
    applicationName: PRODUCT_NAME,
    applicationVersion: app.getVersion(),
    copyright: 'Apache-2.0',
  });
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      buildMenuTemplate({
        platform: process.platform,
        isPackaged: app.isPackaged,
        appName: PRODUCT_NAME,
        onOpenArchive: () => sendMenuCommand('open-archive'),
        onAbout: () => app.showAboutPanel(),
      }),
    ),
  );
  createWindow();
}

// One window, one process: a second launch focuses the first. `activate` is registered
// once started; a start-up failure is shown and exits (see lifecycle.ts).
void runLifecycle({
  app,
  platform: process.platform,
  start,
  windowCount: () => BrowserWindow.getAllWindows().length,
  createWindow,
  focusWindow: () => {
    if (mainWindow === null) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  },
  showError: (title, content) => dialog.showErrorBox(title, content),
  log: (message, error) => console.error(message, error),
});
