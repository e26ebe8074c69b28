/**
 * Replaying recorded requests line by line (policy-diff's decision impact): the same code on
 * the command line's thread and in its worker threads, so where a line is replayed never
 * changes what it counts as.
 */
import type { LineRead } from '../archive/lines.ts';
import { decodeUtf8Strict } from '../format/bytes.ts';
import { MAX_JSON_DEPTH } from '../format/canonical.ts';
import { scanCanonical } from '../format/canonical-scan.ts';
import type { Receipt } from '../format/schema.ts';
import type { ImpactCollector, ReplayedRequest } from './impact.ts';

/**
 * The request of a line's text, or null when it is not a receipt's JSON with an id, a
 * ledger, a seq, a request and entities. Replay reads what was recorded; whether the line
 * is sound is `tickmark verify`'s question.
 */
export function requestOfText(text: string): ReplayedRequest | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return requestOfValue(value);
}

/** {@link requestOfText} of a line already parsed. */
function requestOfValue(parsed: unknown): ReplayedRequest | null {
  if (parsed === null || typeof parsed !== 'object') return null;
  const value = parsed as Partial<Receipt>;
  const r = value.request;
  if (
    typeof value.id !== 'string' ||
    typeof value.ledger !== 'string' ||
    typeof value.seq !== 'number' ||
    !r ||
    typeof r !== 'object' ||
    !Array.isArray(value.entities)
  )
    return null;
  return { id: value.id, ledger: value.ledger, seq: value.seq, request: r, entities: value.entities };
}

/** The top-level members replay reads. */
const MEMBERS = ['entities', 'id', 'ledger', 'request', 'seq'];
/** The same, and the decision (for the bundle it names). */
const MEMBERS_AND_DECISION = ['decision', ...MEMBERS];

/** One line's text as replay reads it ({@link readForReplay}). */
export interface LineForReplay {
  /** The bundle hash the line's `decision.bundle` names; null when it names none (or was not asked for). */
  readonly bundle: string | null;
  /** The receipt's ledger and seq; null when the line is not a request replay reads ({@link requestOfText}). */
  readonly receipt: { readonly ledger: string; readonly seq: number } | null;
  /** Replays the request under both versions of `collector` (nothing when `receipt` is null). */
  replay(collector: ImpactCollector): void;
}

const NOT_A_REQUEST: LineForReplay = { bundle: null, receipt: null, replay: () => undefined };

/**
 * Reads a line's text for replay. A line that is its own canonical form (as a gate writes every
 * receipt) is read by one scan: its request is known by the text of its `request` and `entities`
 * members (replayed by `addCanonical`, which parses them only when Cedar must run), and the shape
 * {@link requestOfText} asks for is read off the first character of each member's canonical text
 * (a string starts with `"`, a number with a digit, an object or array with `{` or `[`; the scan
 * takes no number but a plain integer). Any other line is parsed whole. Both ways read a line
 * alike (replay.test.ts).
 * @param withBundle read `decision.bundle` too (the workbench counts receipts per bundle as it replays)
 */
export function readForReplay(text: string, withBundle = false): LineForReplay {
  const scan = scanCanonical(text, MAX_JSON_DEPTH, withBundle ? MEMBERS_AND_DECISION : MEMBERS);
  if (scan) {
    const span = (name: string) => scan.members.get(name);
    const at = (name: string) => {
      const where = span(name);
      return where ? text.charCodeAt(where[0]) : -1;
    };
    let bundle: string | null = null;
    const decision = span('decision');
    if (decision && text.charCodeAt(decision[0]) === 0x7b) {
      const named = (JSON.parse(text.slice(decision[0], decision[1])) as { bundle?: unknown }).bundle;
      if (typeof named === 'string') bundle = named;
    }
    const request = span('request');
    const entities = span('entities');
    const ledger = span('ledger');
    const seq = span('seq');
    const seqAt = at('seq');
    const shaped =
      at('id') === 0x22 &&
      at('ledger') === 0x22 &&
      seqAt >= 0x30 &&
      seqAt <= 0x39 &&
      (at('request') === 0x7b || at('request') === 0x5b) &&
      at('entities') === 0x5b;
    if (!shaped || !request || !entities || !ledger || !seq)
      return bundle === null ? NOT_A_REQUEST : { ...NOT_A_REQUEST, bundle };
    return {
      bundle,
      receipt: {
        ledger: JSON.parse(text.slice(ledger[0], ledger[1])) as string,
        seq: Number(text.slice(seq[0], seq[1])),
      },
      replay: (collector) =>
        collector.addCanonical(
          text.slice(request[0], request[1]),
          text.slice(entities[0], entities[1]),
          () => requestOfText(text) as ReplayedRequest,
        ),
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return NOT_A_REQUEST;
  }
  const named = withBundle ? (value as { decision?: { bundle?: unknown } } | null)?.decision?.bundle : undefined;
  const bundle = typeof named === 'string' ? named : null;
  const receipt = requestOfValue(value);
  if (!receipt) return bundle === null ? NOT_A_REQUEST : { ...NOT_A_REQUEST, bundle };
  return { bundle, receipt, replay: (collector) => collector.add(receipt) };
}

/**
 * Replays every line under both versions; returns how many lines were not requests (not
 * UTF-8, too long, not JSON, another shape). Each line is read by {@link readForReplay}.
 */
export async function replayLines(lines: AsyncIterable<LineRead>, collector: ImpactCollector): Promise<number> {
  let notRead = 0;
  for await (const read of lines) {
    const text = read.kind === 'too-long' ? null : decodeUtf8Strict(read.bytes);
    const line = text === null ? NOT_A_REQUEST : readForReplay(text);
    if (line.receipt) line.replay(collector);
    else notRead++;
  }
  return notRead;
}
