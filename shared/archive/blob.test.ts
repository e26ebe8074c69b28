/**
 * Random access to a Blob (the app's File; Node 20 has Blob too) and to bytes in memory:
 * each read gives exactly the bytes asked for.
 */
import { describe, expect, it } from 'vitest';
import { blobBytes, memoryBytes } from './blob.ts';
import type { RandomAccessBytes } from './source.ts';

const content = new Uint8Array(100).map((_, i) => i);

describe.each([
  ['blobBytes', () => blobBytes(new Blob([content]))],
  ['memoryBytes', () => memoryBytes(content)],
] as const)('%s', (_name, make: () => RandomAccessBytes) => {
  it('has the size of its bytes', () => {
    expect(make().size).toBe(100);
  });

  it('reads the range asked for: the start, the middle, the end', async () => {
    const bytes = make();
    expect([...(await bytes.read(0, 3))]).toEqual([0, 1, 2]);
    expect([...(await bytes.read(40, 5))]).toEqual([40, 41, 42, 43, 44]);
    expect([...(await bytes.read(97, 3))]).toEqual([97, 98, 99]);
    expect(await bytes.read(10, 0)).toHaveLength(0);
  });

  it('a range past the end stops at the end', async () => {
    expect([...(await make().read(98, 10))]).toEqual([98, 99]);
  });
});

describe('blobBytes', () => {
  it('reads slices of the blob as it is asked, never the whole blob', async () => {
    const blob = new Blob([content]);
    const slices: [number | undefined, number | undefined][] = [];
    const original = blob.slice.bind(blob);
    blob.slice = (start?: number, end?: number) => {
      slices.push([start, end]);
      return original(start, end);
    };
    await blobBytes(blob).read(20, 7);
    expect(slices).toEqual([[20, 27]]);
  });
});
