/**
 * ExecLayer logs (../shared/samples/execlayer, made by an independent generator from the
 * kernels' public code): every case gives exactly its expected failures, line by line, with
 * the mapped codes; and a log made here in a kernel-realistic shape of our own.
 */
import { createHash, createHmac } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_SAMPLE_TESTS, SAMPLES_DIR } from '../test/support/shared-dir.ts';
import { runTickmark } from '../test/support/cli.ts';

interface Case {
  name: string;
  format: 'execlayer-py' | 'execlayer-v4';
  files: Record<string, string>;
  hmac_secret_hex: string;
  known_issuer_key_ids?: string[];
  expected_failures: { index: number | null; properties: string[] }[];
}
const DIR = `${SAMPLES_DIR}execlayer/`;
const cases: Case[] = RUN_SAMPLE_TESTS
  ? (JSON.parse(readFileSync(`${DIR}cases.json`, 'utf8')) as { cases: Case[] }).cases
  : [];
const CODE: Record<string, string> = {
  hash: 'RECORD_HASH_MISMATCH',
  chain: 'CHAIN_BROKEN',
  hmac: 'SIGNATURE_INVALID',
  issuer: 'KEY_UNKNOWN',
  head: 'CHAIN_TRUNCATED',
};

const verify = (...args: string[]) => runTickmark(['verify', ...args]);
interface Report {
  format: string;
  findings: { code: string; line?: number; path?: string; message: string }[];
  checks: { check: string; status: string; reason?: string }[];
  summary: { receipts: number; trusted: boolean; note?: string };
}

function pathOf(c: Case): string {
  if (c.format === 'execlayer-py') return DIR + (c.files.log as string);
  return DIR + (c.files.ledger as string).replace(/\/data\/ledger\.jsonl$/, '');
}

describe.skipIf(!RUN_SAMPLE_TESTS)('ExecLayer sample logs', () => {
  it('cases.json lists both formats, valid and tampered', () => {
    expect(cases.filter((c) => c.format === 'execlayer-py').length).toBeGreaterThanOrEqual(9);
    expect(cases.filter((c) => c.format === 'execlayer-v4').length).toBeGreaterThanOrEqual(10);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s: exactly the expected lines and codes', async (_name, c) => {
    const args = [pathOf(c), '--json', '--hmac-secret-hex', c.hmac_secret_hex];
    for (const issuer of c.known_issuer_key_ids ?? []) args.push('--issuer', issuer);
    const { code, stdout } = await verify(...args);
    const report = JSON.parse(stdout) as Report;
    expect(report.format).toBe(c.format);
    const got = report.findings.map((f) => `${f.line ?? 'file'} ${f.code}`).sort();
    const expected = c.expected_failures
      .flatMap((f) => [...new Set(f.properties.map((p) => `${f.index === null ? 'file' : f.index + 1} ${CODE[p]}`))])
      .sort();
    expect(got, report.findings.map((f) => `${f.line} ${f.code}: ${f.message}`).join('\n')).toEqual(expected);
    expect(code).toBe(expected.length === 0 ? 0 : 1);
    expect(report.summary.trusted).toBe(false);
    expect(report.summary.note).toMatch(/not independent evidence/);
  });

  it('the chain restart after a process restart is a CHAIN_BROKEN that says what it is', async () => {
    const c = cases.find((x) => x.name === 'py_process_restart') as Case;
    const report = JSON.parse((await verify(pathOf(c), '--json')).stdout) as Report;
    expect(report.findings.find((f) => f.code === 'CHAIN_BROKEN')?.message).toMatch(
      /restarts here .* process restarts/,
    );
  });

  it('a cut tail is named as such in the ledger state, not as a changed record', async () => {
    const c = cases.find((x) => x.name === 'v4_truncated_tail') as Case;
    const report = JSON.parse(
      (await verify(pathOf(c), '--json', '--hmac-secret-hex', c.hmac_secret_hex)).stdout,
    ) as Report & {
      ledgers: { state: string; reason: string }[];
    };
    expect(report.findings.map((f) => f.code)).toEqual(['CHAIN_TRUNCATED']);
    expect(report.ledgers[0]?.reason).toMatch(/cut from its end/);
    expect(report.ledgers[0]?.reason).not.toMatch(/changed/);
  });

  it('without the secret the HMACs are not checked, and the report says why', async () => {
    const c = cases.find((x) => x.name === 'py_wrong_hmac') as Case;
    const report = JSON.parse((await verify(pathOf(c), '--json')).stdout) as Report;
    expect(report.findings).toEqual([]);
    const hmac = report.checks.find((k) => k.check.startsWith('HMAC'));
    expect(hmac).toMatchObject({ status: 'not checked' });
    expect(hmac?.reason).toMatch(/no --hmac-secret-hex.*not independent evidence/);
  });

  it('the v4 data folder itself is recognised too, and the issuer check is not checked without --issuer', async () => {
    const c = cases.find((x) => x.name === 'v4_unknown_issuer') as Case;
    const report = JSON.parse((await verify(`${pathOf(c)}/data`, '--json')).stdout) as Report;
    expect(report.format).toBe('execlayer-v4');
    expect(report.findings).toEqual([]);
    expect(report.checks.find((k) => k.check.startsWith('Issuer'))).toMatchObject({ status: 'not checked' });
  });
});

