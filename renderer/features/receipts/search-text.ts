/**
 * What the search box found, in words: every way the text matched, or that nothing did,
 * and what this import cannot search. Pure (tested on its own).
 */
import { formatCount } from '../../components/format.ts';
import type { IndexedColumn, SearchResult } from '../../workers/receipt-table.ts';

const receipts = (n: number) => `${formatCount(n)} receipt${n === 1 ? '' : 's'}`;

const KIND_NAME: Partial<Record<IndexedColumn, string>> = {
  receiptId: 'receipt ids',
  transaction: 'transactions',
  hash: 'hashes',
};

/** One sentence per way the search matched (empty when nothing did). */
export function searchParts(result: SearchResult): string[] {
  return result.parts.map((part) => {
    switch (part.kind) {
      case 'receipt':
        return `receipt ${part.id}`;
      case 'receipt-prefix':
        return `${receipts(part.rows)} whose id starts with ${part.prefix}`;
      case 'transaction':
        return `${receipts(part.rows)} of transaction ${part.id}`;
      case 'hash':
        return `${receipts(part.rows)} whose hash starts with ${part.prefix}`;
    }
  });
}

/** The whole answer: what matched, or that nothing did; then what could not be searched. */
export function describeSearch(result: SearchResult): string {
  const notIndexed = result.unavailable.map((c) => KIND_NAME[c]).filter((n) => n !== undefined);
  if (notIndexed.length === 3)
    return `Search is not available: receipt ids, transactions and hashes are not indexed in this import: import the archive again.`;
  const found = searchParts(result);
  const sentences: string[] = [];
  if (found.length > 0) sentences.push(`Found ${found.join('; ')}.`);
  else
    sentences.push(
      result.hashesCovered && !notIndexed.includes('hashes')
        ? `No receipt, transaction or hash starts with ${result.text}.`
        : `No receipt or transaction starts with ${result.text}.`,
    );
  if (result.problem) sentences.push(result.problem);
  if (notIndexed.length > 0)
    sentences.push(`Not searched: ${notIndexed.join(', ')} (not indexed in this import: import the archive again).`);
  return sentences.join(' ');
}
