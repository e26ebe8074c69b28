/**
 * What the app does with files given to it (picked or dropped, one or several, or a
 * folder's): recognise them by content with the command line's rule
 * (shared/execlayer/detect.ts). One archive is imported at once, as before. An ExecLayer
 * log (a Python-kernel audit log; a v4 journal's ledger.jsonl with its dag_head.json) waits
 * on the import screen for its options (the HMAC secret, allowed issuers), then is verified
 * and stored like an archive. Anything else is refused, naming the files and what Tickmark
 * reads; nothing is stored.
 */
import { navigate } from '../../app/use-route.ts';
import { currentImportState, setImportState } from '../../app/import-state.ts';
import type { Host, PickedArchive } from '../../host/host.ts';
import type { ArchiveRow } from '../../store/db.ts';
import {
  ACCEPTED_FILES,
  DETECT_BYTES,
  V4_HEAD_NAME,
  journalCandidates,
  recogniseGivenFiles,
  roleOf,
  type GivenFile,
} from '../../../shared/execlayer/detect.ts';
import type { ExeclayerKind } from '../../../shared/execlayer/verify.ts';
import { toHex } from '../../../shared/format/bytes.ts';
import { sha256Bytes } from '../../../shared/format/hash.ts';
import { startImport } from './start-import.ts';

/** A file given, with the path it has inside a folder given whole (else its name). */
export interface GivenEvidence {
  readonly file: PickedArchive;
  /** `data/ledger.jsonl` inside a dropped folder; the file's name otherwise. */
  readonly path: string;
}

/** An ExecLayer log recognised, waiting for its options on the import screen. */
export interface PreparedExeclayer {
  readonly kind: ExeclayerKind;
  /** What the user gave, as the report and the archive list name it. */
  readonly name: string;
  readonly log: GivenEvidence;
  /** v4: the head file, read whole (null when it was not given). */
  readonly head: {
    readonly path: string;
    readonly size: number;
    readonly text: string;
    readonly sha256: string;
  } | null;
  /** v4: how findings name the head file (given or not). */
  readonly headPath: string;
  readonly origin: ArchiveRow['origin'];
}

// As a file is read as UTF-8 on disk by the command line: invalid bytes replaced, a byte-order mark kept.
const lenient = new TextDecoder('utf-8', { ignoreBOM: true });

/** A folder's place for the head file beside a ledger at `ledgerPath`. */
const headPathBeside = (ledgerPath: string) => ledgerPath.replace(/[^/]*$/, V4_HEAD_NAME);

/**
 * Recognises `given` and acts: imports an archive, prepares an ExecLayer log (and shows the
 * import screen's options), or refuses.
 * @param name how a folder given whole is named (its name); absent for files.
 * @returns null when it went on, else a sentence saying why nothing was opened.
 */
export async function openEvidence(
  host: Host,
  given: readonly GivenEvidence[],
  origin: ArchiveRow['origin'],
  name?: string,
): Promise<string | null> {
  const status = currentImportState().status;
  if (status === 'running' || given.length === 0) return null;
  let starts: GivenFile[];
  try {
    starts = await Promise.all(
      given.map(async (g) => ({
        name: g.path.split('/').pop() ?? g.path,
        size: g.file.size,
        start: await g.file.bytes.read(0, Math.min(g.file.size, DETECT_BYTES)),
      })),
    );
  } catch (error) {
    // One file that cannot be read is left to the archive import, which reports it as before.
    if (given.length === 1) {
      await startImport(host, (given[0] as GivenEvidence).file, { origin });
      return null;
    }
    return `${given.map((g) => `"${g.path}"`).join(', ')} could not be read: ${(error as Error).message}`;
  }
  const recognised = recogniseGivenFiles(starts);
  switch (recognised.kind) {
    case 'archive':
      await startImport(host, (given[recognised.file] as GivenEvidence).file, { origin });
      return null;
    case 'unrecognised':
      return `Nothing was opened. ${recognised.message}`;
    case 'execlayer-py': {
      const log = given[recognised.log] as GivenEvidence;
      prepare({ kind: 'execlayer-py', name: name ?? log.path, log, head: null, headPath: '', origin });
      return null;
    }
    case 'execlayer-v4': {
      const log = given[recognised.ledger] as GivenEvidence;
      const headGiven = recognised.head === null ? null : (given[recognised.head] as GivenEvidence);
      let head: PreparedExeclayer['head'] = null;
      if (headGiven) {
        try {
          const bytes = await headGiven.file.bytes.read(0, headGiven.file.size);
          head = {
            path: headGiven.path,
            size: bytes.length,
            text: lenient.decode(bytes),
            sha256: toHex(sha256Bytes(bytes)),
          };
        } catch (error) {
          return `"${headGiven.path}" could not be read: ${(error as Error).message}`;
        }
      }
      prepare({
        kind: 'execlayer-v4',
        name: name ?? (head ? `${log.path} + ${head.path}` : log.path),
        log,
        head,
        headPath: head?.path ?? headPathBeside(log.path),
        origin,
      });
      return null;
    }
  }
}

