import { describe, expect, it } from 'vitest';
import { BoundedLru } from './lru.ts';

describe('BoundedLru', () => {
  it('evicts the least recently used entry past capacity', () => {
    const lru = new BoundedLru<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1); // a is now the most recent
    lru.set('c', 3);
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe(1);
    expect(lru.get('c')).toBe(3);
    expect(lru.size).toBe(2);
  });

  it('never holds more than its capacity', () => {
    const lru = new BoundedLru<number, number>(10);
    for (let i = 0; i < 1000; i++) lru.set(i, i);
    expect(lru.size).toBe(10);
    expect(lru.get(999)).toBe(999);
    expect(lru.get(989)).toBeUndefined();
  });

  it('keeps nothing at capacity 0', () => {
    const lru = new BoundedLru<string, number>(0);
    lru.set('a', 1);
    expect(lru.get('a')).toBeUndefined();
  });

  it.each([-1, 1.5, Number.NaN])('refuses capacity %s', (capacity) => {
    expect(() => new BoundedLru(capacity)).toThrow(/"capacity"/);
  });
});

describe('BoundedLru by generations', () => {
  it('keeps an entry used since the last turnover, and never more than its capacity', () => {
    for (const capacity of [1, 2, 3, 7, 10, 64]) {
      const lru = new BoundedLru<number, number>(capacity);
      const kept = 1_000_000;
      lru.set(kept, kept);
      for (let i = 0; i < 50 * capacity; i++) {
        lru.set(i, i);
        expect(lru.size).toBeLessThanOrEqual(capacity);
        // Used after every insert: it must still be there.
        if (capacity > 1) expect(lru.get(kept), `capacity ${capacity}, after ${i}`).toBe(kept);
      }
    }
  });

  it('replaces a value in place, whichever generation holds it', () => {
    const lru = new BoundedLru<string, number>(4);
    lru.set('a', 1);
    lru.set('b', 2);
    lru.set('c', 3); // a and b are now the older generation
    lru.set('a', 10);
    expect(lru.get('a')).toBe(10);
    lru.set('c', 30);
    expect(lru.get('c')).toBe(30);
    expect(lru.size).toBe(3);
  });
});