describe('ExecLayer logs made here, in the kernels shapes', () => {
  let dir: string;
  const secret = 'our-own-secret';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tickmark-execlayer-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** Python json.dumps(sort_keys=True, separators=(',', ':'), ensure_ascii=False), for the values used here. */
  const py = (v: unknown): string =>
    v === null || typeof v !== 'object'
      ? typeof v === 'number' && !Number.isInteger(v)
        ? String(v)
        : JSON.stringify(v)
      : Array.isArray(v)
        ? `[${v.map(py).join(',')}]`
        : `{${Object.keys(v)
            .sort()
            .map((k) => `${JSON.stringify(k)}:${py((v as Record<string, unknown>)[k])}`)
            .join(',')}}`;
  const sha = (t: string) => createHash('sha256').update(t, 'utf8').digest('hex');

  function pyLog(entries: unknown[]): string {
    let prev: string | null = null;
    return (
      entries
        .map((payload) => {
          const p = payload as { receipt?: Record<string, unknown> };
          if (p.receipt) {
            const body = py(p.receipt);
            p.receipt.crypto = {
              payload_hash: `sha256:${sha(body)}`,
              signature_type: 'HMAC-SHA256',
              signature_b64: createHmac('sha256', secret).update(body, 'utf8').digest('base64'),
            };
          }
          const payloadHash = `sha256:${sha(py(payload))}`;
          const entry = `sha256:${sha(`${(prev ?? '').replace('sha256:', '')}:${payloadHash.slice(7)}`)}`;
          const line = JSON.stringify({ payload, payload_hash: payloadHash, entry_hash: entry, prev_entry_hash: prev });
          prev = entry;
          return line;
        })
        .join('\n') + '\n'
    );
  }

  const receipt = (id: string, status: string, score: number) => ({
    event: status,
    receipt: {
      receipt_id: id,
      timestamp_utc: '2026-03-01T10:00:00Z',
      actor: { id: 'u_1', display: 'Zoë Ångström' },
      verdict: { status, risk: { score, tier: 'HIGH' }, policy: { rule_id: 'R-1' } },
    },
  });

  it('a clean log of our own verifies, with non-ASCII text and float scores', async () => {
    const file = join(dir, 'ours.jsonl');
    await writeFile(
      file,
      pyLog([{ event: 'ALLOW', tool: 't' }, receipt('r1', 'BLOCK', 8.5), receipt('r2', 'ESCALATE', 7.25)]),
    );
    const { code, stdout } = await verify(file, '--json', '--hmac-secret-hex', Buffer.from(secret).toString('hex'));
    const report = JSON.parse(stdout) as Report;
    expect(report.findings).toEqual([]);
    expect(report.summary.receipts).toBe(3);
    expect(code).toBe(0);
  });

  it('a verdict changed from BLOCK to ALLOW is caught at its line; a wrong secret fails every receipt', async () => {
    const file = join(dir, 'changed.jsonl');
    const lines = pyLog([receipt('r1', 'BLOCK', 8.5), receipt('r2', 'BLOCK', 9.0), receipt('r3', 'BLOCK', 1.5)]).split(
      '\n',
    );
    lines[1] = (lines[1] as string).replace('"status":"BLOCK"', '"status":"ALLOW"');
    expect(lines[1]).toContain('"status":"ALLOW"');
    await writeFile(file, lines.join('\n'));
    const report = JSON.parse(
      (await verify(file, '--json', '--hmac-secret-hex', Buffer.from(secret).toString('hex'))).stdout,
    ) as Report;
    expect(report.findings.map((f) => `${f.line} ${f.code}`).sort()).toEqual([
      '2 RECORD_HASH_MISMATCH',
      '2 SIGNATURE_INVALID',
    ]);
    const wrong = JSON.parse(
      (await verify(join(dir, 'ours.jsonl'), '--json', '--hmac-secret-hex', '00ff')).stdout,
    ) as Report;
    expect(wrong.findings.map((f) => `${f.line} ${f.code}`)).toEqual(['2 SIGNATURE_INVALID', '3 SIGNATURE_INVALID']);
  });

  it('an unrecognised file is ARCHIVE_UNREADABLE naming what Tickmark reads; an empty v4 journal is read', async () => {
    const file = join(dir, 'notes.txt');
    await writeFile(file, 'hello\n');
    const { code, stdout } = await verify(file, '--json');
    const report = JSON.parse(stdout) as Report;
    expect(code).toBe(1);
    expect(report.findings[0]?.code).toBe('ARCHIVE_UNREADABLE');
    expect(report.findings[0]?.message).toMatch(/Python ExecLayer audit log .* v4 ExecLayer journal folder/);
    await mkdir(join(dir, 'v4', 'data'), { recursive: true });
    await writeFile(join(dir, 'v4', 'data', 'ledger.jsonl'), '');
    await writeFile(join(dir, 'v4', 'data', 'dag_head.json'), JSON.stringify({ head_hash: '0'.repeat(64) }));
    const empty = JSON.parse((await verify(join(dir, 'v4'), '--json')).stdout) as Report;
    expect(empty.format).toBe('execlayer-v4');
    expect(empty.findings).toEqual([]);
  });
});
