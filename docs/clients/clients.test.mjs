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
import { createRelayEnvironment, fetchSDL } from './relay.mjs';
import { fetchQuery } from 'relay-runtime';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { watchCustomerWS } from './graphql-ws.mjs';
import { watchCustomerSSE } from './sse.mjs';
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
const here = dirname(fileURLToPath(import.meta.url));
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
  // relay-compiler compiles the fragments of relay/fragments.js against
  // the gateway's schema; the artifacts it writes run on relay-runtime.
  writeFileSync(join(here, 'relay', 'schema.graphql'), await fetchSDL(url));
  rmSync(join(here, 'relay', '__generated__'), { recursive: true, force: true });
  mkdirSync(join(here, 'relay', '__generated__'));
  const compiled = spawnSync(join(here, 'node_modules', '.bin', 'relay-compiler'), [], { cwd: here, encoding: 'utf8' });
  if (!check('relay: relay-compiler compiles the fragments against the schema', compiled.status === 0, (compiled.stderr || compiled.stdout || '').split('\n').filter(Boolean).slice(-3).join(' | '))) return;
  const artifact = async (name) => (await import(join(here, 'relay', '__generated__', `${name}.graphql.js`))).default;

  const sent = [];
  const env = createRelayEnvironment(url);
  const network = env.getNetwork();
  const execute = network.execute.bind(network);
  network.execute = (op, vars, ...rest) => {
    sent.push({ text: op.text, vars });
    return execute(op, vars, ...rest);
  };
  const records = () => env.getStore().getSource();

  const refetch = await artifact('RelayCustomerRefetchQuery');
  await fetchQuery(env, await artifact('RelayCustomerQuery'), { id: customer }).toPromise();
  await fetchQuery(env, refetch, { id: customer }).toPromise();
  check('relay: the refetch query goes through node(id:)', /node\(id: \$id\)/.test(sent.at(-1)?.text || ''));
  const rec = records().get(customer);
  check('relay: the customer is normalized under its global id', rec?.__typename === 'Customer' && rec.id === customer);

  const pages = await artifact('RelayCustomersPaginationQuery');
  const first = await fetchQuery(env, pages, { count: 3, cursor: null }).toPromise();
  check('relay: the pagination query uses first/after', /customers\(first: \$count, after: \$cursor\)/.test(sent.at(-1)?.text || ''));
  void first;
  const ids = (source) =>
    source
      .getRecordIDs()
      .filter((id) => source.get(id)?.__typename === 'Customer')
      .sort();
  const before = ids(records());
  const conn = records()
    .getRecordIDs()
    .map((id) => records().get(id))
    .find((r) => r?.__typename === 'PageInfo');
  check('relay: the connection has pageInfo with an endCursor', !!conn?.endCursor && conn.hasNextPage === true);
  await fetchQuery(env, pages, { count: 3, cursor: conn?.endCursor ?? null }).toPromise();
  const after = ids(records());
  check('relay: the next page brings other customers', after.length >= before.length + 3, `${before.length} then ${after.length}`);
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
