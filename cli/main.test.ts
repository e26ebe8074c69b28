import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTickmark } from '../test/support/cli.ts';

const run = (...argv: string[]) => runTickmark(argv);

describe('tickmark command line: exit statuses of FORMAT.md §8', () => {
  it('no command is bad usage (2) and prints the usage', async () => {
    const r = await run();
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/usage: tickmark <command>/);
  });

  it('an unknown command or option is bad usage (2)', async () => {
    expect((await run('frobnicate')).code).toBe(2);
    const r = await run('verify', 'x.zip', '--nope');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option --nope/);
  });

  it('a malformed --trust-root is bad usage (2)', async () => {
    const r = await run('verify', 'x.zip', '--trust-root', 'abc');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/64-hex-digit/);
  });

  it('a path that does not exist is 2, naming the path', async () => {
    const r = await run('verify', '/no/such/archive.zip');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot open \/no\/such\/archive\.zip: no such file or directory/);
  });

  it('a file that is not an archive is the finding ARCHIVE_UNREADABLE, exit 1, in JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickmark-cli-'));
    const path = join(dir, 'notes.zip');
    writeFileSync(path, 'plain text, not a zip');
    const r = await run('verify', path, '--json');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.format).toBe('tickmark.evidence.v1');
    expect(out.findings.map((f: { code: string }) => f.code)).toEqual(['ARCHIVE_UNREADABLE']);
    expect(out.summary).toMatchObject({ receipts: 0, integrity_findings: 1, control_findings: 0, trusted: false });
  });

  it('an empty directory is verified with findings, not a crash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickmark-empty-'));
    const r = await run('verify', dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/MANIFEST_MISSING/);
    expect(r.stdout).toMatch(/NOT CHECKED Manifest lists every file/);
  });
});

describe('tickmark demo, verify and privacy on a written archive', () => {
  it('demo writes an archive whose root verify accepts, with the planted findings; privacy reports its subjects', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickmark-demo-'));
    const zip = join(dir, 'demo.zip');
    const made = await run('demo', zip, '--receipts', '400');
    expect(made.code).toBe(0);
    const root = /--trust-root ([0-9a-f]{64})/.exec(made.stdout)?.[1] as string;
    expect(root).toMatch(/^[0-9a-f]{64}$/);

    const human = await run('verify', zip, '--trust-root', root, '--workers', '1');
    expect(human.code).toBe(1); // the demo plants control failures
    expect(human.stdout).toMatch(/gw-eu-1\s+VERIFIED/);
    expect(human.stdout).toMatch(/DECISION_MISMATCH \(high, control\): 1\n\s+SOC 2 /);
    expect(human.stdout).not.toMatch(/NOT CHECKED/);

    const privacy = await run('privacy', zip, '--trust-root', root, '--json');
    expect(privacy.code).toBe(0);
    const report = JSON.parse(privacy.stdout);
    expect(report.evidence).toEqual({ trusted: true, integrity_findings: 0 });
    expect(JSON.stringify(report)).toMatch(/tracker\.example\.io/); // the planted unapproved recipient
  });

  it('demo --checkpoint-every 1: a checkpoint for every receipt; verify judges them alike with one worker or two', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickmark-demo-'));
    const zip = join(dir, 'demo.zip');
    const made = await run('demo', zip, '--receipts', '400', '--checkpoint-every', '1', '--clean');
    expect(made.code).toBe(0);
    const root = /--trust-root ([0-9a-f]{64})/.exec(made.stdout)?.[1] as string;
    // One worker: judged line by line. Two: judged in batches on libuv's threads while the
    // segments are checked (this archive is too small for the pool: in this thread).
    const reports: unknown[] = [];
    for (const workers of ['1', '2']) {
      const r = await run('verify', zip, '--trust-root', root, '--workers', workers, '--json');
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.findings).toStrictEqual([]);
      expect(
        out.ledgers.map((l: { receipts: number; sealed_seq: number; state: string }) => [
          l.receipts,
          l.sealed_seq,
          l.state,
        ]),
      ).toStrictEqual([
        [200, 200, 'verified'],
        [200, 200, 'verified'],
      ]);
      reports.push(out);
    }
    expect(reports[1]).toStrictEqual(reports[0]);
    for (const bad of ['0', '-1', 'x']) expect((await run('demo', zip, '--checkpoint-every', bad)).code).toBe(2);
  });

  it('--workers must be a whole number', async () => {
    const r = await run('verify', 'x.zip', '--workers', 'many');
    expect(r.code).toBe(2);
  });
});
