import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeUtf8Strict, fromHex, utf8 } from '../format/bytes.ts';
import { parseCanonical, signedText } from '../format/canonical.ts';
import { nobleStrictVerifier } from '../format/ed25519.ts';
import { ReceiptSchema, CheckpointSchema, validate } from '../format/schema.ts';
import { keyFromSeed } from './keys.ts';
import { LedgerWriter } from './ledger.ts';
import type { ReceiptDraft } from './receipt.ts';

const gate = keyFromSeed('ledger-test/gate');
const H = (text: string) => 'sha256:' + createHash('sha256').update(text, 'utf8').digest('hex');
const hash64 = (n: number) => 'sha256:' + String(n).padStart(64, '0');

function draft(n: number, extra: Record<string, unknown> = {}): ReceiptDraft {
  return {
    id: `rc_${n.toString(16).padStart(16, '0')}`,
    ts: new Date(Date.UTC(2026, 3, 1) + n * 1000).toISOString(),
    agent: { id: 'crm-01', role: 'data_processor', tier: 2 },
    txn: { id: `tx_${n}`, step: 1, end: 'commit' },
    request: {
      principal: { type: 'Agent', id: 'crm-01' },
      action: { type: 'Action', id: 'db.read' },
      resource: { type: 'Table', id: 'customers' },
      context: {},
    },
    entities: [],
    data: { tier: 2, personal: ['email'], subjects: [hash64(n)], recipient: null },
    io: { input: hash64(1), reasoning: hash64(2), output: hash64(3) },
    decision: { bundle: hash64(9), effect: 'allow', policies: ['tier-read'] },
    exec: { status: 'ok', latency_ms: 120 },
    ...extra,
  };
}

const linesOf = (bytes: Uint8Array) => {
  const text = decodeUtf8Strict(bytes)!;
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n');
};

describe('LedgerWriter', () => {
  it('numbers receipts from 1 and links each to the hash of the previous line', () => {
    const writer = new LedgerWriter('gw-eu-1', gate, { receiptsPerSegment: 4 });
    const appended = Array.from({ length: 10 }, (_, i) => writer.append(draft(i + 1)));
    const { segments } = writer.finish();
    expect(segments.map((s) => s.path)).toEqual([
      'ledgers/gw-eu-1/000001.jsonl',
      'ledgers/gw-eu-1/000002.jsonl',
      'ledgers/gw-eu-1/000003.jsonl',
    ]);
    const lines = segments.flatMap((s) => linesOf(s.bytes));
    expect(lines).toHaveLength(10);
    let prev = 'sha256:' + '0'.repeat(64);
    lines.forEach((line, i) => {
      const parsed = parseCanonical(line);
      expect(parsed.ok).toBe(true);
      const receipt = JSON.parse(line);
      expect(validate(ReceiptSchema, receipt).ok).toBe(true);
      expect(receipt).toMatchObject({ v: 1, ledger: 'gw-eu-1', seq: i + 1, prev, kid: gate.kid });
      expect(nobleStrictVerifier.verify(fromHex(receipt.sig), utf8(signedText(receipt)), fromHex(gate.publicKey))).toBe(
        true,
      );
      expect(appended[i]!.hash).toBe(H(line));
      expect(appended[i]!.line).toBe(line);
      prev = H(line);
    });
  });

  it('hands out full segments as soon as they close, each once', () => {
    const writer = new LedgerWriter('gw', gate, { receiptsPerSegment: 3 });
    for (let i = 1; i <= 7; i++) writer.append(draft(i));
    expect(writer.takeSegments().map((s) => s.path)).toEqual(['ledgers/gw/000001.jsonl', 'ledgers/gw/000002.jsonl']);
    expect(writer.takeSegments()).toEqual([]);
    expect(writer.finish().segments.map((s) => s.path)).toEqual(['ledgers/gw/000003.jsonl']);
  });

  it('signs checkpoints naming the current head', () => {
    const writer = new LedgerWriter('gw', gate);
    writer.append(draft(1));
    const second = writer.append(draft(2));
    const cp = writer.checkpoint('2026-04-02T00:00:00.000Z');
    const { checkpoints } = writer.finish();
    const [line] = linesOf(checkpoints!.bytes);
    expect(line).toBe(cp.line);
    const value = JSON.parse(line!);
    expect(validate(CheckpointSchema, value).ok).toBe(true);
    expect(value).toMatchObject({ ledger: 'gw', seq: 2, head: second.hash, kid: gate.kid });
    expect(nobleStrictVerifier.verify(fromHex(value.sig), utf8(signedText(value)), fromHex(gate.publicKey))).toBe(true);
  });

  it('keeps extension members in canonical order around sig', () => {
    const writer = new LedgerWriter('gw', gate);
    // "sh" < "si" < "sig" < "sig!" < "sih": keys that sort right next to sig, and one whose
    // piece would sort differently from its key ("s!" vs "s").
    const { line } = writer.append(draft(1, { sh: 1, si: 2, 'sig!': 3, sih: 4, 's!': 5, s: 6 }));
    expect(parseCanonical(line).ok).toBe(true);
  });

  it('refuses what a verifier would reject', () => {
    const writer = new LedgerWriter('gw', gate);
    expect(() => writer.checkpoint('2026-04-01T00:00:00.000Z')).toThrow(/no receipt/);
    writer.append(draft(5));
    expect(() => writer.append(draft(4))).toThrow(/earlier/);
    expect(() => writer.append({ ...draft(6), seq: 9 })).toThrow(/seq/);
    expect(() => writer.append(draft(6, { exec: { status: 'done', latency_ms: 1 } }))).toThrow(/exec.status/);
    expect(() => writer.checkpoint('2026-03-01T00:00:00.000Z')).toThrow(/earlier/);
    writer.checkpoint('2026-05-01T00:00:00.000Z');
    expect(() => writer.checkpoint('2026-05-01T00:00:01.000Z')).toThrow(/already/);
    writer.finish();
    expect(() => writer.append(draft(7))).toThrow(/finish/);
    expect(() => new LedgerWriter('../x', gate)).toThrow(/ledger/);
  });
});
