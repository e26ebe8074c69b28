/**
 * `tickmark explain` on ExecLayer logs (docs/FORMAT-EXECLAYER.md): one line by number or by
 * receipt, for a person and as `--json`; `--list`; the errors (exit 2, naming the file and
 * the problem); and that an evidence archive is still explained exactly as before.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCleanArchive } from '../../shared/producer/demo.ts';
import { zipFiles } from '../../shared/producer/zip.ts';
import { nodeCedar } from '../cedar-node.ts';
import { runTickmark } from '../../test/support/cli.ts';

const FIXTURES = new URL('../../test/fixtures/execlayer/', import.meta.url).pathname;
const PY = `${FIXTURES}py/execlayer_audit.log.jsonl`;
const V4 = `${FIXTURES}v4`;
const hex = (text: string) => Buffer.from(text, 'utf8').toString('hex');

const run = (...args: string[]) => runTickmark(['explain', ...args]);

describe('tickmark explain on ExecLayer logs', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tickmark-explain-execlayer-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('a Python receipt by line, for a person: intent, the one rule, verdict, checks, nothing to re-perform', async () => {
    const { code, stdout, stderr } = await run(PY, '--line', '2', '--hmac-secret-hex', hex('fixture-py-secret'));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(
      'Receipt rcpt_f1x7000001 — ExecLayer Python kernel (audit log), execlayer_audit.log.jsonl line 2',
    );
    expect(stdout).toMatch(/Tool called +post_message/);
    expect(stdout).toMatch(/3\. Rule trace \(none recorded\)[^]*1\. R-SECR-002 → BLOCK \(SECRET_EXFILTRATION\)/);
    expect(stdout).toMatch(/2\. Verdict, as the kernel wrote it: BLOCK/);
    expect(stdout).toMatch(/HMAC +holds/);
    expect(stdout).toContain('nothing to re-perform');
    expect(stdout).toContain('not independent evidence');
  });

  it('without the secret the HMAC is "not checked" and says why; a line with a finding exits 1', async () => {
    const { code, stdout } = await run(PY, '--line', '2');
    expect(code).toBe(0);
    expect(stdout).toMatch(/HMAC +not checked +Not checked: no --hmac-secret-hex was given\./);
    const restart = await run(PY, '--line', '5');
    expect(restart.code).toBe(1);
    expect(restart.stdout).toMatch(/chain link +FAILS .*restarts here/);
  });

  it('a v4 receipt by its receipt_hash, as --json with the documented members', async () => {
    const { stdout: list } = await run(V4, '--list');
    const rows = list.trim().split('\n');
    expect(rows).toHaveLength(4);
    const [line, outcome, receipt] = (rows[2] as string).split('\t');
    expect([line, outcome]).toEqual(['3', 'REFUSE']);
    const { code, stdout } = await run(
      V4,
      '--receipt',
      receipt as string,
      '--json',
      '--hmac-secret-hex',
      hex('fixture-v4-secret'),
      '--issuer',
      'KERNEL_V4_ISSUER_07',
    );
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect(json).toMatchObject({
      format: 'tickmark.explain-execlayer.v1',
      log_format: 'execlayer-v4',
      path: 'data/ledger.jsonl',
      line: 3,
      entry: 'receipt',
      receipt,
      verdict: { status: 'REFUSE' },
      rule_trace: {
        recorded: true,
        steps: [{ index: 1, rule: 'INPUT_VALIDATION', result: 'REFUSE', reason_code: null, type: 'SCHEMA_CHECK' }],
      },
      checks: {
        record_hash: { status: 'holds' },
        chain_link: { status: 'holds' },
        next_link: { status: 'holds' },
        hmac: { status: 'holds' },
        issuer: { status: 'holds' },
        head: { status: 'not applicable' },
      },
      findings: [],
    });
    expect(json.reperform).toMatch(/no Cedar request and no signed policy bundle/);
    expect(json.line_sha256).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The positional form names a receipt too.
    expect((await run(V4, receipt as string, '--json')).code).toBe(0);
  });

  it('a bad line number or an unknown receipt is exit 2, naming the file and the problem', async () => {
    const past = await run(PY, '--line', '99');
    expect(past.code).toBe(2);
    expect(past.stderr).toMatch(/execlayer_audit\.log\.jsonl has 6 lines; there is no line 99/);
    const unknown = await run(V4, '--receipt', 'abc');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no line of data\/ledger\.jsonl holds receipt "abc"/);
    expect(unknown.stderr).toContain('--list');
    for (const bad of ['0', '-1', '2.5', 'two']) {
      const r = await run(PY, '--line', bad);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toContain(`--line must be a line number (1 or more), got "${bad}"`);
    }
    const blank = join(dir, 'blank.jsonl');
    const lines = (await readFile(PY, 'utf8')).split('\n');
    await writeFile(blank, [lines[0], '', lines[1]].join('\n'));
    const r = await run(blank, '--line', '2');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/line 2 of blank\.jsonl is blank/);
    const both = await run(PY, '--line', '2', '--receipt', 'x');
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/one line \(--line N, or --receipt <id>\)/);
    const none = await run(PY);
    expect(none.code).toBe(2);
  });

  it('an evidence archive is explained as before; the ExecLayer options are refused for it', async () => {
    const archive = join(dir, 'clean.zip');
    const { files } = await makeCleanArchive({ cedar: nodeCedar, receipts: 40, seed: 'explain-execlayer' });
    await writeFile(archive, zipFiles(files));
    const list = await run(archive, '--list');
    expect(list.code).toBe(0);
    const id = (list.stdout.split('\n')[0] as string).split('\t')[1] as string;
    const explained = await run(archive, id, '--json');
    expect(explained.stderr).toBe('');
    expect(JSON.parse(explained.stdout).format).toBe('tickmark.explain.v1');
    const refused = await run(archive, '--line', '3');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--line applies to ExecLayer logs; .*clean\.zip is not one/);
  });
});
