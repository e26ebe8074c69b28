/** Loads the public test vectors copied into test/vectors (see test/vectors/README.md). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const VECTORS_DIR = fileURLToPath(new URL('../vectors/', import.meta.url));

export function readVector(path: string): string {
  return readFileSync(VECTORS_DIR + path, 'utf8');
}

export function readVectorJson<T>(path: string): T {
  return JSON.parse(readVector(path)) as T;
}
