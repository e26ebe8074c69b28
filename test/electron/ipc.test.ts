/**
 * The main side of the bridge (electron/main/ipc.ts): every call is refused unless its
 * channel, sender and payload are right (checklist 17, "Validate the sender of all IPC
 * messages"), and nothing refused ever reaches a handler.
 */
import { describe, expect, it, vi } from 'vitest';
import { IPC_CALLS, IPC_CHANNELS, MAX_CHUNK_BYTES, type IpcCallName } from '../../electron/ipc-contract.ts';
import { registerIpcHandlers, validateIpcCall, type IpcCall, type IpcHandlers } from '../../electron/main/ipc.ts';

const TOKEN = 'a'.repeat(32);
const APP = 'tickmark://app/index.html';
const call = (channel: string, args: unknown[], senderUrl: string | null = APP, isMainFrame = true): IpcCall => ({
  channel,
  senderUrl,
  isMainFrame,
  args,
});

describe('validateIpcCall', () => {
  it('accepts a good call and returns its parsed arguments', () => {
    const verdict = validateIpcCall(call('tickmark:read-archive-chunk', [TOKEN, 0, 65536]));
    expect(verdict).toEqual({ ok: true, name: 'readArchiveChunk', args: [TOKEN, 0, 65536] });
  });

  it.each([
    ['no prefix', call('read-archive-chunk', [TOKEN, 0, 1]), /must start with "tickmark:"/],
    ['foreign prefix', call('other:read-archive-chunk', [TOKEN, 0, 1]), /must start with "tickmark:"/],
    ['unknown tickmark channel', call('tickmark:read-file', ['/etc/passwd']), /unknown channel/],
    ['event channel is not invokable', call('tickmark:menu-command', ['open-archive']), /unknown channel/],
  ])('refuses a wrong channel: %s', (_case, bad, reason) => {
    const verdict = validateIpcCall(bad);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.reason).toMatch(reason);
  });

  it.each([
    ['a web page', 'https://example.com/'],
    ['a file page', 'file:///tmp/evil.html'],
    ['another host of our scheme', 'tickmark://evil/index.html'],
    ['the browser fallback origin', 'http://127.0.0.1:5178/'],
    ['a destroyed frame', null],
  ])('refuses a wrong origin: %s', (_case, senderUrl) => {
    const verdict = validateIpcCall(call('tickmark:recent-archives', [], senderUrl));
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.reason).toMatch(/not the app origin/);
  });

  it('refuses a subframe even on the app origin', () => {
    const verdict = validateIpcCall(call('tickmark:recent-archives', [], APP, false));
    expect(verdict).toEqual({ ok: false, reason: 'sender is not the top frame' });
  });

  it.each([
    ['token not hex', 'tickmark:read-archive-chunk', ['../../etc/passwd', 0, 1], /argument 1 must be an archive token/],
    ['negative offset', 'tickmark:read-archive-chunk', [TOKEN, -1, 1], /argument 2 must not be negative/],
    ['fractional offset', 'tickmark:read-archive-chunk', [TOKEN, 1.5, 1], /argument 2 must be an integer/],
    ['offset as string', 'tickmark:read-archive-chunk', [TOKEN, '0', 1], /argument 2 must be a number/],
    ['zero length', 'tickmark:read-archive-chunk', [TOKEN, 0, 0], /argument 3 must be at least 1/],
    ['oversized length', 'tickmark:read-archive-chunk', [TOKEN, 0, MAX_CHUNK_BYTES + 1], /argument 3 must be at most/],
    ['missing argument', 'tickmark:read-archive-chunk', [TOKEN, 0], /readArchiveChunk: expected 3 arguments, got 2/],
    [
      'extra argument',
      'tickmark:open-archive-dialog',
      ['/etc/passwd'],
      /openArchiveDialog: expected 0 arguments, got 1/,
    ],
    ['relative dropped path', 'tickmark:register-dropped-file', ['archive.zip'], /must be an absolute path/],
    ['empty dropped path', 'tickmark:register-dropped-file', [''], /not a file on disk/],
    ['NUL in dropped path', 'tickmark:register-dropped-file', ['/tmp/a\0b'], /must not contain NUL/],
    ['bytes as array', 'tickmark:save-file', ['report.html', [1, 2, 3]], /argument 2 must be a Uint8Array/],
    ['empty file name', 'tickmark:save-file', ['', new Uint8Array(1)], /argument 1 must not be empty/],
    ['bad recent id', 'tickmark:open-recent', ['/home/me/archive.zip'], /argument 1 must be a recent-archive id/],
  ])('refuses a wrong payload: %s', (_case, channel, args, reason) => {
    const verdict = validateIpcCall(call(channel, args));
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.reason).toMatch(reason);
  });

  it.each([
    ['openArchiveDialog', []],
    ['openEvidenceDialog', []],
    ['registerDroppedFile', ['/home/me/archive.zip']],
    ['registerDroppedFile', ['C:\\Users\\me\\archive.zip']],
    ['registerDroppedFile', ['\\\\server\\share\\archive.zip']],
    ['closeArchive', [TOKEN]],
    ['recentArchives', []],
    ['addRecent', [TOKEN]],
    ['openRecent', [TOKEN]],
    ['removeRecent', [TOKEN]],
    ['saveFile', ['findings.csv', new Uint8Array([1, 2])]],
  ] as const)('accepts a good %s call', (name, args) => {
    expect(validateIpcCall(call(IPC_CALLS[name].channel, [...args]))).toMatchObject({ ok: true, name });
  });

  it('every contract channel carries the prefix and is unique', () => {
    const channels = Object.values(IPC_CHANNELS);
    expect(channels.every((c) => c.startsWith('tickmark:'))).toBe(true);
    expect(new Set(channels).size).toBe(channels.length);
  });
});

