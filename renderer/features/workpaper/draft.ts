/**
 * The workpaper's draft: what would be signed now, built from the engagement's data as it
 * is stored (the archive's verification report and findings, its file and manifest hashes,
 * the receipts added from the reconstruction view, the policy changes reviewed on the
 * workpaper screen, the archive's samples with their items and evaluation, the conclusion
 * on each control of the library) by the same `buildPredicate` as `tickmark workpaper
 * build`. Reading is one function; building is pure, so the same data gives the same
 * predicate whenever it is built (which is how "modified since signed" is told).
 */
import { version as toolVersion } from '../../../package.json';
import { CONTROL_LIBRARY, controlById } from '../../../shared/controls/library.ts';
import type { VerifyReport } from '../../../shared/engine/types.ts';
import { HASH_PREFIX } from '../../../shared/format/hash.ts';
import { buildPredicate, type SampleRecord } from '../../../shared/workpaper/content.ts';
import {
  db,
  type ArchiveRow,
  type ControlTestRow,
  type EngagementRow,
  type PolicyDiffNote,
  type SampleItemRow,
  type WorkpaperRefRow,
} from '../../store/db.ts';
import { CONCLUSION_LABEL, isConclusion } from '../../store/control-tests.ts';
import { asSample, type Sample } from '../../store/samples.ts';
import { getWorkpaper, type Workpaper } from '../../store/workpapers.ts';
import { evaluate } from '../sampling/evaluation.ts';

export const TOOL = Object.freeze({ name: 'tickmark', version: toolVersion });

/** Everything a draft is built from, as read from the store. */
export interface DraftSource {
  readonly archive: ArchiveRow & { report: NonNullable<ArchiveRow['report']> };
  readonly engagement: EngagementRow;
  readonly report: VerifyReport;
  /**
   * Hex SHA-256 of manifest.json as read at import; null when the archive has none;
   * undefined when not known (imported before the archive's files were kept).
   */
  readonly manifestSha256: string | null | undefined;
  readonly refs: readonly WorkpaperRefRow[];
  readonly samples: readonly { readonly sample: Sample; readonly items: readonly SampleItemRow[] }[];
  readonly controlTests: readonly ControlTestRow[];
  readonly workpaper: Workpaper | undefined;
}

export type SourceRead =
  | { readonly ok: true; readonly source: DraftSource }
  | { readonly ok: false; readonly reason: 'missing' | 'no-engagement' };

/** Reads the draft's source for an archive (inside a live query, it re-runs when any of it changes). */
export async function readDraftSource(archiveId: string): Promise<SourceRead> {
  const archive = await db.archives.get(archiveId);
  if (!archive || archive.status !== 'complete' || !archive.report) return { ok: false, reason: 'missing' };
  const engagement = await db.engagements.get(archive.engagementId);
  if (!engagement) return { ok: false, reason: 'no-engagement' };
  const [findingRows, files, refs, sampleRows, controlTests, workpaper] = await Promise.all([
    db.findings.where('archiveId').equals(archiveId).sortBy('chunkNo'),
    db.archiveFiles.where('archiveId').equals(archiveId).toArray(),
    db.workpaperRefs.where('engagementId').equals(engagement.id).toArray(),
    db.samples.where('archiveId').equals(archiveId).toArray(),
    db.controlTests.where('engagementId').equals(engagement.id).toArray(),
    getWorkpaper(engagement.id, archiveId),
  ]);
  const samples = [];
  for (const row of sampleRows) {
    const sample = asSample(row);
    if (!sample || sample.engagementId !== engagement.id) continue;
    samples.push({ sample, items: await db.sampleItems.where('sampleId').equals(sample.id).sortBy('index') });
  }
  samples.sort((a, b) =>
    a.sample.createdAt === b.sample.createdAt
      ? a.sample.id - b.sample.id
      : a.sample.createdAt < b.sample.createdAt
        ? -1
        : 1,
  );
  const manifest = files.find((f) => f.kind === 'manifest');
  // Files kept since store version 3: with none at all, whether there was a manifest is not known.
  const manifestSha256 = manifest
    ? manifest.sha256.slice(HASH_PREFIX.length)
    : files.length === 0 && archive.report.archive !== null
      ? undefined
      : null;
  return {
    ok: true,
    source: {
      archive: archive as DraftSource['archive'],
      engagement,
      report: { ...archive.report, findings: findingRows.flatMap((r) => r.items) },
      manifestSha256,
      refs: refs
        .filter((r) => r.archiveId === archiveId)
        .sort((a, b) => (a.addedAt < b.addedAt ? -1 : a.addedAt > b.addedAt ? 1 : (a.id ?? 0) - (b.id ?? 0))),
      samples,
      controlTests,
      workpaper,
    },
  };
}

/** Why this draft cannot be signed (the workpaper must name the archive file and its manifest exactly), or null. */
export function signingBlocker(source: DraftSource): string | null {
  if (!source.archive.fileSha256)
    return 'The archive file’s SHA-256 is not known: this archive was imported before Tickmark kept it. Import the archive again to sign a workpaper for it.';
  if (source.manifestSha256 === undefined)
    return 'The manifest’s SHA-256 is not known: this archive was imported before Tickmark kept its files. Import the archive again to sign a workpaper for it.';
  return null;
}

const CONCLUSION_OF_SAMPLE = {
  supports: 'supports reliance on the control',
  'does-not-support': 'does not support reliance on the control',
} as const;

function controlName(id: string, fallback?: string): string {
  const title = controlById(id)?.title ?? fallback;
  return title ? `${title} (${id})` : id;
}

