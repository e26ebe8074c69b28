/**
 * The command line's spill store (shared/engine/spill.ts): a temporary folder of its own,
 * deleted when the run ends, however it ends. Each spill file is appended to in chunks of
 * tens of kilobytes and read back once, whole (one partition: a few megabytes at
 * 10,000,000 receipts).
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpillStore } from '../shared/engine/spill.ts';

/**
 * Runs `work` with a spill store in a new folder under the system's temporary folder
 * (`TMPDIR`), then deletes the folder, also when the process is stopped by SIGINT or SIGTERM.
 * Where no folder can be made, `work` runs without one, and the run keeps those facts in
 * memory: the same findings, more memory.
 */
export async function withTempSpill<T>(work: (spill: SpillStore | undefined) => Promise<T>): Promise<T> {
  let folder: string;
  try {
    folder = mkdtempSync(join(tmpdir(), 'tickmark-spill-'));
  } catch {
    return await work(undefined);
  }
  const remove = () => rmSync(folder, { recursive: true, force: true });
  // Stopped by Ctrl-C or a supervisor with nothing else listening (plain `tickmark verify`), the
  // process would end without running `finally` and leave the folder (about a gigabyte at
  // 10,000,000 receipts): remove it, then end as the signal would have. Where another handler
  // stops the run gracefully (`verify --queue`), `finally` removes it.
  const onSignal = (signal: NodeJS.Signals) => {
    if (process.listenerCount(signal) > 1) return;
    remove();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.kill(process.pid, signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work(folderSpillStore(folder));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    remove();
  }
}

/** Spill files in `folder` (which must exist); each name is made once. */
export function folderSpillStore(folder: string): SpillStore {
  return {
    create(name) {
      const path = join(folder, name);
      // 'wx': a name made twice is a bug, not a file to add to.
      appendFileSync(path, new Uint8Array(0), { flag: 'wx' });
      return {
        append: (bytes) => appendFileSync(path, bytes),
        readAll: () => readFileSync(path),
        remove: () => rmSync(path, { force: true }),
      };
    },
  };
}
