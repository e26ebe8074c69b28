/**
 * The contract between the window and the main process: every channel, the schema of
 * its arguments, the type of its result, and the shape of the `window.tickmark` bridge.
 *
 * Both sides are typed from this one module, so the preload (which sends) and the main
 * process (which validates) cannot drift apart. The main process never trusts the preload's
 * typing: it re-validates every call against {@link IPC_CALLS} (electron/main/ipc.ts),
 * because a compromised page is exactly the case the checks exist for.
 *
 * Runs in the main process; the sandboxed preload imports only its types (and the
 * channel names from ./ipc-channels.ts), so zod never enters the preload bundle.
 * zod runs `jitless`, as in shared/format/schema.ts: validators are interpreted, never
 * compiled with `new Function`.
 */
import { z } from 'zod';
import { IPC_CHANNELS, type MenuCommand } from './ipc-channels.ts';

export {
  CHANNEL_PREFIX,
  IPC_CHANNELS,
  MENU_COMMAND_CHANNEL,
  MENU_COMMANDS,
  isMenuCommand,
  type MenuCommand,
} from './ipc-channels.ts';

z.config({ jitless: true });

/** Largest single read of an opened archive. Larger reads are split by the renderer. */
export const MAX_CHUNK_BYTES = 16 * 1024 * 1024;

/** Largest export the renderer may hand to `saveFile` in one call. */
export const MAX_SAVE_BYTES = 512 * 1024 * 1024;

/** Longest path the drop handler accepts (Windows long paths reach 32,767 UTF-16 units). */
export const MAX_PATH_LENGTH = 32_767;

/** 32 lowercase hex digits: an archive id, a file handle. One pattern for main, preload and the contract. */
export const HEX32 = /^[0-9a-f]{32}$/;
/** 64 lowercase hex digits: an Ed25519 public key. */
export const HEX64 = /^[0-9a-f]{64}$/;

const hex32 = (what: string) => z.string().regex(HEX32, `must be ${what} (32 lowercase hex digits)`);

/** An opaque handle for one file the user picked or dropped; never a path. */
export const ArchiveTokenSchema = hex32('an archive token');
/** Identifies one entry of the recent-archives list. */
export const RecentIdSchema = hex32('a recent-archive id');

const OffsetSchema = z
  .number('must be a number')
  .int('must be an integer')
  .min(0, 'must not be negative')
  .max(Number.MAX_SAFE_INTEGER, 'must be at most 2^53-1');

const LengthSchema = z
  .number('must be a number')
  .int('must be an integer')
  .min(1, 'must be at least 1')
  .max(MAX_CHUNK_BYTES, `must be at most ${MAX_CHUNK_BYTES} bytes`);

/**
 * A path from `webUtils.getPathForFile`: absolute (POSIX `/…`, Windows `C:\…` or
 * `\\server\…`), no NUL. The main process still checks that it names a regular file.
 */
const DroppedPathSchema = z
  .string('must be a string')
  .min(1, 'must not be empty (the dropped item is not a file on disk)')
  .max(MAX_PATH_LENGTH, 'is too long')
  .refine((p) => !p.includes('\0'), 'must not contain NUL')
  .refine((p) => /^(\/|[A-Za-z]:[\\/]|\\\\)/.test(p), 'must be an absolute path');

const SuggestedNameSchema = z
  .string('must be a string')
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters');

const BytesSchema = z
  .instanceof(Uint8Array, { error: 'must be a Uint8Array' })
  .refine((b) => b.byteLength <= MAX_SAVE_BYTES, `must be at most ${MAX_SAVE_BYTES} bytes`);

/** What the open dialog of `openFileDialog` asks for. */
export const FILE_KINDS = ['workpaper', 'pdf'] as const;
export type FileKind = (typeof FILE_KINDS)[number];
const FileKindSchema = z.enum(FILE_KINDS, { error: `must be one of ${FILE_KINDS.join(', ')}` });

/** Longest name of a signing key (whose key it is). */
export const MAX_KEY_LABEL = 120;
/** Largest message the main process signs in one call (a DSSE pre-authentication encoding). */
export const MAX_SIGN_BYTES = 64 * 1024 * 1024;

const KeyLabelSchema = z
  .string('must be a string')
  .refine((s) => s.trim() !== '', 'must not be empty')
  .refine((s) => s.trim().length <= MAX_KEY_LABEL, `must be at most ${MAX_KEY_LABEL} characters`)
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'must not contain control characters');

const PublicKeySchema = z
  .string('must be a string')
  .regex(HEX64, 'must be an Ed25519 public key (64 lowercase hex digits)');

const SignBytesSchema = z
  .instanceof(Uint8Array, { error: 'must be a Uint8Array' })
  .refine((b) => b.byteLength <= MAX_SIGN_BYTES, `must be at most ${MAX_SIGN_BYTES} bytes`);

/**
 * Every invokable call: its channel and the schema of its positional arguments.
 * A tuple schema refuses extra arguments as well as missing or wrong ones.
 */
