/** A small argument parser: `--name value`, repeated `--name value`, `--flag`, positionals. */
import { HEX64 } from '../shared/format/hash.ts';

export interface CommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Bad usage: the command could not run (exit 2). */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface ParsedArgs {
  readonly positional: string[];
  readonly single: Record<string, string>;
  readonly multi: Record<string, string[]>;
  readonly flags: Record<string, boolean>;
}

export function parseArgs(
  argv: readonly string[],
  spec: { single?: string[]; multi?: string[]; flags?: string[]; usage: string },
): ParsedArgs {
  const out: ParsedArgs = { positional: [], single: {}, multi: {}, flags: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--') || arg === '--') {
      out.positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (spec.flags?.includes(name)) {
      out.flags[name] = true;
      continue;
    }
    const takesValue = spec.single?.includes(name) || spec.multi?.includes(name);
    if (!takesValue) throw new UsageError(`unknown option --${name}\n${spec.usage}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value\n${spec.usage}`);
    if (spec.multi?.includes(name)) (out.multi[name] ??= []).push(value);
    else out.single[name] = value;
  }
  return out;
}

/**
 * The `--trust-root` values of a command: Ed25519 public keys, 64 hex digits in any case,
 * returned in lowercase.
 * @throws UsageError naming the first value that is not 64 hex digits.
 */
export function parseTrustRoots(values: readonly string[] = []): string[] {
  const roots = values.map((value) => value.toLowerCase());
  roots.forEach((root, i) => {
    if (!HEX64.test(root))
      throw new UsageError(`--trust-root must be a 64-hex-digit Ed25519 public key, got "${values[i]}"`);
  });
  return roots;
}
