import { describe, expect, it } from 'vitest';
import type { SearchResult } from '../../workers/receipt-table.ts';
import { describeSearch } from './search-text.ts';

const result = (over: Partial<SearchResult>): SearchResult => ({
  text: 'tx_1',
  rows: new Uint32Array(0),
  parts: [],
  unavailable: [],
  hashesCovered: true,
  ...over,
});

describe('describeSearch', () => {
  it.each<[string, Partial<SearchResult>, string]>([
    ['one receipt', { parts: [{ kind: 'receipt', id: 'rc_9', row: 3 }] }, 'Found receipt rc_9.'],
    [
      'a transaction',
      { parts: [{ kind: 'transaction', id: 'tx_1', rows: 3 }] },
      'Found 3 receipts of transaction tx_1.',
    ],
    [
      'an id and a transaction',
      {
        parts: [
          { kind: 'receipt', id: 'tx_1', row: 0 },
          { kind: 'transaction', id: 'tx_1', rows: 1 },
        ],
      },
      'Found receipt tx_1; 1 receipt of transaction tx_1.',
    ],
    [
      'an id prefix and a hash prefix',
      {
        text: 'abcdef',
        parts: [
          { kind: 'receipt-prefix', prefix: 'abcdef', rows: 1200 },
          { kind: 'hash', prefix: 'sha256:abcdef', rows: 1 },
        ],
      },
      'Found 1,200 receipts whose id starts with abcdef; 1 receipt whose hash starts with sha256:abcdef.',
    ],
    ['nothing', { text: 'zz' }, 'No receipt, transaction or hash starts with zz.'],
    [
      'a short hash: hashes not searched, so not claimed',
      {
        text: 'sha256:ab',
        hashesCovered: false,
        problem: 'Hashes were not searched: a hash prefix needs at least 6 hex digits.',
      },
      'No receipt or transaction starts with sha256:ab. Hashes were not searched: a hash prefix needs at least 6 hex digits.',
    ],
    [
      'an older import',
      { unavailable: ['receiptId', 'transaction', 'hash'] },
      'Search is not available: receipt ids, transactions and hashes are not indexed in this import: import the archive again.',
    ],
  ])('%s', (_name, over, sentence) => {
    expect(describeSearch(result(over))).toBe(sentence);
  });
});
