/**
 * Verifying the seed system's own receipt logs (docs/FORMAT-EXECLAYER.md): the Python
 * kernel's audit log and the v4 kernel's journal. What can be checked is checked, line by
 * line, with the existing codes where the meaning is the same; what cannot is listed as not
 * checked with why. Both kernels sign with a shared-secret HMAC: without the secret the
 * signatures are not checked, and even with it they are not independent evidence (whoever
 * holds the secret can forge); the checks and the summary say so.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { LineRead } from '../archive/lines.ts';
import { decodeUtf8Strict, toBase64, toHex, utf8 } from '../format/bytes.ts';
import { categoryOf, finding, sortFindings, type Finding, type FindingCode } from '../engine/findings.ts';
import type { CheckStatus, LedgerSummary, VerifyReport } from '../engine/types.ts';
import { jsCanonical, parseRaw, pythonCanonical, RawJsonError, RawNumber, type RawJson } from './canonical.ts';

export type ExeclayerKind = 'execlayer-py' | 'execlayer-v4';

export interface ExeclayerInput {
  readonly kind: ExeclayerKind;
  /** The name the user gave (file or folder), for the report. */
  readonly source: string;
  /** The log's path as findings name it (`execlayer_audit.log.jsonl`, `data/ledger.jsonl`). */
  readonly logPath: string;
  readonly lines: AsyncIterable<LineRead>;
  /** v4: the head file's path and text (null when it is missing). */
  readonly headPath?: string;
  readonly headText?: string | null;
  /** The gate's shared HMAC secret (bytes), or null when not given. */
  readonly hmacSecret: Uint8Array | null;
  /** v4: known issuer key ids, or null when none were given. */
  readonly issuers: readonly string[] | null;
  /**
   * How the report names the options in "not checked" reasons: the command line's flags by
   * default (`--hmac-secret-hex`, `--issuer`); the app names its fields.
   */
  readonly optionNames?: { readonly hmacSecret: string; readonly issuer: string };
  /** Each line as read, for hosts that store receipts (the app). */
  readonly onLine?: (line: { line: number; text: string; hash: string; id: string | null; ts: string | null }) => void;
}

export const HMAC_NOTE =
  'ExecLayer signatures are HMAC-SHA256 with a secret the gate shares: they are not independent evidence, since anyone who holds the secret can make a valid one.';

const hex = (bytes: Uint8Array) => toHex(bytes);
const sha256Hex = (text: string) => hex(sha256(utf8(text)));
const hmacBytes = (key: Uint8Array, text: string) => hmac(sha256, key, utf8(text));

type Obj = { [key: string]: RawJson };
const isObj = (v: RawJson | undefined): v is Obj =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof RawNumber);
const str = (v: RawJson | undefined): string | null => (typeof v === 'string' ? v : null);
const strip = (h: string | null) => (h === null ? '' : h.startsWith('sha256:') ? h.slice(7) : h);

