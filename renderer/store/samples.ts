/**
 * Samples for tests of controls (`samples`, `sampleItems`): what a sample records in its
 * `details` (population and its completeness evidence, sizing, method, attributes, size
 * changes, conclusion), and the reads and writes the sampling screens make. Each write
 * that touches a sample and its items is one transaction, and each is refused while the
 * workpaper the sample is part of (its engagement's, for its archive) is reviewed and
 * locked: the lock is read in that same transaction (workpapers.ts).
 */
import type { CheckStatus, LedgerState, Period } from '../../shared/engine/types.ts';
import { db, type SampleItemRow, type SampleRow } from './db.ts';
import { lockOnArchive, lockedMessage } from './workpapers.ts';

export type ItemResult = SampleItemRow['results'][string];
export type Stratify = 'ledger' | 'agent' | 'action';

/** What a sample item is checked for: by the engine (from the findings) or by the auditor. */
export interface SampleAttribute {
  readonly id: string;
  readonly text: string;
  readonly kind: 'automated' | 'manual';
  /** Automated: the finding codes whose presence on the receipt is a deviation. */
  readonly codes?: readonly string[];
  /** Automated: where the codes are looked for: the receipt, or every receipt of its transaction. */
  readonly scope?: 'receipt' | 'transaction';
}

export interface SamplePopulation {
  /** `all`: every stored receipt line of the archive; `saved-filter`: the filter's rows. */
  readonly source: 'all' | 'saved-filter';
  readonly filterId: number | null;
  readonly filterName: string | null;
  /** The receipts address's query that defines it ('' for every receipt), kept as drawn. */
  readonly query: string;
  /** Receipts ranked. */
  readonly count: number;
  /** Receipts of the filter left out of every stratum (no value to stratify by). */
  readonly leftOut: number;
  /** Receipt lines the archive holds in all. */
  readonly archiveReceipts: number;
}

export interface LedgerEvidence {
  readonly ledger: string;
  readonly state: LedgerState;
  readonly stateReason: string;
  readonly receipts: number;
  readonly firstSeq: number | null;
  readonly lastSeq: number | null;
  readonly sealedSeq: number | null;
  readonly checkpoints: number;
  readonly proven: Period | null;
}

/** Why the population can be taken as complete, as the verification established it when the sample was drawn. */
export interface CompletenessEvidence {
  readonly archiveName: string;
  /** The manifest's archive id, organization, claimed period (null without a readable manifest). */
  readonly manifest: { readonly archiveId: string; readonly organization: string; readonly period: Period } | null;
  readonly ledgers: readonly LedgerEvidence[];
  readonly checks: readonly CheckStatus[];
  readonly integrityFindings: number;
  /** The engagement's examination period against the days every ledger proves continuous, in words. */
  readonly coverage: { readonly tone: 'not-set' | 'whole' | 'partial' | 'none'; readonly sentence: string };
}

export interface SampleSizing {
  readonly confidence: string;
  readonly tolerable: string;
  readonly expected: string;
  /** The exact attribute-sampling size for these rates. */
  readonly statisticalSize: number;
  readonly expectedDeviations: number;
  /** How the size drawn was chosen. */
  readonly basis: 'statistical' | 'firm-table' | 'auditor';
  /** The firm table's row, when the size came from it. */
  readonly firmRow: { readonly frequency: string; readonly min: number; readonly max: number } | null;
}

export interface SampleStratum {
  readonly name: string;
  readonly seed: string;
  readonly population: number;
  /** Its items are `index` first .. first + count − 1. */
  readonly first: number;
  readonly count: number;
}

export interface SizeChange {
  readonly from: number;
  readonly to: number;
  readonly at: string;
  /** Items with at least one result recorded when the size changed (kept). */
  readonly testedBefore: number;
}

export type ConclusionValue = 'supports' | 'does-not-support';

export interface SampleConclusion {
  readonly value: ConclusionValue;
  readonly note: string;
  readonly at: string;
  /** The evaluation it was recorded on, to tell when results changed since. */
  readonly basis: string;
}

