/**
 * The import screen's options for an ExecLayer log, read as the command line reads
 * `--hmac-secret-hex` and `--issuer`. Pure. A message about the secret never repeats it.
 */

export type SecretField =
  { readonly ok: true; readonly hex: string | null } | { readonly ok: false; readonly reason: string };

/**
 * The HMAC secret as typed: its bytes in hex (spaces and line breaks ignored, any case), or
 * empty for none. Returns lowercase hex, or null when empty.
 */
export function parseHmacSecret(text: string): SecretField {
  const hex = text.replace(/\s+/g, '');
  if (hex === '') return { ok: true, hex: null };
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(hex))
    return {
      ok: false,
      reason:
        'The HMAC secret must be given in hex: an even number of the digits 0–9 and a–f, two for each byte of the secret (as --hmac-secret-hex takes it).',
    };
  return { ok: true, hex: hex.toLowerCase() };
}

/** Allowed issuers as typed: comma-separated key ids, trimmed, each once; null when there is none. */
export function parseIssuers(text: string): string[] | null {
  const ids = [...new Set(text.split(',').map((s) => s.trim()))].filter((s) => s !== '');
  return ids.length === 0 ? null : ids;
}
