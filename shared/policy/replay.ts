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
  let value: Partial<Receipt> | null;
  try {
    value = JSON.parse(text) as Partial<Receipt> | null;
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object') return null;
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

/**
 * Replays every line under both versions; returns how many lines were not requests (not
 * UTF-8, too long, not JSON, another shape).
 *
 * A line that is its own canonical form (as a gate writes every receipt) is read by one scan:
 * its request is known by the text of its `request` and `entities` members, and the shape
 * {@link requestOfText} asks for is read off the first character of each member's canonical
 * text (a string starts with `"`, a number with a digit, an object or array with `{` or `[`).
 * Any other line is parsed whole. Both ways count a line alike.
 */
export async function replayLines(lines: AsyncIterable<LineRead>, collector: ImpactCollector): Promise<number> {
  let notRead = 0;
  for await (const read of lines) {
    const text = read.kind === 'too-long' ? null : decodeUtf8Strict(read.bytes);
    if (text === null) {
      notRead++;
      continue;
    }
    const scan = scanCanonical(text, MAX_JSON_DEPTH, MEMBERS);
    if (scan) {
      const at = (name: string) => {
        const span = scan.members.get(name);
        return span ? text.charCodeAt(span[0]) : -1;
      };
      const request = scan.members.get('request');
      const entities = scan.members.get('entities');
      const seq = at('seq');
      const shaped =
        at('id') === 0x22 &&
        at('ledger') === 0x22 &&
        seq >= 0x30 &&
        seq <= 0x39 &&
        (at('request') === 0x7b || at('request') === 0x5b) &&
        at('entities') === 0x5b;
      if (shaped && request && entities)
        collector.addCanonical(
          text.slice(request[0], request[1]),
          text.slice(entities[0], entities[1]),
          () => requestOfText(text) as ReplayedRequest,
        );
      else notRead++;
      continue;
    }
    const request = requestOfText(text);
    if (request) collector.add(request);
    else notRead++;
  }
  return notRead;
}
