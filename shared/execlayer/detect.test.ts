/**
 * The one recognition rule of ExecLayer logs (command line and app): first records, the
 * roles of files given together, folders; and on every sample case, the app's reading of
 * the files agrees with the command line's reading of the path.
 */
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectExeclayer } from '../../cli/execlayer.ts';
import { RUN_SAMPLE_TESTS, SAMPLES_DIR } from '../../test/support/shared-dir.ts';
import {
  DETECT_BYTES,
  execlayerKindOf,
  firstRecord,
  journalCandidates,
  recogniseGivenFiles,
  roleOf,
  withAcceptedFiles,
  type GivenFile,
} from './detect.ts';

const utf8 = (text: string) => new TextEncoder().encode(text);
const file = (name: string, text: string): GivenFile => ({ name, size: utf8(text).length, start: utf8(text) });
const PY = JSON.stringify({
  payload: { event: 'ALLOW' },
  payload_hash: 'sha256:a',
  entry_hash: 'sha256:b',
  prev_entry_hash: null,
});
const V4 = JSON.stringify({ receipt_hash: 'a'.repeat(64), parent_receipt_hash: '0'.repeat(64), status: 'ALLOW' });
const HEAD = JSON.stringify({ head_hash: 'a'.repeat(64) });

describe('firstRecord', () => {
  it('is the first non-empty line parsed, when it is a JSON object', () => {
    expect(firstRecord(utf8(`\n  \r\n${PY}\nnot json`))).toEqual(JSON.parse(PY));
    expect(firstRecord(utf8('[1,2]\n'))).toBeNull();
    expect(firstRecord(utf8('"text"\n'))).toBeNull();
    expect(firstRecord(utf8('{"payload":\n'))).toBeNull();
    expect(firstRecord(utf8(''))).toBeNull();
    expect(firstRecord(utf8('\n\n'))).toBeNull();
  });
  it('keeps a byte-order mark (JSON.parse refuses it, as the command line always did)', () => {
    expect(firstRecord(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(PY)]))).toBeNull();
  });
  it('reads only the first DETECT_BYTES: a longer first line is no record', () => {
    const long = JSON.stringify({ ...JSON.parse(PY), pad: 'x'.repeat(DETECT_BYTES) });
    expect(firstRecord(utf8(long))).toBeNull();
    expect(firstRecord(utf8(`${PY}\n${'x'.repeat(DETECT_BYTES)}`))).toEqual(JSON.parse(PY));
  });
});

describe('execlayerKindOf and roleOf', () => {
  it('needs every member of the kernel’s record', () => {
    expect(execlayerKindOf(JSON.parse(PY))).toBe('execlayer-py');
    expect(execlayerKindOf(JSON.parse(V4))).toBe('execlayer-v4');
    const { entry_hash: _e, ...noEntry } = JSON.parse(PY) as Record<string, unknown>;
    expect(execlayerKindOf(noEntry)).toBeNull();
    expect(execlayerKindOf({ receipt_hash: 'a' })).toBeNull();
    expect(execlayerKindOf(null)).toBeNull();
    // Inherited members do not count.
    expect(
      execlayerKindOf(Object.create({ receipt_hash: 'a', parent_receipt_hash: 'b' }) as Record<string, unknown>),
    ).toBeNull();
  });
  it('tells logs by content whatever their names; an empty journal and the head file by name', () => {
    expect(roleOf(file('anything.txt', PY))).toBe('py-log');
    expect(roleOf(file('execlayer_audit.log.jsonl', V4))).toBe('v4-ledger');
    expect(roleOf(file('ledger.jsonl', ''))).toBe('v4-ledger');
    expect(roleOf(file('other.jsonl', ''))).toBe('other');
    expect(roleOf(file('dag_head.json', '{}'))).toBe('v4-head');
    expect(roleOf(file('head.json', HEAD))).toBe('v4-head');
    expect(roleOf(file('ledger.jsonl', 'PK\u0003\u0004'))).toBe('other');
    expect(roleOf(file('archive.zip', 'PK\u0003\u0004'))).toBe('other');
  });
});

