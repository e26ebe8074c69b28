import { describe, expect, it } from 'vitest';
import { lineages, type VersionInput } from './lineage.ts';

const h = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;

function version(n: number, from: string, until: string | null, more: Partial<VersionInput> = {}): VersionInput {
  return {
    hash: h(n),
    id: 'agents-prod',
    version: n,
    path: `policies/agents-prod-v${n}.json`,
    effectiveFrom: from,
    effectiveUntil: until,
    supersedes: n === 1 ? null : h(n - 1),
    signatureValid: true,
    signers: [],
    policyIds: [],
    ...more,
  };
}

const kinds = (l: ReturnType<typeof lineages>[number]) => l.versions.map((v) => v.flags.map((f) => f.kind));

describe('bundle lineage', () => {
  it('a clean line: consecutive windows, each superseding the one before, nothing flagged', () => {
    const [l] = lineages([
      version(2, '2026-05-15T00:00:00Z', null),
      version(1, '2026-04-01T00:00:00Z', '2026-05-15T00:00:00Z'),
    ]);
    expect(l?.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(kinds(l!)).toEqual([[], []]);
    expect(l?.overlaps).toEqual([]);
    expect(l?.gaps).toEqual([]);
    expect(l?.versions[1]?.previous?.hash).toBe(h(1));
  });

  it('an open-ended version followed by another overlaps it, from the later start with no end', () => {
    const [l] = lineages([version(1, '2026-04-01T00:00:00Z', null), version(2, '2026-05-15T00:00:00Z', null)]);
    expect(l?.overlaps).toEqual([{ from: '2026-05-15T00:00:00Z', until: null, versions: [1, 2] }]);
    expect(kinds(l!)).toEqual([[], ['overlap']]);
    expect(l?.versions[1]?.flags[0]?.text).toBe('In effect together with v1 from 2026-05-15T00:00:00Z with no end.');
  });

  it('a gap between one end and the next start is flagged on the later version', () => {
    const [l] = lineages([
      version(1, '2026-04-01T00:00:00Z', '2026-05-01T00:00:00Z'),
      version(2, '2026-05-15T00:00:00Z', null),
    ]);
    expect(l?.gaps).toEqual([{ from: '2026-05-01T00:00:00Z', until: '2026-05-15T00:00:00Z' }]);
    expect(kinds(l!)).toEqual([[], ['gap']]);
  });

  it('compares instants exactly: a window ending 0.5 ms after the next starts overlaps it', () => {
    const [l] = lineages([
      version(1, '2026-04-01T00:00:00Z', '2026-05-15T00:00:00.0005Z'),
      version(2, '2026-05-15T00:00:00Z', null),
    ]);
    expect(l?.overlaps.map((o) => o.until)).toEqual(['2026-05-15T00:00:00.0005Z']);
    expect(l?.gaps).toEqual([]);
  });

  it('a version that does not supersede the one before, or supersedes nothing, is flagged and says what it names', () => {
    const other = version(7, '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z', { id: 'other' });
    const [l] = lineages([
      version(1, '2026-04-01T00:00:00Z', '2026-05-01T00:00:00Z'),
      version(2, '2026-05-01T00:00:00Z', '2026-06-01T00:00:00Z', { supersedes: null }),
      version(3, '2026-06-01T00:00:00Z', '2026-07-01T00:00:00Z', { supersedes: h(7) }),
      version(4, '2026-07-01T00:00:00Z', null, { supersedes: h(9) }),
      other,
    ]);
    expect(kinds(l!)).toEqual([[], ['supersedes'], ['supersedes'], ['supersedes']]);
    expect(l?.versions.map((v) => v.flags[0]?.text)).toEqual([
      undefined,
      'Supersedes nothing, but v1 is the version before it.',
      'Supersedes other v7, not v2, the version before it.',
      `Supersedes ${h(9)}, which is not in this archive; v3, the version before it, is ${h(3)}.`,
    ]);
  });

  it('the first version superseding a bundle outside the archive is a note, not a problem', () => {
    const [l] = lineages([version(5, '2026-04-01T00:00:00Z', null, { supersedes: h(4) })]);
    expect(kinds(l!)).toEqual([[]]);
    expect(l?.versions[0]?.note).toBe(
      'Supersedes a bundle that is not in this archive (an earlier version, outside it).',
    );
  });

  it('two bundles with one version number, and an empty window, are flagged', () => {
    const [l] = lineages([
      version(1, '2026-04-01T00:00:00Z', '2026-04-01T00:00:00Z'),
      { ...version(1, '2026-05-01T00:00:00Z', null), hash: h(8), path: 'policies/copy.json' },
    ]);
    expect(kinds(l!)).toEqual([['empty-window'], ['duplicate-version']]);
    // The empty window is neither an overlap nor where coverage starts.
    expect(l?.overlaps).toEqual([]);
    expect(l?.gaps).toEqual([]);
  });

  it('texts not kept: supersedes is not judged, windows still are; ids are grouped and sorted', () => {
    const result = lineages([
      version(2, '2026-05-15T00:00:00Z', null, { supersedes: undefined, signers: null, id: 'b' }),
      version(1, '2026-04-01T00:00:00Z', null, { supersedes: undefined, signers: null, id: 'b' }),
      version(1, '2026-04-01T00:00:00Z', null, { id: 'a' }),
    ]);
    expect(result.map((l) => l.id)).toEqual(['a', 'b']);
    expect(kinds(result[1]!)).toEqual([[], ['overlap']]);
  });
});
