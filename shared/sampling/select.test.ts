/**
 * SampleSelector: parts ranked apart and absorbed give the sample of the whole (how the
 * command line joins its workers' pieces), and a tie orders copies of one line whatever the
 * order of the offers.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SampleSelector, scoreOf } from './select.ts';

const hashOf = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('SampleSelector', () => {
  it("the lowest of every part's lowest, absorbed, are the lowest of the whole", () => {
    const population = Array.from({ length: 600 }, (_, i) => ({ hash: hashOf(`line ${i % 550}`), at: i }));
    for (const size of [1, 7, 40, 600]) {
      const whole = new SampleSelector<{ hash: string; at: number }>('seed', size, (a, b) => a.at - b.at);
      for (const item of population) whole.offer(item.hash, item);
      const next = random(size);
      const joined = new SampleSelector<{ hash: string; at: number }>('seed', size, (a, b) => a.at - b.at);
      // Parts of random lengths, absorbed in a random order.
      const parts: { hash: string; at: number }[][] = [];
      for (let i = 0; i < population.length;) {
        const length = 1 + Math.floor(next() * 90);
        parts.push(population.slice(i, i + length));
        i += length;
      }
      parts.sort(() => next() - 0.5);
      for (const part of parts) {
        const own = new SampleSelector<{ hash: string; at: number }>('seed', size, (a, b) => a.at - b.at);
        for (const item of part) own.offer(item.hash, item);
        joined.absorb(own.offered, own.result());
      }
      expect(joined.offered).toBe(population.length);
      expect(joined.result()).toEqual(whole.result());
      expect(whole.result().map((c) => c.score)).toEqual(
        population
          .map((p) => scoreOf('seed', p.hash))
          .sort()
          .slice(0, size),
      );
    }
  });

  it('with a tie, copies of one line are kept and listed in its order, whatever the order of the offers', () => {
    // Three copies of one line among others: the copies tie on score and hash.
    const copies = [3, 9, 14].map((at) => ({ hash: hashOf('the same line'), at }));
    const others = Array.from({ length: 30 }, (_, i) => ({ hash: hashOf(`other ${i}`), at: 100 + i }));
    const all = [...copies, ...others];
    const rank = [...all].sort((a, b) => {
      const [x, y] = [scoreOf('s', a.hash), scoreOf('s', b.hash)];
      return x !== y ? (x < y ? -1 : 1) : a.hash !== b.hash ? (a.hash < b.hash ? -1 : 1) : a.at - b.at;
    });
    const first = rank.findIndex((r) => r.at === 3);
    const next = random(7);
    for (let round = 0; round < 20; round++) {
      const shuffled = [...all].sort(() => next() - 0.5);
      for (const size of [first + 1, first + 2, first + 3]) {
        const s = new SampleSelector<{ hash: string; at: number }>('s', size, (a, b) => a.at - b.at);
        for (const item of shuffled) s.offer(item.hash, item);
        expect(s.result().map((c) => c.item.at)).toEqual(rank.slice(0, size).map((r) => r.at));
      }
    }
  });
});
