/** pushAll (shared/engine/append.ts): appends in order, returns the same array, and takes more items than a spread call can pass. */
import { describe, expect, it } from 'vitest';
import { pushAll } from './append.ts';

describe('pushAll', () => {
  it('appends every item in order after what the array held, and returns the same array', () => {
    const target = [1, 2];
    const out = pushAll(target, [3, 4, 5]);
    expect(out).toBe(target);
    expect(target).toStrictEqual([1, 2, 3, 4, 5]);
  });

  it('takes any iterable, read once, and nothing from an empty one', () => {
    function* letters() {
      yield 'a';
      yield 'b';
    }
    expect(pushAll(['z'], letters())).toStrictEqual(['z', 'a', 'b']);
    expect(pushAll(['z'], new Set<string>())).toStrictEqual(['z']);
  });

  it('appends 500,000 items, past the engine’s argument limit for a spread push', () => {
    const items = new Array<number>(500_000).fill(7);
    expect(() => [].push(...(items as never[]))).toThrow(RangeError);
    const target: number[] = [];
    pushAll(target, items);
    expect(target.length).toBe(500_000);
    expect(target[499_999]).toBe(7);
  });
});
