/**
 * What a pool worker (a Node worker thread or a browser Web Worker) does with the setup the
 * engine hands it: take the keyring as the engine's thread built it (or build it from
 * keys.json where not given it), rebuild the bundles and controls exactly as that thread has
 * them, then check the segments it is sent with the shared segment code. One definition, so
 * every pool checks segments the way a single thread would.
 */
import { pushAll } from './append.ts';
import type { ArchiveSource, RawEntry } from '../archive/source.ts';
import type { SignatureVerifier } from '../format/ed25519.ts';
import type { AsyncSignatureVerifier } from '../format/webcrypto-ed25519.ts';
import type { Finding } from './findings.ts';
import { buildKeyring, keyringOf } from './keys.ts';
import type { SegmentResult } from './segment.ts';
import { pieceLines, runSegmentTask, type SegmentTask } from './segment-task.ts';
import { checkSegment } from './segment.ts';
import type { LineTransform } from './line-hashes.ts';
import type { ArchiveContext, ControlCheck, ControlCheckFactory, RecordRead, ResolvedBundle } from './types.ts';
import type { RunnerSetup } from './verify.ts';
import { SeqRunSet } from './seq-runs.ts';

export interface SegmentWorkerOptions {
  readonly verifier: SignatureVerifier;
  readonly bulkVerifier?: AsyncSignatureVerifier | undefined;
  /** Every control check this build has; the worker builds the ones whose ids the setup lists. */
  readonly controlFactories: readonly ControlCheckFactory[];
  /** Computes each line's hash ahead for pieces (held whole), e.g. `webCryptoLineHashes`. */
  readonly hashLines?: LineTransform | undefined;
}

export type SegmentChecker = (
  task: SegmentTask,
  onRecord?: (record: RecordRead) => void | Promise<void>,
  signal?: AbortSignal,
) => Promise<SegmentResult>;

/**
 * Builds the controls with the given ids (`ControlCheck.id`), in the order given. An id this
 * build lacks, or two controls of the build with one id, is an error: the worker must run
 * exactly the checks the engine's thread runs.
 */
export async function buildControlsById(
  factories: readonly ControlCheckFactory[],
  ids: readonly string[],
  context: ArchiveContext,
): Promise<ControlCheck[]> {
  const byId = new Map<string, ControlCheck>();
  for (const control of await Promise.all(factories.map((factory) => factory(context)))) {
    if (byId.has(control.id)) throw new Error(`two control checks have the id "${control.id}" in this build`);
    byId.set(control.id, control);
  }
  return ids.map((id) => {
    const control = byId.get(id);
    if (!control) throw new Error(`no control check with the id "${id}" in this build`);
    return control;
  });
}

/**
 * @param source the archive, or how to open it: a worker given only pieces (with their
 * bytes) never opens it.
 */
export async function segmentChecker(
  source: ArchiveSource | (() => Promise<ArchiveSource>),
  setup: RunnerSetup,
  options: SegmentWorkerOptions,
): Promise<SegmentChecker> {
  let opened: Promise<{ source: ArchiveSource; entries: Map<string, RawEntry> }> | null = null;
  const open = () =>
    (opened ??= (async () => {
      const archive = typeof source === 'function' ? await source() : source;
      return { source: archive, entries: new Map((await archive.entries()).map((e) => [e.name, e])) };
    })());
  const keyring = setup.keyring
    ? keyringOf(setup.keyring)
    : buildKeyring(setup.keys, setup.trustedRoots, options.verifier).keyring;
  const bundlesByHash = new Map<string, ResolvedBundle>(setup.bundles.map((b) => [b.hash, b]));
  const controls = await buildControlsById(options.controlFactories, setup.controlIds, {
    bundlesByHash,
    keyring,
    verifier: options.verifier,
    bulkVerifier: options.bulkVerifier,
  });
  // Stateless checks keep one instance across segments; findings already sent, per check.
  const sent = controls.map(() => 0);

  async function drainStateless(): Promise<Finding[]> {
    const fresh: Finding[] = [];
    for (const [i, control] of controls.entries()) {
      if (control.parallel !== 'stateless') continue;
      const all = await control.finish();
      pushAll(fresh, all.slice(sent[i]));
      sent[i] = all.length;
    }
    return fresh;
  }

  return async (task, onRecord, signal) => {
    const context = {
      keyring,
      verifier: options.verifier,
      bulkVerifier: options.bulkVerifier,
      bundlesByHash,
      controls,
      checkpointSeqs: new SeqRunSet(task.checkpointRuns),
      onRecord,
    };
    let result: SegmentResult;
    if (task.piece) {
      const lines = pieceLines(task.piece, setup.limits.maxLineBytes);
      result = await checkSegment(
        task.ledger,
        task.path,
        options.hashLines ? options.hashLines(lines) : lines,
        context,
      );
    } else {
      const archive = await open();
      const entry = archive.entries.get(task.path);
      if (!entry) throw new Error(`no entry ${task.path} in the archive`);
      result = await runSegmentTask(archive.source, entry, task, context, setup.limits.maxLineBytes, signal);
    }
    pushAll(result.findings, await drainStateless());
    return result;
  };
}