describe('recogniseGivenFiles', () => {
  it('one log, or a journal with or without its head, in any order', () => {
    expect(recogniseGivenFiles([file('a.jsonl', PY)])).toEqual({ kind: 'execlayer-py', log: 0 });
    expect(recogniseGivenFiles([file('ledger.jsonl', V4)])).toEqual({ kind: 'execlayer-v4', ledger: 0, head: null });
    expect(recogniseGivenFiles([file('ledger.jsonl', V4), file('dag_head.json', HEAD)])).toEqual({
      kind: 'execlayer-v4',
      ledger: 0,
      head: 1,
    });
    expect(recogniseGivenFiles([file('dag_head.json', HEAD), file('ledger.jsonl', V4)])).toEqual({
      kind: 'execlayer-v4',
      ledger: 1,
      head: 0,
    });
  });
  it('one other file is read as an archive', () => {
    expect(recogniseGivenFiles([file('evidence.zip', 'PK\u0003\u0004')])).toEqual({ kind: 'archive', file: 0 });
    expect(recogniseGivenFiles([file('notes.txt', 'hello')])).toEqual({ kind: 'archive', file: 0 });
  });
  it('anything else is refused, naming each file, what it is, and what Tickmark reads', () => {
    const cases: GivenFile[][] = [
      [],
      [file('dag_head.json', HEAD)],
      [file('a.jsonl', PY), file('b.jsonl', PY)],
      [file('ledger.jsonl', V4), file('notes.txt', 'x')],
      [file('ledger.jsonl', V4), file('dag_head.json', HEAD), file('x.zip', 'PK')],
      [file('a.zip', 'PK'), file('b.zip', 'PK')],
    ];
    for (const given of cases) {
      const result = recogniseGivenFiles(given);
      expect(result.kind, JSON.stringify(given.map((f) => f.name))).toBe('unrecognised');
      if (result.kind !== 'unrecognised') continue;
      for (const f of given) expect(result.message).toContain(`"${f.name}"`);
      if (given.length !== 1) expect(result.message).toMatch(/Python ExecLayer audit log .* v4 ExecLayer journal/);
    }
    const mixed = recogniseGivenFiles([file('ledger.jsonl', V4), file('notes.txt', 'x')]);
    expect(mixed.kind === 'unrecognised' && mixed.message).toContain(
      `"ledger.jsonl" (a v4 journal's ledger.jsonl), "notes.txt" (not an ExecLayer log)`,
    );
  });
});

describe('journalCandidates', () => {
  it('data/ first, then the folder itself, each with its head when present', () => {
    expect(journalCandidates(['data/ledger.jsonl', 'data/dag_head.json', 'README.md'])).toEqual([
      { ledger: 'data/ledger.jsonl', head: 'data/dag_head.json' },
    ]);
    expect(journalCandidates(['ledger.jsonl', 'data/ledger.jsonl'])).toEqual([
      { ledger: 'data/ledger.jsonl', head: null },
      { ledger: 'ledger.jsonl', head: null },
    ]);
    expect(journalCandidates(['dag_head.json', 'requests.jsonl'])).toEqual([]);
  });
});

interface Case {
  name: string;
  format: 'execlayer-py' | 'execlayer-v4';
  files: Record<string, string>;
}
const DIR = `${SAMPLES_DIR}execlayer/`;
const cases: Case[] = RUN_SAMPLE_TESTS
  ? (JSON.parse(readFileSync(`${DIR}cases.json`, 'utf8')) as { cases: Case[] }).cases
  : [];
const given = (path: string): GivenFile => {
  const bytes = readFileSync(DIR + path);
  return {
    name: path.split('/').pop() as string,
    size: statSync(DIR + path).size,
    start: bytes.subarray(0, DETECT_BYTES),
  };
};

describe.skipIf(!RUN_SAMPLE_TESTS)('on the ExecLayer samples, the app and the command line agree', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    if (c.format === 'execlayer-py') {
      const log = c.files.log as string;
      expect(recogniseGivenFiles([given(log)])).toEqual({ kind: 'execlayer-py', log: 0 });
      expect((await detectExeclayer(DIR + log))?.kind).toBe('execlayer-py');
    } else {
      const ledger = c.files.ledger as string;
      const head = c.files.head as string;
      expect(recogniseGivenFiles([given(head), given(ledger)])).toEqual({ kind: 'execlayer-v4', ledger: 1, head: 0 });
      const folder = DIR + ledger.replace(/\/data\/ledger\.jsonl$/, '');
      expect(await detectExeclayer(folder)).toMatchObject({ kind: 'execlayer-v4', logPath: 'data/ledger.jsonl' });
      // A journal's ledger given as a file alone is a journal to the app (its head then reported missing),
      // never a Python log to the command line.
      expect(await detectExeclayer(DIR + ledger)).toBeNull();
    }
  });
});

describe('withAcceptedFiles', () => {
  it('adds what the app reads to a lone ARCHIVE_UNREADABLE, and leaves any other report alone', async () => {
    const { verifyZipBytes } = await import('../engine/verify.ts');
    const { memoryBytes } = await import('../archive/blob.ts');
    const report = await verifyZipBytes(memoryBytes(utf8('hello\n')), 'notes.txt', { trustedRoots: [] });
    const told = withAcceptedFiles(report);
    expect(told.findings).toHaveLength(1);
    expect(told.findings[0]?.message).toMatch(
      /^"notes\.txt" is not a readable ZIP archive: .*\. Tickmark reads one evidence archive/,
    );
    expect(told.findings[0]?.message).toContain('Python ExecLayer audit log');
    expect({ ...told, findings: [] }).toEqual({ ...report, findings: [] });
    const other = { ...report, findings: [{ ...report.findings[0]!, code: 'MANIFEST_MISSING' as const }] };
    expect(withAcceptedFiles(other)).toBe(other);
  });
});
