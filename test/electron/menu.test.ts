/** The application menu template (electron/main/menu.ts). */
import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { buildMenuTemplate, type MenuOptions } from '../../electron/main/menu.ts';

function items(template: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return template.flatMap((item) => [item, ...(Array.isArray(item.submenu) ? items(item.submenu) : [])]);
}

function build(overrides: Partial<MenuOptions> = {}) {
  const options: MenuOptions = {
    platform: 'linux',
    isPackaged: true,
    appName: 'Tickmark',
    onOpenArchive: vi.fn(),
    onAbout: vi.fn(),
    ...overrides,
  };
  return { all: items(buildMenuTemplate(options)), options };
}

const byRole = (all: MenuItemConstructorOptions[], role: string) => all.find((i) => i.role === role);

describe('buildMenuTemplate', () => {
  it.each(['linux', 'win32', 'darwin'] as const)('%s: Open… is CmdOrCtrl+O and asks the window to open', (platform) => {
    const { all, options } = build({ platform });
    const open = all.find((i) => i.id === 'open-archive');
    expect(open?.accelerator).toBe('CmdOrCtrl+O');
    (open?.click as () => void)();
    expect(options.onOpenArchive).toHaveBeenCalledOnce();
  });

  it.each([
    ['close', 'CmdOrCtrl+W'],
    ['undo', 'CmdOrCtrl+Z'],
    ['cut', 'CmdOrCtrl+X'],
    ['copy', 'CmdOrCtrl+C'],
    ['paste', 'CmdOrCtrl+V'],
    ['selectAll', 'CmdOrCtrl+A'],
    ['resetZoom', 'CmdOrCtrl+0'],
    ['zoomIn', 'CmdOrCtrl+Plus'],
    ['zoomOut', 'CmdOrCtrl+-'],
  ])('has %s on %s', (role, accelerator) => {
    expect(byRole(build().all, role)?.accelerator).toBe(accelerator);
  });

  it.each([
    ['linux', 'CmdOrCtrl+Q'],
    ['darwin', 'CmdOrCtrl+Q'],
    ['win32', 'Alt+F4'],
  ] as const)('%s: Quit is %s', (platform, accelerator) => {
    expect(byRole(build({ platform }).all, 'quit')?.accelerator).toBe(accelerator);
  });

  it('packaged: no reload and no DevTools', () => {
    const { all } = build({ isPackaged: true });
    for (const role of ['reload', 'forceReload', 'toggleDevTools']) expect(byRole(all, role)).toBeUndefined();
  });

  it('development: reload and DevTools present', () => {
    const { all } = build({ isPackaged: false });
    expect(byRole(all, 'reload')?.accelerator).toBe('CmdOrCtrl+R');
    expect(byRole(all, 'toggleDevTools')?.accelerator).toBe('Ctrl+Shift+I');
  });

  it('Help → About calls onAbout on Linux and Windows, uses the native role on macOS', () => {
    const { all, options } = build({ platform: 'win32' });
    const about = all.find((i) => i.id === 'about');
    (about?.click as () => void)();
    expect(options.onAbout).toHaveBeenCalledOnce();
    expect(byRole(build({ platform: 'darwin' }).all, 'about')).toBeDefined();
  });

  it('macOS gets the app menu first', () => {
    const template = buildMenuTemplate({
      platform: 'darwin',
      isPackaged: true,
      appName: 'Tickmark',
      onOpenArchive: () => {},
      onAbout: () => {},
    });
    expect(template[0]?.label).toBe('Tickmark');
  });
});