describe('registerIpcHandlers', () => {
  type Listener = (event: unknown, ...args: unknown[]) => Promise<unknown>;

  function setup() {
    const listeners = new Map<string, Listener>();
    const ipcMain = { handle: vi.fn((channel: string, listener: Listener) => void listeners.set(channel, listener)) };
    const handlers = Object.fromEntries(
      (Object.keys(IPC_CALLS) as IpcCallName[]).map((name) => [name, vi.fn(async () => `${name} ran`)]),
    ) as unknown as IpcHandlers & Record<IpcCallName, ReturnType<typeof vi.fn>>;
    const log = vi.fn();
    registerIpcHandlers(ipcMain as never, handlers, log);
    const sender = { id: 7 };
    const event = (url: string | null, top = true) => ({
      sender,
      senderFrame: url === null ? null : { url, parent: top ? null : {} },
    });
    return { listeners, handlers, log, event, sender };
  }

  it('registers exactly one handler per contract call and nothing else', () => {
    const { listeners } = setup();
    expect([...listeners.keys()].sort()).toEqual(Object.values(IPC_CHANNELS).sort());
  });

  it('dispatches a valid call with its parsed arguments and the caller', async () => {
    const { listeners, handlers, event, sender } = setup();
    const result = await listeners.get('tickmark:read-archive-chunk')?.(event(APP), TOKEN, 10, 20);
    expect(result).toBe('readArchiveChunk ran');
    expect(handlers.readArchiveChunk).toHaveBeenCalledWith([TOKEN, 10, 20], { ownerId: 7, sender });
  });

  it.each([
    ['wrong origin', 'https://example.com/', true, [TOKEN]],
    ['destroyed frame', null, true, [TOKEN]],
    ['subframe', APP, false, [TOKEN]],
    ['wrong payload', APP, true, ['not-a-token']],
  ] as const)('rejects (%s) without running the handler, and logs it', async (_case, url, top, args) => {
    const { listeners, handlers, log, event } = setup();
    await expect(listeners.get('tickmark:close-archive')?.(event(url, top), ...args)).rejects.toThrow(/./);
    expect(handlers.closeArchive).not.toHaveBeenCalled();
    expect(log).toHaveBeenCalledWith(expect.stringContaining('refused IPC call on tickmark:close-archive'));
  });
});