/** Verifies one ExecLayer log. Never throws for bad evidence. */
export async function verifyExeclayer(input: ExeclayerInput): Promise<VerifyReport> {
  const findings: Finding[] = [];
  const checks: CheckStatus[] = [];
  const ledger = input.kind;
  const names = input.optionNames ?? { hmacSecret: '--hmac-secret-hex', issuer: '--issuer' };
  /** One finding per line and code: a second reason for the same code on a line is added to the first. */
  const byLine = new Map<string, number>();
  const report = (code: FindingCode, line: number, message: string, receipt?: string | null) => {
    const key = `${line}\n${code}`;
    const at = byLine.get(key);
    if (at !== undefined) {
      const f = findings[at] as Finding;
      findings[at] = { ...f, message: `${f.message} Also: ${message.replace(/^(Receipt|Entry) \S+: /, '')}` };
      return;
    }
    byLine.set(key, findings.length);
    findings.push(finding(code, message, { path: input.logPath, line, ledger, ...(receipt ? { receipt } : {}) }));
  };
  let count = 0;
  let first: string | null = null;
  let last: string | null = null;
  let previous: string | null | undefined; // the previous line's entry/receipt hash; undefined before line 1
  let hmacChecked = 0;
  const issuersSeen = new Set<string>();

  for await (const read of input.lines) {
    const lineNo = read.line;
    if (read.kind === 'too-long') {
      report(
        'RECORD_MALFORMED',
        lineNo,
        `Line is ${read.length} bytes long, over the limit for one record; it was skipped.`,
      );
      previous = null;
      continue;
    }
    const text = decodeUtf8Strict(read.bytes);
    if (text === null) {
      report('RECORD_MALFORMED', lineNo, 'Line is not valid UTF-8.');
      previous = null;
      continue;
    }
    if (text.trim() === '') continue;
    let value: RawJson;
    try {
      value = parseRaw(text);
    } catch (error) {
      report('RECORD_MALFORMED', lineNo, `Line is not JSON: ${(error as RawJsonError).message}.`);
      previous = null;
      continue;
    }
    if (!isObj(value)) {
      report('RECORD_MALFORMED', lineNo, 'Line is not a JSON object.');
      previous = null;
      continue;
    }
    count++;
    if (input.kind === 'execlayer-py') {
      const r = checkPyLine(value, lineNo, previous, input.hmacSecret, report);
      if (r.signed) hmacChecked++;
      previous = r.entryHash;
      input.onLine?.({ line: lineNo, text, hash: r.entryHash ?? '', id: r.id, ts: r.ts });
      first ??= r.ts;
      last = r.ts ?? last;
    } else {
      const r = checkV4Line(value, lineNo, previous, input.hmacSecret, input.issuers, report);
      if (r.signed) hmacChecked++;
      if (r.issuer) issuersSeen.add(r.issuer);
      previous = r.receiptHash;
      input.onLine?.({ line: lineNo, text, hash: r.receiptHash ?? '', id: r.receiptHash, ts: r.ts });
      first ??= r.ts;
      last = r.ts ?? last;
    }
  }

  // v4: the head file names the last receipt.
  if (input.kind === 'execlayer-v4') {
    const headPath = input.headPath ?? 'dag_head.json';
    let head: string | null = null;
    if (input.headText === null || input.headText === undefined)
      findings.push(
        finding('FILE_MISSING', `There is no ${headPath}, so nothing says which receipt the journal should end with.`, {
          path: headPath,
        }),
      );
    else {
      try {
        const h = JSON.parse(input.headText) as { head_hash?: unknown };
        head = typeof h.head_hash === 'string' ? h.head_hash : null;
      } catch {
        head = null;
      }
      if (head === null)
        findings.push(finding('RECORD_MALFORMED', `${headPath} does not hold a head_hash.`, { path: headPath }));
      else {
        const expected = previous ?? '0'.repeat(64);
        if (head !== expected)
          findings.push(
            finding(
              'CHAIN_TRUNCATED',
              `${headPath} names head ${head}, but the journal's last receipt hashes to ${expected}: receipts after it are missing, or the head was changed.`,
              { path: headPath, ledger },
            ),
          );
      }
    }
    checks.push({ check: `Journal ends at the receipt ${headPath} names (unsigned head file)`, status: 'ran' });
    checks.push(
      input.issuers === null
        ? { check: 'Issuer key ids known', status: 'not checked', reason: `no ${names.issuer} was given` }
        : { check: `Issuer key ids known (${input.issuers.join(', ')})`, status: 'ran' },
    );
  } else {
    checks.push({
      check: 'Log complete to its end',
      status: 'not checked',
      reason: 'the Python kernel writes no head or anchor: a cut tail cannot be detected from the file alone',
    });
  }
  checks.unshift(
    { check: 'Records parse, recorded hashes match their content', status: 'ran' },
    { check: 'Hash chain as stored', status: 'ran' },
    input.hmacSecret === null
      ? { check: 'HMAC signatures', status: 'not checked', reason: `no ${names.hmacSecret} was given. ${HMAC_NOTE}` }
      : { check: `HMAC signatures (${hmacChecked} checked). ${HMAC_NOTE}`, status: 'ran' },
  );
  checks.push(
    {
      check: 'Decision re-evaluation',
      status: 'not checked',
      reason:
        'ExecLayer receipts carry a rule trace, not a Cedar request and policy bundle: there is nothing to re-perform',
    },
    {
      check: 'Controls (denied but executed, tiers, approvals, recipients, determinism, latency)',
      status: 'not checked',
      reason:
        'these logs do not record whether a BLOCK/REFUSE was executed anyway, nor data tiers, recipients or human approvals in a checkable form',
    },
    { check: 'Trust anchors', status: 'not checked', reason: 'the logs carry no public-key signatures to anchor' },
  );

  const sorted = sortFindings(findings);
  const integrity = sorted.filter((f) => categoryOf(f.code) === 'integrity').length;
  const tampered = sorted.some((f) =>
    ['CHAIN_BROKEN', 'RECORD_HASH_MISMATCH', 'SIGNATURE_INVALID', 'RECORD_MALFORMED', 'CHAIN_TRUNCATED'].includes(
      f.code,
    ),
  );
  const summary: LedgerSummary = {
    ledger,
    receipts: count,
    segments: [input.logPath],
    firstSeq: count > 0 ? 1 : null,
    lastSeq: count > 0 ? count : null,
    sealedSeq: null,
    checkpoints: 0,
    state: tampered ? 'tampered' : 'unsealed',
    stateReason: tampered
      ? tamperedReason(sorted)
      : input.kind === 'execlayer-v4'
        ? 'The chain is intact and ends where the head file says, but nothing signed seals it: HMAC is not independent evidence.'
        : 'The chain is intact, but the log has no head or anchor and its signatures are HMAC: not proven complete or authentic.',
    claimed: first && last ? { from: first, to: last } : null,
    proven: null,
  };
  void issuersSeen;
  return {
    format: input.kind,
    source: input.source,
    archive: null,
    findings: sorted,
    ledgers: [summary],
    bundles: [],
    checks,
    summary: {
      receipts: count,
      ledgers: 1,
      bundles: 0,
      integrity_findings: integrity,
      control_findings: sorted.length - integrity,
      trusted: false,
      note: HMAC_NOTE,
    },
  };
}

