/**
 * Resolves in a task of its own, after the tasks already queued: a loop of asynchronous steps
 * whose answers come as microtasks (WebCrypto's in Chromium) awaits it between steps so that
 * the thread's other work (reads, messages) gets its turn. `setImmediate` where the runtime has
 * it (Node), a `MessageChannel` message elsewhere: neither is clamped as nested timers are.
 */
export function nextTask(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  if (typeof immediate === 'function') return new Promise((resolve) => void immediate(resolve));
  return new Promise((resolve) => {
    // The web's MessageChannel (Node's types name another MessagePort).
    const { port1, port2 } = new MessageChannel() as unknown as {
      port1: { onmessage: (() => void) | null; close(): void };
      port2: { postMessage(message: null): void };
    };
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}
