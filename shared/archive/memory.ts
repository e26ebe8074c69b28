/** An archive held in memory as a map of path → bytes (tests, producers, small imports). */
import { DEFAULT_LIMITS, LimitExceededError, type ArchiveSource, type RawEntry, type ReadLimits } from './source.ts';

export function memorySource(
  files: ReadonlyMap<string, Uint8Array>,
  name: string,
  limits: Partial<ReadLimits> = {},
): ArchiveSource {
  const bounds = { ...DEFAULT_LIMITS, ...limits };
  const entries: RawEntry[] = [...files.entries()].map(([path, bytes]) => ({
    name: path,
    declaredSize: bytes.length,
    compressedSize: null,
    isDirectory: path.endsWith('/'),
  }));
  const CHUNK = 1 << 20;
  return {
    name,
    entries: async () => entries,
    async *read(entry: RawEntry): AsyncIterable<Uint8Array> {
      const bytes = files.get(entry.name);
      if (!bytes) throw new TypeError(`read: "${entry.name}" is not in this archive`);
      if (bytes.length > bounds.maxEntryBytes)
        throw new LimitExceededError(
          'maxEntryBytes',
          bytes.length,
          `size passed the per-entry limit of ${bounds.maxEntryBytes} bytes`,
        );
      for (let at = 0; at < bytes.length; at += CHUNK) yield bytes.subarray(at, at + CHUNK);
    },
    close: async () => undefined,
  };
}
