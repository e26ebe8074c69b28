/** Reads a whole ZIP into a path → bytes map (test inputs only), with fflate. */
import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';

export function unzipFile(path: string): Map<string, Uint8Array> {
  return new Map(Object.entries(unzipSync(readFileSync(path))));
}