export interface SampleDetails {
  readonly kind: 'attribute-sample';
  readonly controlTitle: string;
  readonly population: SamplePopulation;
  readonly completeness: CompletenessEvidence;
  readonly sizing: SampleSizing;
  readonly stratify: Stratify | null;
  readonly strata: readonly SampleStratum[];
  /** How the sample was drawn, in words, and how to re-perform it. */
  readonly method: string;
  readonly attributes: readonly SampleAttribute[];
  readonly sizeChanges: readonly SizeChange[];
  readonly conclusion: SampleConclusion | null;
}

export type Sample = Omit<SampleRow, 'id' | 'controlId' | 'details'> & {
  readonly id: number;
  readonly controlId: string;
  readonly details: SampleDetails;
};

/** A stored row as a sample of these screens, or null (a placeholder row from before them). */
export function asSample(row: SampleRow | undefined): Sample | null {
  if (!row || row.id === undefined || row.controlId === undefined) return null;
  const details = row.details as Partial<SampleDetails> | undefined;
  return details?.kind === 'attribute-sample' ? (row as unknown as Sample) : null;
}

/** An archive's samples, oldest first. */
export async function listSamples(archiveId: string): Promise<Sample[]> {
  const rows = await db.samples.where('archiveId').equals(archiveId).toArray();
  return rows
    .map(asSample)
    .filter((s): s is Sample => s !== null)
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id - b.id));
}

export async function loadSample(id: number): Promise<{ sample: Sample; items: SampleItemRow[] } | null> {
  return db.transaction('r', [db.samples, db.sampleItems], async () => {
    const sample = asSample(await db.samples.get(id));
    if (!sample) return null;
    const items = await db.sampleItems.where('sampleId').equals(id).sortBy('index');
    return { sample, items };
  });
}

export type WriteResult<T = void> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

const done = { ok: true, value: undefined } as const;

/** Every table a write to a sample reads or writes, the lock's included. */
const SAMPLE_TABLES = () => [db.archives, db.samples, db.sampleItems, db.workpapers];

/**
 * Why a sample cannot be changed now, or null: it is gone, or the workpaper it is part of
 * is locked. Call it inside the write's transaction (with {@link SAMPLE_TABLES}).
 */
async function sampleRefusal(sampleId: number, change: string): Promise<string | null> {
  const row = await db.samples.get(sampleId);
  if (!row) return 'This sample is no longer stored (it may have been deleted): nothing was changed.';
  // A row without an engagement (a placeholder of store version 1) is on no workpaper.
  if (row.engagementId === undefined) return null;
  const lock = await lockOnArchive(row.engagementId, row.archiveId);
  return lock ? lockedMessage(lock, change) : null;
}

/** Stores a drawn sample and its items; refused when the archive is gone or its workpaper is locked. */
export async function createSample(
  row: Omit<Sample, 'id'>,
  items: readonly Omit<SampleItemRow, 'sampleId'>[],
): Promise<WriteResult<number>> {
  return db.transaction('rw', SAMPLE_TABLES(), async () => {
    const archive = await db.archives.get(row.archiveId);
    if (!archive || archive.status !== 'complete')
      return { ok: false, message: 'The archive is no longer stored: the sample was not kept.' } as const;
    const lock = row.engagementId === undefined ? null : await lockOnArchive(row.engagementId, row.archiveId);
    if (lock) return { ok: false, message: lockedMessage(lock, 'a new sample') } as const;
    const id = (await db.samples.add(row as unknown as SampleRow)) as number;
    await db.sampleItems.bulkAdd(items.map((item) => ({ ...item, sampleId: id })));
    return { ok: true, value: id } as const;
  });
}

/** Records one attribute's result for one item (null clears it). */
export async function setItemResult(
  sampleId: number,
  index: number,
  attributeId: string,
  result: ItemResult,
): Promise<WriteResult> {
  return db.transaction('rw', SAMPLE_TABLES(), async () => {
    const refusal = await sampleRefusal(sampleId, `a result of item ${index + 1}`);
    if (refusal) return { ok: false, message: refusal } as const;
    await db.sampleItems
      .where('[sampleId+index]')
      .equals([sampleId, index])
      .modify((item) => {
        item.results = { ...item.results, [attributeId]: result };
      });
    return done;
  });
}

