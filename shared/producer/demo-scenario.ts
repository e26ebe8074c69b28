/**
 * The demo's world: agents, the data and accounts they touch, the policy bundle in two
 * versions, and what each agent tends to do. Data only; demo.ts turns it into receipts.
 *
 * The policies follow the independent sample archive (policies/agents-prod-v*.json) so
 * both producers exercise the same Cedar shapes.
 */
import type { BundleBody } from '../format/schema.ts';

export const PERIOD = Object.freeze({ from: '2026-04-01T00:00:00.000Z', to: '2026-06-30T23:59:59.000Z' });
/** v1 is in effect before this instant, v2 from it on. */
export const V2_FROM = '2026-05-15T00:00:00.000Z';
export const KEY_VALIDITY = Object.freeze({
  notBefore: '2026-01-01T00:00:00.000Z',
  notAfter: '2027-01-01T00:00:00.000Z',
});
export const MANIFEST_CREATED_AT = '2026-07-01T01:00:00.000Z';
export const LEDGERS = Object.freeze(['gw-eu-1', 'gw-us-1'] as const);
export const APPROVER = 'controller@example.com';
export const APPROVED_RECIPIENTS = Object.freeze(['crm.example.com', 'mailer.example.net']);

export interface Agent {
  readonly id: string;
  readonly role: string;
  readonly tier: number;
}

export interface Resource {
  readonly type: 'Table' | 'Account' | 'Recipient';
  readonly id: string;
  /** The Cedar entity's attributes as the gate's entity store has them. */
  readonly attrs: Readonly<Record<string, unknown>>;
}

/** One kind of action an agent takes, with the data it touches. */
export interface Intent {
  readonly action: string;
  /** A fixed resource, or a family picked from at random (accounts). */
  readonly resources: readonly Resource[];
  readonly dataTier: number;
  readonly personal: readonly string[];
  /** How many data subjects the action touches when `personal` is not empty. */
  readonly subjects?: readonly [number, number];
  readonly context?: Readonly<Record<string, unknown>>;
  /** Ask the approver before acting (payments). */
  readonly approval?: boolean;
  /** Searches repeat earlier queries and are answered from the cache. */
  readonly cacheable?: boolean;
}

const table = (id: string, tier: number): Resource => ({ type: 'Table', id, attrs: { tier } });
const recipient = (id: string, approved: boolean): Resource => ({ type: 'Recipient', id, attrs: { approved } });

export const TABLES = Object.freeze({
  customers: table('customers', 2),
  payment_methods: table('payment_methods', 1),
  invoices: table('invoices', 2),
  orders: table('orders', 3),
  kb_articles: table('kb_articles', 4),
});
export const ACCOUNTS: readonly Resource[] = Object.freeze(
  Array.from({ length: 9 }, (_, i): Resource => ({ type: 'Account', id: `acct-${i + 1}`, attrs: { tier: 1 } })),
);
export const RECIPIENTS = Object.freeze({
  crm: recipient('crm.example.com', true),
  mailer: recipient('mailer.example.net', true),
  partner: recipient('partner.example.org', false),
  /** Marked approved in the entity store, but missing from the bundle's approved list. */
  tracker: recipient('tracker.example.io', true),
});

export const AGENTS = Object.freeze({
  crm: { id: 'crm-01', role: 'data_processor', tier: 2 },
  billing: { id: 'billing-02', role: 'finance', tier: 1 },
  support: { id: 'support-07', role: 'support', tier: 3 },
  analytics: { id: 'analytics-04', role: 'analyst', tier: 3 },
  legacy: { id: 'legacy-bot', role: 'legacy', tier: 3 },
} satisfies Record<string, Agent>);

const w = <T>(weight: number, value: T) => ({ weight, value });
const search: Intent = {
  action: 'kb.search',
  resources: [TABLES.kb_articles],
  dataTier: 4,
  personal: [],
  cacheable: true,
};

