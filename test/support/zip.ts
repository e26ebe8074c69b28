/** Builds small ZIP files for bad-input tests with fflate (a different writer than the reader under test). */
import { zipSync, type Zippable } from 'fflate';

export function zipOf(files: Record<string, Uint8Array | string>, level: 0 | 6 | 9 = 6): Uint8Array {
  const input: Zippable = {};
  for (const [name, content] of Object.entries(files)) {
    input[name] = [typeof content === 'string' ? new TextEncoder().encode(content) : content, { level }];
  }
  return zipSync(input);
}
