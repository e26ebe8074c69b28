/** The switches the app gives Chromium (electron/main/chromium-switches.ts). */
import { describe, expect, it } from 'vitest';
import {
  APP_FEATURES,
  APP_JS_FLAGS,
  applyAppSwitches,
  chromiumArgs,
  type SwitchLine,
} from '../../electron/main/chromium-switches.ts';

/** Electron's command line as Chromium keeps it: one value a switch, the last appended. */
function switchLine(initial: Record<string, string> = {}): SwitchLine & { values: Map<string, string> } {
  const values = new Map(Object.entries(initial));
  return {
    values,
    appendSwitch: (name, value = '') => void values.set(name, value),
    getSwitchValue: (name) => values.get(name) ?? '',
  };
}

describe('applyAppSwitches', () => {
  it("gives V8 the app's flags and Chromium the app's features", () => {
    const line = switchLine();
    applyAppSwitches(line);
    expect(line.values.get('js-flags')).toBe('--managed-zone-memory');
    expect(line.values.get('enable-features')).toBe('PartitionAllocLargeEmptySlotSpanRing');
  });

  it("keeps a user's own V8 flags, after the app's so that theirs win, and their features", () => {
    const line = switchLine({
      'js-flags': '--no-managed-zone-memory  --trace-gc',
      'enable-features': 'Foo,PartitionAllocLargeEmptySlotSpanRing',
    });
    applyAppSwitches(line);
    expect(line.values.get('js-flags')).toBe('--managed-zone-memory --no-managed-zone-memory --trace-gc');
    expect(line.values.get('enable-features')).toBe('PartitionAllocLargeEmptySlotSpanRing,Foo');
  });
});

describe('chromiumArgs', () => {
  const base = ['--headless', '--no-sandbox'];

  it("adds the app's switches after the base arguments", () => {
    expect(chromiumArgs(base, [])).toEqual([
      '--headless',
      '--no-sandbox',
      `--js-flags=${APP_JS_FLAGS.join(' ')}`,
      `--enable-features=${APP_FEATURES.join(',')}`,
    ]);
  });

  it('leaves them out when asked, to measure what they give', () => {
    expect(chromiumArgs(base, [], false)).toEqual(base);
    expect(chromiumArgs(base, ['--js-flags=--prof'], false)).toEqual([...base, '--js-flags=--prof']);
  });

  it('gives one --js-flags and one --enable-features, every value merged (Chromium reads only the last)', () => {
    const args = chromiumArgs(base, [
      '--js-flags=--prof',
      '--enable-features=Foo',
      '--mute-audio',
      '--js-flags=--trace-gc',
    ]);
    expect(args.filter((a) => a.startsWith('--js-flags='))).toEqual([
      '--js-flags=--managed-zone-memory --prof --trace-gc',
    ]);
    expect(args.filter((a) => a.startsWith('--enable-features='))).toEqual([
      '--enable-features=PartitionAllocLargeEmptySlotSpanRing,Foo',
    ]);
    expect(args).toContain('--mute-audio');
  });
});
