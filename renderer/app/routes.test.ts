import { describe, expect, it } from 'vitest';
import { filterOf, formatRoute, parseRoute, type Route } from './routes.ts';

describe('routes', () => {
  it.each<[string, Route]>([
    ['start', { name: 'start' }],
    ['trust', { name: 'trust' }],
    ['import', { name: 'import' }],
    ['dashboard', { name: 'dashboard', archiveId: 'a b/c' }],
    ['receipts, no filter', { name: 'receipts', archiveId: 'x', query: {} }],
    [
      'receipts, every filter and a row',
      {
        name: 'receipts',
        archiveId: 'x',
        query: {
          ledger: 'gw-eu-1',
          agent: 'crm-01',
          action: 'db.read',
          effect: 'deny',
          status: 'blocked',
          code: 'CHAIN_BROKEN',
          severity: 'critical',
          category: 'integrity',
          criterion: 'CC7.2',
          withFindings: true,
        },
        row: 12,
      },
    ],
  ])('%s survives format then parse', (_name, route) => {
    expect(parseRoute(formatRoute(route))).toEqual(route);
  });

  it('drops values outside an enumeration and a bad row instead of trusting the address', () => {
    expect(parseRoute('#/archive/x/receipts?effect=maybe&severity=low&row=-3')).toEqual({
      name: 'receipts',
      archiveId: 'x',
      query: {},
    });
  });

  it('anything unknown is the start screen', () => {
    expect(parseRoute('#/nowhere')).toEqual({ name: 'start' });
    expect(parseRoute('')).toEqual({ name: 'start' });
  });

  it('a criterion filters by the codes that bear on it; a code wins over a criterion', () => {
    const codes = (id: string) => (id === 'CC7.2' ? ['CHAIN_BROKEN', 'CHAIN_GAP'] : []);
    expect(filterOf({ criterion: 'CC7.2' }, codes)).toEqual({ codes: ['CHAIN_BROKEN', 'CHAIN_GAP'] });
    expect(filterOf({ criterion: 'CC7.2', code: 'SLO_BREACH' }, codes)).toEqual({ codes: ['SLO_BREACH'] });
    expect(filterOf({ ledger: 'a', withFindings: true }, codes)).toEqual({ ledger: 'a', withFindings: true });
  });
});