function checkPyLine(
  value: Obj,
  line: number,
  previous: string | null | undefined,
  secret: Uint8Array | null,
  report: (code: FindingCode, line: number, message: string, receipt?: string | null) => void,
): { entryHash: string | null; id: string | null; ts: string | null; signed: boolean } {
  const payload = value.payload;
  const payloadHash = str(value.payload_hash);
  const entryHash = str(value.entry_hash);
  const prev = value.prev_entry_hash === null ? null : str(value.prev_entry_hash);
  const receipt = isObj(payload) && isObj(payload.receipt) ? payload.receipt : null;
  const id = receipt ? str(receipt.receipt_id) : null;
  const ts = receipt ? str(receipt.timestamp_utc) : null;
  const name = id ? `Receipt ${id}` : `Entry ${entryHash ?? `on line ${line}`}`;
  if (
    !isObj(payload) ||
    payloadHash === null ||
    entryHash === null ||
    (value.prev_entry_hash !== null && prev === null)
  ) {
    report('RECORD_MALFORMED', line, 'Entry is not {payload, payload_hash, entry_hash, prev_entry_hash}.', id);
    return { entryHash, id, ts, signed: false };
  }
  // The wrapper's hash of the payload, and the entry hash over the previous one.
  const actualPayload = `sha256:${sha256Hex(pythonCanonical(payload))}`;
  if (actualPayload !== payloadHash)
    report(
      'RECORD_HASH_MISMATCH',
      line,
      `${name}: payload_hash is ${payloadHash}, but the payload hashes to ${actualPayload}: the entry was changed after it was written.`,
      id,
    );
  if (previous !== undefined) {
    if (prev === null)
      report(
        'CHAIN_BROKEN',
        line,
        `${name}: the chain restarts here (prev_entry_hash is null), as the Python kernel does when its process restarts; nothing links the entries before this line to those after it.`,
        id,
      );
    else if (prev !== previous)
      report(
        'CHAIN_BROKEN',
        line,
        `${name}: prev_entry_hash is ${prev}, but the entry stored before it has entry_hash ${previous ?? '(unreadable)'}.`,
        id,
      );
  } else if (prev !== null) {
    report(
      'CHAIN_BROKEN',
      line,
      `${name}: the first entry's prev_entry_hash must be null, found ${prev}: entries before it are missing.`,
      id,
    );
  }
  const expectedEntry = `sha256:${sha256Hex(`${strip(prev)}:${strip(payloadHash)}`)}`;
  if (expectedEntry !== entryHash)
    report(
      'CHAIN_BROKEN',
      line,
      `${name}: entry_hash is ${entryHash}, but sha256(prev:payload_hash) is ${expectedEntry}: the entry's chain fields were changed.`,
      id,
    );
  let signed = false;
  if (receipt) {
    const crypto = isObj(receipt.crypto) ? receipt.crypto : null;
    const { crypto: _c, ...body } = receipt;
    const canonical = pythonCanonical(body);
    const recorded = crypto ? str(crypto.payload_hash) : null;
    const actual = `sha256:${sha256Hex(canonical)}`;
    if (recorded !== actual)
      report(
        'RECORD_HASH_MISMATCH',
        line,
        `${name}: crypto.payload_hash is ${recorded ?? '(none)'}, but the receipt hashes to ${actual}: it was changed after it was signed.`,
        id,
      );
    if (secret) {
      signed = true;
      const expected = toBase64(hmacBytes(secret, canonical));
      const sig = crypto ? str(crypto.signature_b64) : null;
      if (sig !== expected)
        report(
          'SIGNATURE_INVALID',
          line,
          `${name}: its HMAC-SHA256 does not match the receipt under the secret given (changed after signing, or signed with another secret).`,
          id,
        );
    }
  }
  return { entryHash, id, ts, signed };
}

