/**
 * The application menu, as a plain template (main.ts hands it to
 * `Menu.buildFromTemplate`). Roles give each platform its native behaviour; explicit
 * accelerators make the shortcuts the same on every platform and testable.
 *
 * Reload and DevTools exist only in development: reloading a packaged window would
 * drop the auditor's open archive and findings, and DevTools are for developers.
 * Zoom stays in every build, because reading small print matters in an audit.
 */
import type { MenuItemConstructorOptions, WebContents } from 'electron';
import { MENU_COMMAND_CHANNEL, type MenuCommand } from '../ipc-contract.ts';

export interface MenuOptions {
  /** `process.platform`; macOS gets the app menu and window roles it expects. */
  readonly platform: NodeJS.Platform;
  /** `app.isPackaged`. */
  readonly isPackaged: boolean;
  readonly appName: string;
  /** File → Open…: asks the window to open an archive (the window shows the dialog). */
  readonly onOpenArchive: () => void;
  /** Help → About (macOS uses the native about role instead). */
  readonly onAbout: () => void;
}

/** The menu template for one platform and build. */
export function buildMenuTemplate(options: MenuOptions): MenuItemConstructorOptions[] {
  const isMac = options.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [];

  if (isMac) {
    template.push({
      label: options.appName,
      submenu: [
        { role: 'about', label: `About ${options.appName}` },
        { type: 'separator' },
        { role: 'services' },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit', accelerator: 'CmdOrCtrl+Q' },
      ],
    });
  }

  template.push({
    label: '&File',
    submenu: [
      { id: 'open-archive', label: 'Open Archive…', accelerator: 'CmdOrCtrl+O', click: () => options.onOpenArchive() },
      { type: 'separator' },
      { role: 'close', label: 'Close Window', accelerator: 'CmdOrCtrl+W' },
      // macOS quits from the app menu; Windows' convention is Alt+F4, Linux's Ctrl+Q.
      ...(isMac
        ? []
        : [
            { type: 'separator' as const },
            {
              role: 'quit' as const,
              label: 'Quit',
              accelerator: options.platform === 'win32' ? 'Alt+F4' : 'CmdOrCtrl+Q',
            },
          ]),
    ],
  });

  template.push({
    label: '&Edit',
    submenu: [
      { role: 'undo', accelerator: 'CmdOrCtrl+Z' },
      { role: 'redo', accelerator: isMac ? 'Shift+CmdOrCtrl+Z' : 'CmdOrCtrl+Y' },
      { type: 'separator' },
      { role: 'cut', accelerator: 'CmdOrCtrl+X' },
      { role: 'copy', accelerator: 'CmdOrCtrl+C' },
      { role: 'paste', accelerator: 'CmdOrCtrl+V' },
      { role: 'selectAll', accelerator: 'CmdOrCtrl+A' },
    ],
  });

  const development: MenuItemConstructorOptions[] = options.isPackaged
    ? []
    : [
        { role: 'reload', accelerator: 'CmdOrCtrl+R' },
        { role: 'forceReload', accelerator: 'Shift+CmdOrCtrl+R' },
        { role: 'toggleDevTools', accelerator: isMac ? 'Alt+Cmd+I' : 'Ctrl+Shift+I' },
        { type: 'separator' },
      ];
  template.push({
    label: '&View',
    submenu: [
      ...development,
      { role: 'resetZoom', accelerator: 'CmdOrCtrl+0' },
      { role: 'zoomIn', accelerator: 'CmdOrCtrl+Plus' },
      { role: 'zoomOut', accelerator: 'CmdOrCtrl+-' },
      { type: 'separator' },
      { role: 'togglefullscreen', accelerator: isMac ? 'Ctrl+Cmd+F' : 'F11' },
    ],
  });

  if (isMac) template.push({ role: 'windowMenu' });

  template.push({
    role: 'help',
    label: '&Help',
    submenu: isMac
      ? [{ role: 'about', label: `About ${options.appName}` }]
      : [{ id: 'about', label: `About ${options.appName}`, click: () => options.onAbout() }],
  });

  return template;
}

/** A window a menu command can go to (the parts of `BrowserWindow` used). */
export interface MenuCommandTarget {
  isDestroyed(): boolean;
  readonly webContents: Pick<WebContents, 'send'>;
}

/**
 * Sends a menu command to the window the user is looking at (`target()`: the focused
 * window, else the main one) on the one main → window channel; the preload's
 * `onMenuCommand` hands the page the command string (electron/preload/bridge.ts), and
 * the page opens an archive (renderer/app/App.tsx, `Host.onOpenArchiveRequest`).
 * Nothing happens when there is no live window.
 */
export function menuCommandSender(target: () => MenuCommandTarget | null): (command: MenuCommand) => void {
  return (command) => {
    const window = target();
    if (window === null || window.isDestroyed()) return;
    window.webContents.send(MENU_COMMAND_CHANNEL, command);
  };
}
