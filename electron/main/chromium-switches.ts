/**
 * The switches the app gives Chromium before it starts, and the same switches as command-line
 * arguments for the end-to-end tests, which drive Debian's Chromium in the app's place (so what
 * they measure is what the app runs). Why each: docs/PERFORMANCE.md, "Chromium's memory churn".
 *
 * Both make an import cheaper by returning less memory to the system only to fault it back in:
 * - `--managed-zone-memory` (V8): the compilers' zone memory comes from pages V8 pools instead
 *   of `malloc`, which handed each freed zone back with `madvise` and faulted it in again.
 * - `PartitionAllocLargeEmptySlotSpanRing` (Chromium): `malloc`'s allocator keeps more empty slot
 *   spans before it gives their pages back.
 * A Chromium or V8 that does not know one ignores it (V8 says so on standard error). A V8 built
 * to compress zones stops at start-up with `--managed-zone-memory`; Chromium's default build does
 * not compress them, and Debian's Chromium 150 runs with it. Electron 45's own build could not be
 * started here (no binary): test/electron/smoke.test.ts, wherever Electron is present, is what
 * shows the app starts with these switches and a worker runs.
 */

/** V8 flags, in `--js-flags` (space-separated, in order: a later flag wins over an earlier one). */
export const APP_JS_FLAGS: readonly string[] = ['--managed-zone-memory'];
/** Chromium features, in `--enable-features` (comma-separated). */
export const APP_FEATURES: readonly string[] = ['PartitionAllocLargeEmptySlotSpanRing'];

/** What Electron's `app.commandLine` offers that is used here. */
export interface SwitchLine {
  appendSwitch(name: string, value?: string): void;
  getSwitchValue(name: string): string;
}

const words = (value: string, separator: RegExp): string[] => value.split(separator).filter((w) => w !== '');

/** V8 flags: the app's first, so that a user's own `--js-flags` (after them) still wins. */
function joinJsFlags(...values: string[]): string {
  return values.flatMap((v) => words(v, /\s+/)).join(' ');
}

/** Features: each once, in the order first named. */
function joinFeatures(...values: string[]): string {
  return [...new Set(values.flatMap((v) => words(v, /,/)))].join(',');
}

/**
 * Adds the app's switches to Electron's command line, before `ready` (Chromium reads them as it
 * starts its processes). Values already there (a user's `--js-flags=…`) are kept, not replaced.
 */
export function applyAppSwitches(line: SwitchLine): void {
  line.appendSwitch('js-flags', joinJsFlags(APP_JS_FLAGS.join(' '), line.getSwitchValue('js-flags')));
  line.appendSwitch('enable-features', joinFeatures(APP_FEATURES.join(','), line.getSwitchValue('enable-features')));
}

/**
 * Command-line arguments for a Chromium started in the app's place: `base`, then the app's
 * switches (unless `appSwitches` is false, to measure what they give), then `extra`. Chromium
 * takes only the last `--js-flags` and the last `--enable-features`, so each is given once, all
 * their values merged.
 */
export function chromiumArgs(base: readonly string[], extra: readonly string[], appSwitches = true): string[] {
  const all = [
    ...base,
    ...(appSwitches ? [`--js-flags=${APP_JS_FLAGS.join(' ')}`, `--enable-features=${APP_FEATURES.join(',')}`] : []),
    ...extra,
  ];
  const jsFlags: string[] = [];
  const features: string[] = [];
  const rest: string[] = [];
  for (const arg of all) {
    if (arg.startsWith('--js-flags=')) jsFlags.push(arg.slice('--js-flags='.length));
    else if (arg.startsWith('--enable-features=')) features.push(arg.slice('--enable-features='.length));
    else rest.push(arg);
  }
  const js = joinJsFlags(...jsFlags);
  const enabled = joinFeatures(...features);
  return [...rest, ...(js ? [`--js-flags=${js}`] : []), ...(enabled ? [`--enable-features=${enabled}`] : [])];
}