export const MAX_ITEM_NOTE = 2000;

export async function setItemNote(sampleId: number, index: number, note: string): Promise<WriteResult> {
  if (note.length > MAX_ITEM_NOTE)
    return { ok: false, message: `A note is at most ${MAX_ITEM_NOTE} characters: this one has ${note.length}.` };
  return db.transaction('rw', SAMPLE_TABLES(), async () => {
    const refusal = await sampleRefusal(sampleId, `the note on item ${index + 1}`);
    if (refusal) return { ok: false, message: refusal } as const;
    await db.sampleItems
      .where('[sampleId+index]')
      .equals([sampleId, index])
      .modify((item) => {
        item.note = note;
      });
    return done;
  });
}

/**
 * Replaces a sample's items with a larger draw (the caller carried the kept items' results
 * over) and its size, strata and size changes, in one transaction.
 */
export async function replaceItems(
  sampleId: number,
  size: number,
  items: readonly Omit<SampleItemRow, 'sampleId'>[],
  details: SampleDetails,
): Promise<WriteResult> {
  return db.transaction('rw', SAMPLE_TABLES(), async () => {
    const refusal = await sampleRefusal(sampleId, 'a larger sample');
    if (refusal) return { ok: false, message: refusal } as const;
    await db.sampleItems.where('sampleId').equals(sampleId).delete();
    await db.sampleItems.bulkAdd(items.map((item) => ({ ...item, sampleId })));
    await db.samples.update(sampleId, { size, details: details as unknown as Record<string, unknown> });
    return done;
  });
}

/** Stores the sample's details with a new conclusion. */
export async function setConclusion(sampleId: number, details: SampleDetails): Promise<WriteResult> {
  return db.transaction('rw', SAMPLE_TABLES(), async () => {
    const refusal = await sampleRefusal(sampleId, 'the sample’s conclusion');
    if (refusal) return { ok: false, message: refusal } as const;
    await db.samples.update(sampleId, { details: details as unknown as Record<string, unknown> });
    return done;
  });
}

export async function deleteSample(sampleId: number): Promise<WriteResult> {
  return db.transaction('rw', SAMPLE_TABLES(), async () => {
    const refusal = await sampleRefusal(sampleId, 'deleting the sample');
    if (refusal) return { ok: false, message: refusal } as const;
    await db.sampleItems.where('sampleId').equals(sampleId).delete();
    await db.samples.delete(sampleId);
    return done;
  });
}

/** The settings row holding the firm's sample-size table (firm-wide, not per engagement). */
export const FIRM_TABLE_SETTING = 'samplingFirmTable';

export async function readFirmTable(): Promise<unknown> {
  const row = await db.settings.get(FIRM_TABLE_SETTING);
  if (!row) return null;
  try {
    return JSON.parse(row.value) as unknown;
  } catch {
    return null;
  }
}

export async function saveFirmTable(rows: readonly unknown[]): Promise<void> {
  await db.settings.put({ key: FIRM_TABLE_SETTING, value: JSON.stringify(rows) });
}

export async function resetFirmTable(): Promise<void> {
  await db.settings.delete(FIRM_TABLE_SETTING);
}

/** The archive's kept checkpoint files (for the default seed); empty for an import that kept none. */
export async function checkpointFiles(archiveId: string): Promise<{ path: string; text?: string }[]> {
  const rows = await db.archiveFiles.where('archiveId').equals(archiveId).toArray();
  return rows
    .filter((r) => r.kind === 'checkpoints')
    .map((r) => ({ path: r.path, ...(r.text !== undefined ? { text: r.text } : {}) }));
}

/** An archive's samples with their items, oldest first (for the list's counts and evaluations). */
export async function listSamplesWithItems(archiveId: string): Promise<{ sample: Sample; items: SampleItemRow[] }[]> {
  return db.transaction('r', [db.samples, db.sampleItems], async () => {
    const samples = await listSamples(archiveId);
    return Promise.all(
      samples.map(async (sample) => ({
        sample,
        items: await db.sampleItems.where('sampleId').equals(sample.id).sortBy('index'),
      })),
    );
  });
}