function checkV4Line(
  value: Obj,
  line: number,
  previous: string | null | undefined,
  secret: Uint8Array | null,
  issuers: readonly string[] | null,
  report: (code: FindingCode, line: number, message: string, receipt?: string | null) => void,
): { receiptHash: string | null; ts: string | null; signed: boolean; issuer: string | null } {
  // The v4 journal is written by JavaScript: plain JSON is its canonical input.
  let plain: Record<string, unknown>;
  try {
    plain = JSON.parse(JSON.stringify(toPlain(value))) as Record<string, unknown>;
  } catch {
    report('RECORD_MALFORMED', line, 'Receipt cannot be read.');
    return { receiptHash: null, ts: null, signed: false, issuer: null };
  }
  const receiptHash = typeof plain.receipt_hash === 'string' ? plain.receipt_hash : null;
  const parent = typeof plain.parent_receipt_hash === 'string' ? plain.parent_receipt_hash : null;
  const next = plain.next_parent_receipt_hash;
  const issuer = typeof plain.issuer_key_id === 'string' ? plain.issuer_key_id : null;
  const ts =
    typeof plain.timestamp === 'string'
      ? plain.timestamp
      : typeof plain.created_at === 'string'
        ? plain.created_at
        : null;
  const name = `Receipt ${receiptHash ?? `on line ${line}`}`;
  if (receiptHash === null || parent === null) {
    report('RECORD_MALFORMED', line, 'Receipt has no receipt_hash or parent_receipt_hash.');
    return { receiptHash, ts, signed: false, issuer };
  }
  const { receipt_hash: _h, receipt_signature: _s, next_parent_receipt_hash: _n, ...body } = plain;
  const actual = sha256Hex(jsCanonical(body));
  if (actual !== receiptHash)
    report(
      'RECORD_HASH_MISMATCH',
      line,
      `${name}: the receipt hashes to ${actual}, not to its recorded receipt_hash: it was changed after it was written.`,
      receiptHash,
    );
  else if (next !== undefined && next !== receiptHash)
    report(
      'RECORD_HASH_MISMATCH',
      line,
      `${name}: next_parent_receipt_hash is ${String(next)}, not its own receipt_hash.`,
      receiptHash,
    );
  const expectedParent = previous === undefined ? '0'.repeat(64) : previous;
  if (parent !== expectedParent)
    report(
      'CHAIN_BROKEN',
      line,
      previous === undefined
        ? `${name}: the first receipt's parent_receipt_hash must be 64 zeros, found ${parent}: receipts before it are missing.`
        : `${name}: parent_receipt_hash is ${parent}, but the receipt stored before it hashes to ${previous ?? '(unreadable)'}.`,
      receiptHash,
    );
  let signed = false;
  if (secret) {
    signed = true;
    const intentHash = typeof plain.intent_hash === 'string' ? plain.intent_hash : '';
    const expected = hex(hmacBytes(secret, `1.0${receiptHash}${parent}${intentHash}`));
    if (plain.receipt_signature !== expected)
      report(
        'SIGNATURE_INVALID',
        line,
        `${name}: receipt_signature is not the HMAC-SHA256 of its hashes under the secret given.`,
        receiptHash,
      );
  }
  if (issuers !== null && (issuer === null || !issuers.includes(issuer)))
    report(
      'KEY_UNKNOWN',
      line,
      `${name}: issuer_key_id ${JSON.stringify(issuer)} is not one of the issuers given (${issuers.join(', ')}).`,
      receiptHash,
    );
  return { receiptHash, ts, signed, issuer };
}

/** A raw-parsed value as plain JSON (numbers as JavaScript reads them: the v4 kernel's own view). */
function toPlain(value: RawJson): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof RawNumber) return Number(value.text);
  if (Array.isArray(value)) return value.map(toPlain);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = toPlain(v);
  return out;
}

/** Why the log is tampered, from its findings: a cut tail is not a change, and says so. */
function tamperedReason(findings: readonly { code: string }[]): string {
  const codes = new Set(findings.map((f) => f.code));
  const changed = ['CHAIN_BROKEN', 'RECORD_HASH_MISMATCH', 'SIGNATURE_INVALID', 'RECORD_MALFORMED'].some((c) =>
    codes.has(c),
  );
  if (codes.has('CHAIN_TRUNCATED') && !changed)
    return 'The log ends before the receipt its head file names: receipts were cut from its end.';
  if (codes.has('CHAIN_TRUNCATED'))
    return 'A record or the chain was changed after it was written, and the log ends before the receipt its head file names.';
  return 'A record or the chain was changed after it was written.';
}
