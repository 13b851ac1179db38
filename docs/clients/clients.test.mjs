// Runs the snippets of docs/clients.md against a running demo gateway.
//
// Usage: node --conditions=development clients.test.mjs
// Environment (set by TestClientSnippets in internal/clients):
//   HARMONY_CLIENTS_URL       the gateway (http://127.0.0.1:PORT)
//   HARMONY_CLIENTS_CUSTOMER  a demo customer's Harmony ID, with orders and interactions
//   HARMONY_CLIENTS_LIVE_URL  POST here makes the helpdesk send a webhook event for them
//
// Each check first shows, on a client configured the naive way, that it
// sees the problem it guards against (Apollo's warnings, graphcache's),
// so that a check that sees nothing cannot pass by accident. A JSON report
// goes to stdout (no customer data); the exit code is 0 only when every
// check passed.
import { gql, InMemoryCache, ApolloClient, HttpLink } from '@apollo/client';
import { createApolloClient } from './apollo.mjs';
import { createUrqlClient, fetchSchema } from './urql.mjs';
import { relayFetch, refetchCustomer, customersPage } from './relay.mjs';
import { watchCustomerWS } from './graphql-ws.mjs';
import { watchCustomerSSE } from './sse.mjs';
import { buildClientSchema, isInterfaceType, isObjectType } from 'graphql';
import { Client, fetchExchange } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';

const base = process.env.HARMONY_CLIENTS_URL;
const customer = process.env.HARMONY_CLIENTS_CUSTOMER;
const liveURL = process.env.HARMONY_CLIENTS_LIVE_URL;
if (!base || !customer || !liveURL) {
  console.error('set HARMONY_CLIENTS_URL, HARMONY_CLIENTS_CUSTOMER and HARMONY_CLIENTS_LIVE_URL');
  process.exit(2);
}
const url = `${base}/graphql`;
const timeout = Number(process.env.HARMONY_CLIENTS_TIMEOUT_MS) || 60_000;

const report = { checks: {}, problems: [] };
const check = (name, ok, detail) => {
  report.checks[name] = ok ? 'ok' : `FAILED${detail ? `: ${detail}` : ''}`;
  if (!ok) report.problems.push(name);
  return ok;
};

// Library warnings, captured per step (their text names types and fields,
// never data).
let warnings = [];
for (const level of ['warn', 'error']) {
  const orig = console[level].bind(console);
  console[level] = (...args) => {
    warnings.push(args.map(String).join(' ').slice(0, 300));
    void orig;
  };
}
const captured = async (fn) => {
  warnings = [];
  const out = await fn();
  return { out, warnings: [...warnings] };
};