/** One sample as the predicate records it: population and its evidence, method, items with their hashes, evaluation. */
export function sampleRecord(sample: Sample, items: readonly SampleItemRow[]): SampleRecord & Record<string, unknown> {
  const d = sample.details;
  const e = evaluate(items, d.strata, d.attributes, d.sizing.confidence, d.sizing.tolerable);
  const single = d.strata.length === 1 ? e.strata[0] : undefined;
  const stratumEvaluation = single?.evaluation ?? null;
  const population = d.population;
  return {
    control: controlName(sample.controlId, d.controlTitle),
    name: sample.name ?? '',
    population: {
      definition:
        population.source === 'all'
          ? 'every receipt line of the archive'
          : `the receipts of the saved filter "${population.filterName ?? population.filterId}" (${population.query})`,
      count: population.count,
      completeness: {
        ...(d.completeness as unknown as Record<string, unknown>),
        left_out_of_strata: population.leftOut,
      },
    },
    seed: sample.seed,
    method: d.method,
    size: sample.size,
    sizing: {
      ...(d.sizing as unknown as Record<string, unknown>),
      stratify: d.stratify,
      strata: d.strata,
      size_changes: d.sizeChanges,
    },
    attributes: d.attributes.map((a) => ({ id: a.id, text: a.text, kind: a.kind })),
    items: items.map((item) => ({
      receipt: item.receiptId === '' ? null : item.receiptId,
      ledger: item.ledger,
      seq: item.seq,
      hash: item.hash,
      score: item.score,
      results: { ...item.results },
      note: item.note,
    })),
    evaluation: stratumEvaluation
      ? {
          deviations: stratumEvaluation.deviations,
          confidence: d.sizing.confidence,
          tolerable_rate: d.sizing.tolerable,
          upper_deviation_limit: stratumEvaluation.upperLimit,
          within_tolerable: stratumEvaluation.withinTolerable,
        }
      : null,
    evaluation_by_stratum: e.strata.map((s) => ({
      stratum: s.name,
      drawn: s.drawn,
      deviations: s.deviations,
      untested: s.untested,
      not_applicable: s.notApplicable,
      upper_deviation_limit: s.evaluation?.upperLimit ?? null,
      within_tolerable: s.evaluation?.withinTolerable ?? null,
    })),
    outcome: e.outcome,
    outcome_sentence: e.sentence,
    conclusion: d.conclusion ? { value: d.conclusion.value, note: d.conclusion.note, at: d.conclusion.at } : null,
  };
}

/**
 * A conclusion for every control of the library: the engagement's recorded conclusion, or
 * "Not concluded", with the samples' own conclusions named beside it.
 */
export function conclusionsOf(
  controlTests: readonly ControlTestRow[],
  samples: DraftSource['samples'],
): { control: string; conclusion: string; note: string }[] {
  const tests = new Map(controlTests.map((t) => [t.controlId, t]));
  const ids = [
    ...CONTROL_LIBRARY.map((c) => c.id as string),
    ...controlTests.map((t) => t.controlId).filter((id) => !controlById(id)),
  ];
  return ids.map((id) => {
    const test = tests.get(id);
    const recorded = test?.conclusion ?? '';
    const label = isConclusion(recorded) ? CONCLUSION_LABEL[recorded] : recorded;
    const fromSamples = samples
      .filter((s) => s.sample.controlId === id && s.sample.details.conclusion)
      .map(
        (s) =>
          `sample ${s.sample.name ? `"${s.sample.name}"` : `#${s.sample.id}`} ${CONCLUSION_OF_SAMPLE[s.sample.details.conclusion!.value]}`,
      );
    const note = [test?.note.trim() ?? '', fromSamples.length ? `Samples: ${fromSamples.join('; ')}.` : '']
      .filter(Boolean)
      .join(' ');
    return { control: controlName(id), conclusion: label, note };
  });
}

function policyDiffRecord(d: PolicyDiffNote): Record<string, unknown> {
  return { from: d.from, from_hash: d.fromHash, to: d.to, to_hash: d.toHash, summary: d.summary, added_at: d.addedAt };
}

/** The predicate for the source as it is now; `createdAt` and `preparer` are set when signing. Pure. */
export function buildDraft(
  source: DraftSource,
  signing: { readonly createdAt: string; readonly preparer: string },
): Record<string, unknown> {
  return buildPredicate({
    tool: TOOL,
    createdAt: signing.createdAt,
    engagement: {
      name: source.engagement.name,
      client: source.engagement.client,
      periodFrom: source.engagement.periodFrom,
      periodTo: source.engagement.periodTo,
    },
    preparer: signing.preparer,
    archive: {
      name: source.archive.name,
      // Unknown for an archive imported before the file's hash was kept: shown, never signed (signingBlocker).
      sha256: source.archive.fileSha256 ?? '',
      bytes: source.archive.size,
      manifestSha256: source.manifestSha256 ?? null,
    },
    trustedRoots: source.archive.trustedRoots,
    report: source.report,
    reconstructions: source.refs.map((r) => ({
      receipt: r.receiptId,
      ledger: r.ledger,
      seq: r.seq,
      hash: r.hash,
      note: r.note ?? '',
      added_at: r.addedAt,
    })),
    policyDiffs: (source.workpaper?.policyDiffs ?? []).map(policyDiffRecord),
    samples: source.samples.map((s) => sampleRecord(s.sample, s.items)),
    conclusions: conclusionsOf(source.controlTests, source.samples),
  });
}

/** The file names a workpaper for `archiveName` is exported under (the PDF's is a signed subject). */
export function exportNames(archiveName: string): { readonly envelope: string; readonly pdf: string } {
  const base = archiveName.replace(/\.zip$/i, '') || 'archive';
  return { envelope: `${base}-workpaper.jsonl`, pdf: `${base}-workpaper.pdf` };
}