function prepare(prepared: PreparedExeclayer): void {
  setImportState({ status: 'options', name: prepared.name, prepared });
  navigate({ name: 'import' });
}

/** Files picked or dropped (no folder): each named by its file name. */
export const givenFiles = (files: readonly PickedArchive[]): GivenEvidence[] =>
  files.map((file) => ({ file, path: file.name }));

/**
 * A folder dropped alone: a v4 journal's folder (holding `data/ledger.jsonl`, or that `data`
 * folder itself), looked for as the command line looks (shared/execlayer/detect.ts).
 * @returns null when it went on, else a sentence saying why nothing was opened.
 */
export async function openFolder(
  host: Host,
  folder: FileSystemDirectoryEntry,
  origin: ArchiveRow['origin'],
): Promise<string | null> {
  if (currentImportState().status === 'running') return null;
  try {
    const files = await listJournalFolder(folder);
    for (const candidate of journalCandidates([...files.keys()])) {
      const ledger = await host.droppedArchive(await fileOf(files.get(candidate.ledger) as FileSystemFileEntry));
      const start = await ledger.bytes.read(0, Math.min(ledger.size, DETECT_BYTES));
      if (roleOf({ name: candidate.ledger.split('/').pop() as string, size: ledger.size, start }) !== 'v4-ledger')
        continue;
      const given: GivenEvidence[] = [{ file: ledger, path: candidate.ledger }];
      if (candidate.head) {
        const head = await host.droppedArchive(await fileOf(files.get(candidate.head) as FileSystemFileEntry));
        given.push({ file: head, path: candidate.head });
      }
      return openEvidence(host, given, origin, folder.name);
    }
  } catch (error) {
    return `The folder "${folder.name}" could not be read: ${(error as Error).message}`;
  }
  return `Nothing was opened. The folder "${folder.name}" holds no v4 ExecLayer journal (a data/ledger.jsonl or ledger.jsonl whose first line is a journal receipt). ${ACCEPTED_FILES}.`;
}

/** The files of a folder and of its `data` folder, by relative path. */
async function listJournalFolder(folder: FileSystemDirectoryEntry): Promise<Map<string, FileSystemFileEntry>> {
  const out = new Map<string, FileSystemFileEntry>();
  for (const entry of await entriesOf(folder)) {
    if (entry.isFile) out.set(entry.name, entry as FileSystemFileEntry);
    else if (entry.isDirectory && entry.name === 'data')
      for (const inner of await entriesOf(entry as FileSystemDirectoryEntry))
        if (inner.isFile) out.set(`data/${inner.name}`, inner as FileSystemFileEntry);
  }
  return out;
}

/** Every entry of a folder (readEntries gives them in batches until an empty one). */
async function entriesOf(folder: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = folder.createReader();
  const out: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return out;
    out.push(...batch);
  }
}

const fileOf = (entry: FileSystemFileEntry) => new Promise<File>((resolve, reject) => entry.file(resolve, reject));
