/** Random access to a `Blob` or `File` (browser, worker, Node 20): slices are read on demand. */
import type { RandomAccessBytes } from './source.ts';

export function blobBytes(blob: Blob): RandomAccessBytes {
  return {
    size: blob.size,
    async read(offset: number, length: number): Promise<Uint8Array> {
      return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
    },
  };
}

/** Random access to bytes already in memory (tests, small archives). */
export function memoryBytes(bytes: Uint8Array): RandomAccessBytes {
  return {
    size: bytes.length,
    read: async (offset: number, length: number) => bytes.subarray(offset, offset + length),
  };
}
