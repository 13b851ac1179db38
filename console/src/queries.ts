// The operations the console sends, and the shapes of their answers. Only
// fields the schema (graph/schema/*.graphqls) has are asked for; the
// optional metric fields are discovered at run time (see metrics.ts).

export const SOURCES = /* GraphQL */ `
query ConsoleSources {
  sources { name kind capabilities }
}`;

export const LOOKUP = /* GraphQL */ `
query ConsoleLookup($identifiers: [IdentifierInput!]!) {
  customersByIdentifiers(identifiers: $identifiers) {
    id
    profile { givenName { value } familyName { value } city { value } }
  }
}`;

export const BY_ID = /* GraphQL */ `
query ConsoleById($id: ID!) {
  customer(id: $id) {
    id
    profile { givenName { value } familyName { value } city { value } }
  }
}`;

export const BY_NAME = /* GraphQL */ `
query ConsoleByName($prefix: String!) {
  customers(first: 10, filter: {namePrefix: $prefix}) {
    totalCount
    edges { node { id profile { givenName { value } familyName { value } city { value } } } }
  }
}`;

export const CUSTOMER = /* GraphQL */ `
query Console360($id: ID!) {
  customer(id: $id) {
    id
    createdAt
    mergedIds
    erasedAt
    profile {
      givenName { ...Field }
      familyName { ...Field }
      email { ...Field }
      phone { ...Field }
      whatsapp { ...Field }
      loyaltyCard { ...Field }
      birthDate { ...Field }
      city { ...Field }
      country { ...Field }
      language { ...Field }
      attributes { name value source fetchedAt }
      sources
    }
    identities { kind value system rule source confidence linkedAt status mergedFrom }
    consents { id purpose channel status source recordedAt }
    metrics {
      orderCount
      totalSpent { amount currency }
      lastContactChannel
      lastContactAt
      averageFirstResponseSeconds
      computedAt
      complete
    }
    orders(first: 100) { id source channel placedAt status total { amount currency } stale fetchedAt }
    interactions(first: 100) { id source channel type occurredAt firstResponseAt resolvedAt stale fetchedAt }
  }
}
fragment Field on ProfileField {
  value source fetchedAt updatedAt rule stale
  alternatives { value source fetchedAt stale }
}`;