const TIMELINE = `query Timeline($id: ID!) {
  customer(id: $id) {
    id
    timeline(first: 30) {
      edges { cursor node { id kind source payload { __typename ... on Order { total { amount currency } } ... on Interaction { status } } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;
const NAMES = `query Names($id: ID!) { customer(id: $id) { id profile { givenName { value source } familyName { value } } } }`;
const CONTACT = `query Contact($id: ID!) { customer(id: $id) { id profile { givenName { fetchedAt } email { value } } } }`;

const payloadsMatched = (data) => {
  const edges = data?.customer?.timeline?.edges ?? [];
  const orders = edges.filter((e) => e.node.payload?.__typename === 'Order');
  const interactions = edges.filter((e) => e.node.payload?.__typename === 'Interaction');
  return orders.length > 0 && interactions.length > 0 && orders.every((e) => e.node.payload.total) && interactions.every((e) => 'status' in e.node.payload);
};
const lossWarning = (ws) => ws.some((w) => /Cache data may be lost|Cannot match|fragment/i.test(w));

async function apollo() {
  // The naive cache: Apollo warns and loses data.
  const naive = new ApolloClient({ link: new HttpLink({ uri: url }), cache: new InMemoryCache() });
  const n = await captured(async () => {
    await naive.query({ query: gql(TIMELINE), variables: { id: customer } });
    await naive.query({ query: gql(NAMES), variables: { id: customer } });
    await naive.query({ query: gql(CONTACT), variables: { id: customer } });
  });
  check('control: a plain InMemoryCache warns (the check sees Apollo\'s warnings)', lossWarning(n.warnings), n.warnings.join(' | ') || 'no warning');

  const client = createApolloClient(url);
  const r = await captured(async () => {
    const t = await client.query({ query: gql(TIMELINE), variables: { id: customer } });
    await client.query({ query: gql(NAMES), variables: { id: customer } });
    await client.query({ query: gql(CONTACT), variables: { id: customer } });
    const names = client.readQuery({ query: gql(NAMES), variables: { id: customer } });
    const contact = client.readQuery({ query: gql(CONTACT), variables: { id: customer } });
    return { t, names, contact };
  });
  check('apollo: no warning', r.warnings.length === 0, r.warnings.join(' | '));
  check('apollo: the timeline payloads match their fragments', payloadsMatched(r.out.t.data));
  check('apollo: the cache keeps both queries\' profile fields', !!r.out.names?.customer?.profile?.familyName && !!r.out.contact?.customer?.profile?.givenName?.fetchedAt);
}

async function urql() {
  const schema = await fetchSchema(url);
  check('urql: the gateway answers introspection', !!schema?.__schema);
  // The naive cache: graphcache warns that it cannot key embedded objects
  // and guesses at fragments on the union.
  const naive = new Client({ url, preferGetMethod: false, exchanges: [cacheExchange({}), fetchExchange] });
  const n = await captured(() => naive.query(TIMELINE, { id: customer }).toPromise());
  check('control: a graphcache without schema and keys warns (the check sees its warnings)', n.warnings.length > 0, 'no warning');
  const client = createUrqlClient(url, schema);
  const r = await captured(async () => {
    const t = await client.query(TIMELINE, { id: customer }).toPromise();
    await client.query(NAMES, { id: customer }).toPromise();
    await client.query(CONTACT, { id: customer }).toPromise();
    const names = await client.query(NAMES, { id: customer }, { requestPolicy: 'cache-only' }).toPromise();
    return { t, names };
  });
  check('urql: no error', !r.out.t.error, r.out.t.error?.message);
  check('urql: no warning', r.warnings.length === 0, r.warnings.join(' | '));
  check('urql: the timeline payloads match their fragments', payloadsMatched(r.out.t.data));
  check('urql: the cache answers a query it has seen', !!r.out.names.data?.customer?.profile?.familyName);
}

async function relay() {
  const schema = await fetchSchema(url);
  const s = buildClientSchema(schema);
  const node = s.getType('Node');
  const customerType = s.getType('Customer');
  check('relay: Node is an interface with id: ID!', isInterfaceType(node) && String(node.getFields().id?.type) === 'ID!');
  check('relay: Customer implements Node', isObjectType(customerType) && customerType.getInterfaces().some((i) => i.name === 'Node'));
  check('relay: Query.node(id: ID!): Node', String(s.getQueryType().getFields().node?.type) === 'Node');
  const r = await relayFetch(url, refetchCustomer, { id: customer });
  check('relay: node(id) refetches the customer', r.data?.node?.id === customer && r.data.node.__typename === 'Customer', JSON.stringify(r.errors ?? null));
  const p1 = await relayFetch(url, customersPage, { count: 3, cursor: null });
  const c1 = p1.data?.customers;
  const p2 = c1?.pageInfo.hasNextPage ? await relayFetch(url, customersPage, { count: 3, cursor: c1.pageInfo.endCursor }) : null;
  const ids1 = c1?.edges.map((e) => e.node.id) ?? [];
  const ids2 = p2?.data?.customers.edges.map((e) => e.node.id) ?? [];
  check('relay: a connection pages on endCursor without overlap', ids1.length === 3 && ids2.length > 0 && !ids2.some((id) => ids1.includes(id)));
  check('relay: every edge has a cursor', c1?.edges.every((e) => typeof e.cursor === 'string' && e.cursor));
}

// live subscribes with one transport and sends webhook events until one
// arrives for the customer.
async function live(name, watch, wsURL) {
  let got = null;
  let err = null;
  const stop = watch(wsURL, customer, (ev, errors) => {
    if (errors?.length) err = errors[0].message;
    if (ev) got = ev;
  }, (e) => {
    err = e instanceof Error ? e.message : String(e?.reason ?? e?.message ?? e);
  });
  const deadline = Date.now() + timeout;
  while (!got && !err && Date.now() < deadline) {
    await fetch(liveURL, { method: 'POST' });
    await new Promise((r) => setTimeout(r, 1000));
  }
  stop();
  check(`${name}: a live event arrives for the customer`, !!got && got.source === 'helpdesk', err ?? (got ? got.source : 'nothing within the timeout'));
}

// urql aborts the fetch of an operation torn down once answered (toPromise
// takes the first result); Node reports that abort as unhandled.
process.on('unhandledRejection', (e) => {
  if (e?.name === 'AbortError') return;
  check('no unhandled rejection', false, e instanceof Error ? e.message.split('\n')[0] : String(e));
});

try {
  await apollo();
  await urql();
  await relay();
  await live('graphql-ws', watchCustomerWS, url.replace(/^http/, 'ws'));
  await live('sse', watchCustomerSSE, url);
} catch (e) {
  check('no exception', false, e instanceof Error ? e.message.split('\n')[0] : String(e));
}
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
process.exit(report.problems.length === 0 ? 0 : 1);
