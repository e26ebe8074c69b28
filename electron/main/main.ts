/**
 * Electron's main process: wiring only. Every decision lives in a module with tests:
 * security.ts (hardening), ipc.ts (validation), handlers.ts (what calls do),
 * archive-files.ts, recent-archives.ts, menu.ts.
 *
 * Bundled to dist/electron/main.cjs by build/build-electron.ts (CommonJS, because the
 * sandboxed preload must be CommonJS and one format for both keeps the build simple);
 * `__dirname` is therefore dist/electron, and the UI is its sibling dist/renderer.
 */
import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session } from 'electron';
import { MENU_COMMAND_CHANNEL, type MenuCommand } from '../ipc-contract.ts';
import { OpenedFiles } from './archive-files.ts';
import { createIpcHandlers } from './handlers.ts';
import { registerIpcHandlers } from './ipc.ts';
import { buildMenuTemplate } from './menu.ts';
import { RECENT_ARCHIVES_FILE } from './recent-archives.ts';
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
app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));

const files = new OpenedFiles();
let mainWindow: BrowserWindow | null = null;

function sendMenuCommand(command: MenuCommand): void {
  const target = BrowserWindow.getFocusedWindow() ?? mainWindow;
  target?.webContents.send(MENU_COMMAND_CHANNEL, command);
}

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

// One window, one process: a second launch focuses the first.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow === null) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
  app.whenReady().then(start, (error: unknown) => {
    console.error('tickmark: failed to start', error);
    app.exit(1);
  });
}