export const TIMELINE = /* GraphQL */ `
query ConsoleTimeline($id: ID!, $after: String) {
  customer(id: $id) {
    timeline(first: 20, after: $after) {
      edges {
        cursor
        node {
          id occurredAt channel source kind summary stale fetchedAt
          payload {
            __typename
            ... on Order { orderStatus: status location total { amount currency } }
            ... on Interaction { status threadRef direction durationSeconds }
          }
        }
      }
      gaps { source capability code reason fetchedAt }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

export const CONVERSATIONS = /* GraphQL */ `
query ConsoleConversations($id: ID!, $after: String) {
  customer(id: $id) {
    conversations(first: 20, after: $after) {
      edges {
        node {
          id channels startedAt lastActivityAt status threadRef
          messages { id source channel type direction occurredAt summary status }
          transcript(first: 100) {
            edges { node { interactionId messageId source at channel author text } }
            pageInfo { hasNextPage }
          }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

export const ACTIVITY = /* GraphQL */ `
subscription ConsoleActivity($id: ID!) {
  customerActivity(customerId: $id) {
    id source eventType channel type direction occurredAt receivedAt summary status threadRef
  }
}`;

export interface Value {
  value: string;
  source: string;
  fetchedAt: string;
  updatedAt?: string | null;
  stale?: boolean;
}

export interface ProfileField extends Value {
  rule: string;
  stale: boolean;
  alternatives: Value[];
}

export interface Money {
  amount: string;
  currency: string;
}

export interface Identity {
  kind: string;
  value: string;
  system: string | null;
  rule: string;
  source: string;
  confidence: number;
  linkedAt: string;
  status: string;
  mergedFrom: string | null;
}

export interface Consent {
  id: string;
  purpose: string;
  channel: string | null;
  status: string;
  source: string;
  recordedAt: string;
}

export interface Metrics {
  orderCount: number;
  totalSpent: Money[];
  lastContactChannel: string | null;
  lastContactAt: string | null;
  averageFirstResponseSeconds: number | null;
  computedAt: string;
  complete: boolean;
}

export interface Order {
  id: string;
  source: string;
  channel: string;
  placedAt: string;
  status: string;
  total: Money;
  stale: boolean;
  fetchedAt: string | null;
}

export interface InteractionLite {
  id: string;
  source: string;
  channel: string;
  type: string;
  occurredAt: string;
  firstResponseAt: string | null;
  resolvedAt: string | null;
  stale: boolean;
  fetchedAt: string | null;
}

export const PROFILE_FIELDS = [
  ['givenName', 'Given name'],
  ['familyName', 'Family name'],
  ['email', 'E-mail'],
  ['phone', 'Phone'],
  ['whatsapp', 'WhatsApp'],
  ['loyaltyCard', 'Loyalty card'],
  ['birthDate', 'Birth date'],
  ['city', 'City'],
  ['country', 'Country'],
  ['language', 'Language'],
] as const;

export type ProfileKey = (typeof PROFILE_FIELDS)[number][0];

export interface Customer {
  id: string;
  createdAt: string;
  mergedIds: string[];
  erasedAt: string | null;
  profile: ({ [K in ProfileKey]: ProfileField | null } & {
    attributes: { name: string; value: string; source: string; fetchedAt: string }[];
    sources: string[];
  }) | null;
  identities: Identity[] | null;
  consents: Consent[] | null;
  metrics: Metrics | null;
  orders: Order[] | null;
  interactions: InteractionLite[] | null;
}

export interface CustomerSummary {
  id: string;
  profile: { givenName: { value: string } | null; familyName: { value: string } | null; city: { value: string } | null } | null;
}

export interface TimelineNode {
  id: string;
  occurredAt: string;
  channel: string;
  source: string;
  kind: string;
  summary: string;
  /** stale: the entry comes from a value read before its system failed, at fetchedAt. */
  stale?: boolean;
  fetchedAt?: string | null;
  payload:
    | { __typename: 'Order'; orderStatus: string; location: string | null; total: Money }
    | { __typename: 'Interaction'; status: string | null; threadRef: string | null; direction: string | null; durationSeconds: number | null };
}

export interface TimelineGap {
  source: string;
  capability: string;
  code: string;
  /** FAILED: the source's entries are missing; STALE: they are shown from values read at fetchedAt. */
  reason: 'FAILED' | 'STALE';
  fetchedAt: string | null;
}

export interface TimelinePage {
  edges: { cursor: string; node: TimelineNode }[];
  gaps: TimelineGap[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export interface Message {
  id: string;
  source: string;
  channel: string;
  type: string;
  direction: string | null;
  occurredAt: string;
  summary: string | null;
  status: string | null;
}

export interface Conversation {
  id: string;
  channels: string[];
  startedAt: string;
  lastActivityAt: string;
  status: string;
  threadRef: string | null;
  messages: Message[];
  transcript?: Transcript | null;
}

export interface TranscriptEntry {
  interactionId: string;
  messageId: string | null;
  source: string;
  at: string;
  channel: string;
  author: string | null;
  text: string | null;
}

export interface Transcript {
  edges: { node: TranscriptEntry }[];
  pageInfo: { hasNextPage: boolean };
}

export const RECOMMENDATIONS = /* GraphQL */ `
query ConsoleRecommendations($id: ID!) {
  customer(id: $id) {
    recommendations(first: 8) {
      status message modelBuiltAt
      items { sku name score reason { kind sku name text } }
    }
  }
}`;

export interface Recommendations {
  status: 'OK' | 'NO_CONSENT' | 'NOT_READY';
  message: string | null;
  modelBuiltAt: string | null;
  items: { sku: string; name: string | null; score: number; reason: { kind: string; sku: string | null; name: string | null; text: string } }[];
}

export interface ActivityEvent {
  id: string;
  source: string;
  eventType: string | null;
  channel: string | null;
  type: string | null;
  direction: string | null;
  occurredAt: string;
  receivedAt: string;
  summary: string | null;
  status: string | null;
  threadRef: string | null;
}

// The analytics page: figures over every customer or a segment's members.
export const ANALYTICS = /* GraphQL */ `
  query ConsoleAnalytics($segment: ID) {
    analytics(segment: $segment) {
      customers buyers repeatBuyers repeatPurchaseRate
      cohorts { month customers retention { monthsAfter active rate } }
      retention { monthsAfter customers active rate }
      churn { low medium high }
      engagement { mean bands }
      csat { ratings mean satisfiedShare }
      nps { respondents promoters passives detractors score }
      npsTrend { month respondents score }
      firstResponseByChannel { channel answered averageSeconds }
      conversionByCampaign { campaignId touched converted rate }
      conversionWindowDays
      channelMix { channel contacts share }
      freshness { computedAt builtAt eventsSinceBuild storedEvents lastEventAt failedSources missingCustomers complete }
    }
    segments { id name count }
  }
`;

export interface Analytics {
  customers: number;
  buyers: number;
  repeatBuyers: number;
  repeatPurchaseRate: number | null;
  cohorts: { month: string; customers: number; retention: { monthsAfter: number; active: number; rate: number }[] }[];
  retention: { monthsAfter: number; customers: number; active: number; rate: number }[];
  churn: { low: number; medium: number; high: number };
  engagement: { mean: number | null; bands: number[] };
  csat: { ratings: number; mean: number | null; satisfiedShare: number | null };
  nps: { respondents: number; promoters: number; passives: number; detractors: number; score: number | null };
  npsTrend: { month: string; respondents: number; score: number }[];
  firstResponseByChannel: { channel: string; answered: number; averageSeconds: number }[];
  conversionByCampaign: { campaignId: string; touched: number; converted: number; rate: number }[];
  conversionWindowDays: number;
  channelMix: { channel: string; contacts: number; share: number }[];
  freshness: {
    computedAt: string;
    builtAt: string | null;
    eventsSinceBuild: number;
    storedEvents: number;
    lastEventAt: string | null;
    failedSources: string[];
    missingCustomers: number;
    complete: boolean;
  };
}

export const JOURNEY_RUNS = /* GraphQL */ `
query ConsoleJourneyRuns($id: ID!, $after: String) {
  customer(id: $id) {
    journeyRuns(first: 20, after: $after) {
      edges {
        node {
          id journeyId status step channel source reason triggeredAt dueAt doneAt convertedAt
          journey { description }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

export interface JourneyRun {
  id: string;
  journeyId: string;
  status: 'PENDING' | 'SENT' | 'SKIPPED';
  step: string;
  channel: string | null;
  source: string | null;
  reason: string | null;
  triggeredAt: string;
  dueAt: string;
  doneAt: string | null;
  convertedAt: string | null;
  journey: { description: string } | null;
}
