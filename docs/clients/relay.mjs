// Relay over Harmony's /graphql. Harmony follows Relay's server
// conventions: `Customer implements Node` and `node(id: ID!)` refetches it
// by its global `id` (@refetchable), and `customers`, `timeline`,
// `conversations`, ... are cursor connections (`first`/`after`, `edges {
// cursor node }`, `pageInfo`), so @connection and pagination work.
// relay-compiler reads the schema as SDL: print it from the gateway's
// introspection (server.introspection on) with graphql-js, as below, or
// keep a copy in your repository.
import { buildClientSchema, getIntrospectionQuery, printSchema } from 'graphql';
import { Environment, Network, RecordSource, Store } from 'relay-runtime';

export async function fetchSDL(url, headers = {}) {
  const resp = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify({ query: getIntrospectionQuery() }),
  });
  const { data } = await resp.json();
  return printSchema(buildClientSchema(data));
}

export function createRelayEnvironment(url, headers = {}) {
  return new Environment({
    network: Network.create(async (op, variables) => {
      const resp = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify({ query: op.text, variables }),
      });
      return resp.json();
    }),
    store: new Store(new RecordSource()),
  });
}
