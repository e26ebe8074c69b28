/**
 * The main side of the one typed bridge: every `ipcRenderer.invoke` lands here and is
 * validated before any handler runs (VS Code's electron-main ipcMain does the same):
 *
 *  1. the channel carries the `tickmark:` prefix and is one of {@link IPC_CALLS};
 *  2. the sender is the top frame of a page on the app origin `tickmark://app`
 *     (not an iframe, not a page the window was somehow navigated to);
 *  3. the arguments match the call's zod tuple schema (types, ranges, count).
 *
 * A refused call rejects in the page with the reason, and is logged in the main
 * process; it never reaches a handler.
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { CHANNEL_PREFIX, IPC_CALLS, type IpcArgs, type IpcCallName, type IpcResults } from '../ipc-contract.ts';
import { isAppUrl } from './security.ts';

/** What the validator needs to know about one call, as plain data. */
export interface IpcCall {
  readonly channel: string;
  /** URL of the frame that sent the call (`event.senderFrame.url`); null if the frame is gone. */
  readonly senderUrl: string | null;
  /** True if the sender is the window's top frame (`senderFrame.parent === null`). */
  readonly isMainFrame: boolean;
  readonly args: readonly unknown[];
}

export type IpcValidation =
  | { readonly ok: true; readonly name: IpcCallName; readonly args: IpcArgs<IpcCallName> }
  | { readonly ok: false; readonly reason: string };

const CALL_BY_CHANNEL: ReadonlyMap<string, IpcCallName> = new Map(
  (Object.keys(IPC_CALLS) as IpcCallName[]).map((name) => [IPC_CALLS[name].channel, name]),
);

/**
 * Validates one call. Pure: returns a result, never throws for bad input.
 *
 * @example validateIpcCall({ channel: 'tickmark:close-archive', senderUrl: 'tickmark://app/index.html', isMainFrame: true, args: ['00'.repeat(16)] })
 */
export function validateIpcCall(call: IpcCall): IpcValidation {
  if (typeof call.channel !== 'string' || !call.channel.startsWith(CHANNEL_PREFIX)) {
    return { ok: false, reason: `channel must start with "${CHANNEL_PREFIX}"` };
  }
  const name = CALL_BY_CHANNEL.get(call.channel);
  if (name === undefined) return { ok: false, reason: `unknown channel ${call.channel}` };
  if (typeof call.senderUrl !== 'string' || !isAppUrl(call.senderUrl)) {
    return { ok: false, reason: `sender is not the app origin (${String(call.senderUrl)})` };
  }
  if (!call.isMainFrame) return { ok: false, reason: 'sender is not the top frame' };
  const schema = IPC_CALLS[name].args;
  const arity = schema.def.items.length;
  if (!Array.isArray(call.args) || call.args.length !== arity) {
    return {
      ok: false,
      reason: `${name}: expected ${arity} argument${arity === 1 ? '' : 's'}, got ${Array.isArray(call.args) ? call.args.length : 'none'}`,
    };
  }
  const parsed = schema.safeParse(call.args);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where =
      issue === undefined || issue.path.length === 0 ? 'arguments' : `argument ${Number(issue.path[0]) + 1}`;
    return { ok: false, reason: `${name}: ${where} ${issue?.message ?? 'are invalid'}` };
  }
  return { ok: true, name, args: parsed.data };
}

/** Who made a call: the window's web contents, for token ownership and dialog parents. */
export interface IpcCaller {
  readonly ownerId: number;
  readonly sender: WebContents;
}

/** One handler per call, typed from the contract. */
export type IpcHandlers = {
  readonly [N in IpcCallName]: (args: IpcArgs<N>, caller: IpcCaller) => Promise<IpcResults[N]>;
};

/** A call the validator refused; its message reaches the page as the rejection reason. */
export class IpcRefusedError extends Error {
  override name = 'IpcRefusedError';
}

/** Turns an invoke event into the plain data {@link validateIpcCall} checks. */
export function describeInvoke(
  channel: string,
  event: Pick<IpcMainInvokeEvent, 'senderFrame'>,
  args: readonly unknown[],
): IpcCall {
  const frame = event.senderFrame;
  return { channel, senderUrl: frame?.url ?? null, isMainFrame: frame != null && frame.parent === null, args };
}

function dispatch<N extends IpcCallName>(
  handlers: IpcHandlers,
  name: N,
  args: IpcArgs<N>,
  caller: IpcCaller,
): Promise<IpcResults[N]> {
  return handlers[name](args, caller);
}

/**
 * Registers one `ipcMain.handle` per call of the contract, each behind
 * {@link validateIpcCall}. Nothing else is ever registered on `ipcMain`.
 *
 * @param log where refusals are reported (the main process console by default).
 */
export function registerIpcHandlers(
  ipcMain: Pick<IpcMain, 'handle'>,
  handlers: IpcHandlers,
  log: (message: string) => void = (m) => console.warn(m),
): void {
  for (const name of Object.keys(IPC_CALLS) as IpcCallName[]) {
    const { channel } = IPC_CALLS[name];
    ipcMain.handle(channel, async (event, ...args: unknown[]) => {
      const verdict = validateIpcCall(describeInvoke(channel, event, args));
      if (!verdict.ok) {
        log(`tickmark: refused IPC call on ${channel}: ${verdict.reason}`);
        throw new IpcRefusedError(verdict.reason);
      }
      return dispatch(handlers, verdict.name, verdict.args, { ownerId: event.sender.id, sender: event.sender });
    });
  }
}
