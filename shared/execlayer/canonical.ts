/**
 * The two canonical JSON forms ExecLayer kernels hash and sign (docs/FORMAT-EXECLAYER.md).
 *
 * - Python kernel: `json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`.
 *   Python writes a float as its repr (`1.0`, `8.1`) and an int without a point, a
 *   distinction JavaScript numbers lose, so the line is parsed here keeping each number's
 *   text as written (the log itself was written by `json.dumps`, whose number text is that
 *   same repr). Keys sort by code point; strings escape as JSON.stringify does.
 * - v4 kernel: keys sorted (code units) and `JSON.stringify` for everything else.
 */

/** A JSON number kept as the text it was written with. */
export class RawNumber {
  constructor(readonly text: string) {}
}

export type RawJson = null | boolean | string | RawNumber | RawJson[] | { [key: string]: RawJson };

export class RawJsonError extends Error {}

const MAX_DEPTH = 64;

/** Parses JSON text keeping number literals as written. @throws RawJsonError naming the position. */
export function parseRaw(text: string): RawJson {
  let i = 0;
  const fail = (what: string): never => {
    throw new RawJsonError(`${what} at character ${i + 1}`);
  };
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const value = (depth: number): RawJson => {
    if (depth > MAX_DEPTH) fail(`nested more than ${MAX_DEPTH} deep`);
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const out: { [key: string]: RawJson } = Object.create(null) as { [key: string]: RawJson };
      ws();
      if (text[i] === '}') {
        i++;
        return out;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a member name');
        const key = string();
        ws();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        if (Object.hasOwn(out, key)) fail(`member ${JSON.stringify(key)} appears twice`);
        out[key] = value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return out;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const out: RawJson[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return out;
      }
      for (;;) {
        out.push(value(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return out;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return string();
    if (text.startsWith('true', i)) return ((i += 4), true);
    if (text.startsWith('false', i)) return ((i += 5), false);
    if (text.startsWith('null', i)) return ((i += 4), null);
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) return fail('expected a JSON value');
    i += m[0].length;
    return new RawNumber(m[0]);
  };
  const string = (): string => {
    const start = i;
    i++;
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === '\\') i++;
      else if (c === '"') break;
    }
    if (i >= text.length) fail('unterminated string');
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return fail('bad string escape');
    }
  };
  const result = value(0);
  ws();
  if (i !== text.length) fail('text after the JSON value');
  return result;
}

const byCodePoint = (a: string, b: string): number => {
  const x = [...a];
  const y = [...b];
  for (let k = 0; k < Math.min(x.length, y.length); k++) {
    const d = (x[k] as string).codePointAt(0)! - (y[k] as string).codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
};

/** Python's `json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)` of a raw-parsed value. */
export function pythonCanonical(value: RawJson): string {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof RawNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map(pythonCanonical).join(',')}]`;
  const keys = Object.keys(value).sort(byCodePoint);
  return `{${keys.map((k) => `${JSON.stringify(k)}:${pythonCanonical(value[k] as RawJson)}`).join(',')}}`;
}

/** The v4 kernel's canonical form: keys sorted, JSON.stringify otherwise. */
export function jsCanonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(jsCanonical).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${jsCanonical(record[k])}`).join(',')}}`;
}