export const IPC_CALLS = Object.freeze({
  openArchiveDialog: { channel: IPC_CHANNELS.openArchiveDialog, args: z.tuple([]) },
  openEvidenceDialog: { channel: IPC_CHANNELS.openEvidenceDialog, args: z.tuple([]) },
  registerDroppedFile: { channel: IPC_CHANNELS.registerDroppedFile, args: z.tuple([DroppedPathSchema]) },
  readArchiveChunk: {
    channel: IPC_CHANNELS.readArchiveChunk,
    args: z.tuple([ArchiveTokenSchema, OffsetSchema, LengthSchema]),
  },
  closeArchive: { channel: IPC_CHANNELS.closeArchive, args: z.tuple([ArchiveTokenSchema]) },
  recentArchives: { channel: IPC_CHANNELS.recentArchives, args: z.tuple([]) },
  addRecent: { channel: IPC_CHANNELS.addRecent, args: z.tuple([ArchiveTokenSchema]) },
  openRecent: { channel: IPC_CHANNELS.openRecent, args: z.tuple([RecentIdSchema]) },
  removeRecent: { channel: IPC_CHANNELS.removeRecent, args: z.tuple([RecentIdSchema]) },
  saveFile: { channel: IPC_CHANNELS.saveFile, args: z.tuple([SuggestedNameSchema, BytesSchema]) },
  openFileDialog: { channel: IPC_CHANNELS.openFileDialog, args: z.tuple([FileKindSchema]) },
  signingKeys: { channel: IPC_CHANNELS.signingKeys, args: z.tuple([]) },
  createSigningKey: { channel: IPC_CHANNELS.createSigningKey, args: z.tuple([KeyLabelSchema]) },
  signWithKey: { channel: IPC_CHANNELS.signWithKey, args: z.tuple([PublicKeySchema, SignBytesSchema]) },
} as const satisfies Record<keyof typeof IPC_CHANNELS, { channel: string; args: z.ZodTuple }>);

export type IpcCallName = keyof typeof IPC_CALLS;
/** The validated positional arguments of one call, as the main-process handler receives them. */
export type IpcArgs<N extends IpcCallName> = z.infer<(typeof IPC_CALLS)[N]['args']>;

/** A file opened for reading: the token to read it with, and what to show the user. */
export interface OpenedArchive {
  readonly token: string;
  /** The file name without its folder. */
  readonly name: string;
  readonly size: number;
}

/** One entry of the recent-archives list (stored in the app's userData folder). */
export interface RecentArchive {
  readonly id: string;
  readonly name: string;
  /** Full path, shown so an auditor can tell two archives of the same name apart. */
  readonly path: string;
  readonly size: number;
  /** RFC 3339 UTC time of the last open. */
  readonly lastOpenedAt: string;
}

/** Where an export was written. */
export interface SavedFile {
  readonly name: string;
  readonly path: string;
  readonly size: number;
}

/** An auditor's signing key kept by the main process (the private key never leaves it). */
export interface SigningKeyInfo {
  /** Hex of the raw 32-byte Ed25519 public key. */
  readonly publicKey: string;
  readonly label: string;
  readonly createdAt: string;
}

export interface SigningKeyList {
  readonly keys: readonly SigningKeyInfo[];
  /** How the private keys are protected, one sentence. */
  readonly protection: string;
  /** Why no key can be made or used on this machine, or null. */
  readonly unavailable: string | null;
}

/** The result of each call, as the main process returns it. */
export interface IpcResults {
  openArchiveDialog: OpenedArchive | null;
  openEvidenceDialog: readonly OpenedArchive[];
  registerDroppedFile: OpenedArchive;
  readArchiveChunk: Uint8Array;
  closeArchive: void;
  recentArchives: readonly RecentArchive[];
  addRecent: readonly RecentArchive[];
  openRecent: OpenedArchive | null;
  removeRecent: readonly RecentArchive[];
  saveFile: SavedFile | null;
  openFileDialog: OpenedArchive | null;
  signingKeys: SigningKeyList;
  createSigningKey: SigningKeyInfo;
  signWithKey: Uint8Array;
}

/**
 * `window.tickmark`: what the page may ask of the host. Each method is one
 * `ipcRenderer.invoke` (electron/preload/bridge.ts), except `registerDroppedFile`,
 * which first turns the dropped `File` into its path inside the preload, and
 * `onMenuCommand`, which subscribes to menu events without exposing the IPC event.
 */
export interface TickmarkBridge {
  /** Shows the native open dialog; `null` if the user cancelled. */
  openArchiveDialog(): Promise<OpenedArchive | null>;
  /**
   * Shows the native open dialog for evidence, several files at once (an archive, an
   * ExecLayer log, or a v4 journal's `ledger.jsonl` and `dag_head.json` together); empty if
   * the user cancelled.
   */
  openEvidenceDialog(): Promise<readonly OpenedArchive[]>;
  /** Opens a file the user dropped on the window (a `File` from a drop or file input). */
  registerDroppedFile(file: File): Promise<OpenedArchive>;
  /** Reads `length` bytes at `offset`; shorter at the end of the file. */
  readArchiveChunk(token: string, offset: number, length: number): Promise<Uint8Array>;
  closeArchive(token: string): Promise<void>;
  recentArchives(): Promise<readonly RecentArchive[]>;
  /** Remembers the opened file in the recent list; returns the new list. */
  addRecent(token: string): Promise<readonly RecentArchive[]>;
  /** Reopens a recent archive; `null` if the file is gone. */
  openRecent(id: string): Promise<OpenedArchive | null>;
  removeRecent(id: string): Promise<readonly RecentArchive[]>;
  /** Shows the native save dialog and writes `bytes`; `null` if the user cancelled. */
  saveFile(suggestedName: string, bytes: Uint8Array): Promise<SavedFile | null>;
  /** Calls `listener` for each menu command; returns a function that unsubscribes. */
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
  /** Shows the native open dialog for a workpaper or a PDF; read it like an archive, by its token. */
  openFileDialog(kind: FileKind): Promise<OpenedArchive | null>;
  /** The signing keys kept by the main process (public halves only). */
  signingKeys(): Promise<SigningKeyList>;
  /** Makes an Ed25519 key, its private half encrypted with `safeStorage`. */
  createSigningKey(label: string): Promise<SigningKeyInfo>;
  /** Signs a DSSE pre-authentication encoding of an in-toto statement (nothing else) with a kept key. */
  signWithKey(publicKey: string, message: Uint8Array): Promise<Uint8Array>;
}
