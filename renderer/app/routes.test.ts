import { describe, expect, it } from 'vitest';
import { filterOf, formatRoute, parseQueryString, parseRoute, queryString, timeBound, type Route } from './routes.ts';

describe('routes', () => {
  it.each<[string, Route]>([
    ['start', { name: 'start' }],
    ['trust', { name: 'trust' }],
    ['import', { name: 'import' }],
    ['dashboard', { name: 'dashboard', archiveId: 'a b/c' }],
    ['privacy', { name: 'privacy', archiveId: 'a b/c' }],
    ['privacy, filtered', { name: 'privacy', archiveId: 'x', text: 'sha256:ab & c=d?#/' }],
    ['controls', { name: 'controls', archiveId: 'a b/c' }],
    ['metrics', { name: 'metrics', archiveId: 'a b/c' }],
    ['receipts, no filter', { name: 'receipts', archiveId: 'x', query: {} }],
    ['one receipt', { name: 'receipt', archiveId: 'a b', receiptId: 'rc_34e07caa98ec74ef' }],
    [
      'one receipt, an id with reserved characters and a row',
      { name: 'receipt', archiveId: 'x', receiptId: 'r/1?#& %', row: 42 },
    ],
    ['a stored line that is not a receipt', { name: 'receipt', archiveId: 'x', receiptId: '', row: 7 }],
    ['an ExecLayer log line by its number', { name: 'receipt', archiveId: 'x', receiptId: 'rcpt_1', line: 26 }],
    ['an ExecLayer line without a receipt', { name: 'receipt', archiveId: 'x', receiptId: '', line: 1 }],
    [
      'one receipt replayed under another bundle',
      { name: 'receipt', archiveId: 'x', receiptId: 'rc_1', row: 3, bundle: `sha256:${'ab'.repeat(32)}` },
    ],
    ['bundles', { name: 'bundles', archiveId: 'a b/c' }],
    ['workpaper', { name: 'workpaper', archiveId: 'a b/c' }],
    ['verify a workpaper', { name: 'verify-workpaper' }],
    ['bundle diff, no versions named', { name: 'bundle-diff', archiveId: 'x' }],
    [
      'bundle diff with an impact list',
      {
        name: 'bundle-diff',
        archiveId: 'x',
        from: `sha256:${'ab'.repeat(32)}`,
        to: `sha256:${'cd'.repeat(32)}`,
        filter: 4,
        list: 'allow-to-deny',
        policy: 'no legacy&?',
        action: 'db.read',
      },
    ],
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
    [
      'receipts, the explorer filters and a search',
      {
        name: 'receipts',
        archiveId: 'x',
        query: {
          from: '2026-04-01',
          to: '2026-04-02T10:00:00.5+02:00',
          resource: 'Table::customers & co?',
          tier: 3,
          personal: 'health',
          subject: `sha256:${'ab'.repeat(32)}`,
          txn: 'tx_01 #2',
          q: 'sha256:abcdef',
        },
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

  it('the privacy report has its own address; an empty filter is no filter', () => {
    expect(formatRoute({ name: 'privacy', archiveId: 'a1' })).toBe('#/archive/a1/privacy');
    expect(formatRoute({ name: 'privacy', archiveId: 'a1', text: 'crm 01' })).toBe('#/archive/a1/privacy?q=crm+01');
    expect(parseRoute('#/archive/a1/privacy?q=')).toEqual({ name: 'privacy', archiveId: 'a1' });
  });

  it('the control library and the control metrics have their own addresses', () => {
    expect(formatRoute({ name: 'controls', archiveId: 'a1' })).toBe('#/archive/a1/controls');
    expect(formatRoute({ name: 'metrics', archiveId: 'a1' })).toBe('#/archive/a1/metrics');
    expect(parseRoute('#/archive/a1/controls?x=1')).toEqual({ name: 'controls', archiveId: 'a1' });
    expect(parseRoute('#/archive/a1/metrics/')).toEqual({ name: 'metrics', archiveId: 'a1' });
  });

  it('a receipt has its own address; a row that is not a whole number is dropped', () => {
    expect(formatRoute({ name: 'receipt', archiveId: 'a1', receiptId: 'rc/1' })).toBe('#/archive/a1/receipt/rc%2F1');
    expect(formatRoute({ name: 'receipt', archiveId: 'a1', receiptId: 'rc_1', row: 3 })).toBe(
      '#/archive/a1/receipt/rc_1?row=3',
    );
    for (const row of ['-1', '1.5', 'x', ''])
      expect(parseRoute(`#/archive/a1/receipt/rc_1?row=${row}`)).toEqual({
        name: 'receipt',
        archiveId: 'a1',
        receiptId: 'rc_1',
      });
    // An ExecLayer line is 1 or more.
    expect(formatRoute({ name: 'receipt', archiveId: 'a1', receiptId: '', line: 26 })).toBe(
      '#/archive/a1/receipt/?line=26',
    );
    for (const line of ['0', '-1', '1.5', 'x', ''])
      expect(parseRoute(`#/archive/a1/receipt/rc_1?line=${line}`)).toEqual({
        name: 'receipt',
        archiveId: 'a1',
        receiptId: 'rc_1',
      });
  });

  it('bundle addresses: versions are hashes, the list one of its kinds; anything else is dropped', () => {
    expect(formatRoute({ name: 'bundles', archiveId: 'a1' })).toBe('#/archive/a1/bundles');
    expect(
      parseRoute('#/archive/a1/bundles/diff?from=sha256:abc&to=agents-prod@2&list=all&filter=-1&policy=&action='),
    ).toEqual({ name: 'bundle-diff', archiveId: 'a1' });
    expect(parseRoute(`#/archive/a1/receipt/rc_1?bundle=sha256:${'AB'.repeat(32)}`)).toEqual({
      name: 'receipt',
      archiveId: 'a1',
      receiptId: 'rc_1',
    });
    expect(
      formatRoute({ name: 'receipt', archiveId: 'a1', receiptId: 'rc_1', bundle: `sha256:${'ab'.repeat(32)}` }),
    ).toBe(`#/archive/a1/receipt/rc_1?bundle=sha256%3A${'ab'.repeat(32)}`);
  });

  it.each([
    ['from=2026-02-30', 'not a day'],
    ['to=2026-13-01', 'no month 13'],
    ['from=2026-04-01T25:00:00Z', 'no hour 25'],
    ['from=2026-04-01 10:00:00', 'no T, no zone'],
    ['from=yesterday', 'words'],
    ['tier=-1', 'negative tier'],
    ['tier=1.5', 'fractional tier'],
    ['tier=two', 'tier in words'],
    ['tier=9999999999999999', 'tier past 2^53'],
    [`subject=sha256:${'AB'.repeat(32)}`, 'subject in upper case'],
    ['subject=sha256:abc', 'short subject'],
    ['q=%20%20', 'blank search'],
  ])('drops %s (%s)', (search) => {
    expect(parseRoute(`#/archive/x/receipts?${search}`)).toEqual({ name: 'receipts', archiveId: 'x', query: {} });
  });

  it('time bounds: a date is a whole UTC day, both ends included; a full time is that instant', () => {
    expect(timeBound('2026-04-01', 'from')).toBe(Date.UTC(2026, 3, 1));
    expect(timeBound('2026-04-01', 'to')).toBe(Date.UTC(2026, 3, 2) - 1);
    expect(timeBound('2024-02-29', 'to')).toBe(Date.UTC(2024, 2, 1) - 1);
    expect(timeBound('2026-04-01T10:00:00Z', 'to')).toBe(Date.UTC(2026, 3, 1, 10));
    expect(timeBound('2026-04-01t10:00:00.250z', 'from')).toBe(Date.UTC(2026, 3, 1, 10, 0, 0, 250));
    expect(timeBound('2026-04-01T12:00:00+02:00', 'from')).toBe(Date.UTC(2026, 3, 1, 10));
    expect(timeBound('2025-02-29', 'from')).toBeNull();
    expect(timeBound('2026-04-01T10:00:00+24:00', 'from')).toBeNull();
  });

  it('the query as text round-trips (what a saved filter keeps), without the row', () => {
    const query = { ledger: 'gw eu', tier: 0, personal: 'any', from: '2026-04-01', q: 'rc_1' } as const;
    const text = queryString(query);
    expect(text).toBe('ledger=gw+eu&from=2026-04-01&personal=any&q=rc_1&tier=0');
    expect(parseQueryString(text)).toEqual(query);
    expect(queryString({})).toBe('');
    expect(parseQueryString('tier=x&effect=deny')).toEqual({ effect: 'deny' });
  });

  it('the explorer filters become table filter members', () => {
    const none = () => [];
    expect(
      filterOf(
        { from: '2026-04-01', to: '2026-04-01', tier: 0, personal: 'any', txn: 't', resource: 'T::r', q: 'x' },
        none,
      ),
    ).toEqual({
      fromMs: Date.UTC(2026, 3, 1),
      toMs: Date.UTC(2026, 3, 2) - 1,
      tier: 0,
      personal: 'any',
      txn: 't',
      resource: 'T::r',
    });
    expect(filterOf({ personal: 'health', subject: `sha256:${'0'.repeat(64)}` }, none)).toEqual({
      personal: { category: 'health' },
      subject: `sha256:${'0'.repeat(64)}`,
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

  it('samples: the list, the new-sample form, one sample by its id; anything else under samples is the list', () => {
    expect(formatRoute({ name: 'samples', archiveId: 'a b' })).toBe('#/archive/a%20b/samples');
    expect(formatRoute({ name: 'samples', archiveId: 'a1', creating: true })).toBe('#/archive/a1/samples/new');
    expect(formatRoute({ name: 'sample', archiveId: 'a1', sampleId: 12 })).toBe('#/archive/a1/samples/12');
    for (const route of [
      { name: 'samples', archiveId: 'a b/c' },
      { name: 'samples', archiveId: 'a1', creating: true },
      { name: 'sample', archiveId: 'a1', sampleId: 7 },
    ] as const)
      expect(parseRoute(formatRoute(route))).toEqual(route);
    expect(parseRoute('#/archive/a1/samples/')).toEqual({ name: 'samples', archiveId: 'a1' });
    for (const id of ['0', '-1', '1.5', '01', 'x', '9999999999999999'])
      expect(parseRoute(`#/archive/a1/samples/${id}`)).toEqual({ name: 'samples', archiveId: 'a1' });
  });
});