/** What each agent does, weighted. Agents are weighted too: who acts how often. */
export const BEHAVIOUR: readonly {
  readonly weight: number;
  readonly value: {
    readonly agent: Agent;
    readonly intents: readonly { readonly weight: number; readonly value: Intent }[];
  };
}[] = [
  w(30, {
    agent: AGENTS.crm,
    intents: [
      w(30, {
        action: 'db.read',
        resources: [TABLES.customers],
        dataTier: 2,
        personal: ['email', 'phone'],
        subjects: [1, 3],
      }),
      w(15, { action: 'db.update', resources: [TABLES.customers], dataTier: 2, personal: ['email'], subjects: [1, 1] }),
      w(10, { action: 'data.share', resources: [RECIPIENTS.crm], dataTier: 2, personal: ['email'], subjects: [1, 2] }),
      w(10, search),
      w(4, { action: 'db.read', resources: [TABLES.payment_methods], dataTier: 1, personal: [] }),
      w(2, {
        action: 'db.export',
        resources: [TABLES.customers],
        dataTier: 2,
        personal: ['email', 'phone'],
        subjects: [5, 20],
      }),
    ],
  }),
  w(15, {
    agent: AGENTS.billing,
    intents: [
      w(20, { action: 'db.read', resources: [TABLES.invoices], dataTier: 2, personal: [] }),
      w(20, {
        action: 'payments.release',
        resources: ACCOUNTS,
        dataTier: 1,
        personal: [],
        context: { approved: true },
        approval: true,
      }),
      w(3, {
        action: 'payments.release',
        resources: ACCOUNTS,
        dataTier: 1,
        personal: [],
        context: { approved: false },
      }),
      w(10, search),
      w(5, { action: 'db.update', resources: [TABLES.invoices], dataTier: 2, personal: [] }),
    ],
  }),
  w(30, {
    agent: AGENTS.support,
    intents: [
      w(30, { action: 'db.read', resources: [TABLES.orders], dataTier: 3, personal: ['email'], subjects: [1, 1] }),
      w(20, search),
      w(10, {
        action: 'data.share',
        resources: [RECIPIENTS.mailer],
        dataTier: 3,
        personal: ['email'],
        subjects: [1, 1],
      }),
      w(8, {
        action: 'db.read',
        resources: [TABLES.customers],
        dataTier: 2,
        personal: ['email', 'phone'],
        subjects: [1, 1],
      }),
    ],
  }),
  w(20, {
    agent: AGENTS.analytics,
    intents: [
      w(25, { action: 'db.read', resources: [TABLES.orders], dataTier: 3, personal: [] }),
      w(15, search),
      w(5, { action: 'db.export', resources: [TABLES.orders], dataTier: 3, personal: [] }),
      w(5, {
        action: 'data.share',
        resources: [RECIPIENTS.partner],
        dataTier: 3,
        personal: ['email'],
        subjects: [10, 40],
      }),
      w(5, { action: 'data.share', resources: [RECIPIENTS.mailer], dataTier: 4, personal: [] }),
    ],
  }),
  w(5, {
    agent: AGENTS.legacy,
    intents: [w(10, search), w(10, { action: 'db.read', resources: [TABLES.kb_articles], dataTier: 4, personal: [] })],
  }),
];

const COMMON_POLICIES = {
  'no-export': 'forbid(principal, action == Action::"db.export", resource);',
  payments:
    'permit(principal is Agent, action == Action::"payments.release", resource is Account) when { context has approved && context.approved && principal.role == "finance" };',
  'share-approved':
    'permit(principal is Agent, action == Action::"data.share", resource is Recipient) when { resource.approved };',
  'tier-read':
    'permit(principal is Agent, action == Action::"db.read", resource is Table) when { resource.tier >= principal.tier };',
  'tier-write':
    'permit(principal is Agent, action == Action::"db.update", resource is Table) when { resource.tier >= principal.tier && principal.role == "data_processor" };',
};

function bundleBody(
  version: number,
  from: string,
  until: string | null,
  supersedes: string | null,
  policies: Record<string, string>,
): BundleBody {
  return {
    approval_required: ['payments.release'],
    cedar: { policies },
    data_handling: { approved_recipients: [...APPROVED_RECIPIENTS], personal_categories: ['email', 'phone'] },
    effective_from: from,
    effective_until: until,
    id: 'agents-prod',
    slo: { p99_latency_ms: 2000 },
    supersedes,
    tiers: { '1': 'restricted', '2': 'confidential', '3': 'internal', '4': 'public' },
    version,
  };
}

/** v1: searches open to every agent. */
export function bundleV1(): BundleBody {
  return bundleBody(1, PERIOD.from, V2_FROM, null, {
    ...COMMON_POLICIES,
    search: 'permit(principal is Agent, action == Action::"kb.search", resource);',
  });
}

/** v2: searches follow tiers, and the legacy bot is switched off. */
export function bundleV2(supersedes: string): BundleBody {
  return bundleBody(2, V2_FROM, null, supersedes, {
    ...COMMON_POLICIES,
    'no-legacy': 'forbid(principal == Agent::"legacy-bot", action, resource);',
    search:
      'permit(principal is Agent, action == Action::"kb.search", resource is Table) when { resource.tier >= principal.tier };',
  });
}
