/** The browser host's open shortcut: Ctrl+O (Cmd+O on macOS), as the desktop menu's CmdOrCtrl+O. */
import { describe, expect, it } from 'vitest';
import { isOpenArchiveShortcut, type ShortcutKeys } from './browser-host.ts';

const key = (overrides: Partial<ShortcutKeys>): ShortcutKeys => ({
  key: 'o',
  code: 'KeyO',
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  repeat: false,
  ...overrides,
});

describe('isOpenArchiveShortcut', () => {
  it.each<[string, Partial<ShortcutKeys>, boolean, boolean]>([
    ['Ctrl+O', { ctrlKey: true }, false, true],
    ['Ctrl+O with caps lock', { ctrlKey: true, key: 'O' }, false, true],
    ['Ctrl+O on a layout whose O key types another letter', { ctrlKey: true, key: 'щ' }, false, true],
    ['Cmd+O on macOS', { metaKey: true }, true, true],
    ['Ctrl+O on macOS', { ctrlKey: true }, true, false],
    ['Meta+O elsewhere', { metaKey: true }, false, false],
    ['O alone', {}, false, false],
    ['Ctrl+Shift+O', { ctrlKey: true, shiftKey: true }, false, false],
    ['Ctrl+Alt+O', { ctrlKey: true, altKey: true }, false, false],
    ['Ctrl+O held down (repeat)', { ctrlKey: true, repeat: true }, false, false],
    ['Ctrl+P', { ctrlKey: true, key: 'p', code: 'KeyP' }, false, false],
  ])('%s → %s', (_name, overrides, mac, expected) => {
    expect(isOpenArchiveShortcut(key(overrides), mac)).toBe(expected);
  });
});
