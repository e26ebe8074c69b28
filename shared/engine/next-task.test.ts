import { afterEach, describe, expect, it, vi } from 'vitest';
import { nextTask } from './next-task.ts';

/** Whether nextTask resolved while a hundred microtasks ran (it must not), and then at all. */
async function resolvedDuringMicrotasks(): Promise<[boolean, boolean]> {
  let resolved = false;
  const pending = nextTask().then(() => void (resolved = true));
  for (let i = 0; i < 100; i++) await Promise.resolve();
  const during = resolved;
  await pending;
  return [during, resolved];
}

describe('nextTask', () => {
  afterEach(() => void vi.unstubAllGlobals());

  it('with setImmediate (Node): resolves after the microtasks, in a task of its own', async () => {
    expect(await resolvedDuringMicrotasks()).toStrictEqual([false, true]);
  });

  it('without setImmediate (a browser worker): through a MessageChannel, as a task', async () => {
    vi.stubGlobal('setImmediate', undefined);
    expect(await resolvedDuringMicrotasks()).toStrictEqual([false, true]);
  });
});
