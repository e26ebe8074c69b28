/**
 * The lineage of each bundle id, as the bundles timeline shows it: versions in order (by
 * number, then effective_from, as verification orders them), each with what is wrong with
 * its place in the line: two bundles with one version number, a `supersedes` that does not
 * name the version before, an empty effective window, windows that overlap (two versions in
 * effect at once) and gaps (no version in effect). Verification reports overlaps and
 * `supersedes` breaks (POLICY_LINEAGE_BROKEN); gaps are shown here only. Pure.
 *
 * Times are compared as instants (shared/format/time.ts), exactly, never as milliseconds.
 */
import { compareInstants, instantOf, type Instant } from '../../../shared/format/time.ts';

export interface SignerView {
  readonly kid: string;
  /** Null when the key cannot sign policies at the bundle's effective_from (`problem` says why). */
  readonly valid: boolean | null;
  readonly anchored: boolean;
  readonly problem: string | null;
}

/** One version as the archive has it. Members the store did not keep are null. */
export interface VersionInput {
  readonly hash: string;
  readonly id: string;
  readonly version: number;
  readonly path: string;
  readonly effectiveFrom: string;
  /** Null: in effect with no end. */
  readonly effectiveUntil: string | null;
  /** The hash it names, null when it names none; undefined when the text was not kept. */
  readonly supersedes: string | null | undefined;
  /** At least one valid signature by an anchored policy key. */
  readonly signatureValid: boolean;
  /** Each signature judged; null when the text was not kept (only the verdict above is known). */
  readonly signers: readonly SignerView[] | null;
  readonly policyIds: readonly string[];
}

export type FlagKind = 'duplicate-version' | 'supersedes' | 'empty-window' | 'overlap' | 'gap';

export interface Flag {
  readonly kind: FlagKind;
  readonly text: string;
}

export interface VersionRow extends VersionInput {
  readonly flags: readonly Flag[];
  /** The version before it in the line, or null for the first. */
  readonly previous: VersionInput | null;
  /** A note that is not a problem (the first version superseding one outside the archive). */
  readonly note: string | null;
}

export interface Span {
  readonly from: string;
  /** Null: no end. */
  readonly until: string | null;
}

export interface Lineage {
  readonly id: string;
  readonly versions: readonly VersionRow[];
  /** Spans where two versions are in effect at once, with which. */
  readonly overlaps: readonly (Span & { readonly versions: readonly [number, number] })[];
  /** Spans between the first version's start and the last one's where none is in effect. */
  readonly gaps: readonly Span[];
}

const instant = (text: string): Instant => instantOf(text) ?? (text as Instant);
const cmp = (a: string, b: string) => compareInstants(instant(a), instant(b));
/** `a` ends after `b` (null is no end). */
const endsAfter = (a: string | null, b: string | null) => (a === null ? b !== null : b !== null && cmp(a, b) > 0);
const name = (v: VersionInput) => `v${v.version}`;
const until = (t: string | null) => (t === null ? 'with no end' : `until ${t}`);

/** Every bundle id's lineage, ids in alphabetical order. */
export function lineages(inputs: readonly VersionInput[]): Lineage[] {
  const byHash = new Map(inputs.map((v) => [v.hash, v]));
  const byId = new Map<string, VersionInput[]>();
  for (const v of inputs) {
    const list = byId.get(v.id);
    if (list) list.push(v);
    else byId.set(v.id, [v]);
  }
  return [...byId.keys()].sort().map((id) => lineageOf(id, byId.get(id) as VersionInput[], byHash));
}

function lineageOf(id: string, list: VersionInput[], byHash: ReadonlyMap<string, VersionInput>): Lineage {
  const versions = [...list].sort(
    (a, b) => a.version - b.version || cmp(a.effectiveFrom, b.effectiveFrom) || (a.hash < b.hash ? -1 : 1),
  );
  const flags = versions.map((): Flag[] => []);
  const notes: (string | null)[] = versions.map(() => null);

  versions.forEach((v, i) => {
    const previous = versions[i - 1];
    const own = flags[i] as Flag[];
    if (v.effectiveUntil !== null && cmp(v.effectiveUntil, v.effectiveFrom) <= 0)
      own.push({
        kind: 'empty-window',
        text: `Its effective window is empty: it ends (${v.effectiveUntil}) no later than it starts (${v.effectiveFrom}).`,
      });
    if (v.supersedes === undefined) return;
    if (!previous) {
      if (v.supersedes !== null) {
        const named = byHash.get(v.supersedes);
        notes[i] = named
          ? `Supersedes ${named.id} ${name(named)}, a bundle of another id.`
          : 'Supersedes a bundle that is not in this archive (an earlier version, outside it).';
      }
      return;
    }
    if (previous.version === v.version) {
      own.push({
        kind: 'duplicate-version',
        text: `Two different bundles are ${id} ${name(v)} (${previous.path} and ${v.path}).`,
      });
      return;
    }
    if (v.supersedes !== previous.hash) {
      const named = v.supersedes === null ? null : byHash.get(v.supersedes);
      own.push({
        kind: 'supersedes',
        text:
          v.supersedes === null
            ? `Supersedes nothing, but ${name(previous)} is the version before it.`
            : named
              ? `Supersedes ${named.id} ${name(named)}, not ${name(previous)}, the version before it.`
              : `Supersedes ${v.supersedes}, which is not in this archive; ${name(previous)}, the version before it, is ${previous.hash}.`,
      });
    }
  });

  // Overlaps: every pair, in version order.
  const overlaps: (Span & { versions: readonly [number, number] })[] = [];
  for (let i = 0; i < versions.length; i++)
    for (let j = i + 1; j < versions.length; j++) {
      const a = versions[i] as VersionInput;
      const b = versions[j] as VersionInput;
      const from = cmp(a.effectiveFrom, b.effectiveFrom) >= 0 ? a.effectiveFrom : b.effectiveFrom;
      const end =
        a.effectiveUntil === null
          ? b.effectiveUntil
          : endsAfter(a.effectiveUntil, b.effectiveUntil)
            ? b.effectiveUntil
            : a.effectiveUntil;
      if (end !== null && cmp(end, from) <= 0) continue;
      overlaps.push({ from, until: end, versions: [a.version, b.version] });
      const text = `In effect together with ${name(a)} from ${from} ${until(end)}.`;
      (flags[j] as Flag[]).push({ kind: 'overlap', text });
    }

  // Gaps: walk by start time, keeping how far the versions so far reach.
  const gaps: Span[] = [];
  const byStart = versions
    .map((v, i) => ({ v, i }))
    .filter(({ v }) => v.effectiveUntil === null || cmp(v.effectiveUntil, v.effectiveFrom) > 0)
    .sort((x, y) => cmp(x.v.effectiveFrom, y.v.effectiveFrom));
  let reach: string | null | undefined;
  for (const { v, i } of byStart) {
    if (reach !== undefined && reach !== null && cmp(v.effectiveFrom, reach) > 0) {
      gaps.push({ from: reach, until: v.effectiveFrom });
      (flags[i] as Flag[]).push({
        kind: 'gap',
        text: `No version of ${id} is in effect from ${reach} until ${v.effectiveFrom}, when this one starts.`,
      });
    }
    if (reach === undefined || endsAfter(v.effectiveUntil, reach)) reach = v.effectiveUntil;
  }

  return {
    id,
    versions: versions.map((v, i) => ({
      ...v,
      flags: flags[i] as Flag[],
      previous: versions[i - 1] ?? null,
      note: notes[i] ?? null,
    })),
    overlaps,
    gaps,
  };
}
