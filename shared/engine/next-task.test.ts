import { afterEach, describe, expect, it, vi } from 'vitest';
import { nextTask } from './next-task.ts';

describe('nextTask', () => {
  afterEach(() => void vi.unstubAllGlobals());

  it('with setImmediate (Node): resolves after the microtasks, in a task of its own', async () => {
    let resolvedInMicrotasks = false;
    const pending = nextTask().then(() => void (resolvedInMicrotasks = true));
    for (let i = 0; i < 100; i++) await Promise.resolve();
    expect(resolvedInMicrotasks).toBe(false);
    await pending;
    expect(resolvedInMicrotasks).toBe(true);
  });

  it('without setImmediate (a browser worker): through a MessageChannel, as a task, the port closed', async () => {
    vi.stubGlobal('setImmediate', undefined);
    let resolvedInMicrotasks = false;
    const pending = nextTask().then(() => void (resolvedInMicrotasks = true));
    for (let i = 0; i < 100; i++) await Promise.resolve();
    expect(resolvedInMicrotasks).toBe(false);
    await pending;
    expect(resolvedInMicrotasks).toBe(true);
  });
});
