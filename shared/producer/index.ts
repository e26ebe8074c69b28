/**
 * The producer SDK: what a gate implementer needs to emit `tickmark.evidence.v1`
 * archives (FORMAT.md). Pure: runs in Node, a browser or a worker.
 *
 * @example
 * const root = randomKey(), gate = randomKey(), archive = randomKey();
 * const builder = new ArchiveBuilder(sink);             // or new ArchiveBuilder() to keep files in memory
 * await builder.add('keys.json', keysJson([rootKeyEntry(root, validity), certifiedKeyEntry(gate, ['gate'], validity, root), …]).text);
 * const bundle = signBundle(body, [policyKey]);
 * await builder.add('policies/agents-prod-v1.json', bundle.text);
 * const decider = new GateDecider(cedar); decider.prepare(bundle);
 * const ledger = new LedgerWriter('gw-eu-1', gate);
 * ledger.append({ id, ts, …, decision: { ...decider.decide(bundle.hash, request, entities) }, … });
 * ledger.checkpoint(ts);
 * const { segments, checkpoints } = ledger.finish(); // add each to the builder
 * await builder.finish(archive, { archive_id, organization, created_at, period, producer });
 */
export { signApproval, approvalMessage, type Approval } from './approval.ts';
export {
  ArchiveBuilder,
  collectingSink,
  unsafePathReason,
  MANIFEST_PATH,
  type FileSink,
  type ManifestEntry,
  type ManifestInfo,
} from './archive.ts';
export { GateDecider, type GateDecision, type GateDeciderOptions } from './decide.ts';
export {
  keyFromSecret,
  keyFromSeed,
  kidOf,
  nobleSigner,
  randomKey,
  signCanonical,
  type ProducerKey,
  type Signer,
} from './keys.ts';
export { certifiedKeyEntry, keysJson, revocation, rootKeyEntry, type Validity } from './keyset.ts';
export {
  LedgerWriter,
  type AppendedReceipt,
  type ArchiveFile,
  type LedgerWriterOptions,
  type WrittenCheckpoint,
} from './ledger.ts';
export { signBundle, type SignedBundle } from './policy.ts';
export { CHAIN_MEMBERS, type ExecStatus, type ReceiptDraft, type TxnEnd } from './receipt.ts';
export { dosTimeFor, ZipStreamWriter, zipFiles, type ZipWriterOptions } from './zip.ts';
export {
  DEFAULT_DEMO_RECEIPTS,
  DEFAULT_DEMO_SEED,
  MIN_DEMO_RECEIPTS,
  makeCleanArchive,
  makeDemoArchive,
  writeCleanArchive,
  writeDemoArchive,
  type DemoOptions,
  type DemoSummary,
  type PlantedFailure,
} from './demo.ts';
